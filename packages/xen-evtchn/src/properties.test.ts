import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evtchnIoctlCmd } from './codecs.js';
import { openEvtchn, type EvtchnDevice } from './device.js';
import { evtchnInvariants } from './invariants.js';
import { evtchnProject } from './check-space.js';
import { inMemoryHypervisor, inMemoryIrqLayer } from './ports.js';
import {
  EMPTY_RING,
  evtchnInterruptPushInPlace,
  evtchnPollMask,
  evtchnReadCopy,
  evtchnResetRing,
  evtchnResizeRing,
  evtchnResizeTarget,
  evtchnRingDraft,
  evtchnRoundCount,
  type EvtchnRing,
} from './model.js';

/** Operations on one file, as a user and a hypervisor would issue them. */
type Op =
  | { op: 'bindUnbound'; dom: number }
  | { op: 'bindVirq'; virq: number }
  | { op: 'bindInterdomain' }
  | { op: 'unbind'; pick: number }
  | { op: 'notify'; pick: number }
  | { op: 'reset' }
  | { op: 'restrict'; domid: number }
  | { op: 'raise'; pick: number }
  | { op: 'read'; count: number }
  | { op: 'write'; picks: number[]; blind: boolean }
  | { op: 'poll' }
  | { op: 'rawIoctl'; nr: number; size: number; bytes: number[] };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({ op: fc.constant('bindUnbound' as const), dom: fc.constantFrom(0, 1, 5) }),
    weight: 3,
  },
  fc.record({ op: fc.constant('bindVirq' as const), virq: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ op: fc.constant('bindInterdomain' as const) }),
  fc.record({ op: fc.constant('unbind' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('notify' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('reset' as const) }),
  fc.record({ op: fc.constant('restrict' as const), domid: fc.constantFrom(0, 1, 2, 0x7ff0) }),
  { arbitrary: fc.record({ op: fc.constant('raise' as const), pick: fc.nat() }), weight: 5 },
  {
    arbitrary: fc.record({ op: fc.constant('read' as const), count: fc.constantFrom(0, 3, 4, 8, 64, 5000) }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      picks: fc.array(fc.nat(), { maxLength: 4 }),
      blind: fc.boolean(),
    }),
    weight: 3,
  },
  fc.record({ op: fc.constant('poll' as const) }),
  fc.record({
    op: fc.constant('rawIoctl' as const),
    nr: fc.integer({ min: 0, max: 8 }),
    size: fc.constantFrom(0, 2, 4, 8),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 9 }),
  }),
);

function pickFrom(list: readonly number[], pick: number): number {
  return list.length === 0 ? pick % 8 : (list[pick % list.length] as number);
}

/** Applies one op through the facade; returns ports read (for well-behaved writes). */
function apply(d: EvtchnDevice, o: Op, read: Set<number>): void {
  const bound = d.boundPorts;
  switch (o.op) {
    case 'bindUnbound':
      d.bindUnboundPort(o.dom);
      return;
    case 'bindVirq':
      d.bindVirq(o.virq);
      return;
    case 'bindInterdomain':
      d.bindInterdomain(1, d.offer(1));
      return;
    case 'unbind':
      d.unbind(pickFrom(bound, o.pick));
      return;
    case 'notify':
      d.notify(pickFrom(bound, o.pick));
      return;
    case 'reset':
      d.reset();
      return;
    case 'restrict':
      d.restrictDomid(o.domid);
      return;
    case 'raise':
      d.raise(
        pickFrom(
          d.snapshot.context.env.hv.channels.map((c) => c.port),
          o.pick,
        ),
      );
      return;
    case 'read':
      for (const p of d.read(o.count).ports) read.add(p);
      return;
    case 'write': {
      const pool = o.blind ? bound : [...read];
      const ports = o.picks.map((p) => pickFrom(pool, p));
      d.writePorts(ports);
      for (const p of ports) read.delete(p);
      return;
    }
    case 'poll':
      expect(d.poll()).toBe(evtchnPollMask(d.snapshot.context.ring));
      return;
    case 'rawIoctl': {
      const cmd = ((o.size << 16) | (0x45 << 8) | o.nr) >>> 0;
      d.ioctl(cmd, new Uint8Array(o.bytes));
      return;
    }
  }
}

describe('random operation sequences through the facade (fast-check)', () => {
  it('hold every invariant the seed guarantees when the environment does not fail', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), fc.boolean(), (ops, release) => {
        const d = openEvtchn({ nonblock: true });
        const read = new Set<number>();
        const check = (): void => {
          for (const i of evtchnInvariants) expect(i.holds(d.snapshot), i.name).toBe(true);
        };
        for (const o of ops) {
          apply(d, o, read);
          check();
        }
        if (release) {
          expect(d.release()).toBe(0);
          check();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('binding actors agree with the device: enabled exactly when the port is bound and enabled', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const d = openEvtchn({ nonblock: true, bindingActors: true });
        const read = new Set<number>();
        for (const o of ops) {
          apply(d, o, read);
          for (const e of d.snapshot.context.evtchns) {
            expect(d.binding(e.port)?.getSnapshot().value, `port ${e.port}`).toBe(
              e.enabled ? 'enabled' : 'disabled',
            );
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});

/**
 * A plain sequential reference of the ring path built from model.ts alone: ports bound one
 * after another, the handler as evtchnInterruptPushInPlace, reads as evtchnReadCopy, late EOI
 * as a masked/pending pair per port (facts 3.4). Like the facade, it delivers an event that
 * late EOI unmasks after the write returns (delivery inside the write loop, on the same CPU,
 * is another legal interleaving that neither explores).
 */
class ReferenceFile {
  ring: EvtchnRing = EMPTY_RING;
  readonly enabled = new Map<number, boolean>();
  readonly pending = new Set<number>();
  readonly masked = new Set<number>();
  bind(port: number): void {
    const target = evtchnResizeTarget(this.enabled.size + 1, this.ring.size);
    if (target !== undefined) this.ring = evtchnResizeRing(this.ring, target);
    this.enabled.set(port, true);
  }
  fire(port: number): void {
    if (!this.enabled.has(port) || this.masked.has(port) || !this.pending.has(port)) return;
    this.pending.delete(port);
    this.masked.add(port);
    this.enabled.set(port, false);
    const r = evtchnRingDraft(this.ring);
    evtchnInterruptPushInPlace(r, port, { prod: r.prod, cons: r.cons });
    this.ring = r;
  }
  raise(port: number): void {
    this.pending.add(port);
    this.fire(port);
  }
  read(count: number): { rc: number; ports: readonly number[] } {
    const n = evtchnRoundCount(count);
    if (n === 0) return { rc: 0, ports: [] };
    if (this.ring.overflow) return { rc: -27, ports: [] };
    if (this.ring.cons === this.ring.prod) return { rc: -11, ports: [] };
    const copy = evtchnReadCopy(this.ring, this.ring.cons, this.ring.prod, n);
    this.ring = { ...this.ring, cons: copy.cons };
    return { rc: copy.bytes, ports: copy.ports };
  }
  /** The loop of evtchn_write (293-302); events left pending fire once the write returns. */
  write(ports: readonly number[]): void {
    for (const p of ports) {
      if (this.enabled.get(p) === false) {
        this.enabled.set(p, true);
        this.masked.delete(p);
      }
    }
    for (const p of new Set(ports)) this.fire(p);
  }
  reset(): void {
    this.ring = evtchnResetRing(this.ring);
  }
}

type RingOp =
  | { op: 'raise'; i: number }
  | { op: 'read'; count: number }
  | { op: 'write'; is: number[] }
  | { op: 'reset' }
  | { op: 'bind' };
const ringOpArb: fc.Arbitrary<RingOp> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('raise' as const), i: fc.nat() }), weight: 6 },
  {
    arbitrary: fc.record({ op: fc.constant('read' as const), count: fc.constantFrom(4, 12, 40, 4096) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ op: fc.constant('write' as const), is: fc.array(fc.nat(), { maxLength: 6 }) }),
    weight: 3,
  },
  fc.record({ op: fc.constant('reset' as const) }),
  fc.record({ op: fc.constant('bind' as const) }),
);

describe('the machine and model.ts agree on random paths', () => {
  it('queued ports, read results and poll masks match the plain reference', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.array(ringOpArb, { maxLength: 120 }), (nPorts, ops) => {
        const d = openEvtchn({ nonblock: true });
        const ref = new ReferenceFile();
        const ports: number[] = [];
        const bindOne = (): void => {
          const p = d.bindUnboundPort(1);
          ports.push(p);
          ref.bind(p);
        };
        for (let i = 0; i < nPorts; i++) bindOne();
        for (const o of ops) {
          const at = (i: number) => ports[i % ports.length] as number;
          if (o.op === 'raise') {
            d.raise(at(o.i));
            ref.raise(at(o.i));
          } else if (o.op === 'read') {
            const got = d.read(o.count);
            const want = ref.read(o.count);
            expect({ rc: got.rc, ports: got.ports }).toEqual(want);
          } else if (o.op === 'write') {
            const ws = o.is.map(at);
            d.writePorts(ws);
            ref.write(ws);
          } else if (o.op === 'reset') {
            d.reset();
            ref.reset();
          } else {
            bindOne();
          }
          const c = d.snapshot.context;
          expect([c.ring.size, c.ring.cons, c.ring.prod, c.ring.overflow]).toEqual([
            ref.ring.size,
            ref.ring.cons,
            ref.ring.prod,
            ref.ring.overflow,
          ]);
          expect(d.queuedPorts).toEqual(
            Array.from(
              { length: (ref.ring.prod - ref.ring.cons) >>> 0 },
              (_, k) => ref.ring.slots[(ref.ring.cons + k) & (ref.ring.size - 1)],
            ),
          );
          expect(d.poll()).toBe(evtchnPollMask(ref.ring));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('numeric ioctls and typed calls give the same results', () => {
    const cmdOf = (n: Parameters<typeof evtchnIoctlCmd>[0]) => evtchnIoctlCmd(n);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 0, max: 5 })), { maxLength: 12 }),
        (calls) => {
          const a = openEvtchn();
          const b = openEvtchn();
          for (const [kind, v] of calls) {
            const le = new Uint8Array(new Uint32Array([v]).buffer);
            const [ra, rb] =
              kind === 0
                ? [a.ioctl(cmdOf('BIND_UNBOUND_PORT'), le), b.bindUnboundPort(v)]
                : kind === 1
                  ? [a.ioctl(cmdOf('BIND_VIRQ'), le), b.bindVirq(v)]
                  : kind === 2
                    ? [a.ioctl(cmdOf('UNBIND'), le), b.unbind(v)]
                    : [a.ioctl(cmdOf('NOTIFY'), le), b.notify(v)];
            expect(ra).toBe(rb);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('the batched upcall equals one whole interrupt per port', () => {
  it.each([
    ['in-memory ports (batch helpers)', false],
    ['custom ports (generic fold)', true],
  ] as const)(
    '%s: raiseMany(ports) reaches the state of hv.raise + irq.interrupt for each port',
    (_name, custom) => {
      const ports = custom
        ? { hypervisor: { ...inMemoryHypervisor }, irqLayer: { ...inMemoryIrqLayer } }
        : {};
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 5 }),
          fc.array(
            fc.oneof(
              fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 6 }),
              fc.constant('read' as const),
              fc.constant('writeAll' as const),
            ),
            { maxLength: 12 },
          ),
          (n, steps) => {
            const batch = openEvtchn({ nonblock: true, ...ports });
            const single = openEvtchn({ nonblock: true, ...ports });
            for (let i = 0; i < n; i++) {
              batch.bindUnboundPort(1);
              single.bindUnboundPort(1);
            }
            for (const step of steps) {
              if (step === 'read') {
                expect(batch.read(4096)).toEqual(single.read(4096));
              } else if (step === 'writeAll') {
                batch.writePorts(batch.boundPorts);
                single.writePorts(single.boundPorts);
              } else {
                batch.raiseMany(step);
                for (const port of step) {
                  single.actor.send({ type: 'hv.raise', port });
                  single.actor.send({ type: 'irq.interrupt', port });
                }
              }
              expect(evtchnProject(batch.snapshot)).toEqual(evtchnProject(single.snapshot));
            }
          },
        ),
        { numRuns: 80 },
      );
    },
  );
});

// Properties over random fault streams (fast-check, 1000 streams each where it matters):
// the one-step fast path reaches exactly the contexts of the step-by-step chart; served faults
// get their page mapped; the loop ends exactly at the first null-pointer or outside-RAM fault;
// the machine decides as classifyCoreFault does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  CHECK_ECHO_ITEM_ADDR,
  CHECK_THREADS,
  L4_PagefaultLabel,
  PAGER_INVARIANTS,
  classifyCoreFault,
  corePagerMachine,
  inRanges,
  mapsPageOf,
  msgTagRaw,
  pagerCheckInput,
  senderId,
  type PagerEvent,
  type PagerSnapshot,
} from './index.js';

const SENDERS = CHECK_THREADS.map(senderId);
const CORE_SENDERS = CHECK_THREADS.filter((t) => t.core).map(senderId);
const RAM_ADDR = fc.integer({ min: 0x1000, max: 0xffff });
const ANY_ADDR = fc.oneof(
  RAM_ADDR,
  fc.constantFrom(0, 0x10, 0xfff, 0x10000, 0x20000, 0xffffffff, CHECK_ECHO_ITEM_ADDR),
);
const LABEL = fc.constantFrom(
  L4_PagefaultLabel({ read: true }),
  L4_PagefaultLabel({ write: true }),
  0,
  0xffe7,
);

const faultArb = (senders: readonly number[], addr: fc.Arbitrary<number>, ip: fc.Arbitrary<number>) =>
  fc
    .record({
      from: fc.constantFrom(...senders),
      addr,
      ip,
      label: LABEL,
      flags: fc.integer({ min: 0, max: 7 }),
    })
    .map((f): PagerEvent => ({
      type: 'ipc.receive',
      from: f.from,
      tag: msgTagRaw({ u: 2, t: 0, flags: f.flags, label: f.label }),
      words: [f.addr, f.ip],
    }));

/** Anything the pager can be sent, including what makes it stop. */
const anyEvent: fc.Arbitrary<PagerEvent> = fc.oneof(
  {
    weight: 6,
    arbitrary: faultArb(SENDERS, ANY_ADDR, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffffffff }))),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ from: fc.constantFrom(...SENDERS), u: fc.integer({ min: 0, max: 63 }) })
      .filter((m) => m.u !== 2)
      .map((m): PagerEvent => ({
        type: 'ipc.receive',
        from: m.from,
        tag: msgTagRaw({ u: m.u, t: 0, flags: 0, label: 0 }),
        words: [0x3000],
      })),
  },
  { weight: 1, arbitrary: fc.constant<PagerEvent>({ type: 'ipc.error' }) },
  { weight: 1, arbitrary: fc.constant<PagerEvent>({ type: 'env.sendFails' }) },
  { weight: 1, arbitrary: fc.constant<PagerEvent>({ type: 'env.sigma0Refuses' }) },
  {
    weight: 1,
    arbitrary: fc.record({ from: fc.constantFrom(...SENDERS), call: fc.boolean() }).map((m): PagerEvent => ({
      type: 'ipc.receive',
      from: m.from,
      tag: msgTagRaw({ u: 2, t: 0, flags: 0, label: 0 }),
      words: [0x3123, 0x1000],
      call: m.call,
    })),
  },
);

const start = (fastPath: boolean) =>
  createActor(corePagerMachine, { input: { ...pagerCheckInput(), fastPath } }).start();
const view = (s: PagerSnapshot) => JSON.stringify([s.value, s.status, { ...s.context, world: null }]);

describe('the fast path is the step-by-step chart (lines 54-163)', () => {
  it('on 1000 random streams of anything, both reach the same state and context after every event', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { minLength: 1, maxLength: 24 }), (events) => {
        const fast = start(true);
        const slow = start(false);
        for (const e of events) {
          if (fast.getSnapshot().status !== 'active') break;
          fast.send(e);
          slow.send(e);
          expect(view(fast.getSnapshot())).toBe(view(slow.getSnapshot()));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('served faults', () => {
  it('1000 random streams of core threads faulting in RAM: each fault is answered to its sender with its page, every invariant holds', () => {
    fc.assert(
      fc.property(
        fc.array(faultArb(CORE_SENDERS, RAM_ADDR, fc.integer({ min: 1, max: 0xffffffff })), {
          minLength: 1,
          maxLength: 40,
        }),
        (events) => {
          const a = start(true);
          for (const e of events) {
            a.send(e);
            const s = a.getSnapshot();
            const r = e as Extract<PagerEvent, { type: 'ipc.receive' }>;
            expect(s.status).toBe('active');
            expect(s.context.step.reply?.to).toBe(r.from);
            expect(
              mapsPageOf([s.context.step.reply!.words[1], s.context.step.reply!.words[2]], r.words[0]!),
            ).toBe(true);
            for (const inv of PAGER_INVARIANTS) {
              if (inv.name !== 'writeFaultsReportedAsWrites') expect(inv.holds(s), inv.name).toBe(true);
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('the loop ends exactly at the first null-pointer or outside-RAM fault (CORE-3), every earlier fault answered', () => {
    const ram = pagerCheckInput().coreRanges;
    fc.assert(
      fc.property(
        fc.array(faultArb(SENDERS, ANY_ADDR, fc.integer({ min: 1, max: 0xffffffff })), {
          minLength: 1,
          maxLength: 30,
        }),
        (events) => {
          const a = start(true);
          const bad = events.findIndex((e) => {
            const addr = (e as Extract<PagerEvent, { type: 'ipc.receive' }>).words[0]!;
            return addr < 0x1000 || !inRanges(ram, addr);
          });
          events.forEach((e, i) => {
            if (a.getSnapshot().status !== 'active') return;
            a.send(e);
            const s = a.getSnapshot();
            if (i === bad) expect(s.value).toBe('loopEnded');
            else expect(s.context.step.outcomes).toContain('replied');
          });
          expect(a.getSnapshot().status).toBe(bad < 0 ? 'active' : 'done');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('the machine decides as classifyCoreFault does', () => {
  it('500 random single messages', () => {
    const input = pagerCheckInput();
    const env = {
      validAddr: (x: number) => inRanges(input.coreRanges, x),
      readMapItem: (x: number) =>
        input.memory.isMapped(x, 8)
          ? ([input.memory.readWord(x), input.memory.readWord(x + 4)] as const)
          : null,
      sigma0: 'granted' as const,
    };
    const kindOf: Record<string, string> = {
      reply: 'replyingAndWaiting',
      echo: 'replyingAndWaiting',
      nullPointer: 'loopEnded',
      outsideRam: 'loopEnded',
    };
    fc.assert(
      fc.property(
        faultArb(SENDERS, ANY_ADDR, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffffffff }))),
        (e) => {
          const r = e as Extract<PagerEvent, { type: 'ipc.receive' }>;
          const d = classifyCoreFault(
            { pfAddr: r.words[0]!, pfIp: r.words[1]!, flags: (r.tag >>> 12) & 0xf },
            env,
          );
          const a = start(false);
          a.send(e);
          const s = a.getSnapshot();
          if (d.decision.kind === 'echo' && d.replyWords === null) expect(s.value).toBe('pagerFaulted');
          else expect(s.value).toBe(kindOf[d.decision.kind]);
          expect(s.context.step.reply?.words ?? null).toEqual(d.replyWords);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('the fast path is taken (so the comparison above compares two different ways)', () => {
  it('a fault in RAM is one microstep with the fast path, five without', () => {
    const steps = (fastPath: boolean) => {
      let n = 0;
      const a = createActor(corePagerMachine, {
        input: { ...pagerCheckInput(), fastPath },
        inspect: (ev) => {
          if (ev.type === '@xstate.microstep') n++;
        },
      }).start();
      n = 0;
      a.send({
        type: 'ipc.receive',
        from: SENDERS[0]!,
        tag: msgTagRaw({ u: 2, t: 0, flags: 0, label: 0xffe4 }),
        words: [0x3123, 0x1000],
      });
      return n;
    };
    expect([steps(true), steps(false)]).toEqual([1, 5]);
  });
});

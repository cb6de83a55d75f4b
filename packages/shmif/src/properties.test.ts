/**
 * Properties over random inputs (fast-check, 1,000+ runs per CI run in all):
 *
 * - Delivery through the facade: two interfaces of two rump kernels on one bus; whatever
 *   frames (14..1514 bytes, random contents, the sender's own MAC as source) one sends, in
 *   whatever batches, the other receives exactly those frames, byte for byte and in order,
 *   after the zero-length phantom frame a fresh bus passes up (SHMIF-1), as long as the bus
 *   does not wrap (fewer bytes in flight than BUSMEM_DATASIZE); and the sender never
 *   receives its own frames (if_shmem.c 688-696: `memcmp(eth->ether_shost, sc->sc_myaddr, 6)`).
 * - Random schedules of the check models: on every state a random interleaving of writer,
 *   receiver and lifecycle calls reaches, every invariant that no recorded finding of the model
 *   breaks holds, and the same schedule always reaches the same state (the determinism the
 *   checker's state keys rely on).
 */
import fc from 'fast-check';
import { createActor, type AnyActorRef, type AnyStateMachine, type EventObject } from 'xstate';
import { describe, expect, it } from 'vitest';
import { ShmifBus } from '@kspec/shared-memory';
import { SHMIF_MODELS } from './check.js';
import { ShmifKernel } from './device.js';
import { projectShmifContext } from './scenario.js';
import type { ShmifSnapshot } from './invariants.js';
import { sharedHostPort } from './ports.js';

/** Lets the event loop run until `done()` (the other kernel's receiver wakes asynchronously). */
async function until(done: () => boolean, rounds = 200): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) await new Promise((r) => setTimeout(r, 1));
}

const frameArb = fc
  .integer({ min: 14, max: 1514 })
  .chain((len) => fc.uint8Array({ minLength: len, maxLength: len }));

describe('delivery over one bus (the facade)', () => {
  it('the peer receives every frame sent, in order, byte for byte; the sender none of its own', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(frameArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }),
        async (batches) => {
          const bus = ShmifBus.create();
          const hostA = sharedHostPort();
          const hostB = sharedHostPort();
          hostA.register('/bus', bus);
          hostB.register('/bus', bus);
          const a = new ShmifKernel({ host: hostA }).create('/bus');
          const b = new ShmifKernel({ host: hostB }).create('/bus');
          const gotA: Uint8Array[] = [];
          const gotB: Uint8Array[] = [];
          a.onInput((f) => gotA.push(f.slice()));
          b.onInput((f) => gotB.push(f.slice()));
          a.up();
          b.up();
          const sent: Uint8Array[] = [];
          for (const batch of batches) {
            const frames = batch.map((f) => {
              const g = f.slice();
              g.set(a.mac, 6); // ether_shost: the sender's own address
              return g;
            });
            a.send(frames);
            sent.push(...frames);
          }
          // the other kernel's receiver wakes asynchronously; let it run until it has read them all
          await until(() => gotB.length >= sent.length + 1);
          expect(gotB.length).toBe(sent.length + 1);
          expect(gotB[0]!.length).toBe(0); // the phantom frame of a fresh bus (SHMIF-1)
          gotB.slice(1).forEach((f, k) => expect(Buffer.from(f).equals(Buffer.from(sent[k]!))).toBe(true));
          expect(gotA.every((f) => f.length === 0)).toBe(true); // at most the phantom, never its own frames
          a.destroy();
          b.destroy();
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('random schedules of the check models', () => {
  for (const model of SHMIF_MODELS) {
    const broken = new Set((model.findings ?? []).map((f) => f.invariant));
    const guaranteed = model.invariants.filter((i) => !broken.has(i.name));

    const run = (picks: readonly number[]): { trace: string[]; end: unknown } => {
      const actor = createActor(model.machine as AnyStateMachine, {
        input: model.input as never,
      }) as unknown as AnyActorRef;
      actor.start();
      const trace: string[] = [];
      for (const p of picks) {
        const s = actor.getSnapshot() as ShmifSnapshot;
        const enabled = model.alphabet(s as never) as readonly EventObject[];
        if (enabled.length === 0 || s.status !== 'active') break;
        const ev = enabled[p % enabled.length]!;
        trace.push(ev.type);
        actor.send(ev);
        const next = actor.getSnapshot() as ShmifSnapshot;
        for (const inv of guaranteed) {
          expect(inv.holds(next as never), `${model.name}: ${inv.name} after ${trace.join(', ')}`).toBe(true);
        }
      }
      const last = actor.getSnapshot() as ShmifSnapshot;
      actor.stop();
      return { trace, end: { value: last.value, context: projectShmifContext(last.context) } };
    };

    it(`${model.name}: every invariant without a recorded finding holds; a schedule always ends in the same state`, () => {
      fc.assert(
        fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (picks) => {
          const first = run(picks);
          expect(run(picks)).toEqual(first);
        }),
        { numRuns: 100 },
      );
    });
  }
});

/**
 * The interface runner in worker threads sends the run-to-block events (`tx.run`, `rcv.run`)
 * where this thread sends every atomic step. Driven by the same schedule on two buses of their
 * own, the two granularities must end in the same states with the same accounting, overrun
 * resyncs included (counted through shmif's `onResync` observer in both modes): on a 16 KiB
 * bus with slow receivers, writers lap the readers (if_shmem.c 660-669). Some schedules make
 * a receiver read the same frames again and again (finding SHMIF-4): both granularities must
 * then report the receiver spinning.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShmifBus } from '@kspec/shared-memory';
import { sharedHostPort } from '@kspec/shmif';
import { ShmifInterfaceRunner } from '../src/drivers/shmif/interface.js';
import { createRng } from '../src/rng.js';

const PATH = 'shm:granularity-bus';

interface Schedule {
  readonly seed: number;
  readonly interfaces: number;
  readonly frames: number;
  /** Per tick and interface: frames to send (0: none), then whether its receiver runs. */
  readonly ticks: readonly (readonly { readonly send: number; readonly receive: boolean }[])[];
}

function run(s: Schedule, granularity: 'step' | 'run') {
  const bus = ShmifBus.create({ dataSize: 16384 });
  const host = sharedHostPort({ dataSize: bus.dataSize });
  host.register(PATH, bus);
  const runners = Array.from(
    { length: s.interfaces },
    (_, i) =>
      new ShmifInterfaceRunner({
        index: i,
        interfaces: s.interfaces,
        host,
        path: PATH,
        seed: s.seed + i,
        nonce: 7,
        frames: s.frames,
        minLength: 200,
        maxLength: 1514,
        rng: createRng(s.seed, `if${i}`),
        uptime: () => ({ sec: 0, usec: 0 }),
        granularity,
        // a receiver legitimately moves a few hundred steps (one or two runs) per call here
        maxPump: granularity === 'step' ? 20_000 : 40,
      }),
  );
  for (const r of runners) r.bringUp();
  for (const tick of s.ticks) {
    tick.forEach((x, i) => {
      if (x.send > 0) runners[i]!.send(x.send);
    });
    tick.forEach((x, i) => {
      if (x.receive) runners[i]!.receive();
    });
  }
  // the rest of the frames, one per interface in turn, every receiver running after each round
  while (runners.some((r) => r.remaining > 0 && !r.panicked)) {
    for (const r of runners) r.send(1);
    for (const r of runners) r.receive();
  }
  const out = runners.map((r) => ({
    state: r.actor.getSnapshot().value,
    counters: structuredClone(r.counters),
  }));
  for (const r of runners) r.stop();
  return out;
}

const schedule: fc.Arbitrary<Schedule> = fc.integer({ min: 2, max: 3 }).chain((interfaces) =>
  fc.record({
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    interfaces: fc.constant(interfaces),
    frames: fc.integer({ min: 10, max: 40 }),
    ticks: fc.array(
      fc.array(fc.record({ send: fc.integer({ min: 0, max: 4 }), receive: fc.boolean() }), {
        minLength: interfaces,
        maxLength: interfaces,
      }),
      { minLength: 1, maxLength: 10 },
    ),
  }),
);

describe('shmif interface runner: run events against atomic steps', () => {
  it('ends in the same states with the same accounting (overruns included) on any schedule', () => {
    let overruns = 0;
    let spinning = 0;
    const outcome = (s: Schedule, g: 'step' | 'run') => {
      try {
        return run(s, g);
      } catch (err) {
        const m = /interface (\d+): rcv\.(step|run) keeps moving/.exec((err as Error).message);
        if (!m) throw err;
        return `interface ${m[1]} spins`;
      }
    };
    fc.assert(
      fc.property(schedule, (s) => {
        const steps = outcome(s, 'step');
        expect(outcome(s, 'run')).toEqual(steps);
        if (typeof steps === 'string') spinning++;
        else overruns += steps.reduce((n, x) => n + x.counters.overruns, 0);
      }),
      { numRuns: 40 },
    );
    // the schedules do lap the receivers: the resync accounting is exercised
    expect(overruns).toBeGreaterThan(0);
    expect(spinning).toBeLessThan(40);
  });
});

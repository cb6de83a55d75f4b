// A run event (one machine transition that runs a region until it blocks, the facade's fast
// path) ends where single steps end: on random schedules of entry events, two pure actors, one
// driven with `*.run` and one with `*.step` until nothing is enabled, reach the same state value
// and the same canonical kernel after every entry point.
import fc from 'fast-check';
import { createActor, type Actor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { cmmMachine, projectKernel, regionOf, type CmmEvent, type CmmOptions, type Region } from './index.js';

type A = Actor<typeof cmmMachine>;
type Driven = Exclude<Region, 'memory'>;
const STEP: Record<Driven, CmmEvent> = {
  module: { type: 'module.step' },
  thread: { type: 'thread.step' },
  oom: { type: 'oom.step' },
  reboot: { type: 'reboot.step' },
  param: { type: 'param.step' },
};
const RUN: Record<Driven, CmmEvent> = {
  module: { type: 'module.run' },
  thread: { type: 'thread.run' },
  oom: { type: 'oom.run' },
  reboot: { type: 'reboot.run' },
  param: { type: 'param.run' },
};
const WAITING = new Set(['stoppingThread', 'disableStopping', 'exitWaiting']);

function drive(a: A, region: Driven, byRun: boolean): void {
  for (let i = 0; i < 10_000; i++) {
    if (a.getSnapshot().status !== 'active') return;
    if (byRun) a.send(RUN[region]);
    else {
      while (a.getSnapshot().status === 'active' && a.getSnapshot().can(STEP[region])) a.send(STEP[region]);
    }
    const s = a.getSnapshot();
    if (s.status !== 'active' || !WAITING.has(regionOf(s, region))) return;
    // the stopper waits: the thread finishes its round, sleeps out, exits
    for (
      let j = 0;
      j < 1000 && s.context.k.thread !== null && !a.getSnapshot().context.k.thread?.exited;
      j++
    ) {
      const t = a.getSnapshot().context.k.thread!;
      if (t.sleeping !== null) a.send({ type: 'thread.wake' });
      else drive(a, 'thread', byRun);
    }
  }
}

const op = fc.oneof(
  fc.constant<CmmEvent>({ type: 'thread.wake' }),
  fc.constant<CmmEvent>({ type: 'thread.wake' }),
  fc.constant<CmmEvent>({ type: 'oom.notify' }),
  fc.constantFrom<CmmEvent>(
    { type: 'memory.notify', action: 'GOING_OFFLINE' },
    { type: 'memory.notify', action: 'OFFLINE' },
    { type: 'memory.notify', action: 'CANCEL_OFFLINE' },
  ),
  fc.constant<CmmEvent>({ type: 'reboot.notify', action: 'RESTART' }),
  fc.constantFrom<CmmEvent>(
    { type: 'param.set', name: 'disable', value: '1' },
    { type: 'param.set', name: 'disable', value: '0' },
    { type: 'param.set', name: 'oom_kb', value: '8' },
  ),
  fc.constant<CmmEvent>({ type: 'sysfs.store', attr: 'oom_freed_kb', value: '0' }),
  fc.integer({ min: 0, max: 6 }).map((p): CmmEvent => ({ type: 'hv.loanTarget', bytes: String(p * 4096) })),
  fc.constant<CmmEvent>({ type: 'module.exit' }),
);
const REGION_OF: Partial<Record<CmmEvent['type'], Driven>> = {
  'module.init': 'module',
  'module.exit': 'module',
  'thread.wake': 'thread',
  'oom.notify': 'oom',
  'reboot.notify': 'reboot',
  'param.set': 'param',
};

describe('run events and single steps agree', () => {
  it('on random schedules (300 runs)', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 30 }),
        fc.constantFrom<CmmOptions>(
          { ramBytes: 6 * 4096, params: { min_mem_mb: 0, oom_kb: 4 } },
          {
            ramBytes: 6 * 4096,
            params: { min_mem_mb: 0, oom_kb: 4 },
            faults: [{ op: 'balloon_page_alloc', nth: 3, rc: 0 }],
          },
          { ramBytes: 4 * 65536, pageShift: 16, params: { min_mem_mb: 0, oom_kb: 64 } },
        ),
        (ops, options) => {
          const byRun = createActor(cmmMachine, { input: options }).start();
          const bySteps = createActor(cmmMachine, { input: options }).start();
          const events: CmmEvent[] = [{ type: 'module.init' }, ...ops];
          for (const e of events) {
            const s = byRun.getSnapshot();
            if (s.status !== 'active' || !s.can(e)) continue;
            byRun.send(e);
            bySteps.send(e);
            const region = REGION_OF[e.type];
            if (region) {
              drive(byRun, region, true);
              drive(bySteps, region, false);
            }
            const a = byRun.getSnapshot();
            const b = bySteps.getSnapshot();
            expect(b.value).toEqual(a.value);
            expect(projectKernel(b.context.k)).toBe(projectKernel(a.context.k));
            expect(b.context.k.now).toBe(a.context.k.now);
          }
          byRun.stop();
          bySteps.stop();
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  }, 120_000);
});

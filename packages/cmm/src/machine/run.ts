/**
 * Runs one region of the chart until it blocks, by interpreting the same table the chart is
 * built from (`spec.ts`): in each state the first enabled `always` transition, else the first
 * enabled transition of the region's step event, with the same guards and actions in the same
 * order, until no step is enabled (the region waits for an entry event, a wake-up, or another
 * thread), the kernel crashes, or a pause point is reached. One run is one machine
 * transition, which is what makes the facade fast; the checker sends single steps, since only
 * they interleave. `run.test.ts` checks that a run ends where the single steps end.
 *
 * Pause points (the race hook): a run event with `pauseAt` stops when the region reaches that
 * state (at a loop head, once the loop has done `iteration` iterations), so the caller can run
 * another entry point there and resume: exactly the interleavings the checker explores.
 *
 * @module
 */
import type { CmmEvent, RunPause } from '../events.js';
import type { Freer, Kernel, Region } from '../kernel.js';
import type { StepParams } from '../model/step.js';
import { ACTIONS, GUARDS, type ActionName, type GuardName } from './registry.js';
import { CRASHED, REGIONS, type Ref, type RegionSpec, type TransitionSpec } from './spec/index.js';

const byRegion = new Map<Region, RegionSpec>(REGIONS.map((r) => [r.region, r]));

/** The spec of `region`. @category Machine */
export function regionSpec(region: Region): RegionSpec {
  const r = byRegion.get(region);
  if (!r) throw new Error(`cmm: no region ${region}`);
  return r;
}

const EMPTY: StepParams = Object.freeze({});

function guardOk(ref: Ref<GuardName> | undefined, k: Kernel, e: CmmEvent): boolean {
  if (ref === undefined) return true;
  return typeof ref === 'string' ? GUARDS[ref](k, e, EMPTY) : GUARDS[ref.type](k, e, ref.params);
}

function apply(t: TransitionSpec, k: Kernel, e: CmmEvent): void {
  const acts = t.actions;
  if (acts === undefined) return;
  for (let i = 0; i < acts.length; i++) {
    const a = acts[i] as Ref<ActionName>;
    if (typeof a === 'string') ACTIONS[a](k, e, EMPTY);
    else ACTIONS[a.type](k, e, a.params);
  }
}

function firstEnabled(
  ts: readonly TransitionSpec[] | undefined,
  k: Kernel,
  e: CmmEvent,
): TransitionSpec | undefined {
  if (ts === undefined) return undefined;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i] as TransitionSpec;
    if (guardOk(t.guard, k, e)) return t;
  }
  return undefined;
}

const FREER: Record<Region, Freer | null> = {
  module: 'exit',
  thread: 'thread',
  oom: 'oom',
  reboot: 'reboot',
  param: 'param',
  memory: null,
};

/** Iterations done by the loop whose head is `at` in `region` (alloc or free loop), or -1. */
function iterations(k: Kernel, region: Region, at: string): number {
  if (region === 'thread' && at === 'allocating') return k.thread?.iter ?? -1;
  const who = FREER[region];
  return who === null ? -1 : (k.free[who]?.freed ?? -1);
}

function paused(k: Kernel, region: Region, at: string, e: CmmEvent): boolean {
  const p = e as RunPause;
  if (p.pauseAt === undefined || p.pauseAt !== at) return false;
  return p.iteration === undefined || iterations(k, region, at) === p.iteration;
}

/**
 * Runs `region` of the (drafted) kernel `k` from state `at` until it blocks; returns the state
 * it ends in (`crashed` when the kernel died) and records it in `k.at`.
 * @category Machine
 */
export function runRegion(k: Kernel, region: Region, at: string, e: CmmEvent): string {
  const spec = regionSpec(region);
  const step = { type: spec.step ?? e.type } as CmmEvent;
  let pc = at;
  for (;;) {
    const s = spec.states[pc];
    if (s === undefined) throw new Error(`cmm: region ${region} has no state ${pc}`);
    let t = firstEnabled(s.always, k, step);
    if (t === undefined) {
      if (paused(k, region, pc, e)) break;
      t = spec.step !== undefined ? firstEnabled(s.on?.[spec.step], k, step) : undefined;
      if (t === undefined) break;
    }
    apply(t, k, step);
    if (t.target === CRASHED) {
      pc = 'crashed';
      break;
    }
    if (t.target !== undefined) pc = t.target;
  }
  k.at[region] = pc;
  return pc;
}

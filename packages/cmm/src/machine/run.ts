/**
 * Runs one region of the chart until it blocks, by interpreting the same table the chart is
 * built from (`spec/`, resolved to functions once per region): in each state the first enabled
 * `always` transition, else the first enabled transition of the region's step event, with the
 * same guards and actions in the same order, until no step is enabled (the region waits for an entry event, a wake-up, or another
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
// Each table entry's `source` becomes the meta.source of its chart transition (machine.ts); this
// interpreter of the same table needs only the guards and actions.
import type { CmmEvent, RunPause } from '../events.js';
import type { Freer, Kernel, Region } from '../kernel.js';
import type { Action, Guard, StepParams } from '../model/step.js';
import { ACTIONS, GUARDS, type ActionName } from './registry.js';
import { CRASHED, REGIONS, type Ref, type RegionSpec, type TransitionSpec } from './spec/index.js';

const byRegion = new Map<Region, RegionSpec>(REGIONS.map((r) => [r.region, r]));

/** The spec of `region`. @category Machine */
export function regionSpec(region: Region): RegionSpec {
  const r = byRegion.get(region);
  if (!r) throw new Error(`cmm: no region ${region}`);
  return r;
}

const EMPTY: StepParams = Object.freeze({});

/** A transition of the table with its guard and actions resolved to functions (once per region). */
interface Compiled {
  readonly guard: Guard | null;
  readonly guardParams: StepParams;
  readonly actions: readonly (readonly [Action, StepParams])[];
  /** The next state, `null` to stay, or {@link CRASHED}. */
  readonly target: string | null;
}
interface CompiledState {
  readonly always: readonly Compiled[];
  readonly step: readonly Compiled[];
}

function compileT(t: TransitionSpec): Compiled {
  const g = t.guard;
  return {
    guard: g === undefined ? null : GUARDS[typeof g === 'string' ? g : g.type],
    guardParams: g === undefined || typeof g === 'string' ? EMPTY : g.params,
    actions: (t.actions ?? []).map((a: Ref<ActionName>) =>
      typeof a === 'string' ? ([ACTIONS[a], EMPTY] as const) : ([ACTIONS[a.type], a.params] as const),
    ),
    target: t.target ?? null,
  };
}

const compiled = new Map<Region, ReadonlyMap<string, CompiledState>>();

function compiledRegion(region: Region): ReadonlyMap<string, CompiledState> {
  let c = compiled.get(region);
  if (c === undefined) {
    const spec = regionSpec(region);
    const m = new Map<string, CompiledState>();
    for (const [name, st] of Object.entries(spec.states)) {
      m.set(name, {
        always: (st.always ?? []).map(compileT),
        step: spec.step !== undefined ? (st.on?.[spec.step] ?? []).map(compileT) : [],
      });
    }
    compiled.set(region, (c = m));
  }
  return c;
}

function firstEnabled(ts: readonly Compiled[], k: Kernel, e: CmmEvent): Compiled | undefined {
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i] as Compiled;
    if (t.guard === null || t.guard(k, e, t.guardParams)) return t;
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
  const states = compiledRegion(region);
  const step = { type: spec.step ?? e.type } as CmmEvent;
  let pc = at;
  for (;;) {
    const s = states.get(pc);
    if (s === undefined) throw new Error(`cmm: region ${region} has no state ${pc}`);
    let t = firstEnabled(s.always, k, step);
    if (t === undefined) {
      if (paused(k, region, pc, e)) break;
      t = firstEnabled(s.step, k, step);
      if (t === undefined) break;
    }
    const acts = t.actions;
    for (let i = 0; i < acts.length; i++) {
      const [a, p] = acts[i]!;
      a(k, step, p);
    }
    if (t.target === CRASHED) {
      pc = 'crashed';
      break;
    }
    if (t.target !== null) pc = t.target;
  }
  k.at[region] = pc;
  return pc;
}

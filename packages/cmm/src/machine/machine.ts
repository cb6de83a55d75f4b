/**
 * The CMM statechart (`cmmMachine`), built from the table in `spec.ts`: a parallel `kernel`
 * state whose regions are the threads of control that run driver code (`module`: init and
 * exit; `thread`: cmm_thread; `oom`, `memory`, `reboot`: the notifiers; `param`: parameter
 * writes), the atomic kernel-wide events (sysfs stores, the hypervisor's loan policy), and a
 * final `crashed` state for a BUG, an oops or a hung task.
 *
 * Every state and transition carries `meta.source`; every guard and action is named in
 * `setup()` and is a thin wrapper over a model function (`registry.ts`). Each region also
 * takes its run event (`thread.run`, `oom.run`, ...) in every state: one transition that runs
 * the region until it blocks (`run.ts`), then a `routing` state whose eventless transitions go
 * to the state the run ended in.
 *
 * Context: `{ k }`, the kernel (`kernel.ts`). Pure kernels are copied by every action, live
 * ones (the facade) changed in place.
 *
 * @module
 */
import { assign, setup } from 'xstate';
import { src } from '@kspec/spec-kit';
import { SEED } from '../constants.js';
import type { CmmEvent } from '../events.js';
import { createKernel, type CmmOptions, type Kernel, type Region } from '../kernel.js';
import { draft } from '../kernel-copy.js';
import type { StepParams } from '../model/step.js';
import { ACTIONS, GUARDS, type ActionName, type GuardName } from './registry.js';
import { runRegion } from './run.js';
import {
  CRASHED,
  KERNEL_EVENTS,
  REGIONS,
  type Ref,
  type RegionSpec,
  type Src,
  type TransitionSpec,
} from './spec/index.js';

/** The machine's context. @category Machine */
export interface CmmContext {
  readonly k: Kernel;
}

/** The machine's input: the kernel options (defaults: a 16-page pure kernel). @category Machine */
export type CmmInput = CmmOptions;

/** Parameters of the run and routing steps. @category Machine */
export interface RunParams {
  readonly region: Region;
  readonly at: string;
}

type Args = { readonly context: CmmContext; readonly event: CmmEvent };

const meta = (s: Src) => ({ source: src(SEED, s[0], s[1], s[2] ?? s[1]) });
const EMPTY: StepParams = Object.freeze({});

const guards = Object.fromEntries(
  Object.entries(GUARDS).map(([name, g]) => [
    name,
    ({ context, event }: Args, params: StepParams | undefined) => g(context.k, event, params ?? EMPTY),
  ]),
) as Record<GuardName, (args: Args, params: StepParams | undefined) => boolean>;

const actions = Object.fromEntries(
  Object.entries(ACTIONS).map(([name, a]) => [
    name,
    assign<CmmContext, CmmEvent, StepParams | undefined, CmmEvent, never>(({ context, event }, params) => {
      const k = draft(context.k);
      a(k, event, params ?? EMPTY);
      return { k };
    }),
  ]),
) as Record<
  ActionName,
  ReturnType<typeof assign<CmmContext, CmmEvent, StepParams | undefined, CmmEvent, never>>
>;

/**
 * The shared `setup()`: types, every guard and action by name, and the run/routing steps.
 * @category Machine
 */
export const cmmSetup = setup({
  types: {} as { context: CmmContext; events: CmmEvent; input: CmmInput | undefined },
  guards: {
    ...guards,
    isRegionAt: ({ context }: Args, params: RunParams) => context.k.at[params.region] === params.at,
  },
  actions: {
    ...actions,
    runRegion: assign<CmmContext, CmmEvent, RunParams, CmmEvent, never>(({ context, event }, params) => {
      const k = draft(context.k);
      runRegion(k, params.region, params.at, event);
      return { k };
    }),
  },
});

function ref<N extends string>(r: Ref<N>): N | { type: N; params: StepParams } {
  return typeof r === 'string' ? r : { type: r.type, params: r.params };
}

function transition(t: TransitionSpec) {
  return {
    ...(t.target !== undefined ? { target: t.target } : {}),
    ...(t.guard !== undefined ? { guard: ref(t.guard) } : {}),
    ...(t.actions && t.actions.length > 0 ? { actions: t.actions.map(ref) } : {}),
    meta: meta(t.source),
  };
}

function regionConfig(r: RegionSpec) {
  const states: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(r.states)) {
    const on: Record<string, unknown> = {};
    for (const [type, ts] of Object.entries(s.on ?? {})) on[type] = (ts ?? []).map(transition);
    if (r.run !== undefined) {
      on[r.run] = {
        target: 'routing',
        actions: { type: 'runRegion', params: { region: r.region, at: name } },
        meta: meta(r.source),
      };
    }
    states[name] = {
      meta: meta(s.source),
      ...(Object.keys(on).length > 0 ? { on } : {}),
      ...(s.always ? { always: s.always.map(transition) } : {}),
    };
  }
  if (r.run !== undefined) {
    states['routing'] = {
      meta: meta(r.source),
      always: [
        { guard: 'hasCrashed', target: CRASHED, meta: meta(r.source) },
        ...Object.keys(r.states).map((name) => ({
          guard: { type: 'isRegionAt', params: { region: r.region, at: name } },
          target: name,
          meta: meta(r.states[name]!.source),
        })),
      ],
    };
  }
  return { initial: r.initial, meta: meta(r.source), states };
}

const kernelOn: Record<string, unknown> = {};
for (const [type, ts] of Object.entries(KERNEL_EVENTS)) kernelOn[type] = (ts ?? []).map(transition);

/**
 * The CMM machine: see the module header.
 * @category Machine
 */
export const cmmMachine = cmmSetup.createMachine({
  id: 'cmm',
  context: ({ input }) => ({ k: createKernel(input ?? {}) }),
  initial: 'kernel',
  meta: meta(['module_init(cmm_init)', 718]),
  states: {
    kernel: {
      type: 'parallel',
      meta: meta(['cmm_init', 620, 665]),
      on: kernelOn as never,
      states: Object.fromEntries(REGIONS.map((r) => [r.region, regionConfig(r)])) as never,
    },
    crashed: { type: 'final', meta: meta(['cmm_free_pages', 192]) },
  },
});

/**
 * The shape of the chart's table (see `index.ts`): regions, states and transitions with their
 * guards, actions and seed lines, and the `cmm_free_pages` loop every freeing caller shares.
 *
 * @module
 */
import type { CmmEventType } from '../../events.js';
import type { Freer, Region } from '../../kernel.js';
import type { StepParams } from '../../model/step.js';
import type { ActionName, GuardName } from '../registry.js';

/** A guard or action reference, with parameters. @category Machine */
export type Ref<N extends string> = N | { readonly type: N; readonly params: StepParams };

/** `[C function (a seed-index symbol), first line, last line]`. @category Machine */
export type Src = readonly [fn: string, first: number, last?: number];

/** One transition. @category Machine */
export interface TransitionSpec {
  readonly guard?: Ref<GuardName>;
  readonly actions?: readonly Ref<ActionName>[];
  /** A state of the same region, or {@link CRASHED}; omitted: targetless. */
  readonly target?: string;
  readonly source: Src;
}

/** One state. @category Machine */
export interface StateSpec {
  readonly source: Src;
  readonly on?: Readonly<Partial<Record<CmmEventType, readonly TransitionSpec[]>>>;
  readonly always?: readonly TransitionSpec[];
}

/** One region (thread of control). @category Machine */
export interface RegionSpec {
  readonly region: Region;
  readonly source: Src;
  readonly initial: string;
  /** The event of one atomic step (absent: every entry is atomic). */
  readonly step?: CmmEventType;
  /** The event that runs the region until it blocks. */
  readonly run?: CmmEventType;
  readonly states: Readonly<Record<string, StateSpec>>;
}

/** The target of a transition into the top-level `crashed` state. @category Machine */
export const CRASHED = '#cmm.crashed';

/** The `who` parameter of a free-loop step. */
export const w = (who: Freer) => ({ who });

/** The states of one caller's `cmm_free_pages` loop (186-203), leaving to `exit`. @category Machine */
export function freeLoop(
  who: Freer,
  step: CmmEventType,
  exit: { readonly target: string; readonly actions: readonly Ref<ActionName>[] },
  name = 'freeing',
): Record<string, StateSpec> {
  const F = 'cmm_free_pages';
  return {
    [name]: {
      source: [F, 191, 199],
      on: {
        [step]: [
          { guard: { type: 'isFreeDone', params: w(who) }, ...exit, source: [F, 191, 202] },
          {
            guard: 'isBalloonUninitialized',
            target: CRASHED,
            actions: [{ type: 'oopsOnUninitializedDequeue', params: w(who) }],
            source: [F, 192],
          },
          {
            guard: 'isBalloonEmptyNoneIsolated',
            target: CRASHED,
            actions: [{ type: 'bugOnEmptyBalloon', params: w(who) }],
            source: [F, 192],
          },
          { guard: 'isBalloonEmpty', ...exit, source: [F, 192, 194] },
          { target: name, actions: [{ type: 'freeOneBalloonPage', params: w(who) }], source: [F, 192, 199] },
        ],
      },
    },
  };
}

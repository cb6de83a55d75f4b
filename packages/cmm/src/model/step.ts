/**
 * The shape of the model's steps: every guard is a pure predicate on the kernel and the event,
 * every action a change of a drafted (live or copied) kernel. The machine wraps them by name in
 * `setup()`; the run interpreter calls them directly. Parameters say which `cmm_free_pages`
 * caller a free-loop step belongs to, or which state a run starts from.
 *
 * @module
 */
import type { CmmEvent } from '../events.js';
import type { Freer, Kernel } from '../kernel.js';

/** Parameters of guards and actions. @category Model */
export interface StepParams {
  /** The `cmm_free_pages` caller (free-loop steps). */
  readonly who?: Freer;
  /** The module parameter a store transition is for. */
  readonly name?: string;
}

/** A named guard. @category Model */
export type Guard = (k: Kernel, e: CmmEvent, p: StepParams) => boolean;
/** A named action (mutates the kernel it is given). @category Model */
export type Action = (k: Kernel, e: CmmEvent, p: StepParams) => void;

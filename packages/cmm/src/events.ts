/**
 * The events of the CMM machine, grouped by the thread of control they drive. Entry events
 * start an entry point (`module.init`, `oom.notify`, `reboot.notify`, `param.set`, ...); `*.step`
 * events take one atomic step of a running one (what the checker interleaves); `*.run` events
 * run one until it blocks or finishes (what the facade sends). `thread.wake` ends the cmm
 * thread's current sleep. `hv.*` events change the hypervisor's loan policy.
 *
 * Event data arriving from outside is checked by the codecs in `codecs.ts`; 64-bit values are
 * decimal strings so that events stay JSON (traces).
 *
 * @module
 */
import type { MemoryAction, RebootAction } from './constants.js';

/**
 * Where a run event pauses (the race hook): at state `pauseAt` of its region, and when that is a
 * loop head (`allocating`, `freeing`, ...) once the loop has done `iteration` iterations.
 * @category Machine
 */
export interface RunPause {
  readonly pauseAt?: string;
  readonly iteration?: number;
}

/**
 * Every event of {@link cmmMachine}.
 * @category Machine
 */
export type CmmEvent =
  | { readonly type: 'module.init' }
  | { readonly type: 'module.exit' }
  | { readonly type: 'module.step' }
  | ({ readonly type: 'module.run' } & RunPause)
  | { readonly type: 'thread.wake' }
  | { readonly type: 'thread.step' }
  | ({ readonly type: 'thread.run' } & RunPause)
  | { readonly type: 'oom.notify'; readonly freed?: number }
  | { readonly type: 'oom.step' }
  | ({ readonly type: 'oom.run' } & RunPause)
  | { readonly type: 'memory.notify'; readonly action: MemoryAction }
  | { readonly type: 'reboot.notify'; readonly action: RebootAction }
  | { readonly type: 'reboot.step' }
  | ({ readonly type: 'reboot.run' } & RunPause)
  | { readonly type: 'param.set'; readonly name: string; readonly value: string; readonly asRoot?: boolean }
  | { readonly type: 'param.step' }
  | ({ readonly type: 'param.run' } & RunPause)
  | {
      readonly type: 'sysfs.store';
      readonly attr: string;
      readonly value: string;
      /** The writer passes the file's permission check (uid 0; default true). */
      readonly asRoot?: boolean;
      /** `capable(CAP_SYS_ADMIN)` (default true). */
      readonly capSysAdmin?: boolean;
    }
  | { readonly type: 'hv.loanRequest'; readonly bytes: string }
  | { readonly type: 'hv.loanTarget'; readonly bytes: string };

/** The type of a {@link CmmEvent}. @category Machine */
export type CmmEventType = CmmEvent['type'];

/** Narrows `e` to the event of type `t` (callers know it is). */
export function ev<T extends CmmEventType>(e: CmmEvent, _t: T): Extract<CmmEvent, { type: T }> {
  return e as Extract<CmmEvent, { type: T }>;
}

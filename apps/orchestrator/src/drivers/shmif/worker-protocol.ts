/**
 * Messages between the main thread and a shmif interface worker, and the control words they
 * share.
 *
 * @module
 */
import type { TraceLine } from '../../trace.js';
import type { InterfaceCounters } from './interface.js';
import type { ShmifSettings } from './config.js';

/** Control word: set to 1 by the main thread once every worker is up. @internal */
export const CTL_START = 0;
/** Control word: interfaces that have sent all their frames. @internal */
export const CTL_SENDERS_DONE = 1;
/** Control word: set to 1 by the main thread to stop every worker at once. @internal */
export const CTL_ABORT = 2;
/**
 * Control word: 1 + the index of an interface that stopped (a failed KASSERT) holding the bus
 * lock, set by its worker; every worker then stops (0: none). @internal
 */
export const CTL_WEDGED = 3;
/** Bytes of the control buffer. @internal */
export const CTL_BYTES = 16;

/** What a worker is given. @internal */
export interface ShmifWorkerData {
  /** The interfaces this worker runs. */
  readonly indices: readonly number[];
  readonly settings: ShmifSettings;
  readonly bus: SharedArrayBuffer;
  readonly dataSize: number;
  readonly path: string;
  readonly ctl: SharedArrayBuffer;
  /** The run's frame nonce. */
  readonly nonce: number;
  /** Per interface of `indices`: seed of its MAC randomness. */
  readonly macSeeds: readonly number[];
  /** Per interface of `indices`: seed of its frame lengths and send decisions. */
  readonly rngSeeds: readonly number[];
  /** `performance.timeOrigin + performance.now()` at the run's time 0. */
  readonly epoch: number;
  readonly trace: boolean;
  readonly lockTimeoutMs: number;
}

/** Worker to main. @internal */
export type ShmifWorkerMessage =
  | { readonly type: 'ready'; readonly index: number; readonly mac: string }
  | {
      readonly type: 'batch';
      readonly index: number;
      /** Flat pairs (sender, seq) of frames passed up. */
      readonly delivered: readonly number[];
      readonly trace: readonly TraceLine[];
      readonly sent: number;
      readonly overruns: number;
    }
  | {
      readonly type: 'done';
      readonly index: number;
      readonly counters: InterfaceCounters;
      readonly state: unknown;
      readonly events: number;
    }
  | { readonly type: 'error'; readonly message: string };

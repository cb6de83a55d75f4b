/**
 * The messages between {@link exploreParallel}'s coordinator and its worker threads, and the
 * packing of paths (alphabet positions) into one transferable Int32Array: per path its
 * length, then its positions.
 *
 * @module
 */
import type { LevelResult } from './expander.js';
import type { ModelSource } from './model-source.js';

/** Coordinator to worker. @internal */
export type ToWorker =
  | {
      readonly t: 'init';
      readonly source: ModelSource;
      readonly buffer: SharedArrayBuffer;
      readonly maxStates: number;
      readonly invariants: readonly string[] | undefined;
      readonly deadlock: boolean;
      readonly compiled: boolean | undefined;
    }
  | { readonly t: 'seed' }
  | { readonly t: 'expand' }
  | { readonly t: 'give'; readonly to: readonly number[]; readonly counts: readonly number[] }
  | { readonly t: 'adopt'; readonly parts: readonly Int32Array[] }
  | { readonly t: 'end' };

/** Worker to coordinator. @internal */
export type FromWorker =
  | { readonly t: 'ready' }
  | {
      readonly t: 'level';
      readonly size: number;
      readonly result: LevelResult;
      readonly engine: { readonly compiled: number; readonly xstate: number };
    }
  | { readonly t: 'gave'; readonly parts: readonly { readonly to: number; readonly paths: Int32Array }[] }
  | { readonly t: 'adopted'; readonly size: number }
  | { readonly t: 'error'; readonly name: string; readonly message: string; readonly stack?: string };

/** Packs paths into one Int32Array. @internal */
export function packPaths(paths: readonly (readonly number[])[]): Int32Array {
  let n = 0;
  for (const p of paths) n += p.length + 1;
  const out = new Int32Array(n);
  let k = 0;
  for (const p of paths) {
    out[k++] = p.length;
    for (const x of p) out[k++] = x;
  }
  return out;
}

/** The paths packed by {@link packPaths}. @internal */
export function unpackPaths(a: Int32Array): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < a.length;) {
    const n = a[k++]!;
    out.push(Array.from(a.subarray(k, k + n)));
    k += n;
  }
  return out;
}

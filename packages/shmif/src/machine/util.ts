/**
 * Small builders the region configs share: `meta.source` for a line range of the seed, named
 * guard and action references with the interface index as parameter, and the explicit
 * `KASSERT` / fault actions.
 *
 * @module
 */
import { src } from '@kspec/spec-kit';
import type { SourceMeta } from '@kspec/spec-kit';
import { SEED } from '../constants.js';

/** A state-node config of a region, built as plain data (checked by the conformance helper). @internal */
export type RegionConfig = Record<string, unknown>;

/** `meta: { source }` for seed lines `first..last` of C function `fn`. @internal */
export function source(fn: string, first: number, last: number = first): SourceMeta {
  return { source: src(SEED, fn, first, last) };
}

/** A named guard with parameters. @internal */
export function gd(type: string, params: object): { type: string; params: object } {
  return { type, params };
}

/** A named action with parameters. @internal */
export function act(type: string, params: object): { type: string; params: object } {
  return { type, params };
}

/** An event name (identity; marks event keys in configs). @internal */
export function ev(type: string): string {
  return type;
}

/** The `kassertFailed` action for `KASSERT(expr)` at `first..last` of `fn`. @internal */
export function kassert(
  i: number,
  fn: string,
  expr: string,
  first: number,
  last: number = first,
): { type: string; params: object } {
  return { type: 'kassertFailed', params: { i, fn, expr, first, last } };
}

/** The `segvFault` action: an access through an unmapped `busmem` at `first..last` of `fn`. @internal */
export function segvAt(
  i: number,
  fn: string,
  expr: string,
  first: number,
  last: number = first,
): { type: string; params: object } {
  return { type: 'segvFault', params: { i, fn, expr, first, last } };
}

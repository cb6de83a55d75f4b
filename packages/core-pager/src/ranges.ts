/**
 * Sets of address ranges as immutable values: sorted, disjoint, non-adjacent half-open ranges
 * `[start, end)` over the 32-bit address space (`end` may be 2^32). The environment models
 * (what sigma0 has handed out, what is mapped in core) keep their state in these so that every
 * snapshot of a machine stays a plain value the checker can key and compare.
 *
 * @module
 */

/** A half-open address range `[start, end)`. @category Memory */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/** An immutable set of disjoint ranges, sorted by address. @category Memory */
export type RangeSet = readonly Range[];

/** The empty set. @category Memory */
export const EMPTY_RANGES: RangeSet = Object.freeze([]);

/** `set` with `[start, end)` added (merged with overlapping and adjacent ranges). @category Memory */
export function addRange(set: RangeSet, start: number, end: number): RangeSet {
  if (end <= start) return set;
  const out: Range[] = [];
  let s = start;
  let e = end;
  let placed = false;
  for (const r of set) {
    if (r.end < s) out.push(r);
    else if (r.start > e) {
      if (!placed) {
        out.push({ start: s, end: e });
        placed = true;
      }
      out.push(r);
    } else {
      s = Math.min(s, r.start);
      e = Math.max(e, r.end);
    }
  }
  if (!placed) out.push({ start: s, end: e });
  return out;
}

/** `set` without `[start, end)`. @category Memory */
export function removeRange(set: RangeSet, start: number, end: number): RangeSet {
  if (end <= start || !overlapsRange(set, start, end)) return set;
  const out: Range[] = [];
  for (const r of set) {
    if (r.end <= start || r.start >= end) out.push(r);
    else {
      if (r.start < start) out.push({ start: r.start, end: start });
      if (r.end > end) out.push({ start: end, end: r.end });
    }
  }
  return out;
}

/** True when `addr` lies in a range of `set`. @category Memory */
export function inRanges(set: RangeSet, addr: number): boolean {
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = set[mid] as Range;
    if (addr < r.start) hi = mid - 1;
    else if (addr >= r.end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** True when `[start, end)` lies within one range of `set`. @category Memory */
export function coversRange(set: RangeSet, start: number, end: number): boolean {
  return end <= start || set.some((r) => r.start <= start && end <= r.end);
}

/** True when `[start, end)` meets a range of `set`. @category Memory */
export function overlapsRange(set: RangeSet, start: number, end: number): boolean {
  return set.some((r) => r.start < end && start < r.end);
}

/** `a` minus `b`. @category Memory */
export function subtractRanges(a: RangeSet, b: RangeSet): RangeSet {
  let out = a;
  for (const r of b) out = removeRange(out, r.start, r.end);
  return out;
}

/** `a` intersected with `b`. @category Memory */
export function intersectRanges(a: RangeSet, b: RangeSet): RangeSet {
  const out: Range[] = [];
  for (const x of a)
    for (const y of b) {
      const s = Math.max(x.start, y.start);
      const e = Math.min(x.end, y.end);
      if (s < e) out.push({ start: s, end: e });
    }
  return out.reduce<RangeSet>((acc, r) => addRange(acc, r.start, r.end), EMPTY_RANGES);
}

/** Total bytes in `set`. @category Memory */
export function rangeBytes(set: RangeSet): number {
  return set.reduce((n, r) => n + (r.end - r.start), 0);
}

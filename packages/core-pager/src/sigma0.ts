/**
 * Sigma0, the root pager core asks for memory (`L4_Sigma0_GetAny`, `L4_Sigma0_GetPage`), as a
 * port: a readonly interface of pure functions over a {@link Sigma0State} value, so a machine
 * snapshot holds sigma0's state and the checker can branch on it.
 *
 * The default, {@link kipSigma0}, follows Pistachio's sigma0 (facts 5.2) over the physical
 * memory a KIP describes (non-virtual descriptors; a later descriptor overrides an earlier one
 * where they overlap):
 * - `GetAny(s)`: the lowest 2^s-aligned block of conventional memory (type 1) that nobody holds;
 *   none (or s below 12) gives the nil fpage.
 * - `GetPage(f)`: every page of `f` must be held by core already (a re-map), free conventional
 *   memory, or other memory sigma0 may hand out (dedicated, shared, boot-loader, architecture
 *   or undescribed; not kernel-reserved, type 2); all or nothing.
 * - Every request can be refused (nil) by listing its index in `refuse` (fault injection:
 *   "sigma0 can return nil for any request"). The index counts every request, from 0.
 * Only one client is modelled: core (the root server); pages are never returned.
 *
 * Bound to a `@kspec/shared-memory` {@link PagePool}, every grant also moves the pool's frames
 * to `core` (live use: the orchestrator's page pool); the pool is outside the snapshot.
 *
 * In-memory choices beyond facts.md: the lowest fitting block first; the fpage returned is
 * size-aligned with full rights.
 *
 * @module
 */
import type { PagePool } from '@kspec/shared-memory';
import type { KipDescription } from './kip.js';
import {
  L4_Address,
  L4_FpageAddRights,
  L4_FpageLog2,
  L4_FullyAccessible,
  L4_Nilpage,
  L4_Size,
  L4_SizeLog2,
  type Word,
} from './l4.js';
import {
  EMPTY_RANGES,
  addRange,
  coversRange,
  overlapsRange,
  subtractRanges,
  type Range,
  type RangeSet,
} from './ranges.js';

/** Sigma0's state: what core holds, how many requests it has answered, which it refuses. @category Sigma0 */
export interface Sigma0State {
  /** Memory handed to core (the only client modelled). */
  readonly held: RangeSet;
  /** Requests answered so far: the index of the next one. */
  readonly requests: number;
  /** Indices of requests answered with the nil fpage. */
  readonly refuse: readonly number[];
}

/** One answer: the new state and the fpage of the reply map item (`L4_Nilpage` when refused). @category Sigma0 */
export interface Sigma0Answer {
  readonly state: Sigma0State;
  readonly fpage: Word;
}

/** The sigma0 port. @category Sigma0 */
export interface Sigma0 {
  readonly name: string;
  /** `L4_Sigma0_GetAny(s0, log2size, L4_CompleteAddressSpace)`. */
  getAny(state: Sigma0State, log2size: number): Sigma0Answer;
  /** `L4_Sigma0_GetPage(s0, fpage)` (identity placement). */
  getPage(state: Sigma0State, fpage: Word): Sigma0Answer;
}

/** A fresh state: nothing held, nothing refused. @category Sigma0 */
export const INITIAL_SIGMA0: Sigma0State = Object.freeze({ held: EMPTY_RANGES, requests: 0, refuse: [] });

/** `state` with request `index` (default: the next one) to be refused. @category Sigma0 */
export function refuseSigma0Request(state: Sigma0State, index: number = state.requests): Sigma0State {
  if (state.refuse.includes(index)) return state;
  return { ...state, refuse: [...state.refuse, index].sort((a, b) => a - b) };
}

/** A physical range and its memory type. @category Sigma0 */
export interface TypedRange extends Range {
  readonly type: number;
}

/**
 * The physical memory map of a KIP: its non-virtual descriptors in order, a later one taking
 * precedence where they overlap; sorted, disjoint. The descriptor's `high` is inclusive and
 * kept to 1K as the KIP stores it.
 * @category Sigma0
 */
export function physicalMemoryMap(kip: KipDescription): readonly TypedRange[] {
  let map: TypedRange[] = [];
  for (const d of kip.memory) {
    if (d.virtual) continue;
    const start = (d.low & ~0x3ff) >>> 0;
    const end = ((d.high & ~0x3ff) >>> 0) + 0x400;
    if (end <= start) continue;
    const next: TypedRange[] = [];
    for (const r of map) {
      if (r.end <= start || r.start >= end) next.push(r);
      else {
        if (r.start < start) next.push({ start: r.start, end: start, type: r.type });
        if (r.end > end) next.push({ start: end, end: r.end, type: r.type });
      }
    }
    next.push({ start, end, type: d.type });
    map = next.sort((a, b) => a.start - b.start);
  }
  return map;
}

/** The ranges of `map` with a type satisfying `pred`, merged. @category Sigma0 */
export function rangesOfType(map: readonly TypedRange[], pred: (type: number) => boolean): RangeSet {
  return map
    .filter((r) => pred(r.type))
    .reduce<RangeSet>((s, r) => addRange(s, r.start, r.end), EMPTY_RANGES);
}

/** Options of {@link kipSigma0}. @category Sigma0 */
export interface KipSigma0Options {
  /** Mirror every grant into this page pool (frames move to `core`). */
  readonly pool?: PagePool;
}

/** Sigma0 over the memory a KIP describes (see the module header). @category Sigma0 */
export function kipSigma0(kip: KipDescription, options: KipSigma0Options = {}): Sigma0 {
  const map = physicalMemoryMap(kip);
  const conventional = rangesOfType(map, (t) => t === 0x1);
  const reserved = rangesOfType(map, (t) => t === 0x2);
  const pool = options.pool;

  const grant = (state: Sigma0State, start: number, size: number, log2: number): Sigma0Answer => {
    if (pool) mirror(pool, start, size);
    const held = coversRange(state.held, start, start + size)
      ? state.held
      : addRange(state.held, start, start + size);
    return {
      state: { held, requests: state.requests + 1, refuse: state.refuse },
      fpage: L4_FpageAddRights(L4_FpageLog2(start, log2), L4_FullyAccessible),
    };
  };
  const refuse = (state: Sigma0State): Sigma0Answer => ({
    state: { ...state, requests: state.requests + 1 },
    fpage: L4_Nilpage,
  });

  return {
    name: 'sigma0',
    getAny(state, log2size) {
      if (state.refuse.includes(state.requests) || log2size < 12 || log2size > 31) return refuse(state);
      const size = 2 ** log2size;
      for (const seg of subtractRanges(conventional, state.held)) {
        const a = Math.ceil(seg.start / size) * size;
        if (a + size <= seg.end) return grant(state, a, size, log2size);
      }
      return refuse(state);
    },
    getPage(state, fpage) {
      const s = L4_SizeLog2(fpage);
      const start = L4_Address(fpage);
      const size = L4_Size(fpage) || 2 ** 32;
      if (state.refuse.includes(state.requests) || s < 12) return refuse(state);
      const end = start + size;
      if (coversRange(state.held, start, end)) return grant(state, start, size, s);
      if (overlapsRange(reserved, start, end)) return refuse(state);
      // Held by core or free: the only client is core, so nothing is held by anybody else.
      return grant(state, start, size, s);
    },
  };
}

function mirror(pool: PagePool, start: number, size: number): void {
  const first = Math.max(start, pool.base);
  const last = Math.min(start + size, pool.base + pool.pageCount * pool.pageSize);
  for (let a = first; a < last; a += pool.pageSize) {
    const pfn = pool.pfnOf(a);
    if (pool.state(pfn) === 'free') pool.transition(pfn, 'free', 'core');
  }
}

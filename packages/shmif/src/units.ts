/**
 * The `shmif_units` unit arena: a vmem(9) arena of unit numbers offset by one, because vmem
 * cannot hand out address 0 (if_shmem.c 325-333). Unit `u` is arena address `u + 1`:
 * - `rump_shmif_create` takes any free address and subtracts one (lines 291-292);
 * - `shmif_clone` reserves the unit it was asked for with `vmem_xalloc(.., unit+1, unit+3, ..)`
 *   (half-open `[unit+1, unit+3)`, lines 334-336) and asserts `unit2 - 1 == unit`;
 * - `shmif_unclone` frees `sc_unit + 1` (line 359).
 *
 * What it abstracts: vmem's instant-fit free lists. This arena always returns the lowest free
 * address of the requested range (vmem returns some free address; the C code relies on none
 * in particular). `VM_SLEEP` on an exhausted range sleeps forever in C; here the result says
 * `exhausted` and the caller models the sleep.
 *
 * The arena is plain, immutable data (a sorted list of taken addresses), so it can sit in a
 * machine's context and in the checker's state.
 *
 * @module
 */
import { SHMIF_MAX_UNITS } from './constants.js';

/**
 * The unit arena: the arena range `[min, max)` and the taken addresses, ascending.
 * @category Units
 */
export interface UnitArena {
  readonly min: number;
  readonly max: number;
  readonly taken: readonly number[];
}

/**
 * A fresh arena `[1, 1 + size)`.
 * @category Units
 */
export function createUnitArena(size: number = SHMIF_MAX_UNITS): UnitArena {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`unit arena: size must be a positive integer, got ${size}`);
  return { min: 1, max: 1 + size, taken: [] };
}

/**
 * Result of {@link vmemXalloc}: the address taken and the new arena, or `exhausted` (the C
 * caller would sleep in `VM_SLEEP` forever).
 * @category Units
 */
export type XallocResult =
  | { readonly ok: true; readonly addr: number; readonly arena: UnitArena }
  | { readonly ok: false; readonly exhausted: true };

/**
 * `vmem_xalloc(arena, 1, 0, 0, 0, minaddr, maxaddr, VM_INSTANTFIT | VM_SLEEP)`: one address
 * from `[minaddr, maxaddr)` (the whole arena when both are 0), the lowest free one.
 * @category Units
 */
export function vmemXalloc(arena: UnitArena, minaddr = 0, maxaddr = 0): XallocResult {
  const lo = minaddr === 0 ? arena.min : Math.max(minaddr, arena.min);
  const hi = maxaddr === 0 ? arena.max : Math.min(maxaddr, arena.max);
  let addr = lo;
  for (const t of arena.taken) {
    if (t < addr) continue;
    if (t === addr) addr++;
    else break;
  }
  if (addr >= hi) return { ok: false, exhausted: true };
  const taken = [...arena.taken, addr].sort((a, b) => a - b);
  return { ok: true, addr, arena: { ...arena, taken } };
}

/**
 * `vmem_xfree(arena, addr, 1)`. Freeing an address that is not taken is a vmem panic in C;
 * here it throws a `RangeError` (the shmif code never does it).
 * @category Units
 */
export function vmemXfree(arena: UnitArena, addr: number): UnitArena {
  const i = arena.taken.indexOf(addr);
  if (i < 0) throw new RangeError(`vmem_xfree: address ${addr} is not allocated in the unit arena`);
  return { ...arena, taken: arena.taken.filter((t) => t !== addr) };
}

/**
 * True when unit `unit` (arena address `unit + 1`) is taken.
 * @category Units
 */
export function isUnitTaken(arena: UnitArena, unit: number): boolean {
  return arena.taken.includes(unit + 1);
}

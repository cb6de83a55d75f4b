/**
 * The shmif bus's 64-bit counters as C has them: `shm_gen` (`uint64_t`, bus words 2-3) and each
 * reader's `sc_devgen` (`uint64_t` in `struct shmif_sc`). A {@link U64} is two u32 halves, so
 * every value is exact (a JS number is exact only below 2^53: above it `shm_gen - sc_devgen`
 * rounds and `stillvalid_p`'s `unsigned gendiff` comes out wrong), increments and decrements
 * wrap at 2^64 as in C, and comparisons with the bus read its words in place: nothing here
 * allocates on the receive path (a `bigint` would allocate on every comparison).
 *
 * C's `unsigned gendiff = shm_gen - sc_devgen` (if_shmem.c line 583) is the u64 difference
 * truncated to 32 bits: it depends only on the low halves ({@link genLow32Diff}).
 *
 * @module
 */
import type { ShmifMem } from './layout.js';

/**
 * An unsigned 64-bit value as two u32 halves (immutable: operations return new values).
 * @category Shmif bus
 */
export interface U64 {
  /** Bits 32-63. */
  readonly hi: number;
  /** Bits 0-31. */
  readonly lo: number;
}

/** 0 as a {@link U64}. @category Shmif bus */
export const U64_ZERO: U64 = Object.freeze({ hi: 0, lo: 0 });

/** The value `hi * 2^32 + lo` (both taken as u32). @category Shmif bus */
export function u64(hi: number, lo: number): U64 {
  return { hi: hi >>> 0, lo: lo >>> 0 };
}

/** `v` modulo 2^64. @category Shmif bus */
export function u64FromBigint(v: bigint): U64 {
  const g = BigInt.asUintN(64, v);
  return { hi: Number(g >> 32n), lo: Number(g & 0xffffffffn) };
}

/** The value as a `bigint`. @category Shmif bus */
export function u64ToBigint(v: U64): bigint {
  return (BigInt(v.hi) << 32n) | BigInt(v.lo);
}

/** The value in decimal. @category Shmif bus */
export function u64String(v: U64): string {
  return v.hi === 0 ? String(v.lo) : u64ToBigint(v).toString();
}

/** -1, 0 or 1 as `a` is below, equal to or above `b` (unsigned). @category Shmif bus */
export function u64Compare(a: U64, b: U64): number {
  if (a.hi !== b.hi) return a.hi < b.hi ? -1 : 1;
  if (a.lo !== b.lo) return a.lo < b.lo ? -1 : 1;
  return 0;
}

/** `v + 1`, wrapping from 2^64 - 1 to 0 (C's `sc_devgen++`). @category Shmif bus */
export function u64Increment(v: U64): U64 {
  return v.lo === 0xffffffff ? { hi: (v.hi + 1) >>> 0, lo: 0 } : { hi: v.hi, lo: v.lo + 1 };
}

/** `v - 1`, wrapping from 0 to 2^64 - 1 (C's `shm_gen - 1`). @category Shmif bus */
export function u64Decrement(v: U64): U64 {
  return v.lo === 0 ? { hi: (v.hi - 1) >>> 0, lo: 0xffffffff } : { hi: v.hi, lo: v.lo - 1 };
}

/** `shm_gen` as a {@link U64} (one small allocation: not for per-frame checks). @category Shmif bus */
export function getGenU64(mem: ShmifMem): U64 {
  return { hi: mem.words[3] as number, lo: mem.words[2] as number };
}

/** -1, 0 or 1 as `shm_gen` is below, equal to or above `v`; reads the bus words in place. @category Shmif bus */
export function genCompare(mem: ShmifMem, v: U64): number {
  const hi = mem.words[3] as number;
  if (hi !== v.hi) return hi < v.hi ? -1 : 1;
  const lo = mem.words[2] as number;
  if (lo !== v.lo) return lo < v.lo ? -1 : 1;
  return 0;
}

/** `shm_gen == v`. @category Shmif bus */
export function genEquals(mem: ShmifMem, v: U64): boolean {
  return (mem.words[2] as number) === v.lo && (mem.words[3] as number) === v.hi;
}

/** `shm_gen == 0`. @category Shmif bus */
export function genIsZero(mem: ShmifMem): boolean {
  return (mem.words[2] as number) === 0 && (mem.words[3] as number) === 0;
}

/**
 * `unsigned gendiff = shm_gen - v` as C computes it (if_shmem.c 583): the u64 difference
 * truncated to 32 bits, which is the difference of the low halves modulo 2^32.
 * @category Shmif bus
 */
export function genLow32Diff(mem: ShmifMem, v: U64): number {
  return ((mem.words[2] as number) - v.lo) >>> 0;
}

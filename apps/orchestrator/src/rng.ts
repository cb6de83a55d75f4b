/**
 * The seeded randomness of a run: mulberry32 streams, one per driver, each derived from the
 * scenario seed and the driver's name, so adding a driver never changes the choices another
 * driver makes for the same seed.
 *
 * @module
 */

/**
 * A deterministic pseudo-random stream.
 * @category Engine
 */
export interface Rng {
  /** The next 32-bit unsigned value. */
  nextU32(): number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** A permutation of 0..n-1. */
  order(n: number): number[];
}

/** FNV-1a over the UTF-16 code units of `s`. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A mulberry32 stream for `seed`, optionally split by a `stream` name.
 * @category Engine
 */
export function createRng(seed: number, stream = ''): Rng {
  let state = (seed ^ fnv1a(stream)) >>> 0;
  const nextU32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => nextU32() / 0x100000000;
  return {
    nextU32,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => p >= 1 || (p > 0 && next() < p),
    order(n) {
      const a = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    },
  };
}

/**
 * The visited set: state keys to state numbers (BFS order), behind one small interface
 * ({@link VisitedSet}) so that another store (sharded by fingerprint across workers, or kept
 * in Redis) can replace it.
 *
 * Two stores, as in TLC and SPIN:
 * - {@link FingerprintSet}: only the 64-bit fingerprint of each key (an open-addressing table
 *   of fingerprints and state numbers, 12 bytes a slot at a load of at most 1/2). Two distinct
 *   states with one fingerprint would be merged; the store cannot see that, so it reports
 *   TLC's two estimates of the probability that it happened: the "optimistic" one from the
 *   counts (distinct states n, states generated g: n (g - n) / 2^bits) and the one from the
 *   actual fingerprints (1 / the smallest distance between two of them, sorted).
 * - {@link ExactSet}: the same table, plus every key's bytes in one arena, compared on a
 *   fingerprint match: exact, for small spaces. It counts real collisions (distinct keys
 *   whose fingerprints are equal: states a fingerprint run would have lost), which is how the
 *   tests check the estimates.
 *
 * `fingerprintBits` (default 64) keeps only the low bits of each fingerprint, for tests of the
 * accounting.
 *
 * @module
 */
import { OptionsError } from './errors.js';
import type { KeyBuffer } from './key.js';

/**
 * Collision accounting of a visited set.
 * @category Reports
 */
export interface KeyStats {
  /** `exact`: every key stored and compared; `fingerprint`: 64-bit fingerprints only. */
  readonly mode: 'exact' | 'fingerprint';
  readonly fingerprintBits: number;
  /** Bytes of key material held per state (fingerprint mode: 8). */
  readonly keyBytesPerState: number;
  /** Bytes of the visited set per state (table and keys). */
  readonly storeBytesPerState: number;
  /** Exact mode: distinct states whose fingerprint equals an earlier distinct state's. */
  readonly collisions?: number;
  /**
   * Collisions caught by the key canonicity sampling (the first 500 duplicate hits in the BFS
   * levels held in memory, then one in 128): a state whose fingerprint matched a held state's
   * while its key differs. Nonzero means states were merged (fingerprint mode).
   */
  readonly sampledCollisions?: number;
  /** TLC's optimistic estimate: n (g - n) / 2^bits (n distinct, g generated). */
  readonly collisionProbability: number;
  /** TLC's estimate from the fingerprints: 1 / the smallest distance between two of them. */
  readonly collisionProbabilityObserved: number;
  /** With a disk-spilling store: fingerprints in the file at the end, merges done, file size. */
  readonly spilled?: { readonly onDisk: number; readonly spills: number; readonly diskBytes: number };
}

/**
 * Keys to state numbers. `find` then (when it returned -1) `add` with the same key.
 * @internal
 */
export interface VisitedSet {
  readonly size: number;
  /** The number of the state with this key, or -1. */
  find(key: KeyBuffer): number;
  /** Adds the key last given to `find` (which returned -1) as state `size`; returns it. */
  add(key: KeyBuffer): number;
  /** Collision accounting; `generated` is the number of successor keys looked up. */
  stats(generated: number): KeyStats;
}

const EMPTY = 0;

/** The shared open-addressing table of fingerprints and state numbers. */
abstract class FingerprintTable implements VisitedSet {
  protected ids = new Int32Array(1 << 12);
  protected his = new Uint32Array(1 << 12);
  protected los = new Uint32Array(1 << 12);
  protected mask = (1 << 12) - 1;
  size = 0;
  protected slot = -1;
  protected readonly hiMask: number;
  protected readonly loMask: number;

  constructor(readonly bits: number) {
    if (!Number.isInteger(bits) || bits < 1 || bits > 64)
      throw new OptionsError(`fingerprintBits must be an integer in 1..64, got ${bits}`);
    this.loMask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
    this.hiMask = bits >= 64 ? 0xffffffff : bits <= 32 ? 0 : 2 ** (bits - 32) - 1;
  }

  abstract find(key: KeyBuffer): number;

  /** Probes for the key's fingerprint; calls `same(id)` on each match; sets `slot` when absent. */
  protected probe(key: KeyBuffer, same: ((id: number) => boolean) | undefined): number {
    const hi = (key.hi & this.hiMask) >>> 0;
    const lo = (key.lo & this.loMask) >>> 0;
    const mask = this.mask;
    // the slot from both halves (a narrowed fingerprint may have hi = 0)
    let s = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    const ids = this.ids;
    for (;;) {
      const id = ids[s]!;
      if (id === EMPTY) {
        this.slot = s;
        return -1;
      }
      if (this.his[s] === hi && this.los[s] === lo && (same === undefined || same(id - 1))) return id - 1;
      s = (s + 1) & mask;
    }
  }

  add(key: KeyBuffer): number {
    const id = this.size++;
    this.ids[this.slot] = id + 1;
    this.his[this.slot] = (key.hi & this.hiMask) >>> 0;
    this.los[this.slot] = (key.lo & this.loMask) >>> 0;
    this.stored(key, id);
    if (this.size * 2 > this.mask) this.grow();
    return id;
  }

  protected stored(_key: KeyBuffer, _id: number): void {}

  private grow(): void {
    const { ids, his, los } = this;
    const n = ids.length * 2;
    this.ids = new Int32Array(n);
    this.his = new Uint32Array(n);
    this.los = new Uint32Array(n);
    this.mask = n - 1;
    for (let s = 0; s < ids.length; s++) {
      const id = ids[s]!;
      if (id === EMPTY) continue;
      const hi = his[s]!;
      const lo = los[s]!;
      let t = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
      while (this.ids[t] !== EMPTY) t = (t + 1) & this.mask;
      this.ids[t] = id;
      this.his[t] = hi;
      this.los[t] = lo;
    }
  }

  protected tableBytes(): number {
    return this.ids.length * 12;
  }

  /** 1 / the smallest distance between two stored fingerprints (at 2^-53 resolution). */
  protected observed(): number {
    if (this.size < 2) return 0;
    const xs = new Float64Array(this.size);
    let k = 0;
    const shift = this.bits > 53 ? this.bits - 53 : 0;
    for (let s = 0; s < this.ids.length; s++) {
      if (this.ids[s] === EMPTY) continue;
      const hi = this.his[s]!;
      const lo = this.los[s]!;
      // the fingerprint as a number of at most 53 bits (the top bits kept)
      xs[k++] = shift > 0 ? hi * 2 ** (32 - shift) + Math.floor(lo / 2 ** shift) : hi * 2 ** 32 + lo;
    }
    xs.sort();
    let min = Infinity;
    for (let i = 1; i < xs.length; i++) min = Math.min(min, xs[i]! - xs[i - 1]!);
    const distance = Math.max(min, 0) * 2 ** shift;
    return distance <= 1 ? 1 : 1 / distance;
  }

  protected optimistic(generated: number): number {
    const n = this.size;
    return Math.min(1, (n * Math.max(generated - n, 0)) / 2 ** this.bits);
  }

  abstract stats(generated: number): KeyStats;
}

/**
 * Fingerprints only (TLC's default, SPIN's hash compaction).
 * @internal
 */
export class FingerprintSet extends FingerprintTable {
  find(key: KeyBuffer): number {
    return this.probe(key, undefined);
  }

  stats(generated: number): KeyStats {
    return {
      mode: 'fingerprint',
      fingerprintBits: this.bits,
      keyBytesPerState: Math.ceil(this.bits / 8),
      storeBytesPerState: this.size ? this.tableBytes() / this.size : 0,
      collisionProbability: this.optimistic(generated),
      collisionProbabilityObserved: this.observed(),
    };
  }
}

/**
 * Fingerprints plus every key's bytes: exact.
 * @internal
 */
export class ExactSet extends FingerprintTable {
  private arena = new Uint8Array(1 << 16);
  private used = 0;
  private offsets = new Int32Array(1 << 12);
  private collided = false;
  collisions = 0;

  find(key: KeyBuffer): number {
    this.collided = false;
    return this.probe(key, (id) => {
      const start = this.offsets[id]!;
      const end = id + 1 < this.size ? this.offsets[id + 1]! : this.used;
      let same = end - start === key.len;
      for (let i = 0; same && i < key.len; i++) same = this.arena[start + i] === key.buf[i];
      if (!same) this.collided = true;
      return same;
    });
  }

  protected override stored(key: KeyBuffer, id: number): void {
    if (this.collided) this.collisions++;
    if (id >= this.offsets.length) {
      const o = new Int32Array(this.offsets.length * 2);
      o.set(this.offsets);
      this.offsets = o;
    }
    if (this.used + key.len > this.arena.length) {
      const want = Math.max(this.arena.length * 2, this.used + key.len);
      if (want > 0x7fffffff)
        throw new OptionsError(
          `exact state keys need more than 2 GiB (${this.size} states): use stateKeys: 'fingerprint'`,
        );
      const a = new Uint8Array(want);
      a.set(this.arena.subarray(0, this.used));
      this.arena = a;
    }
    this.offsets[id] = this.used;
    this.arena.set(key.buf.subarray(0, key.len), this.used);
    this.used += key.len;
  }

  stats(generated: number): KeyStats {
    return {
      mode: 'exact',
      fingerprintBits: this.bits,
      keyBytesPerState: this.size ? this.used / this.size : 0,
      storeBytesPerState: this.size ? (this.tableBytes() + this.used + this.size * 4) / this.size : 0,
      collisions: this.collisions,
      collisionProbability: this.optimistic(generated),
      collisionProbabilityObserved: this.observed(),
    };
  }
}

/**
 * The visited set for a run.
 * @internal
 */
export function visitedSet(mode: 'exact' | 'fingerprint', bits = 64): VisitedSet {
  return mode === 'exact' ? new ExactSet(bits) : new FingerprintSet(bits);
}

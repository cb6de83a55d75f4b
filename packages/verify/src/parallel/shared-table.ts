/**
 * The visited set of a multi-threaded run: 64-bit fingerprints in one open-addressing table in
 * a SharedArrayBuffer, inserted lock-free with `Atomics.compareExchange` on 64-bit slots, plus
 * a header of shared counters (distinct states, the stop flag). Every worker thread inserts
 * the successors it generates; the thread whose compare-and-swap fills the slot owns the new
 * state, so each state is counted and expanded once, whichever thread reaches it first.
 *
 * The table does not grow (threads cannot agree on a resize without a lock): it is sized for
 * the run's `maxStates` at a load of at most 1/2 (8 bytes a slot, 16 per state), and a full
 * table stops the run as `maxStates` does.
 *
 * @module
 */

/** Header slots (Int32) before the table. */
const H_COUNT = 0;
const H_STOP = 1;
const HEADER_BYTES = 16;

/** Why a run stopped, as the header's stop flag holds it. @internal */
export const STOP = { none: 0, maxStates: 1, timeBudget: 2, error: 3 } as const;

/** The insert outcomes. @internal */
export const NEW = 1;
export const SEEN = 0;
export const FULL = -1;

/**
 * A fixed-capacity fingerprint table over a SharedArrayBuffer.
 * @internal
 */
export class SharedFingerprintTable {
  readonly header: Int32Array;
  readonly slots: BigInt64Array;
  readonly mask: number;
  private readonly scratch = new BigInt64Array(1);
  private readonly scratch32 = new Uint32Array(this.scratch.buffer);

  /** A table for `maxStates` states (at least 4,096 slots). */
  static create(maxStates: number): SharedFingerprintTable {
    let cap = 1 << 12;
    while (cap < maxStates * 2 && cap < 2 ** 30) cap *= 2;
    return new SharedFingerprintTable(new SharedArrayBuffer(HEADER_BYTES + cap * 8));
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    this.header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.slots = new BigInt64Array(buffer, HEADER_BYTES);
    this.mask = this.slots.length - 1;
  }

  get count(): number {
    return Atomics.load(this.header, H_COUNT);
  }

  get stop(): number {
    return Atomics.load(this.header, H_STOP);
  }

  /** Sets the stop flag unless another reason was set first. */
  requestStop(why: number): void {
    Atomics.compareExchange(this.header, H_STOP, STOP.none, why);
  }

  /**
   * Inserts the fingerprint (hi, lo): {@link NEW} when this call added it (and counted it, if
   * the count stays within `maxStates`), {@link SEEN} when it was there, {@link FULL} when the
   * state budget or the table is exhausted.
   */
  insert(hi: number, lo: number, maxStates: number): number {
    this.scratch32[0] = lo;
    this.scratch32[1] = hi;
    let fp = this.scratch[0]!;
    if (fp === 0n) fp = 1n; // 0 marks an empty slot
    const slots = this.slots;
    const mask = this.mask;
    let s = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (let probes = 0; probes <= mask; probes++) {
      const cur = Atomics.load(slots, s);
      if (cur === fp) return SEEN;
      if (cur === 0n) {
        if (
          Atomics.load(this.header, H_COUNT) >= maxStates ||
          Atomics.load(this.header, H_COUNT) * 2 > mask
        ) {
          this.requestStop(STOP.maxStates);
          return FULL;
        }
        const old = Atomics.compareExchange(slots, s, 0n, fp);
        if (old === 0n) {
          const n = Atomics.add(this.header, H_COUNT, 1);
          if (n >= maxStates) {
            Atomics.sub(this.header, H_COUNT, 1);
            this.requestStop(STOP.maxStates);
            return FULL;
          }
          return NEW;
        }
        if (old === fp) return SEEN;
      }
      s = (s + 1) & mask;
    }
    this.requestStop(STOP.maxStates);
    return FULL;
  }

  /** TLC's estimate from the fingerprints: 1 / the smallest distance between two of them. */
  observedCollisionProbability(): number {
    const n = this.count;
    if (n < 2) return 0;
    const xs = new BigUint64Array(n + 1);
    let k = 0;
    const u = new BigUint64Array(this.slots.buffer, this.slots.byteOffset, this.slots.length);
    for (let s = 0; s < u.length && k < xs.length; s++) if (u[s] !== 0n) xs[k++] = u[s]!;
    const sorted = xs.subarray(0, k).sort();
    let min = -1n;
    for (let i = 1; i < sorted.length; i++) {
      const d = sorted[i]! - sorted[i - 1]!;
      if (min < 0n || d < min) min = d;
    }
    return min <= 1n ? 1 : 1 / Number(min);
  }
}

/**
 * State keys as compact binary: the {@link KeyBuffer} a model's `encode` (or the checker's
 * default encoding of `project`) writes into, and the 64-bit fingerprint of what it holds.
 *
 * A key is a sequence of self-delimiting items: integers as zig-zag varints (shifted left by
 * one, so a first byte with the low bit clear is an integer), other numbers as the byte 0x01
 * and eight IEEE bytes, `null` as 0x03, strings and byte arrays as a varint length and their
 * bytes. `memo(obj, write)` records the bytes `write` produced for an object and replays them
 * when the same object comes again soon: the parts of a context a step did not change keep
 * their identity (contexts are immutable and steps share what they do not touch), so the key
 * of a successor costs what the step changed.
 *
 * The fingerprint is two 32-bit MurmurHash3-style lanes over the bytes with different seeds
 * and constants, cross-mixed at the end (64 bits). In fingerprint mode a memoized part is
 * written as its own fingerprint (a two-level hash, as incremental fingerprints are), so the
 * bytes hashed per state are the parts' digests plus what is not memoized. It is a hash, not a Rabin fingerprint: the
 * visited set accounts for collisions (see `visited.ts`).
 *
 * Not covered: keys are not portable across machines of different charts (the state value is
 * written as indices of the chart's atomic states in document order).
 *
 * @module
 */
import type { KeyWriter } from '@kspec/spec-kit';

const utf8 = new TextEncoder();
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

// tags of value()
const T_NULL = 0;
const T_FALSE = 1;
const T_TRUE = 2;
const T_NUM = 3;
const T_STR = 4;
const T_ARR = 5;
const T_OBJ = 6;
const T_KEY = 7;
const T_END = 8;
const T_BYTES = 9;
const T_BIG = 10;

/** Parts remembered per write function (a power of two). */
const RECENT = 16;

/**
 * The bytes of the last {@link RECENT} objects one write function wrote: successors share
 * most parts with the state being expanded, so the recent ones are the ones met again (a
 * WeakMap over every part ever seen costs more in lookups and garbage collection than it saves).
 */
class RecentParts {
  readonly objs: (object | undefined)[] = new Array<object | undefined>(RECENT).fill(undefined);
  /** Exact mode: the part's bytes. */
  readonly bytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(RECENT).fill(undefined);
  /** Fingerprint mode: the part's digest, high and low 32 bits at 2i and 2i + 1 (no allocation). */
  readonly digests = new Int32Array(2 * RECENT);
  next = 0;
}

/**
 * A growable byte buffer holding one state key at a time.
 * @internal
 */
export class KeyBuffer implements KeyWriter {
  buf = new Uint8Array(256);
  len = 0;
  /** High and low 32 bits of the last {@link hash}. */
  hi = 0;
  lo = 0;
  /** The write functions memo() has seen, and their recent parts at the same index. */
  private readonly writers: unknown[] = [];
  private readonly parts: RecentParts[] = [];
  /** Bytes replayed from the memo (for the bench's key figures). */
  replayed = 0;

  /**
   * @param digest Fingerprint mode: each memoized part is written as its 64-bit hash rather
   *   than its bytes (an incremental fingerprint: a part a step left alone costs 8 bytes and
   *   no rehashing). The key is then only good for its fingerprint, not for exact comparison.
   */
  constructor(readonly digest = false) {}

  reset(): void {
    this.len = 0;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  byte(b: number): void {
    if (this.len >= this.buf.length) this.room(1);
    this.buf[this.len++] = b;
  }

  /** An unsigned varint (0 <= n < 2^32). */
  uvar(n: number): void {
    this.room(5);
    const buf = this.buf;
    let l = this.len;
    n >>>= 0;
    while (n >= 0x80) {
      buf[l++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[l++] = n;
    this.len = l;
  }

  num(n: number): void {
    if (n === (n | 0) && n >= -0x40000000 && n < 0x40000000) {
      // zig-zag, then shifted left: the first byte's low bit is 0 for an integer
      this.uvar(((n << 1) ^ (n >> 31)) << 1);
      return;
    }
    this.room(9);
    this.buf[this.len++] = 0x01;
    f64[0] = Number.isNaN(n) ? NaN : n;
    this.buf.set(f64b, this.len);
    this.len += 8;
  }

  numOrNull(n: number | null): void {
    if (n === null) this.byte(0x03);
    else this.num(n);
  }

  bool(b: boolean): void {
    this.byte(b ? 1 : 0);
  }

  str(s: string): void {
    // ASCII fast path: one byte per character, the length known up front
    const n = s.length;
    this.uvar(n);
    this.room(n);
    const buf = this.buf;
    const start = this.len;
    let l = start;
    for (let i = 0; i < n; i++) {
      const ch = s.charCodeAt(i);
      if (ch >= 0x80) {
        // not ASCII: undo, and write the UTF-8 bytes with their own length
        this.len = start;
        this.unvar(n);
        const b = utf8.encode(s);
        this.uvar(b.length);
        this.raw(b);
        return;
      }
      buf[l++] = ch;
    }
    this.len = l;
  }

  /** Takes back the unsigned varint of `n` just written. */
  private unvar(n: number): void {
    n >>>= 0;
    let size = 1;
    while (n >= 0x80) {
      size++;
      n >>>= 7;
    }
    this.len -= size;
  }

  bytes(b: Uint8Array): void {
    this.uvar(b.length);
    this.raw(b);
  }

  value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        this.byte(T_NUM);
        this.num(v);
        return;
      case 'string':
        this.byte(T_STR);
        this.str(v);
        return;
      case 'boolean':
        this.byte(v ? T_TRUE : T_FALSE);
        return;
      case 'bigint':
        this.byte(T_BIG);
        this.str(v.toString());
        return;
      case 'object':
        break;
      default:
        // undefined, functions and symbols: what JSON.stringify writes as null in an array
        this.byte(T_NULL);
        return;
    }
    if (v === null) {
      this.byte(T_NULL);
    } else if (v instanceof Uint8Array) {
      this.byte(T_BYTES);
      this.bytes(v);
    } else if (Array.isArray(v)) {
      this.byte(T_ARR);
      this.uvar(v.length);
      for (const x of v) this.value(x);
    } else {
      this.byte(T_OBJ);
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const x = o[k];
        // what JSON.stringify leaves out of an object
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
        this.byte(T_KEY);
        this.str(k);
        this.value(x);
      }
      this.byte(T_END);
    }
  }

  /** Bytes without a length (the caller's encoding delimits them). */
  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  memo<T extends object>(obj: T, write: (obj: T, w: KeyWriter) => void): void {
    const c = this.partsOf(write);
    const objs = c.objs;
    for (let i = 0; i < RECENT; i++) {
      if (objs[i] === obj) {
        if (this.digest) {
          this.replayed += 8;
          this.digestBytes(c.digests[2 * i]!, c.digests[2 * i + 1]!);
        } else {
          const hit = c.bytes[i]!;
          this.replayed += hit.length;
          this.raw(hit);
        }
        return;
      }
    }
    const start = this.len;
    write(obj, this);
    const k = c.next;
    objs[k] = obj;
    if (this.digest) {
      // fingerprint mode: the part stands in the key as its own 64-bit hash
      this.hashRange(start, this.len);
      this.len = start;
      c.digests[2 * k] = this.hi;
      c.digests[2 * k + 1] = this.lo;
      this.digestBytes(this.hi, this.lo);
    } else c.bytes[k] = this.buf.slice(start, this.len);
    c.next = (k + 1) & (RECENT - 1);
  }

  /** The recent parts of one write function (a linear scan: a model has a dozen writers or so). */
  private partsOf(write: unknown): RecentParts {
    const ws = this.writers;
    for (let i = 0; i < ws.length; i++) if (ws[i] === write) return this.parts[i]!;
    const c = new RecentParts();
    ws.push(write);
    this.parts.push(c);
    return c;
  }

  /** A part's 64-bit digest as eight bytes, big-endian (fingerprint mode). */
  private digestBytes(hi: number, lo: number): void {
    this.room(8);
    const b = this.buf;
    const l = this.len;
    b[l] = hi >>> 24;
    b[l + 1] = hi >>> 16;
    b[l + 2] = hi >>> 8;
    b[l + 3] = hi;
    b[l + 4] = lo >>> 24;
    b[l + 5] = lo >>> 16;
    b[l + 6] = lo >>> 8;
    b[l + 7] = lo;
    this.len = l + 8;
  }

  /** True when `other` holds the same bytes. */
  equals(other: KeyBuffer): boolean {
    if (this.len !== other.len) return false;
    const a = this.buf;
    const b = other.buf;
    for (let i = 0; i < this.len; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** A copy of the bytes. */
  copy(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /** The bytes as hex (for messages). */
  hex(max = 200): string {
    let s = '';
    for (let i = 0; i < Math.min(this.len, max); i++) s += this.buf[i]!.toString(16).padStart(2, '0');
    return this.len > max ? `${s}... (${this.len} bytes)` : s;
  }

  /** Computes the 64-bit fingerprint of the bytes into {@link hi} / {@link lo}. */
  hash(): void {
    this.hashRange(0, this.len);
  }

  /** The 64-bit fingerprint of bytes [from, to) into {@link hi} / {@link lo}. */
  private hashRange(from: number, to: number): void {
    const b = this.buf;
    const n = to - from;
    let h1 = 0x9747b28c ^ n;
    let h2 = 0x1b873593 ^ Math.imul(n, 0x85ebca6b);
    const words = from + (n & ~3);
    let i = from;
    for (; i < words; i += 4) {
      const k = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
      let k1 = Math.imul(k, 0xcc9e2d51);
      k1 = (k1 << 15) | (k1 >>> 17);
      h1 ^= Math.imul(k1, 0x1b873593);
      h1 = (h1 << 13) | (h1 >>> 19);
      h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      let k2 = Math.imul(k, 0x85ebca77);
      k2 = (k2 << 17) | (k2 >>> 15);
      h2 ^= Math.imul(k2, 0xc2b2ae3d);
      h2 = (h2 << 11) | (h2 >>> 21);
      h2 = (Math.imul(h2, 5) + 0x52dce729) | 0;
    }
    let t = 0;
    for (let s = 0; i < to; i++, s += 8) t |= b[i]! << s;
    if (n & 3) {
      let k1 = Math.imul(t, 0xcc9e2d51);
      k1 = (k1 << 15) | (k1 >>> 17);
      h1 ^= Math.imul(k1, 0x1b873593);
      let k2 = Math.imul(t, 0x85ebca77);
      k2 = (k2 << 17) | (k2 >>> 15);
      h2 ^= Math.imul(k2, 0xc2b2ae3d);
    }
    h1 = fmix(h1);
    h2 = fmix(h2 ^ 0x7f4a7c15);
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    this.hi = h1 >>> 0;
    this.lo = h2 >>> 0;
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

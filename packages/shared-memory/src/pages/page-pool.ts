/**
 * The physical memory of the simulated machine: a pool of page frames of one size (4 KiB by
 * default, 64 KiB as on pseries with 64K pages), each in one {@link PageState}. Core maps pages
 * into its own address space (`core`), hands them to clients (`user`), CMM loans them to the
 * hypervisor (`loaned`), firmware and kernel ranges are `reserved`; everything else is `free`.
 *
 * Costs grow with the pages touched, not with the RAM size: an untouched page is free and has
 * no storage at all. State is kept in chunks of 4096 pages (the last one as long as the pages it
 * covers), one byte per page, allocated when
 * a page of the chunk first leaves `free` (and dropped again when the whole chunk is free), so a
 * 64 GiB pool of 16M pages costs a few hundred bytes until used, and pages taken in runs cost
 * about one byte each. No object is kept per page. Per-state counts are kept incrementally:
 * reading them is O(1), as CMM's `loaned_pages` accounting needs.
 *
 * Free order: `lowest` (the default) hands out the lowest free frame first; `lifo` hands out
 * the most recently freed frame first, as the kernel's per-CPU free lists do (a freed page is
 * "hot" and is the next one allocated), falling back to the lowest free frame when nothing
 * freed is left. The LIFO list holds the numbers of released frames (4 bytes each), skips
 * entries that left `free` some other way, and shrinks as it empties.
 *
 * Not covered: NUMA nodes, zones and migrate types, memory hotplug sections (CMM's hotplug
 * notifier sees page ranges; {@link PagePool.countInRange} answers "how many loaned pages are
 * in this range"), page contents (only states are kept), and sharing the pool between worker
 * threads.
 *
 * @module
 */

/**
 * The states a page frame can be in.
 * @category Page pool
 */
export const PAGE_STATES = ['free', 'reserved', 'core', 'user', 'loaned'] as const;

/**
 * One of {@link PAGE_STATES}.
 * @category Page pool
 */
export type PageState = (typeof PAGE_STATES)[number];

/** Pages per chunk of state storage. @category Page pool */
export const PAGE_CHUNK = 4096;
const CHUNK_SHIFT = 12;
const CHUNK_MASK = PAGE_CHUNK - 1;

/**
 * Which free frame {@link PagePool.allocate} and {@link PagePool.allocateOne} hand out first.
 * @category Page pool
 */
export type FreeOrder = 'lowest' | 'lifo';

/**
 * Options of {@link PagePool}.
 * @category Page pool
 */
export interface PagePoolOptions {
  /** RAM size in bytes; a multiple of the page size. */
  readonly ramBytes: number;
  /** 4096 (default) or 65536. */
  readonly pageSize?: 4096 | 65536;
  /** Physical address of frame 0 (default 0). */
  readonly base?: number;
  /** `lowest` (default) or `lifo` (the most recently released frame first). */
  readonly freeOrder?: FreeOrder;
}

/**
 * Thrown for a page number outside the pool, a bad size, or a transition from the wrong state.
 * @category Page pool
 */
export class PagePoolError extends Error {
  override readonly name = 'PagePoolError';
}

const CODE: Readonly<Record<PageState, number>> = Object.freeze({
  free: 0,
  reserved: 1,
  core: 2,
  user: 3,
  loaned: 4,
});

/** State storage of 4096 pages: one byte each, the count of non-free ones, a lowest-free hint. */
interface Chunk {
  readonly s: Uint8Array;
  used: number;
  /** No free slot below this index. */
  hint: number;
}

/**
 * A pool of page frames; see the module header.
 * @category Page pool
 */
export class PagePool {
  readonly pageSize: number;
  readonly pageCount: number;
  readonly base: number;
  readonly freeOrder: FreeOrder;
  private readonly chunks = new Map<number, Chunk>();
  private readonly countsByCode: number[];
  /** Lowest chunk that may still hold a free page (allocation cursor). */
  private cursor = 0;
  /** LIFO order: released frames, most recent last (entries may be stale). */
  private stack: Uint32Array = new Uint32Array(0);
  private stackLen = 0;

  constructor(options: PagePoolOptions) {
    const pageSize = options.pageSize ?? 4096;
    if (pageSize !== 4096 && pageSize !== 65536)
      throw new PagePoolError(`PagePool: page size ${String(pageSize)} is not 4096 or 65536`);
    const ram = options.ramBytes;
    if (!Number.isSafeInteger(ram) || ram <= 0 || ram % pageSize !== 0) {
      throw new PagePoolError(
        `PagePool: RAM size ${ram} is not a positive multiple of the page size ${pageSize}`,
      );
    }
    if (ram / pageSize > 2 ** 32) throw new PagePoolError(`PagePool: more than 2^32 pages`);
    const order = options.freeOrder ?? 'lowest';
    if (order !== 'lowest' && order !== 'lifo')
      throw new PagePoolError(`PagePool: free order ${String(order)} is not 'lowest' or 'lifo'`);
    this.pageSize = pageSize;
    this.pageCount = ram / pageSize;
    this.base = options.base ?? 0;
    this.freeOrder = order;
    this.countsByCode = [this.pageCount, 0, 0, 0, 0];
  }

  /** An independent copy (same states, counts, free order and LIFO list). */
  clone(): PagePool {
    const c = new PagePool({
      ramBytes: this.pageCount * this.pageSize,
      pageSize: this.pageSize as 4096 | 65536,
      base: this.base,
      freeOrder: this.freeOrder,
    });
    for (const [ci, ch] of this.chunks) c.chunks.set(ci, { s: ch.s.slice(), used: ch.used, hint: ch.hint });
    for (let i = 0; i < 5; i++) c.countsByCode[i] = this.countsByCode[i] as number;
    c.cursor = this.cursor;
    c.stack = this.stack.slice(0, Math.max(this.stackLen, 0));
    c.stackLen = this.stackLen;
    return c;
  }

  private check(pfn: number, n = 1): void {
    if (!Number.isInteger(pfn) || !Number.isInteger(n) || n < 0 || pfn < 0 || pfn + n > this.pageCount) {
      throw new PagePoolError(`PagePool: pages [${pfn}, ${pfn + n}) outside [0, ${this.pageCount})`);
    }
  }

  private code(pfn: number): number {
    const c = this.chunks.get(pfn >>> CHUNK_SHIFT);
    return c === undefined ? 0 : (c.s[pfn & CHUNK_MASK] as number);
  }

  private put(pfn: number, to: number): void {
    const ci = pfn >>> CHUNK_SHIFT;
    let c = this.chunks.get(ci);
    if (c === undefined) {
      if (to === 0) return;
      c = { s: new Uint8Array(Math.min(PAGE_CHUNK, this.pageCount - ci * PAGE_CHUNK)), used: 0, hint: 0 };
      this.chunks.set(ci, c);
    }
    const i = pfn & CHUNK_MASK;
    const from = c.s[i] as number;
    if (from === to) return;
    c.s[i] = to;
    (this.countsByCode[from] as number)--;
    (this.countsByCode[to] as number)++;
    if (to === 0) {
      if (--c.used === 0) this.chunks.delete(ci);
      else if (i < c.hint) c.hint = i;
      if (ci < this.cursor) this.cursor = ci;
    } else if (from === 0) c.used++;
  }

  /** The state of page `pfn`. */
  state(pfn: number): PageState {
    this.check(pfn);
    return PAGE_STATES[this.code(pfn)] as PageState;
  }

  /** Physical address of page `pfn`. */
  address(pfn: number): number {
    this.check(pfn);
    return this.base + pfn * this.pageSize;
  }

  /** Page number of physical address `addr`. */
  pfnOf(addr: number): number {
    const pfn = Math.floor((addr - this.base) / this.pageSize);
    this.check(pfn);
    return pfn;
  }

  /** Pages in each state (O(1)). */
  counts(): Readonly<Record<PageState, number>> {
    const c = this.countsByCode;
    return {
      free: c[0] as number,
      reserved: c[1] as number,
      core: c[2] as number,
      user: c[3] as number,
      loaned: c[4] as number,
    };
  }

  /** Pages in state `s` (O(1)). */
  count(s: PageState): number {
    return this.countsByCode[CODE[s]] as number;
  }

  /**
   * Moves page `pfn` from `from` to `to`; false (and no change) when it is not in `from`.
   */
  transition(pfn: number, from: PageState, to: PageState): boolean {
    this.check(pfn);
    if (this.code(pfn) !== CODE[from]) return false;
    this.put(pfn, CODE[to]);
    if (to === 'free' && from !== 'free') this.push(pfn);
    return true;
  }

  /**
   * Moves every page of `[pfn, pfn + n)` to `to`. With `from`, all pages must be in `from`
   * (checked first: nothing changes otherwise) and the call throws naming the first that is not.
   */
  setRange(pfn: number, n: number, to: PageState, from?: PageState): void {
    this.check(pfn, n);
    if (from !== undefined) {
      const f = CODE[from];
      for (let p = pfn; p < pfn + n; p++) {
        if (this.code(p) !== f)
          throw new PagePoolError(`PagePool: page ${p} is ${this.state(p)}, not ${from}`);
      }
    }
    const t = CODE[to];
    for (let p = pfn; p < pfn + n; p++) this.put(p, t);
  }

  /** The lowest free frame, or -1; advances the cursor past full chunks. */
  private lowestFree(): number {
    const chunksTotal = Math.ceil(this.pageCount / PAGE_CHUNK);
    for (let ci = this.cursor; ci < chunksTotal; ci++) {
      const lo = ci * PAGE_CHUNK;
      const size = Math.min(this.pageCount - lo, PAGE_CHUNK);
      const c = this.chunks.get(ci);
      if (c === undefined) return lo;
      if (c.used < size) {
        const s = c.s;
        for (let i = c.hint; i < size; i++) {
          if (s[i] === 0) {
            c.hint = i;
            return lo + i;
          }
        }
        c.hint = size; // unreachable while used < size; keeps the hint honest
      }
      if (ci === this.cursor) this.cursor = ci + 1;
    }
    return -1;
  }

  /** LIFO order: the most recently released frame that is still free, or -1. */
  private popFree(): number {
    while (this.stackLen > 0) {
      const p = this.stack[--this.stackLen] as number;
      if (this.stack.length > 4096 && this.stackLen < this.stack.length >>> 2) {
        // a list that emptied gives its memory back (amortised O(1))
        this.stack = this.stack.slice(0, this.stack.length >>> 1);
      }
      if (this.code(p) === 0) return p;
    }
    return -1;
  }

  private push(pfn: number): void {
    if (this.freeOrder !== 'lifo') return;
    if (this.stackLen === this.stack.length) {
      // Drop entries that left `free` some other way before growing.
      if (this.stackLen > 2 * this.countsByCode[0]! + 4096) {
        let k = 0;
        for (let i = 0; i < this.stackLen; i++) {
          const p = this.stack[i] as number;
          if (this.code(p) === 0) this.stack[k++] = p;
        }
        this.stackLen = k;
      }
      if (this.stackLen === this.stack.length) {
        const grown = new Uint32Array(Math.max(1024, this.stack.length * 2));
        grown.set(this.stack.subarray(0, this.stackLen));
        this.stack = grown;
      }
    }
    this.stack[this.stackLen++] = pfn;
  }

  /**
   * Takes one free page (in the pool's free order) and puts it in state `to`; returns its number,
   * or -1 when no page is free.
   */
  allocateOne(to: Exclude<PageState, 'free'>): number {
    const t = CODE[to];
    if (t === undefined || t === 0) throw new PagePoolError(`PagePool.allocateOne: bad state ${String(to)}`);
    if (this.countsByCode[0] === 0) return -1;
    let p = this.freeOrder === 'lifo' ? this.popFree() : -1;
    if (p < 0) p = this.lowestFree();
    if (p < 0) return -1;
    this.put(p, t);
    return p;
  }

  /**
   * Takes up to `n` free pages (in the pool's free order: lowest frames first by default) and
   * puts them in state `to`. Returns their numbers (fewer than `n` when the pool runs out of free
   * pages).
   */
  allocate(n: number, to: Exclude<PageState, 'free'>): Uint32Array {
    if (!Number.isInteger(n) || n < 0) throw new PagePoolError(`PagePool.allocate: bad count ${n}`);
    const out = new Uint32Array(Math.min(n, this.count('free')));
    for (let k = 0; k < out.length; k++) out[k] = this.allocateOne(to);
    return out;
  }

  /** Returns one page to `free`; it must be in `from`. */
  releaseOne(pfn: number, from: Exclude<PageState, 'free'>): void {
    this.check(pfn);
    if (this.code(pfn) !== CODE[from])
      throw new PagePoolError(`PagePool.release: page ${pfn} is ${this.state(pfn)}, not ${from}`);
    this.put(pfn, 0);
    this.push(pfn);
  }

  /** Returns pages to `free`; every page must be in `from` (checked first). */
  release(pfns: ArrayLike<number>, from: Exclude<PageState, 'free'>): void {
    const f = CODE[from];
    for (let i = 0; i < pfns.length; i++) {
      const p = pfns[i] as number;
      this.check(p);
      if (this.code(p) !== f)
        throw new PagePoolError(`PagePool.release: page ${p} is ${this.state(p)}, not ${from}`);
    }
    for (let i = 0; i < pfns.length; i++) {
      const p = pfns[i] as number;
      this.put(p, 0);
      this.push(p);
    }
  }

  /** Pages in state `s` within `[pfn, pfn + n)` (for hotplug ranges). */
  countInRange(pfn: number, n: number, s: PageState): number {
    this.check(pfn, n);
    const want = CODE[s];
    let k = 0;
    for (let p = pfn; p < pfn + n;) {
      const ci = p >>> CHUNK_SHIFT;
      const end = Math.min(pfn + n, (ci + 1) * PAGE_CHUNK);
      const c = this.chunks.get(ci);
      if (c === undefined) {
        if (want === 0) k += end - p;
      } else {
        for (let q = p; q < end; q++) if (c.s[q - ci * PAGE_CHUNK] === want) k++;
      }
      p = end;
    }
    return k;
  }

  /** Bytes of page-state storage in use (chunks of one byte per page, and the LIFO list). */
  storageBytes(): number {
    let n = this.stack.byteLength;
    for (const c of this.chunks.values()) n += c.s.byteLength;
    return n;
  }

  /** Chunks with storage. */
  get touchedChunks(): number {
    return this.chunks.size;
  }
}

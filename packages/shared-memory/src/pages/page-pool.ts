/**
 * The physical memory of the simulated machine: a pool of page frames of one size (4 KiB by
 * default, 64 KiB as on pseries with 64K pages), each in one {@link PageState}. Core maps pages
 * into its own address space (`core`), hands them to clients (`user`), CMM loans them to the
 * hypervisor (`loaned`), firmware and kernel ranges are `reserved`; everything else is `free`.
 *
 * Costs grow with the pages touched, not with the RAM size: an untouched page is free and has
 * no storage at all. State is kept in chunks of 4096 pages, one byte per page, allocated when
 * a page of the chunk first leaves `free` (and dropped again when the whole chunk is free), so a
 * 64 GiB pool of 16M pages costs a few hundred bytes until used, and pages taken in runs (as
 * {@link PagePool.allocate} hands them out, lowest free frame first) cost about one byte each.
 * Per-state counts are kept incrementally: reading them is O(1), as CMM's `loaned_pages`
 * accounting needs.
 *
 * Not covered: NUMA nodes, memory hotplug sections (CMM's hotplug notifier sees page ranges;
 * {@link PagePool.countInRange} answers "how many loaned pages are in this range"), page
 * contents (only states are kept), and sharing the pool between worker threads.
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

/**
 * A pool of page frames; see the module header.
 * @category Page pool
 */
export class PagePool {
  readonly pageSize: number;
  readonly pageCount: number;
  readonly base: number;
  private readonly chunks = new Map<number, Uint8Array>();
  /** Non-free pages per allocated chunk. */
  private readonly used = new Map<number, number>();
  private readonly countsByCode: number[];
  /** Lowest chunk that may still hold a free page (allocation cursor). */
  private cursor = 0;

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
    this.pageSize = pageSize;
    this.pageCount = ram / pageSize;
    this.base = options.base ?? 0;
    this.countsByCode = [this.pageCount, 0, 0, 0, 0];
  }

  private check(pfn: number, n = 1): void {
    if (!Number.isInteger(pfn) || !Number.isInteger(n) || n < 0 || pfn < 0 || pfn + n > this.pageCount) {
      throw new PagePoolError(`PagePool: pages [${pfn}, ${pfn + n}) outside [0, ${this.pageCount})`);
    }
  }

  private code(pfn: number): number {
    const c = this.chunks.get(Math.floor(pfn / PAGE_CHUNK));
    return c === undefined ? 0 : (c[pfn % PAGE_CHUNK] as number);
  }

  private put(pfn: number, to: number): void {
    const ci = Math.floor(pfn / PAGE_CHUNK);
    let c = this.chunks.get(ci);
    if (c === undefined) {
      if (to === 0) return;
      c = new Uint8Array(PAGE_CHUNK);
      this.chunks.set(ci, c);
      this.used.set(ci, 0);
    }
    const i = pfn % PAGE_CHUNK;
    const from = c[i] as number;
    if (from === to) return;
    c[i] = to;
    (this.countsByCode[from] as number)--;
    (this.countsByCode[to] as number)++;
    const u = (this.used.get(ci) as number) + (to === 0 ? -1 : from === 0 ? 1 : 0);
    if (u === 0) {
      this.chunks.delete(ci);
      this.used.delete(ci);
    } else this.used.set(ci, u);
    if (to === 0 && ci < this.cursor) this.cursor = ci;
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

  /**
   * Takes up to `n` free pages, lowest frames first, and puts them in state `to`. Returns their
   * numbers (fewer than `n` when the pool runs out of free pages).
   */
  allocate(n: number, to: Exclude<PageState, 'free'>): Uint32Array {
    if (!Number.isInteger(n) || n < 0) throw new PagePoolError(`PagePool.allocate: bad count ${n}`);
    const t = CODE[to];
    const out = new Uint32Array(Math.min(n, this.count('free')));
    let k = 0;
    const chunksTotal = Math.ceil(this.pageCount / PAGE_CHUNK);
    let advancing = true; // every chunk before ci is full: the cursor may move
    for (let ci = this.cursor; ci < chunksTotal && k < out.length; ci++) {
      const lo = ci * PAGE_CHUNK;
      const hi = Math.min(this.pageCount, lo + PAGE_CHUNK);
      let c = this.chunks.get(ci);
      if (c === undefined || (this.used.get(ci) as number) < hi - lo) {
        for (let p = lo; p < hi && k < out.length; p++) {
          if (c === undefined || c[p - lo] === 0) {
            this.put(p, t);
            c = this.chunks.get(ci);
            out[k++] = p;
          }
        }
      }
      if (advancing) {
        if (this.chunks.has(ci) && (this.used.get(ci) as number) === hi - lo) this.cursor = ci + 1;
        else advancing = false;
      }
    }
    return out;
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
    for (let i = 0; i < pfns.length; i++) this.put(pfns[i] as number, 0);
  }

  /** Pages in state `s` within `[pfn, pfn + n)` (for hotplug ranges). */
  countInRange(pfn: number, n: number, s: PageState): number {
    this.check(pfn, n);
    const want = CODE[s];
    let k = 0;
    for (let p = pfn; p < pfn + n;) {
      const ci = Math.floor(p / PAGE_CHUNK);
      const end = Math.min(pfn + n, (ci + 1) * PAGE_CHUNK);
      const c = this.chunks.get(ci);
      if (c === undefined) {
        if (want === 0) k += end - p;
      } else {
        for (let q = p; q < end; q++) if (c[q - ci * PAGE_CHUNK] === want) k++;
      }
      p = end;
    }
    return k;
  }

  /** Bytes of page-state storage in use (chunks of one byte per page). */
  storageBytes(): number {
    return this.chunks.size * PAGE_CHUNK;
  }

  /** Chunks with storage. */
  get touchedChunks(): number {
    return this.chunks.size;
  }
}

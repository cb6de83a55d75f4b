/**
 * The balloon's page list (`struct balloon_dev_info` of mm/balloon_compaction.c) in the
 * kernel's order: `balloon_page_enqueue` inserts at the head (`list_add`), `balloon_page_dequeue`
 * takes the first page from the head, so the list is a stack. Stored as page frame numbers in
 * a `Uint32Array` that grows by half and shrinks as it empties (4 to 6 bytes per page, no
 * object per page).
 *
 * `balloon_page_dequeue` on an empty list with no isolated pages is a `BUG()` upstream
 * ("some balloon pages are lost"); the model returns a marker for it and the caller crashes
 * the kernel. `balloon_devinfo_init` initialises the list head: a `b_dev_info` that was never
 * initialised (the !CONFIG_BALLOON_COMPACTION variant of the seed, CMM-3) has a zeroed
 * `list_head`, and the first list operation dereferences NULL.
 *
 * Not covered: compaction (isolating, migrating and putting back balloon pages: the
 * `cmm_migratepage` callback), so `isolated_pages` stays 0; `trylock_page` failures in
 * `balloon_page_list_dequeue`.
 *
 * @module
 */

/**
 * The page list of a balloon device.
 * @category Model
 */
export class BalloonList {
  private a: Uint32Array;
  private n = 0;

  constructor(capacity = 16) {
    this.a = new Uint32Array(Math.max(1, capacity));
  }

  /** Pages on the list. */
  get length(): number {
    return this.n;
  }

  /** `balloon_page_insert` via `list_add`: at the head. */
  enqueue(pfn: number): void {
    if (this.n === this.a.length) {
      const b = new Uint32Array(Math.max(16, Math.ceil(this.a.length * 1.5)));
      b.set(this.a.subarray(0, this.n));
      this.a = b;
    }
    this.a[this.n++] = pfn;
  }

  /** Takes the head page; -1 when the list is empty. */
  dequeue(): number {
    if (this.n === 0) return -1;
    const p = this.a[--this.n] as number;
    if (this.a.length > 4096 && this.n < this.a.length >>> 2) this.a = this.a.slice(0, this.a.length >>> 1);
    return p;
  }

  /** The page at position `i` from the head (0 = head). */
  at(i: number): number {
    return this.a[this.n - 1 - i] as number;
  }

  /** True when `pfn` is on the list (O(n)). */
  includes(pfn: number): boolean {
    for (let i = 0; i < this.n; i++) if (this.a[i] === pfn) return true;
    return false;
  }

  /** The pages from the head, as a new array. */
  toArray(): number[] {
    const out = new Array<number>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.a[this.n - 1 - i] as number;
    return out;
  }

  /** The pages from the tail (insertion order) as a view; valid until the next change. */
  view(): Uint32Array {
    return this.a.subarray(0, this.n);
  }

  /** Bytes of storage held. */
  get byteLength(): number {
    return this.a.byteLength;
  }

  clone(): BalloonList {
    const c = new BalloonList(this.n + 1);
    c.a.set(this.a.subarray(0, this.n));
    c.n = this.n;
    return c;
  }
}

/**
 * Disk spilling of the visited set, as TLC's DiskFPSet does: the one-process explorer keeps
 * the fingerprints of recent states in an in-memory table of at most a given size; when it is
 * full, its fingerprints are merged into a sorted file on disk (12-byte records: high and low
 * 32 bits of the fingerprint, state number) and the table starts empty again. A lookup that
 * misses the table looks in the file: a sparse index in memory (every 256th fingerprint)
 * names one page, which is read (one `pread`) and searched. So memory holds the table, the
 * index (1/256 of the file) and the explorer's parent pointers (8 bytes a state), and a space
 * of 100M states needs about 1.2 GB of disk rather than 2.4 GB more of heap.
 *
 * Created with {@link diskSpill} (Node only) and passed as `ExploreOptions.visited`; it keeps
 * fingerprints only (stateKeys `fingerprint`). The file lives in a private temporary
 * directory, removed when the run ends (or at process exit).
 *
 * @module
 */
import { closeSync, mkdtempSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OptionsError } from '../errors.js';
import type { VisitedStore, VisitedStoreFactory } from '../explore-options.js';
import type { KeyBuffer } from '../key.js';
import type { KeyStats, VisitedSet } from '../visited.js';

const REC = 12;
const PAGE = 256;

/** Unsigned comparison of (hi, lo) pairs. */
function cmp(h1: number, l1: number, h2: number, l2: number): number {
  return h1 !== h2 ? (h1 < h2 ? -1 : 1) : l1 !== l2 ? (l1 < l2 ? -1 : 1) : 0;
}

const live = new Set<string>();
process.once('exit', () => {
  for (const d of live) rmSync(d, { recursive: true, force: true });
});

/**
 * The visited set with an in-memory table of at most `memoryStates` fingerprints and the rest
 * in a sorted file.
 * @internal
 */
export class SpillingSet implements VisitedSet {
  size = 0;
  private ids: Int32Array;
  private his: Uint32Array;
  private los: Uint32Array;
  private readonly mask: number;
  private inMemory = 0;
  private slot = -1;
  private readonly dir: string;
  private readonly file: string;
  private onDisk = 0;
  private indexHi = new Uint32Array(0);
  private indexLo = new Uint32Array(0);
  private readonly page = new Uint8Array(PAGE * REC);
  private readonly pageView = new DataView(this.page.buffer);
  /** Merges done. */
  spills = 0;
  /** The file, open for lookups (-1: not open). */
  private fd = -1;

  constructor(
    private readonly memoryStates: number,
    parent: string,
  ) {
    let cap = 1 << 4;
    while (cap < memoryStates * 2) cap *= 2;
    this.ids = new Int32Array(cap);
    this.his = new Uint32Array(cap);
    this.los = new Uint32Array(cap);
    this.mask = cap - 1;
    this.dir = mkdtempSync(join(parent, 'kspec-visited-'));
    live.add(this.dir);
    this.file = join(this.dir, 'fingerprints');
  }

  find(key: KeyBuffer): number {
    const hi = key.hi >>> 0;
    const lo = key.lo >>> 0;
    let s = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const id = this.ids[s]!;
      if (id === 0) break;
      if (this.his[s] === hi && this.los[s] === lo) return id - 1;
      s = (s + 1) & this.mask;
    }
    this.slot = s;
    return this.onDisk ? this.findOnDisk(hi, lo) : -1;
  }

  private findOnDisk(hi: number, lo: number): number {
    // the last index entry <= the fingerprint names the page
    let a = 0;
    let b = this.indexHi.length - 1;
    if (b < 0 || cmp(hi, lo, this.indexHi[0]!, this.indexLo[0]!) < 0) return -1;
    while (a < b) {
      const m = (a + b + 1) >> 1;
      if (cmp(this.indexHi[m]!, this.indexLo[m]!, hi, lo) <= 0) a = m;
      else b = m - 1;
    }
    const first = a * PAGE;
    const n = Math.min(PAGE, this.onDisk - first);
    if (this.fd < 0) this.fd = openSync(this.file, 'r');
    readSync(this.fd, this.page, 0, n * REC, first * REC);
    let x = 0;
    let y = n - 1;
    const v = this.pageView;
    while (x <= y) {
      const m = (x + y) >> 1;
      const c = cmp(v.getUint32(m * REC), v.getUint32(m * REC + 4), hi, lo);
      if (c === 0) return v.getUint32(m * REC + 8);
      if (c < 0) x = m + 1;
      else y = m - 1;
    }
    return -1;
  }

  add(key: KeyBuffer): number {
    const id = this.size++;
    this.ids[this.slot] = id + 1;
    this.his[this.slot] = key.hi >>> 0;
    this.los[this.slot] = key.lo >>> 0;
    if (++this.inMemory >= this.memoryStates) this.spill();
    return id;
  }

  /** The in-memory fingerprints, sorted, as [hi, lo, id] triples. */
  private sortedMemory(): Uint32Array {
    const order: number[] = [];
    for (let s = 0; s <= this.mask; s++) if (this.ids[s] !== 0) order.push(s);
    order.sort((p, q) => cmp(this.his[p]!, this.los[p]!, this.his[q]!, this.los[q]!));
    const out = new Uint32Array(order.length * 3);
    order.forEach((s, k) => {
      out[k * 3] = this.his[s]!;
      out[k * 3 + 1] = this.los[s]!;
      out[k * 3 + 2] = this.ids[s]! - 1;
    });
    return out;
  }

  /**
   * Walks the merge of the file and the sorted memory in order, calling `visit(hi, lo, id)`
   * for each; returns nothing. Reads the file a page at a time.
   */
  private merged(mem: Uint32Array, visit: (hi: number, lo: number, id: number) => void): void {
    let k = 0;
    const memN = mem.length / 3;
    const fd = this.onDisk ? openSync(this.file, 'r') : -1;
    try {
      for (let first = 0; first < this.onDisk; first += PAGE) {
        const n = Math.min(PAGE, this.onDisk - first);
        readSync(fd, this.page, 0, n * REC, first * REC);
        for (let r = 0; r < n; r++) {
          const hi = this.pageView.getUint32(r * REC);
          const lo = this.pageView.getUint32(r * REC + 4);
          while (k < memN && cmp(mem[k * 3]!, mem[k * 3 + 1]!, hi, lo) < 0) {
            visit(mem[k * 3]!, mem[k * 3 + 1]!, mem[k * 3 + 2]!);
            k++;
          }
          visit(hi, lo, this.pageView.getUint32(r * REC + 8));
        }
      }
    } finally {
      if (fd >= 0) closeSync(fd);
    }
    for (; k < memN; k++) visit(mem[k * 3]!, mem[k * 3 + 1]!, mem[k * 3 + 2]!);
  }

  /** Merges the table into the file and empties the table. */
  private spill(): void {
    const mem = this.sortedMemory();
    const total = this.onDisk + mem.length / 3;
    const tmp = `${this.file}.new`;
    const out = openSync(tmp, 'w');
    const buf = new Uint8Array(PAGE * REC * 16);
    const view = new DataView(buf.buffer);
    let used = 0;
    let n = 0;
    const indexHi = new Uint32Array(Math.ceil(total / PAGE));
    const indexLo = new Uint32Array(indexHi.length);
    try {
      this.merged(mem, (hi, lo, id) => {
        if (n % PAGE === 0) {
          indexHi[n / PAGE] = hi;
          indexLo[n / PAGE] = lo;
        }
        n++;
        view.setUint32(used, hi);
        view.setUint32(used + 4, lo);
        view.setUint32(used + 8, id);
        used += REC;
        if (used === buf.length) {
          writeSync(out, buf, 0, used);
          used = 0;
        }
      });
      if (used) writeSync(out, buf, 0, used);
    } finally {
      closeSync(out);
    }
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    renameSync(tmp, this.file);
    this.onDisk = total;
    this.indexHi = indexHi;
    this.indexLo = indexLo;
    this.ids.fill(0);
    this.inMemory = 0;
    this.spills++;
  }

  stats(generated: number): KeyStats {
    // TLC's observed estimate: the smallest gap between neighbours of the sorted fingerprints
    let min = Infinity;
    let ph = -1;
    let pl = 0;
    this.merged(this.sortedMemory(), (hi, lo) => {
      if (ph >= 0) min = Math.min(min, (hi - ph) * 2 ** 32 + (lo - pl));
      ph = hi;
      pl = lo;
    });
    const n = this.size;
    const memoryBytes = (this.mask + 1) * 12 + this.indexHi.length * 8;
    const result: KeyStats = {
      mode: 'fingerprint',
      fingerprintBits: 64,
      keyBytesPerState: 8,
      storeBytesPerState: n ? memoryBytes / n : 0,
      collisionProbability: Math.min(1, (n * Math.max(generated - n, 0)) / 2 ** 64),
      collisionProbabilityObserved: n < 2 ? 0 : min <= 1 ? 1 : 1 / min,
      spilled: { onDisk: this.onDisk, spills: this.spills, diskBytes: this.onDisk * REC },
    };
    this.close();
    return result;
  }

  /** Removes the file. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this.dir);
  }
}

/**
 * Options of {@link diskSpill}.
 * @category Exploration
 */
export interface DiskSpillOptions {
  /** Fingerprints kept in memory before they are merged into the file (default 4,000,000: about 100 MB). */
  readonly memoryStates?: number;
  /** Where the temporary file goes (default: the system's temporary directory). */
  readonly dir?: string;
}

/**
 * A visited store that spills fingerprints to a sorted file when more than `memoryStates` are
 * in memory; pass it as `ExploreOptions.visited`. Node only (`@kspec/verify/node`).
 *
 * @example
 * ```ts
 * explore(model, { maxStates: 100_000_000, visited: diskSpill({ memoryStates: 10_000_000 }) });
 * ```
 * @category Exploration
 */
export function diskSpill(options: DiskSpillOptions = {}): VisitedStore {
  const memoryStates = options.memoryStates ?? 4_000_000;
  if (!Number.isInteger(memoryStates) || memoryStates < 1)
    throw new OptionsError(`memoryStates must be a positive integer, got ${String(memoryStates)}`);
  const store: VisitedStoreFactory = {
    kind: 'visited-store',
    create(mode, bits) {
      if (mode !== 'fingerprint' || bits !== 64)
        throw new OptionsError("disk spilling keeps 64-bit fingerprints only: use stateKeys: 'fingerprint'");
      return new SpillingSet(memoryStates, options.dir ?? tmpdir());
    },
  };
  return store;
}

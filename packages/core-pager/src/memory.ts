/**
 * Core's memory as the seed sees it: what is mapped in core's address space (sigma0 maps
 * physical memory 1:1, `unmap_local` flushes it again) and the bytes core reads through
 * pointers: the KIP and the boot info the platform code parses, the ROM pages `_setup_rom`
 * zeroes, and the map items core threads leave for the echo path of the pager loop
 * (`item = *(L4_MapItem_t *)pf_addr`, line 126).
 *
 * An immutable value: every write returns a new `CoreMemory` sharing the untouched 4 KiB pages
 * (copy on write), so machine snapshots can hold it. Contents are kept only for pages written;
 * unwritten memory reads as zero. Mapping and contents are independent: a read of an unmapped
 * address is the caller's business (the pager treats it as a fault of its own).
 *
 * Not covered: caching attributes, access rights of core's own mappings, memory beyond 2^32.
 *
 * @module
 */
import { EMPTY_RANGES, addRange, coversRange, inRanges, removeRange, type RangeSet } from './ranges.js';

const PAGE = 4096;

/** Core's address space: mappings and contents. @category Memory */
export class CoreMemory {
  private constructor(
    /** The ranges mapped in core (page granular in practice). */
    readonly mapped: RangeSet,
    private readonly pages: ReadonlyMap<number, Uint8Array>,
  ) {}

  /** Nothing mapped, nothing written. */
  static empty(): CoreMemory {
    return new CoreMemory(EMPTY_RANGES, new Map());
  }

  /** True when every byte of `[addr, addr + len)` is mapped. */
  isMapped(addr: number, len = 1): boolean {
    return len <= 1 ? inRanges(this.mapped, addr) : coversRange(this.mapped, addr, addr + len);
  }

  /** `[start, end)` mapped in addition. */
  map(start: number, end: number): CoreMemory {
    const m = addRange(this.mapped, start, end);
    return m === this.mapped ? this : new CoreMemory(m, this.pages);
  }

  /** `[start, end)` no longer mapped (`L4_Flush`); the contents stay (the frames still hold them). */
  unmap(start: number, end: number): CoreMemory {
    const m = removeRange(this.mapped, start, end);
    return m === this.mapped ? this : new CoreMemory(m, this.pages);
  }

  /** `bytes` stored at `addr` (wrapping at 2^32 as a 32-bit pointer would). */
  write(addr: number, bytes: Uint8Array): CoreMemory {
    if (bytes.length === 0) return this;
    const pages = new Map(this.pages);
    for (let i = 0; i < bytes.length;) {
      const a = (addr + i) >>> 0;
      const pn = Math.floor(a / PAGE);
      const off = a % PAGE;
      const n = Math.min(PAGE - off, bytes.length - i);
      const page = new Uint8Array(PAGE);
      const old = pages.get(pn);
      if (old) page.set(old);
      page.set(bytes.subarray(i, i + n), off);
      pages.set(pn, page);
      i += n;
    }
    return new CoreMemory(this.mapped, pages);
  }

  /** `len` zero bytes at `addr` (`memset(p, 0, len)`). */
  zero(addr: number, len: number): CoreMemory {
    return this.write(addr, new Uint8Array(len));
  }

  /** Little-endian 32-bit words stored at `addr`. */
  writeWords(addr: number, words: readonly number[]): CoreMemory {
    const b = new Uint8Array(words.length * 4);
    const v = new DataView(b.buffer);
    words.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
    return this.write(addr, b);
  }

  /** `len` bytes at `addr` (zero where nothing was written). */
  read(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len;) {
      const a = (addr + i) >>> 0;
      const pn = Math.floor(a / PAGE);
      const off = a % PAGE;
      const n = Math.min(PAGE - off, len - i);
      const page = this.pages.get(pn);
      if (page) out.set(page.subarray(off, off + n), i);
      i += n;
    }
    return out;
  }

  /** The little-endian 32-bit word at `addr`. */
  readWord(addr: number): number {
    const b = this.read(addr, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  /** A canonical summary for state keys: the mapped ranges and a hash per written page. */
  digest(): unknown {
    const pages = [...this.pages.keys()].sort((a, b) => a - b).map((pn) => [pn, fnv1a(this.pages.get(pn)!)]);
    return [this.mapped.map((r) => [r.start, r.end]), pages];
  }

  /** JSON form (traces, snapshots): the mapped ranges and the numbers of the written pages. */
  toJSON(): unknown {
    return { mapped: this.mapped, writtenPages: [...this.pages.keys()].sort((a, b) => a - b) };
  }
}

function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

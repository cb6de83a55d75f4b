// Genode Allocator_avl (allocator_avl.cc 2016; facts.md 5.3): return codes, merging, best fit
// as Genode computes it, and a randomized comparison against a plain list of ranges.
import { describe, expect, it } from 'vitest';
import { ALLOC_RETURN, AllocatorAvl, createCoreAllocators } from '../index.js';

describe('add_range / remove_range (facts.md 5.3)', () => {
  it('returns -2 for size 0, -3 for an overlap, merges with free neighbours', () => {
    const a = new AllocatorAvl();
    expect(a.addRange(0x1000, 0)).toBe(-2);
    expect(a.addRange(0x1000, 0x1000)).toBe(0);
    expect(a.addRange(0x1800, 0x1000)).toBe(-3);
    expect(a.addRange(0x3000, 0x1000)).toBe(0);
    expect(a.addRange(0x2000, 0x1000)).toBe(0); // bridges both
    expect(a.blocks()).toEqual([{ addr: 0x1000, size: 0x3000, used: false }]);
    expect(a.avail()).toBe(0x3000);
  });
  it('remove_range cuts free blocks, is idempotent, and refuses used blocks with -3', () => {
    const a = new AllocatorAvl();
    a.addRange(0, 0x10000);
    expect(a.removeRange(0x1000, 0)).toBe(-1);
    expect(a.removeRange(0x2000, 0x1000)).toBe(0);
    expect(a.removeRange(0x2000, 0x1000)).toBe(0); // absent: success
    expect(a.validAddr(0x2800)).toBe(false);
    expect(a.allocAddr(0x1000, 0x8000)).toBe(ALLOC_RETURN.OK);
    expect(a.removeRange(0x7000, 0x3000)).toBe(-3); // overlaps the used block (after cutting 0x7000..0x7fff)
    expect(a.validAddr(0x7800)).toBe(false);
    expect(a.validAddr(0x8800)).toBe(true);
    expect(a.avail()).toBe(0x10000 - 0x1000 - 0x1000 - 0x1000);
  });
  it('a removed range spanning several blocks is cut from each', () => {
    const a = new AllocatorAvl();
    a.addRange(0x0, 0x1000);
    a.addRange(0x2000, 0x1000);
    a.addRange(0x4000, 0x1000);
    expect(a.removeRange(0x800, 0x4000)).toBe(0);
    expect(a.blocks()).toEqual([
      { addr: 0, size: 0x800, used: false },
      { addr: 0x4800, size: 0x800, used: false },
    ]);
  });
});

describe('alloc_aligned / alloc_addr / free / valid_addr / size_at', () => {
  it('aligns, honours the window, and reports RANGE_CONFLICT', () => {
    const a = new AllocatorAvl();
    a.addRange(0x1234, 0x10000);
    const r = a.allocAligned(0x1000, 12);
    expect(r).toEqual({ result: ALLOC_RETURN.OK, addr: 0x2000 });
    expect(a.validAddr(0x1234)).toBe(true); // the padding stays a free block
    const w = a.allocAligned(0x100, 8, 0x8000, 0x8fff);
    expect(w).toEqual({ result: ALLOC_RETURN.OK, addr: 0x8000 });
    expect(a.allocAligned(0x100000).result).toBe(ALLOC_RETURN.RANGE_CONFLICT);
    expect(a.allocAligned(0x100, 0, 0x20000).result).toBe(ALLOC_RETURN.RANGE_CONFLICT);
    expect(a.sizeAt(0x2000)).toBe(0x1000);
    expect(a.sizeAt(0x1234)).toBe(0);
  });
  it('alloc_addr needs the range inside one free block', () => {
    const a = new AllocatorAvl();
    a.addRange(0x1000, 0x2000);
    expect(a.allocAddr(0x100, 0x1f80)).toBe(ALLOC_RETURN.OK);
    expect(a.allocAddr(0x100, 0x1f00)).toBe(ALLOC_RETURN.RANGE_CONFLICT); // overlaps the used one
    expect(a.allocAddr(0x100, 0x2f80)).toBe(ALLOC_RETURN.RANGE_CONFLICT); // runs past the end
    expect(a.allocAddr(0x10, 0xfffffff8)).toBe(ALLOC_RETURN.RANGE_CONFLICT); // _sum_in_range wraps
  });
  it('free takes the block containing the address (PERR if not its start) and merges back', () => {
    const a = new AllocatorAvl({ name: '_ram_alloc' });
    a.addRange(0, 0x4000);
    const { addr } = a.allocAligned(0x1000, 12);
    a.free(addr + 0x10);
    expect(a.diagnostics[0]).toMatch(
      /_ram_alloc: free: given address \(0x10\) is not the block start address \(0x0\)/,
    );
    expect(a.blocks()).toEqual([{ addr: 0, size: 0x4000, used: false }]);
    a.free(0x9999); // nothing there: ignored
    expect(a.avail()).toBe(0x4000);
  });
  it("best fit is Genode's: a fitting node beats inexact fits below it", () => {
    // free blocks of 0x3000 at 0x0, 0x1000 at 0x10000, 0x2000 at 0x20000 (tree root: 0x10000)
    const a = new AllocatorAvl();
    a.addRange(0x0, 0x3000);
    a.addRange(0x10000, 0x1000);
    a.addRange(0x20000, 0x2000);
    // 0x800 fits all three; the exact-size rule makes the root (0x10000) win over 0x20000
    expect(a.allocAligned(0x800).addr).toBe(0x10000);
    // 0x1800: only 0x0 (0x3000) and 0x20000 (0x2000) fit; the subtree with the smaller max_avail
    // (right: 0x2000) is searched first and its result taken
    expect(a.allocAligned(0x1800).addr).toBe(0x20000);
  });
  it('runs out of metadata as Genode does: -4 from add_range, OUT_OF_METADATA before any change', () => {
    const a = new AllocatorAvl({ metadataBlocks: 3 });
    expect(a.addRange(0, 0x1000)).toBe(0); // 1 block
    expect(a.addRange(0x2000, 0x1000)).toBe(0); // 2 blocks
    // alloc_aligned takes two spare blocks up front; only one is left
    const before = a.blocks();
    expect(a.allocAligned(0x100).result).toBe(ALLOC_RETURN.OUT_OF_METADATA);
    expect(a.allocAddr(0x100, 0x2000)).toBe(ALLOC_RETURN.OUT_OF_METADATA);
    expect(a.blocks()).toEqual(before);
    expect(a.addRange(0x4000, 0x1000)).toBe(0); // third and last block
    expect(a.addRange(0x8000, 0x1000)).toBe(-4);
    const b = new AllocatorAvl({ metadataBlocks: 3 });
    b.addRange(0, 0x1000);
    // cut needs dst1 (unused: no padding) and dst2 (remainder), then the used block finds no slot
    expect(b.allocAligned(0x100).result).toBe(ALLOC_RETURN.OK);
    const c = new AllocatorAvl({ metadataBlocks: 2 });
    c.addRange(0, 0x1000);
    expect(c.allocAligned(0x100).result).toBe(ALLOC_RETURN.OUT_OF_METADATA);
  });
});

describe('core allocators', () => {
  it('are six independent Allocator_avl instances named as in core', () => {
    const c = createCoreAllocators();
    expect(Object.values(c).map((a) => a.name)).toEqual([
      '_ram_alloc',
      '_io_mem_alloc',
      '_io_port_alloc',
      '_irq_alloc',
      '_region_alloc',
      '_core_address_ranges',
    ]);
    c.ioPortAlloc.addRange(0, 0x10000);
    expect(c.irqAlloc.avail()).toBe(0);
  });
});

describe('randomized against a plain range list', () => {
  it('agrees on valid_addr, size_at and avail; the tree stays logarithmic', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed % n;
    };
    const a = new AllocatorAvl({ addressBits: 40 });
    // reference: page-granular state, 0 = none, 1 = free, 2+ = used block id
    const PAGES = 4096;
    const ref = new Int32Array(PAGES);
    const starts = new Map<number, number>(); // used block start page -> pages
    let nextId = 2;
    const bad: string[] = [];
    for (let step = 0; step < 6000; step++) {
      const op = rnd(5);
      const p = rnd(PAGES);
      const n = 1 + rnd(Math.min(64, PAGES - p));
      const allIs = (v: (x: number) => boolean): boolean => ref.subarray(p, p + n).every(v);
      if (op === 0) {
        const rc = a.addRange(p * 4096, n * 4096);
        const want = allIs((x) => x === 0) ? 0 : -3;
        if (rc !== want) bad.push(`add_range ${p}+${n}: ${rc} want ${want}`);
        if (rc === 0) ref.fill(1, p, p + n);
      } else if (op === 1) {
        const rc = a.allocAddr(n * 4096, p * 4096);
        const want = allIs((x) => x === 1) ? 0 : -2;
        if (rc !== want) bad.push(`alloc_addr ${p}+${n}: ${rc} want ${want}`);
        if (rc === 0) {
          ref.fill(nextId++, p, p + n);
          starts.set(p, n);
        }
      } else if (op === 2 && starts.size > 0) {
        const keys = [...starts.keys()];
        const s = keys[rnd(keys.length)]!;
        a.free(s * 4096);
        ref.fill(1, s, s + starts.get(s)!);
        starts.delete(s);
      } else if (op === 3) {
        const r = a.allocAligned(n * 4096, 12);
        if (r.result === 0) {
          const q = r.addr / 4096;
          if (!ref.subarray(q, q + n).every((x) => x === 1))
            bad.push(`alloc_aligned gave used or absent pages at ${q}`);
          ref.fill(nextId++, q, q + n);
          starts.set(q, n);
        }
      } else if (op === 4 && rnd(4) === 0) {
        const usedInside = ref.subarray(p, p + n).some((x) => x >= 2);
        const rc = a.removeRange(p * 4096, n * 4096);
        if (!usedInside) {
          if (rc !== 0) bad.push(`remove_range ${p}+${n}: ${rc}`);
          ref.fill(0, p, p + n);
        } else {
          // Genode cuts free blocks until it meets the used one: resync the reference from the allocator
          if (rc !== -3) bad.push(`remove_range over used ${p}+${n}: ${rc}`);
          ref.fill(0);
          for (const b of a.blocks()) ref.fill(b.used ? -1 : 1, b.addr / 4096, (b.addr + b.size) / 4096);
          for (const [s, len] of starts) ref.fill(nextId++, s, s + len);
        }
      }
      if (step % 500 === 0) {
        let free = 0;
        for (let q = 0; q < PAGES; q++) {
          if (ref[q] === 1) free++;
          if (a.validAddr(q * 4096 + 7) !== (ref[q] !== 0)) bad.push(`valid_addr page ${q}`);
        }
        if (a.avail() !== free * 4096) bad.push(`avail ${a.avail()} want ${free * 4096}`);
        for (const [s, len] of starts) if (a.sizeAt(s * 4096) !== len * 4096) bad.push(`size_at ${s}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(a.blockCount).toBeGreaterThan(50);
    expect(a.height).toBeLessThanOrEqual(Math.ceil(1.45 * Math.log2(a.blockCount + 2)));
  });
  it('inserting 100k ranges in address order keeps the height logarithmic', () => {
    const a = new AllocatorAvl({ addressBits: 48 });
    for (let i = 0; i < 100_000; i++) a.addRange(i * 0x2000, 0x1000);
    expect(a.blockCount).toBe(100_000);
    expect(a.height).toBeLessThanOrEqual(25);
    for (let i = 0; i < 100_000; i += 2) a.allocAddr(0x1000, i * 0x2000);
    for (let i = 0; i < 100_000; i += 2) a.free(i * 0x2000);
    expect(a.avail()).toBe(100_000 * 0x1000);
    expect(a.height).toBeLessThanOrEqual(25);
  });
});

describe('clone', () => {
  it('copies blocks, shape, metadata budget and diagnostics; the two then change independently', () => {
    const a = new AllocatorAvl({ name: '_ram_alloc', metadataBlocks: 40 });
    for (let i = 0; i < 12; i++) a.addRange(i * 0x3000, 0x1000 + (i % 3) * 0x1000);
    a.allocAddr(0x1000, 0x3000);
    a.free(0x3800);
    const b = a.clone();
    expect(b.name).toBe('_ram_alloc');
    expect(b.blocks()).toEqual(a.blocks());
    expect([b.avail(), b.blockCount, b.height, b.diagnostics]).toEqual([
      a.avail(),
      a.blockCount,
      a.height,
      a.diagnostics,
    ]);
    // Same tree shape: Genode's (shape-dependent) best fit picks the same addresses in both.
    for (const size of [0x1000, 0x2000, 0x1000, 0x3000, 0x1000]) {
      expect(b.allocAligned(size, 12)).toEqual(a.allocAligned(size, 12));
    }
    const before = a.blocks();
    expect(b.removeRange(0, 0x100000)).toBe(-3);
    expect(a.blocks()).toEqual(before);
    // The metadata budget was copied, not shared: exhausting the clone leaves the original able to allocate.
    while (b.allocAligned(0x1000).result === ALLOC_RETURN.OK);
    expect(a.allocAligned(0x1000).result).toBe(ALLOC_RETURN.OK);
  });
  it('keeps the address width', () => {
    const a = new AllocatorAvl({ addressBits: 48 });
    a.addRange(2 ** 40, 0x1000);
    expect(a.clone().addrMax).toBe(2 ** 48 - 1);
    expect(a.clone().validAddr(2 ** 40 + 5)).toBe(true);
  });
});

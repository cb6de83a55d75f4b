/**
 * Genode's `Allocator_avl` (base/allocator_avl.h, allocator/allocator_avl.cc, as of 2016;
 * facts.md 5.3): a range allocator keeping free and used blocks in one AVL tree sorted by
 * address, each node caching the largest free block of its subtree (`max_avail`). It is what
 * Genode core uses for `_ram_alloc`, `_io_mem_alloc`, `_io_port_alloc`, `_irq_alloc`,
 * `_region_alloc` and `_core_address_ranges` (see {@link createCoreAllocators}).
 *
 * Ported function for function, return codes included: `add_range` (-2 size 0, -3 overlap,
 * -4 no metadata), `remove_range` (-1 size 0, -3 overlapping used block, -2/-4 no metadata;
 * removing an absent range succeeds), `alloc_aligned` / `alloc_addr` (`OK` 0,
 * `OUT_OF_METADATA` -1, `RANGE_CONFLICT` -2), `free` (frees the block *containing* the address,
 * complaining when it is not the block start), `valid_addr` (in any block, free or used),
 * `size_at`, `avail`. The best-fit search is Genode's (`find_best_fit` visits the subtree with
 * the smaller `max_avail` first and returns the first fit it finds there), over the same tree
 * shape (`avl-tree.ts`), so it returns the same addresses as Genode.
 *
 * Abstracted: addresses are JS numbers with a configurable width (`addressBits`, default 32 as
 * on ia32 Pistachio; up to 52), with C's unsigned wrap-around where the C code relies on it.
 * Metadata comes from a counter with an optional capacity (`metadataBlocks`) standing in for
 * the slab, so exhaustion can be injected. `avail()` keeps a running total (Genode walks the
 * whole tree; the value is the same).
 *
 * Where the C++ departs from intent (kept): `find_best_fit` is not a best fit (see
 * `Block.findBestFit`: a fitting node beats every inexact fit in its subtree). `remove_range` can return -4
 * after having removed part of the range. (`alloc_aligned`'s failure path after the cut, which
 * would lose the range, cannot trigger with this counting metadata model: the cut always frees
 * the cut block's own metadata first.)
 *
 * @module
 */
import { AvlNode } from './avl-tree.js';

/**
 * Result codes of `alloc_aligned` / `alloc_addr` (`Range_allocator::Alloc_return`).
 * @category Range allocator
 */
export const ALLOC_RETURN = Object.freeze({ OK: 0, OUT_OF_METADATA: -1, RANGE_CONFLICT: -2 } as const);

/** @category Range allocator */
export type AllocReturn = (typeof ALLOC_RETURN)[keyof typeof ALLOC_RETURN];

class Block extends AvlNode<Block> {
  maxAvail: number;
  constructor(
    public addr: number,
    public size: number,
    public used: boolean,
  ) {
    super();
    this.maxAvail = used ? 0 : size;
  }
  avail(): number {
    return this.used ? 0 : this.size;
  }
  higher(a: Block): boolean {
    return a.addr >= this.addr;
  }
  private childMaxAvail(side: 0 | 1): number {
    return this.child[side]?.maxAvail ?? 0;
  }
  override recompute(): void {
    this.maxAvail = Math.max(this.childMaxAvail(0), this.childMaxAvail(1), this.avail());
  }
  fits(n: number, align: number, from: number, to: number, max: number): boolean {
    const a = alignAddr(this.addr < from ? from : this.addr, align);
    return a >= this.addr && sumInRange(a, n, max) && a - this.addr + n <= this.avail() && a + n - 1 <= to;
  }
  /**
   * `find_best_fit`. Note the C++ compares the *requested* size with the subtree's result
   * (`size < res->size()`, the parameter shadows the member): a fitting node is preferred to
   * any inexact fit below it. Kept.
   */
  findBestFit(size: number, align: number, from: number, to: number, max: number): Block | null {
    let side: 0 | 1 = this.childMaxAvail(1) < this.childMaxAvail(0) ? 1 : 0;
    for (let i = 0; i < 2; i++, side = (side ^ 1) as 0 | 1) {
      if (this.childMaxAvail(side) < size) continue;
      const c = this.child[side];
      const res = c !== null ? c.findBestFit(size, align, from, to, max) : null;
      if (res !== null) return this.fits(size, align, from, to, max) && size < res.size ? this : res;
    }
    return this.fits(size, align, from, to, max) ? this : null;
  }
  /** `find_by_address` (iterative; same walk). */
  findByAddress(findAddr: number, findSize: number, checkOverlap: boolean): Block | null {
    const fs = findSize === 0 ? 1 : findSize;
    const findEnd = findAddr + fs - 1;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let b: Block | null = this;
    while (b !== null) {
      const end = b.addr + b.size - 1;
      if (checkOverlap && findEnd >= b.addr && end >= findAddr) return b;
      if (findAddr >= b.addr && findEnd <= end) return b;
      b = b.child[findAddr >= b.addr ? 1 : 0];
    }
    return null;
  }
}

/** `_sum_in_range(addr, offset)`: `addr + offset - 1 >= addr` in `addr_t` arithmetic. */
function sumInRange(addr: number, offset: number, max: number): boolean {
  if (offset === 0) return addr === 0; // addr - 1 wraps to ~0 only for addr 0
  return addr + offset - 1 <= max;
}

/** `align_addr(addr, align_log2)`. */
function alignAddr(addr: number, alignLog2: number): number {
  const a = 2 ** alignLog2;
  return Math.ceil(addr / a) * a;
}

/**
 * One free or used block, as {@link AllocatorAvl.blocks} lists them.
 * @category Range allocator
 */
export interface AvlBlock {
  readonly addr: number;
  readonly size: number;
  readonly used: boolean;
}

/**
 * Options of {@link AllocatorAvl}.
 * @category Range allocator
 */
export interface AllocatorAvlOptions {
  /** Name used in error messages (e.g. `_ram_alloc`). */
  readonly name?: string;
  /** Width of `addr_t` in bits (32 default, up to 52). */
  readonly addressBits?: number;
  /** Metadata capacity in blocks (default unlimited): exhaustion gives -4 / -1 as in Genode. */
  readonly metadataBlocks?: number;
}

/**
 * `Genode::Allocator_avl`: see the module header.
 * @category Range allocator
 */
export class AllocatorAvl {
  readonly name: string;
  /** Largest address (`~0UL` of this `addr_t`). */
  readonly addrMax: number;
  private readonly root: Block = new Block(0, 0, true);
  private mdFree: number;
  private availTotal = 0;
  private count = 0;
  /** Messages Genode prints with `PERR` (e.g. `free` of an address inside a block). */
  readonly diagnostics: string[] = [];

  constructor(options: AllocatorAvlOptions = {}) {
    const bits = options.addressBits ?? 32;
    if (!Number.isInteger(bits) || bits < 8 || bits > 52)
      throw new RangeError(`AllocatorAvl: addressBits ${bits} not in 8..52`);
    this.name = options.name ?? 'allocator_avl';
    this.addrMax = 2 ** bits - 1;
    this.mdFree = options.metadataBlocks ?? Infinity;
  }

  // ---- metadata (the slab) ----
  private mdAlloc(): boolean {
    if (this.mdFree <= 0) return false;
    this.mdFree--;
    return true;
  }
  private mdRelease(n = 1): void {
    this.mdFree += n;
  }
  private first(): Block | null {
    return this.root.child[0];
  }
  private findByAddress(addr: number, size = 0, checkOverlap = false): Block | null {
    const f = this.first();
    return f === null ? null : f.findByAddress(addr, size, checkOverlap);
  }
  private addBlock(addr: number, size: number, used: boolean): void {
    const b = new Block(addr, size, used);
    this.root.insert(b);
    this.count++;
    if (!used) this.availTotal += size;
  }
  private destroyBlock(b: Block): void {
    b.remove();
    this.count--;
    if (!b.used) this.availTotal -= b.size;
    this.mdRelease();
  }
  /** `_cut_from_block(b, addr, size, dst1, dst2)`: the two metadata slots were taken by the caller. */
  private cutFromBlock(b: Block, addr: number, size: number): void {
    const padding = addr > b.addr ? addr - b.addr : 0;
    const remaining = b.size > size + padding ? b.size - size - padding : 0;
    const origAddr = b.addr;
    this.destroyBlock(b);
    if (padding > 0) this.addBlock(origAddr, padding, false);
    else this.mdRelease();
    if (remaining > 0) this.addBlock(addr + size, remaining, false);
    else this.mdRelease();
  }
  private allocTwo(): boolean {
    const a = this.mdAlloc();
    const b = this.mdAlloc();
    if (a && !b) this.mdRelease();
    if (b && !a) this.mdRelease();
    return a && b;
  }

  /** `add_range(base, size)`: 0, or -2 (size 0), -3 (overlaps a block), -4 (no metadata). */
  addRange(newAddr: number, newSize: number): number {
    if (newSize === 0) return -2;
    if (this.findByAddress(newAddr, newSize, true) !== null) return -3;
    if (!this.mdAlloc()) return -4;
    let b: Block | null;
    if (newAddr !== 0 && (b = this.findByAddress(newAddr - 1)) !== null && !b.used) {
      newSize += b.size;
      newAddr = b.addr;
      this.destroyBlock(b);
    }
    if ((b = this.findByAddress(newAddr + newSize)) !== null && !b.used) {
      newSize += b.size;
      this.destroyBlock(b);
    }
    this.addBlock(newAddr, newSize, false);
    return 0;
  }

  /** `remove_range(base, size)`: 0 (also when nothing overlaps), -1 (size 0), -3 (overlaps a used block), -2/-4 (no metadata). */
  removeRange(base: number, size: number): number {
    if (size === 0) return -1;
    if (!this.allocTwo()) return -2;
    for (;;) {
      const b = this.findByAddress(base, size, true);
      if (b === null || b.avail() === 0) {
        this.mdRelease(2);
        return b === null ? 0 : -3;
      }
      const beg = Math.max(base, b.addr);
      const end = Math.min(base + size - 1, b.addr + b.size - 1);
      this.cutFromBlock(b, beg, end - beg + 1);
      if (!this.allocTwo()) return -4;
    }
  }

  /**
   * `alloc_aligned(size, &out, align_log2, from, to)`: best fit honouring the alignment and the
   * window `[from, to]`. Returns the code and, on `OK`, the address.
   */
  allocAligned(
    size: number,
    alignLog2 = 0,
    from = 0,
    to: number = this.addrMax,
  ): { result: AllocReturn; addr: number } {
    if (!this.allocTwo()) return { result: ALLOC_RETURN.OUT_OF_METADATA, addr: 0 };
    const f = this.first();
    const b = f === null ? null : f.findBestFit(size, alignLog2, from, to, this.addrMax);
    if (b === null) {
      this.mdRelease(2);
      return { result: ALLOC_RETURN.RANGE_CONFLICT, addr: 0 };
    }
    const newAddr = alignAddr(b.addr < from ? from : b.addr, alignLog2);
    this.cutFromBlock(b, newAddr, size);
    if (!this.mdAlloc()) return { result: ALLOC_RETURN.OUT_OF_METADATA, addr: 0 };
    this.addBlock(newAddr, size, true);
    return { result: ALLOC_RETURN.OK, addr: newAddr };
  }

  /** `alloc(size, &out)`: `alloc_aligned(size)`, true on success. */
  alloc(size: number): { ok: boolean; addr: number } {
    const r = this.allocAligned(size);
    return { ok: r.result === ALLOC_RETURN.OK, addr: r.addr };
  }

  /** `alloc_addr(size, addr)`: allocate exactly `[addr, addr + size)` if it lies in one free block. */
  allocAddr(size: number, addr: number): AllocReturn {
    if (!sumInRange(addr, size, this.addrMax)) return ALLOC_RETURN.RANGE_CONFLICT;
    if (!this.allocTwo()) return ALLOC_RETURN.OUT_OF_METADATA;
    const b = this.findByAddress(addr, size);
    if (b === null || b.used) {
      this.mdRelease(2);
      return ALLOC_RETURN.RANGE_CONFLICT;
    }
    this.cutFromBlock(b, addr, size);
    if (!this.mdAlloc()) return ALLOC_RETURN.OUT_OF_METADATA;
    this.addBlock(addr, size, true);
    return ALLOC_RETURN.OK;
  }

  /** `free(addr)`: frees the used block containing `addr` (nothing if none). */
  free(addr: number): void {
    const b = this.findByAddress(addr);
    if (b === null || !b.used) return;
    const newAddr = b.addr;
    const newSize = b.size;
    if (newAddr !== addr) {
      this.diagnostics.push(
        `${this.name}: free: given address (0x${addr.toString(16)}) is not the block start address (0x${newAddr.toString(16)})`,
      );
    }
    this.destroyBlock(b);
    this.addRange(newAddr, newSize);
  }

  /** `size_at(addr)`: size of the used block containing `addr`, else 0. */
  sizeAt(addr: number): number {
    const b = this.findByAddress(addr);
    return b !== null && b.used ? b.size : 0;
  }

  /** `avail()`: free bytes. */
  avail(): number {
    return this.availTotal;
  }

  /** `valid_addr(addr)`: `addr` lies in any block, free or used. */
  validAddr(addr: number): boolean {
    return this.findByAddress(addr) !== null;
  }

  /** `any_block_addr`: the address of some used block, or null. */
  anyBlockAddr(): number | null {
    const find = (b: Block | null): Block | null => {
      if (b === null) return null;
      if (b.used) return b;
      return find(b.child[0]) ?? find(b.child[1]);
    };
    return find(this.first())?.addr ?? null;
  }

  /**
   * An independent copy with the same blocks in the same tree shape (so the copy's best-fit
   * search picks what the original's would), the same metadata budget and diagnostics. Lets a
   * caller keep an allocator as an immutable value: clone, then change the clone.
   */
  clone(): AllocatorAvl {
    const copy = new AllocatorAvl({ name: this.name, addressBits: Math.log2(this.addrMax + 1) });
    const dup = (b: Block | null, parent: Block): Block | null => {
      if (b === null) return null;
      const n = new Block(b.addr, b.size, b.used);
      n.maxAvail = b.maxAvail;
      n.depth = b.depth;
      n.parent = parent;
      n.child = [dup(b.child[0], n), dup(b.child[1], n)];
      return n;
    };
    copy.root.child = [dup(this.first(), copy.root), null];
    copy.root.depth = this.root.depth;
    copy.mdFree = this.mdFree;
    copy.availTotal = this.availTotal;
    copy.count = this.count;
    copy.diagnostics.push(...this.diagnostics);
    return copy;
  }

  /** Every block in address order (for tests and display). */
  blocks(): AvlBlock[] {
    const out: AvlBlock[] = [];
    const walk = (b: Block | null): void => {
      if (b === null) return;
      walk(b.child[0]);
      out.push({ addr: b.addr, size: b.size, used: b.used });
      walk(b.child[1]);
    };
    walk(this.first());
    return out;
  }

  /** Number of blocks (free and used) in the tree. */
  get blockCount(): number {
    return this.count;
  }

  /** Height of the tree (`_depth` of the real root). */
  get height(): number {
    return this.first()?.depth ?? 0;
  }
}

/**
 * The allocators Genode core keeps in `Platform` (platform.cc): each an {@link AllocatorAvl}.
 * @category Range allocator
 */
export interface CoreAllocators {
  readonly ramAlloc: AllocatorAvl;
  readonly ioMemAlloc: AllocatorAvl;
  readonly ioPortAlloc: AllocatorAvl;
  readonly irqAlloc: AllocatorAvl;
  readonly regionAlloc: AllocatorAvl;
  readonly coreAddressRanges: AllocatorAvl;
}

/**
 * Fresh, empty core allocators named after their members in Genode core.
 * @category Range allocator
 */
export function createCoreAllocators(options: Omit<AllocatorAvlOptions, 'name'> = {}): CoreAllocators {
  const mk = (name: string): AllocatorAvl => new AllocatorAvl({ ...options, name });
  return {
    ramAlloc: mk('_ram_alloc'),
    ioMemAlloc: mk('_io_mem_alloc'),
    ioPortAlloc: mk('_io_port_alloc'),
    irqAlloc: mk('_irq_alloc'),
    regionAlloc: mk('_region_alloc'),
    coreAddressRanges: mk('_core_address_ranges'),
  };
}

/**
 * Core's six range allocators (`_ram_alloc`, `_io_mem_alloc`, `_io_port_alloc`, `_irq_alloc`,
 * `_region_alloc`, `_core_address_ranges`) as immutable values over `@kspec/shared-memory`'s
 * Genode `Allocator_avl`: an operation clones the allocator and changes the clone
 * (`AllocatorAvl.clone()` keeps the tree shape), so every machine snapshot keeps the allocators
 * as they were at that step. The return codes of `add_range`/`remove_range` are kept for the
 * record; the seed ignores them (facts 5.3).
 *
 * Not covered: the metadata the real allocators take from their own memory (`_ram_alloc` and
 * `_core_address_ranges` have no metadata allocator, so they host their metadata in the memory
 * they manage, which shows up as small used blocks in Genode; here metadata is unlimited).
 *
 * @module
 */
import { AllocatorAvl, type AvlBlock } from '@kspec/shared-memory';

/** One allocator as an immutable value. @category Allocators */
export class RangeAllocator {
  private constructor(private readonly avl: AllocatorAvl) {}

  /** An empty allocator named after its Genode member. */
  static empty(name: string): RangeAllocator {
    return new RangeAllocator(new AllocatorAvl({ name, addressBits: 32 }));
  }

  get name(): string {
    return this.avl.name;
  }

  /** `add_range(base, size)`: the new allocator and Genode's return code. */
  addRange(base: number, size: number): { readonly alloc: RangeAllocator; readonly rc: number } {
    const c = this.avl.clone();
    const rc = c.addRange(base >>> 0, size >>> 0);
    return { alloc: rc === 0 ? new RangeAllocator(c) : this, rc };
  }

  /** `remove_range(base, size)`: the new allocator and Genode's return code. */
  removeRange(base: number, size: number): { readonly alloc: RangeAllocator; readonly rc: number } {
    const c = this.avl.clone();
    const rc = c.removeRange(base >>> 0, size >>> 0);
    return { alloc: new RangeAllocator(c), rc };
  }

  /** `valid_addr(addr)`: in any block, free or used. */
  validAddr(addr: number): boolean {
    return this.avl.validAddr(addr >>> 0);
  }

  /** `avail()`. */
  avail(): number {
    return this.avl.avail();
  }

  /** The blocks in address order. */
  blocks(): AvlBlock[] {
    return this.avl.blocks();
  }

  /** The blocks as `[addr, size]` pairs (free blocks; used ones marked with a third element). */
  toJSON(): unknown {
    return this.avl.blocks().map((b) => (b.used ? [b.addr, b.size, 'used'] : [b.addr, b.size]));
  }
}

/** The allocators of `Platform`. @category Allocators */
export interface PlatformAllocators {
  readonly ramAlloc: RangeAllocator;
  readonly ioMemAlloc: RangeAllocator;
  readonly ioPortAlloc: RangeAllocator;
  readonly irqAlloc: RangeAllocator;
  readonly regionAlloc: RangeAllocator;
  readonly coreAddressRanges: RangeAllocator;
}

/** Names of the allocator members, as {@link PlatformAllocators} keys. @category Allocators */
export type AllocatorName = keyof PlatformAllocators;

/** Fresh, empty allocators (the `Platform` member initialisers). @category Allocators */
export function emptyAllocators(): PlatformAllocators {
  return {
    ramAlloc: RangeAllocator.empty('_ram_alloc'),
    ioMemAlloc: RangeAllocator.empty('_io_mem_alloc'),
    ioPortAlloc: RangeAllocator.empty('_io_port_alloc'),
    irqAlloc: RangeAllocator.empty('_irq_alloc'),
    regionAlloc: RangeAllocator.empty('_region_alloc'),
    coreAddressRanges: RangeAllocator.empty('_core_address_ranges'),
  };
}

/** Every allocator's blocks as `[addr, size]` pairs (free and used alike), for tests and summaries. @category Allocators */
export function allocatorRanges(a: PlatformAllocators): Record<AllocatorName, [number, number][]> {
  const r = (x: RangeAllocator): [number, number][] => x.blocks().map((b) => [b.addr, b.size]);
  return {
    ramAlloc: r(a.ramAlloc),
    ioMemAlloc: r(a.ioMemAlloc),
    ioPortAlloc: r(a.ioPortAlloc),
    irqAlloc: r(a.irqAlloc),
    regionAlloc: r(a.regionAlloc),
    coreAddressRanges: r(a.coreAddressRanges),
  };
}

/**
 * The constants platform.cc uses, with where they come from: Genode (2016) page size, stack
 * area, KIP and boot-info magics and sizes, the ranges `_setup_io_port_alloc` and
 * `_setup_irq_alloc` add, and this package's choices for what the seed takes from the running
 * system (where the program image, the KIP and core's UTCB area are), marked as choices.
 *
 * @module
 */
import { src } from '@kspec/spec-kit';
import type { SourceRef } from '@kspec/spec-kit';

/** The seed this package models. @category Constants */
export const SEED = 'genode-base-pistachio-core-platform.cc' as const;

/** `meta` citing lines `first..last` of C function `fn` in the seed (internal: not exported from the package). */
export const source = (fn: string, first: number, last: number = first): { source: SourceRef } => ({
  source: src(SEED, fn, first, last),
});

/** `get_page_size_log2()` (Genode 2016, facts 5.3). @category Constants */
export const PAGE_SIZE_LOG2 = 12;
/** `get_page_size()`. @category Constants */
export const PAGE_SIZE = 1 << PAGE_SIZE_LOG2;
/** `get_page_mask()`: `~(get_page_size() - 1)` as a 32-bit word. @category Constants */
export const PAGE_MASK = ~(PAGE_SIZE - 1) >>> 0;

/** `stack_area_virtual_base()` (facts 5.3). @category Constants */
export const STACK_AREA_VIRTUAL_BASE = 0x40000000;
/** `stack_area_virtual_size()` (facts 5.3). @category Constants */
export const STACK_AREA_VIRTUAL_SIZE = 0x10000000;

/** `L4_MAGIC` (little-endian: 'L' '4' 230 'K'). @category Constants */
export const L4_MAGIC = 0x4be6344c; // ('K' << 24) + (230 << 16) + ('4' << 8) + 'L'
/** `sizeof(L4_KernelInterfacePage_t)` on ia32 (up to `ArchSyscall3` at 0x11C). @category Constants */
export const KIP_SIZE = 0x120;
/** `L4_BOOTINFO_MAGIC`. @category Constants */
export const L4_BOOTINFO_MAGIC = 0x14b0021d;
/** `L4_BOOTINFO_VERSION`. @category Constants */
export const L4_BOOTINFO_VERSION = 1;
/** `L4_BootInfo_Module`. @category Constants */
export const L4_BOOTINFO_MODULE = 0x0001;
/** `Multiboot_info::size()`: one page (0x1000). @category Constants */
export const MB_INFO_SIZE = 0x1000;

/** `IO_PORT_RANGE_SIZE` of `_setup_io_port_alloc` (platform_x86.cc). @category Constants */
export const IO_PORT_RANGE_SIZE = 0x10000;
/** `_irq_alloc.add_range(0, 0x10)` (line 360). @category Constants */
export const IRQ_RANGE_SIZE = 0x10;
/** `ARCH_DEPENDENT_MEM` (line 254). @category Constants */
export const ARCH_DEPENDENT_MEM = 15;
/** `Platform_thread::DEFAULT_PRIORITY` (base-pistachio platform_thread.h; recalled). @category Constants */
export const DEFAULT_PRIORITY = 128;
/** `PAGER_STACK_ELEMENTS` (line 50). @category Constants */
export const PAGER_STACK_ELEMENTS = 512;
/** The `EXPECT` of both wait functions (lines 63, 88): untyped words of a page-fault message. @category Constants */
export const EXPECT = 2;

/** `__PRETTY_FUNCTION__` of the pager loop, as PDBG prints it. @category Constants */
export const PAGER_PRETTY_FUNCTION = 'void _core_pager_loop()';

/**
 * Where things are in core's address space when the seed runs (this package's choices: the
 * seed takes them from the linker and the kernel).
 * @category Constants
 */
export const DEFAULT_LAYOUT = Object.freeze({
  /** `_prog_img_beg` / `_prog_img_end` (Genode links core at 0x01000000). */
  imageStart: 0x01000000,
  imageEnd: 0x01080000,
  /** Where the kernel maps the KIP into core (`get_kip()`). */
  kipAddress: 0xbfff0000,
  /** Core main's local thread id (its UTCB address): `L4_MyLocalId()`. */
  coreMainLocalId: 0xbff00000,
  /** `ThreadInfo.UserBase` of the KIP: sigma0 is thread UserBase, core (the root server) UserBase + 2. */
  userBase: 0x30,
} as const);

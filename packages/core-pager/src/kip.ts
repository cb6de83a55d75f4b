/**
 * The kernel interface page as bytes: a {@link KipDescription} (what a user writes: memory
 * descriptors, page-size mask, boot-info pointer, UTCB geometry) is encoded into the ia32
 * layout of `L4_KernelInterfacePage_t` (Pistachio `l4/kip.h`), and the seed's accessors read
 * it back from core memory word by word: `kip->magic`, `L4_NumMemoryDescriptors`,
 * `L4_MemoryDesc`, `L4_IsVirtual`, `L4_Type`, `L4_Low`, `L4_High`, `L4_PageSizeMask`,
 * `L4_UtcbAreaSize`, `L4_UtcbSize`, `kip->BootInfo`, `L4_ThreadIdUserBase`.
 *
 * Layout (offsets in bytes): magic 0x00, ApiVersion 0x04, ApiFlags 0x08, MemoryInfo 0x54 (n in
 * bits 0-15, MemDescPtr in bits 16-31), UtcbAreaInfo 0xA8 (m bits 0-9, a bits 10-15, s bits
 * 16-21), KipAreaInfo 0xAC, BootInfo 0xB8, ThreadInfo 0xC4 (t bits 0-7, SystemBase 8-19,
 * UserBase 20-31), PageInfo 0xC8 (rwx bits 0-2, page_size_mask bits 10-31). A memory
 * descriptor is two words: type bits 0-3, t bits 4-7, v bit 9, low bits 10-31 (x 1K); high bits
 * 10-31 (x 1K, plus 0x3ff: inclusive).
 *
 * Not covered: the kernel descriptor, processor descriptors, system-call links, clock info.
 *
 * @module
 */
import { L4_MAGIC } from './constants.js';
import type { CoreMemory } from './memory.js';

/** One KIP memory descriptor. @category KIP */
export interface MemoryDescriptor {
  /** 0x1 conventional, 0x2 reserved, 0x3 dedicated, 0x4 shared, 0xE boot loader, 0xF architecture. */
  readonly type: number;
  /** The subtype `t` (meaningful for types >= 0xE). */
  readonly subtype?: number;
  /** A virtual-memory descriptor (the usable virtual address space). */
  readonly virtual: boolean;
  /** First address (kept to 1K: bits 0-9 are not stored). */
  readonly low: number;
  /** Last address, inclusive (read back as `(high >> 10 << 10) + 0x3ff`). */
  readonly high: number;
}

/** What a KIP says, as a user describes it. @category KIP */
export interface KipDescription {
  /** `kip->magic` (default `L4_MAGIC`; anything else makes `_setup_basics` panic). */
  readonly magic?: number;
  /** `L4_PageSizeMask(kip)`: bit k set means pages of 2^k bytes (ia32: 4K | 4M = 0x401000). */
  readonly pageSizeMask: number;
  readonly memory: readonly MemoryDescriptor[];
  /** `kip->BootInfo`: where the boot info lies. */
  readonly bootInfo: number;
  /** `UtcbAreaInfo` (default s 14, a 9, m 1: a 16 KiB area of 512-byte UTCBs). */
  readonly utcbArea?: { readonly sizeLog2: number; readonly alignLog2: number; readonly multiplier: number };
  /** `ThreadInfo.UserBase` (default 0x30). */
  readonly userBase?: number;
  /** `ApiVersion.raw` (default 0x84000000: X.2). */
  readonly apiVersion?: number;
}

/** Byte offsets of the fields read. @category KIP */
export const KIP_OFFSETS = Object.freeze({
  magic: 0x00,
  apiVersion: 0x04,
  apiFlags: 0x08,
  memoryInfo: 0x54,
  utcbAreaInfo: 0xa8,
  kipAreaInfo: 0xac,
  bootInfo: 0xb8,
  threadInfo: 0xc4,
  pageInfo: 0xc8,
} as const);

/** Where the encoder puts the memory descriptors (`MemDescPtr`, relative to the KIP). @category KIP */
export const MEMDESC_OFFSET = 0x200;
/** The most descriptors that fit in the KIP page after {@link MEMDESC_OFFSET}. @category KIP */
export const MAX_MEMORY_DESCRIPTORS = (4096 - MEMDESC_OFFSET) / 8;

/** The two raw words of one descriptor. @category KIP */
export function encodeMemoryDescriptor(d: MemoryDescriptor): readonly [number, number] {
  const w0 =
    ((d.type & 0xf) | (((d.subtype ?? 0) & 0xf) << 4) | (d.virtual ? 1 << 9 : 0) | (d.low & ~0x3ff)) >>> 0;
  return [w0, (d.high & ~0x3ff) >>> 0];
}

/** The KIP page (4 KiB) in the ia32 layout. @category KIP */
export function encodeKip(k: KipDescription): Uint8Array {
  if (k.memory.length > MAX_MEMORY_DESCRIPTORS) {
    throw new RangeError(
      `encodeKip: ${k.memory.length} memory descriptors (at most ${MAX_MEMORY_DESCRIPTORS})`,
    );
  }
  const bytes = new Uint8Array(4096);
  const v = new DataView(bytes.buffer);
  const put = (off: number, w: number) => v.setUint32(off, w >>> 0, true);
  const u = k.utcbArea ?? { sizeLog2: 14, alignLog2: 9, multiplier: 1 };
  put(KIP_OFFSETS.magic, k.magic ?? L4_MAGIC);
  put(KIP_OFFSETS.apiVersion, k.apiVersion ?? 0x84000000);
  put(KIP_OFFSETS.memoryInfo, (k.memory.length & 0xffff) | (MEMDESC_OFFSET << 16));
  put(
    KIP_OFFSETS.utcbAreaInfo,
    (u.multiplier & 0x3ff) | ((u.alignLog2 & 0x3f) << 10) | ((u.sizeLog2 & 0x3f) << 16),
  );
  put(KIP_OFFSETS.kipAreaInfo, 12);
  put(KIP_OFFSETS.bootInfo, k.bootInfo);
  put(KIP_OFFSETS.threadInfo, 18 | (0x10 << 8) | ((k.userBase ?? 0x30) << 20));
  put(KIP_OFFSETS.pageInfo, (k.pageSizeMask & ~0x3ff) | 0x5);
  k.memory.forEach((d, i) => {
    const [w0, w1] = encodeMemoryDescriptor(d);
    put(MEMDESC_OFFSET + i * 8, w0);
    put(MEMDESC_OFFSET + i * 8 + 4, w1);
  });
  return bytes;
}

/** A memory descriptor as read (its two raw words). @category KIP */
export type MemoryDesc = readonly [number, number];

/** `kip->magic`. @category KIP */
export const kipMagic = (mem: CoreMemory, kip: number): number => mem.readWord(kip + KIP_OFFSETS.magic);
/** `kip->ApiVersion.raw`. @category KIP */
export const kipApiVersion = (mem: CoreMemory, kip: number): number =>
  mem.readWord(kip + KIP_OFFSETS.apiVersion);
/** `kip->BootInfo`. @category KIP */
export const kipBootInfo = (mem: CoreMemory, kip: number): number => mem.readWord(kip + KIP_OFFSETS.bootInfo);
/** `L4_NumMemoryDescriptors(kip)`: `MemoryInfo.n`. @category KIP */
export const L4_NumMemoryDescriptors = (mem: CoreMemory, kip: number): number =>
  mem.readWord(kip + KIP_OFFSETS.memoryInfo) & 0xffff;

/** `L4_MemoryDesc(kip, i)` (null past the last, as the C returns 0). @category KIP */
export function L4_MemoryDesc(mem: CoreMemory, kip: number, i: number): MemoryDesc | null {
  const info = mem.readWord(kip + KIP_OFFSETS.memoryInfo);
  if (i >= (info & 0xffff)) return null;
  const at = kip + (info >>> 16) + i * 8;
  return [mem.readWord(at), mem.readWord(at + 4)];
}

/** `L4_IsVirtual(d)`: bit 9. @category KIP */
export const L4_IsVirtual = (d: MemoryDesc): boolean => ((d[0] >>> 9) & 1) === 1;
/** `L4_Type(d)` = `L4_MemoryDescType`: type, plus `t << 4` for types >= 0xE. @category KIP */
export function L4_Type(d: MemoryDesc): number {
  const type = d[0] & 0xf;
  return type >= 0x0e ? type + (((d[0] >>> 4) & 0xf) << 4) : type;
}
/** `L4_Low(d)`: `low << 10`. @category KIP */
export const L4_Low = (d: MemoryDesc): number => (d[0] & ~0x3ff) >>> 0;
/** `L4_High(d)`: `(high << 10) + 0x3ff`. @category KIP */
export const L4_High = (d: MemoryDesc): number => ((d[1] & ~0x3ff) + 0x3ff) >>> 0;

/** `L4_PageSizeMask(kip)`: `PageInfo.page_size_mask << 10`. @category KIP */
export const L4_PageSizeMask = (mem: CoreMemory, kip: number): number =>
  (mem.readWord(kip + KIP_OFFSETS.pageInfo) & ~0x3ff) >>> 0;

/** `L4_UtcbAreaSize(kip)`: `1UL << UtcbAreaInfo.s`. @category KIP */
export const L4_UtcbAreaSize = (mem: CoreMemory, kip: number): number =>
  2 ** ((mem.readWord(kip + KIP_OFFSETS.utcbAreaInfo) >>> 16) & 0x3f & 31);

/** `L4_UtcbSize(kip)`: `(1UL << a) * m`. @category KIP */
export function L4_UtcbSize(mem: CoreMemory, kip: number): number {
  const w = mem.readWord(kip + KIP_OFFSETS.utcbAreaInfo);
  return (2 ** ((w >>> 10) & 0x3f & 31) * (w & 0x3ff)) >>> 0;
}

/** `L4_ThreadIdUserBase(kip)`. @category KIP */
export const L4_ThreadIdUserBase = (mem: CoreMemory, kip: number): number =>
  mem.readWord(kip + KIP_OFFSETS.threadInfo) >>> 20;

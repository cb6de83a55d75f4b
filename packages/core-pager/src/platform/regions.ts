/**
 * The L4 region helpers of platform.cc (lines 191-299) as pure functions over immutable
 * allocators and core memory: `Region::intersects`, `add_region`, `remove_region` (with their
 * panics on an empty or inverted region), `intersects_kip_archdep`, `dump_kip_memdesc` and
 * `sigma0_req_region`. All address arithmetic is `addr_t` (unsigned 32-bit): `addr + size`
 * wraps, so a chunk at the top of the address space has `end == 0`.
 *
 * @module
 */
import type { RangeAllocator } from '../allocators.js';
import { ARCH_DEPENDENT_MEM } from '../constants.js';
import { L4_High, L4_IsVirtual, L4_Low, L4_MemoryDesc, L4_NumMemoryDescriptors, L4_Type } from '../kip.js';
import { L4_Address, L4_IsNilFpage, u32, type Word } from '../l4.js';
import { panicLine, perrLine, printfLine, type LogLine } from '../log.js';
import type { CoreMemory } from '../memory.js';
import { roundPage, truncPage } from '../pager/model.js';
import type { Sigma0, Sigma0State } from '../sigma0.js';

/** `struct Region` (lines 194-207). @category Platform model */
export interface Region {
  readonly start: Word;
  readonly end: Word;
}

/** `Region::intersects(base, size)`: `((base + size) > start) && (base < end)`, in `addr_t`. @category Platform model */
export function regionIntersects(r: Region, base: Word, size: Word): boolean {
  return u32(base + size) > r.start && base < r.end;
}

/** What an `add_region` / `remove_region` call did. @category Platform model */
export interface RegionResult {
  readonly alloc: RangeAllocator;
  /** Lines printed (the PERR before `add_region`'s panic, and the panic). */
  readonly log: readonly LogLine[];
  /** The panic message, when `start >= end`. */
  readonly panic: string | null;
  /** Genode's return code of the allocator call (ignored by the seed); null when it panicked first. */
  readonly rc: number | null;
}

/** `add_region(r, alloc)` (lines 218-231). @category Platform model */
export function addRegion(r: Region, alloc: RangeAllocator): RegionResult {
  if (r.start >= r.end) {
    const msg = 'add_region called with bogus parameters.';
    return {
      alloc,
      log: [
        perrLine('add_region', 221, '(start = 0x%08lx, end = 0x%08lx)\n', r.start, r.end),
        panicLine('add_region', 222, msg),
      ],
      panic: msg,
      rc: null,
    };
  }
  const start = truncPage(r.start);
  const end = roundPage(r.end);
  const out = alloc.addRange(start, u32(end - start));
  return { alloc: out.alloc, log: [], panic: null, rc: out.rc };
}

/** `remove_region(r, alloc)` (lines 235-246). @category Platform model */
export function removeRegion(r: Region, alloc: RangeAllocator): RegionResult {
  if (r.start >= r.end) {
    const msg = 'remove_region called with bogus parameters.';
    return { alloc, log: [panicLine('remove_region', 238, msg)], panic: msg, rc: null };
  }
  const start = truncPage(r.start);
  const end = roundPage(r.end);
  const out = alloc.removeRange(start, u32(end - start));
  return { alloc: out.alloc, log: [], panic: null, rc: out.rc };
}

/**
 * `intersects_kip_archdep(kip, start, size)` (lines 247-265): a non-virtual descriptor of
 * architecture-dependent memory contains the start, the last byte, or both.
 * @category Platform model
 */
export function intersectsKipArchdep(mem: CoreMemory, kip: Word, start: Word, size: Word): boolean {
  const n = L4_NumMemoryDescriptors(mem, kip);
  const last = u32(start + size - 1);
  for (let i = 0; i < n; i++) {
    const d = L4_MemoryDesc(mem, kip, i)!;
    if (!L4_IsVirtual(d) && (L4_Type(d) & 0xf) === ARCH_DEPENDENT_MEM) {
      if (L4_Low(d) <= start && start <= L4_High(d)) return true;
      if (L4_Low(d) <= last && last <= L4_High(d)) return true;
      if (L4_Low(d) <= start && last <= L4_High(d)) return true;
    }
  }
  return false;
}

const MEM_TYPES = [
  'Undefined',
  'Conventional',
  'Reserved by kernel',
  'Dedicated',
  'Shared',
  '?',
  '?',
  '?',
  '?',
  '?',
  '?',
  '?',
  '?',
  '?',
  'Boot loader',
  'Architecture-dependent',
] as const;

/** `dump_kip_memdesc(kip)` (lines 266-286): one printf per descriptor. @category Platform model */
export function dumpKipMemdesc(mem: CoreMemory, kip: Word): LogLine[] {
  const n = L4_NumMemoryDescriptors(mem, kip);
  const out: LogLine[] = [];
  for (let i = 0; i < n; i++) {
    const d = L4_MemoryDesc(mem, kip, i)!;
    out.push(
      printfLine(
        'dump_kip_memdesc',
        279,
        'mem %ld: [0x%08lx, 0x%08lx) type=0x%lx (%s) %s\n',
        i,
        L4_Low(d),
        u32(L4_High(d) + 1),
        L4_Type(d),
        MEM_TYPES[L4_Type(d) & 0xf]!,
        L4_IsVirtual(d) ? 'Virtual' : 'Non-Virtual',
      ),
    );
  }
  return out;
}

/**
 * `sigma0_req_region(&addr, log2size)` (lines 290-299): `GetAny` with the complete address space
 * as receive window (identity placement); nil gives false.
 * @category Platform model
 */
export function sigma0ReqRegion(
  port: Sigma0,
  state: Sigma0State,
  log2size: number,
): { readonly state: Sigma0State; readonly succ: boolean; readonly addr: Word } {
  const a = port.getAny(state, log2size);
  if (L4_IsNilFpage(a.fpage)) return { state: a.state, succ: false, addr: 0 };
  return { state: a.state, succ: true, addr: L4_Address(a.fpage) };
}

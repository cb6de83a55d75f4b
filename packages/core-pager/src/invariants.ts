/**
 * What core's pager and platform setup promise, as named invariants over the machines'
 * snapshots (type-shape invariants first). The pager's are checked on every state the loop
 * reaches; the per-step facts they read (a reply that went to the wrong thread, a write reported
 * as a read) are ghost flags set by the step that caused them. The platform's compare the
 * allocators and core memory with the KIP the platform was built from.
 *
 * @module
 */
import type { Invariant } from '@kspec/spec-kit';
import type { RangeAllocator } from './allocators.js';
import { src } from '@kspec/spec-kit';
import type { SnapshotFrom } from 'xstate';
import { SEED, STACK_AREA_VIRTUAL_BASE, STACK_AREA_VIRTUAL_SIZE } from './constants.js';
import { L4_High, L4_IsVirtual, L4_Low, L4_MemoryDesc, L4_NumMemoryDescriptors, L4_Type } from './kip.js';
import type { corePagerMachine } from './pager/machine.js';
import { UNINITIALISED } from './pager/model.js';
import type { corePlatformMachine } from './platform/machine.js';
import type { PlatformContext } from './platform/context.js';
import {
  EMPTY_RANGES,
  addRange,
  intersectRanges,
  overlapsRange,
  rangeBytes,
  subtractRanges,
  type RangeSet,
} from './ranges.js';

/** A snapshot of the pager machine. @category Checking */
export type PagerSnapshot = SnapshotFrom<typeof corePagerMachine>;
/** A snapshot of the platform machine. @category Checking */
export type PlatformSnapshot = SnapshotFrom<typeof corePlatformMachine>;

const isU32 = (n: unknown): boolean =>
  typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
const wordOrUninit = (v: unknown): boolean => v === UNINITIALISED || isU32(v);
const sortedDisjoint = (r: RangeSet): boolean =>
  r.every((x, i) => x.start < x.end && (i === 0 || r[i - 1]!.end < x.start));

const pagerInv = (
  name: string,
  statement: string,
  holds: (s: PagerSnapshot) => boolean,
  fn?: string,
  lines?: [number, number],
): Invariant<PagerSnapshot> => ({
  name,
  statement,
  holds,
  ...(fn && lines ? { source: src(SEED, fn, lines[0], lines[1]) } : {}),
});

/**
 * The pager's invariants, type shape first.
 * @category Checking
 */
export const PAGER_INVARIANTS: readonly Invariant<PagerSnapshot>[] = [
  pagerInv(
    'pagerContextWellFormed',
    'The loop variables are 32-bit words or uninitialised, the page size is 4 KiB, a pending reply has an item, the core ranges are sorted and disjoint, a reply is three words.',
    ({ context: c }) =>
      c.world.pageSize === 4096 &&
      wordOrUninit(c.loop.t) &&
      wordOrUninit(c.loop.pfAddr) &&
      wordOrUninit(c.loop.pfIp) &&
      wordOrUninit(c.loop.flags) &&
      (!c.loop.sendReply || c.loop.item !== UNINITIALISED) &&
      sortedDisjoint(c.world.coreRanges) &&
      (c.step.reply === null || (c.step.reply.words.length === 3 && c.step.reply.words.every(isU32))),
  ),
  pagerInv(
    'servedFaultsMapTheFaultingPage',
    'A reply to a page fault goes to the thread that faulted and maps the page it faulted on.',
    ({ context: c }) => !c.ghost.replyNotForItsFault,
    '_core_pager_loop',
    [112, 161],
  ),
  pagerInv(
    'outsideRamNeverMapped',
    "A fault reply never maps a page outside core's RAM ranges.",
    ({ context: c }) => !c.ghost.replyOutsideRam,
    '_core_pager_loop',
    [140, 161],
  ),
  pagerInv(
    'writeFaultsReportedAsWrites',
    'A write fault the pager reports (null pointer, outside RAM) is reported as a WRITE.',
    ({ context: c }) => !c.ghost.writeReportedAsRead,
    'is_write_fault',
    [52, 53],
  ),
  pagerInv(
    'onlyCoreThreadsServed',
    'The pager answers only core threads (faults and echo requests of other tasks are not served).',
    ({ context: c }) => !c.ghost.replyToNonCore,
    '_core_pager_loop',
    [117, 117],
  ),
  pagerInv(
    'pagerKeepsServing',
    'The pager loop never ends: after an error it goes on serving the other threads.',
    (s) => s.status === 'active' || s.context.stop?.reason === 'uninitialised',
    '_core_pager_loop',
    [133, 146],
  ),
  pagerInv(
    'neverReadsUninitialised',
    'The loop never decides on a variable no wait has assigned.',
    ({ context: c }) => c.stop?.reason !== 'uninitialised',
    '_core_pager_loop',
    [106, 125],
  ),
  pagerInv(
    'faultsNeverTakenForEcho',
    'A page fault (a message with the page-fault label) is never handled as an echo request.',
    ({ context: c }) => !c.ghost.faultTakenForEcho,
    '_core_pager_loop',
    [119, 129],
  ),
];

// ---------------------------------------------------------------------------------------------

/** The KIP's non-virtual memory of types satisfying `pred`, read from core memory (later descriptors override). */
function kipRanges(c: PlatformContext, pred: (type: number) => boolean): RangeSet {
  let typed: { start: number; end: number; type: number }[] = [];
  const n = L4_NumMemoryDescriptors(c.memory, c.kip);
  for (let i = 0; i < n; i++) {
    const d = L4_MemoryDesc(c.memory, c.kip, i)!;
    if (L4_IsVirtual(d)) continue;
    const start = L4_Low(d);
    const end = L4_High(d) + 1;
    typed = typed.flatMap((r) =>
      r.end <= start || r.start >= end
        ? [r]
        : [
            ...(r.start < start ? [{ ...r, end: start }] : []),
            ...(r.end > end ? [{ ...r, start: end }] : []),
          ],
    );
    typed.push({ start, end, type: L4_Type(d) });
  }
  return typed
    .filter((r) => pred(r.type))
    .reduce<RangeSet>((s, r) => addRange(s, r.start, r.end), EMPTY_RANGES);
}

const blocksOf = (a: RangeAllocator): RangeSet =>
  a.blocks().reduce<RangeSet>((s, b) => addRange(s, b.addr, b.addr + b.size), EMPTY_RANGES);

const constructed = (s: PlatformSnapshot): boolean => s.value === 'constructed';

const platformInv = (
  name: string,
  statement: string,
  holds: (s: PlatformSnapshot) => boolean,
  fn?: string,
  lines?: [number, number],
): Invariant<PlatformSnapshot> => ({
  name,
  statement,
  holds,
  ...(fn && lines ? { source: src(SEED, fn, lines[0], lines[1]) } : {}),
});

/**
 * The platform's invariants, type shape first.
 * @category Checking
 */
export const PLATFORM_INVARIANTS: readonly Invariant<PlatformSnapshot>[] = [
  platformInv(
    'platformContextWellFormed',
    'bytes_got and the loop size are 32-bit, size_log2 stays in 0..31 while sizes are left, every allocator block is non-empty and within 2^32, the ROM modules are non-empty.',
    ({ context: c }) =>
      isU32(c.memAlloc.bytesGot) &&
      isU32(c.memAlloc.size) &&
      (c.memAlloc.pageSizeMask === 0 || (c.memAlloc.sizeLog2 >= 0 && c.memAlloc.sizeLog2 <= 31)) &&
      (Object.values(c.allocators) as RangeAllocator[]).every((a) =>
        a.blocks().every((b) => b.size > 0 && b.addr + b.size <= 2 ** 32),
      ) &&
      c.romFs.every((r) => r.size > 0),
  ),
  platformInv(
    'pageZeroNeverMappedInCore',
    'Page 0 is never mapped in core, so a NULL access by a core thread faults.',
    ({ context: c }) => !c.memory.isMapped(0),
    'Platform::_setup_mem_alloc',
    [336, 341],
  ),
  platformInv(
    'coreRamIsNeitherIoMemoryNorFreeVirtualMemory',
    "Memory sigma0 handed to core is neither in _io_mem_alloc nor in _region_alloc once core is constructed (the allocators are disjoint from core's RAM).",
    (s) => {
      if (!constructed(s)) return true;
      const c = s.context;
      const held = c.ghost.chunks.reduce<RangeSet>(
        (r, k) => addRange(r, k.addr, k.addr + k.size),
        EMPTY_RANGES,
      );
      const io = blocksOf(c.allocators.ioMemAlloc);
      const region = blocksOf(c.allocators.regionAlloc);
      const ram = blocksOf(c.allocators.ramAlloc);
      return (
        intersectRanges(held, io).length === 0 &&
        intersectRanges(held, region).length === 0 &&
        intersectRanges(ram, io).length === 0
      );
    },
    'Platform::_setup_mem_alloc',
    [335, 353],
  ),
  platformInv(
    'ramCoversKipConventionalMemory',
    "Once constructed, _ram_alloc covers the KIP's conventional memory except page 0, the stack area, architecture-dependent memory and the program image.",
    (s) => {
      if (!constructed(s)) return true;
      const c = s.context;
      let missing = subtractRanges(
        kipRanges(c, (t) => t === 0x1),
        blocksOf(c.allocators.ramAlloc),
      );
      missing = subtractRanges(missing, [
        { start: 0, end: 0x1000 },
        { start: STACK_AREA_VIRTUAL_BASE, end: STACK_AREA_VIRTUAL_BASE + STACK_AREA_VIRTUAL_SIZE },
        { start: c.image.start, end: c.image.end },
      ]);
      missing = subtractRanges(
        missing,
        kipRanges(c, (t) => (t & 0xf) === 0xf),
      );
      return rangeBytes(missing) === 0;
    },
    'Platform::_setup_mem_alloc',
    [331, 356],
  ),
  platformInv(
    'chunkRegionsNeverWrap',
    'Every region built from a sigma0 chunk has start < end in 32-bit arithmetic.',
    ({ context: c }) => !c.ghost.wrappedRegion,
    'Platform::_setup_mem_alloc',
    [342, 352],
  ),
  platformInv(
    'coreRangesCoverRam',
    "Once constructed, every block of _ram_alloc lies in _core_address_ranges (the pager serves faults on all of core's RAM).",
    (s) => {
      if (!constructed(s)) return true;
      const c = s.context;
      return (
        subtractRanges(blocksOf(c.allocators.ramAlloc), blocksOf(c.allocators.coreAddressRanges)).length === 0
      );
    },
    'Platform::_setup_mem_alloc',
    [348, 349],
  ),
  platformInv(
    'ioMemExcludesKipAndImage',
    'Once constructed, _io_mem_alloc contains neither the KIP nor the program image.',
    (s) =>
      !constructed(s) ||
      (!overlapsRange(blocksOf(s.context.allocators.ioMemAlloc), s.context.kip, s.context.kip + 0x120) &&
        !overlapsRange(
          blocksOf(s.context.allocators.ioMemAlloc),
          s.context.image.start,
          s.context.image.end,
        )),
    'Platform::_setup_basics',
    [444, 457],
  ),
];

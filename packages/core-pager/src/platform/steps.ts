/**
 * The steps of `Platform` construction as pure functions from the platform context to a
 * context update, one per block of C the machine takes as a step: `init_kip`'s image page,
 * the parts of `_setup_basics`, one chunk of `_setup_mem_alloc`, one module of `_setup_rom`
 * (with Genode's `Multiboot_info::get_module`), `_setup_preemption`, the core threads. A step
 * that reaches a `panic` (or a C fault) returns the update up to that point with `stop` set; the
 * machine's guards ask {@link stops} and the actions apply the same update.
 *
 * @module
 */
import { emptyAllocators, type PlatformAllocators } from '../allocators.js';
import { L4_BootInfo_Size, L4_BootInfo_Valid, bootInfoModules, readCString } from '../bootinfo.js';
import {
  DEFAULT_PRIORITY,
  IO_PORT_RANGE_SIZE,
  IRQ_RANGE_SIZE,
  KIP_SIZE,
  L4_MAGIC,
  MB_INFO_SIZE,
  PAGE_SIZE,
  PAGE_SIZE_LOG2,
  STACK_AREA_VIRTUAL_BASE,
  STACK_AREA_VIRTUAL_SIZE,
} from '../constants.js';
import {
  L4_IsVirtual,
  L4_MemoryDesc,
  L4_NumMemoryDescriptors,
  L4_UtcbAreaSize,
  L4_UtcbSize,
  kipBootInfo,
  kipMagic,
  L4_High,
  L4_Low,
  L4_PageSizeMask,
} from '../kip.js';
import { L4_Address, L4_Fpage, L4_IsNilFpage, u32, type Word } from '../l4.js';
import { panicLine, printfLine, pwrnLine, type LogLine } from '../log.js';
import { truncPage } from '../pager/model.js';
import type { PlatformContext, PlatformStop, RomModule } from './context.js';
import {
  addRegion,
  dumpKipMemdesc,
  intersectsKipArchdep,
  regionIntersects,
  removeRegion,
  sigma0ReqRegion,
  type Region,
} from './regions.js';

/** A context update. @category Platform model */
export type PlatformUpdate = Partial<PlatformContext>;

const panicStop = (fn: string, line: number, message: string): PlatformStop => ({
  kind: 'panic',
  message,
  fn,
  line,
});

/** The panic of `add_region` (line 222) or `remove_region` (line 238), called at seed line `at`. */
const regionPanic = (op: 'add' | 'remove', at: number, message: string): PlatformStop => ({
  kind: 'panic',
  message,
  fn: op === 'add' ? 'add_region' : 'remove_region',
  line: op === 'add' ? 222 : 238,
  calledAt: at,
});

/** True when `u` stops construction (a panic or a fault). @category Platform model */
export const stops = (u: PlatformUpdate): boolean => u.stop !== undefined && u.stop !== null;

const withLog = (c: PlatformContext, lines: readonly LogLine[]): readonly LogLine[] =>
  lines.length === 0 ? c.log : [...c.log, ...lines];

/** `init_kip` (lines 369-378): one page of the program image `L4_Sigma0_GetPage`d (result ignored). @category Platform model */
export function mapImagePage(c: PlatformContext): PlatformUpdate {
  const a = c.sigma0Port.getPage(c.sigma0, L4_Fpage(c.imageCursor, PAGE_SIZE));
  return {
    sigma0: a.state,
    memory: L4_IsNilFpage(a.fpage) ? c.memory : c.memory.map(c.imageCursor, c.imageCursor + PAGE_SIZE),
    imageCursor: u32(c.imageCursor + PAGE_SIZE),
  };
}

/**
 * The member initialisers of `Platform()` (lines 490-494): fresh member allocators,
 * the `init_kip` page cursor, an empty `_rom_fs`. `_core_address_ranges()` is a
 * function-static (lines 45-49) and outlives the object.
 * @category Platform model
 */
export function initMembers(c: PlatformContext): PlatformUpdate {
  return {
    imageCursor: truncPage(c.image.start),
    romFs: [],
    vmStart: 0,
    vmSize: 0,
    rom: { i: 0 },
    allocators: {
      ...emptyAllocators(),
      coreAddressRanges: c.allocators.coreAddressRanges,
    },
  };
}

/** `_mb_info(init_kip()->BootInfo)` (line 494), after `init_kip` returned. @category Platform model */
export const storeMbInfo = (c: PlatformContext): PlatformUpdate => ({ mbInfo: kipBootInfo(c.memory, c.kip) });

/** Lines 383-385: `kip->magic != L4_MAGIC` panics. @category Platform model */
export function checkKip(c: PlatformContext): PlatformUpdate {
  if (kipMagic(c.memory, c.kip) !== L4_MAGIC) {
    const msg = 'we got something but not the KIP';
    return {
      log: withLog(c, [panicLine('Platform::_setup_basics', 385, msg)]),
      stop: panicStop('Platform::_setup_basics', 385, msg),
    };
  }
  const kipRom: RomModule = { name: 'pistachio_kip', addr: c.kip, size: KIP_SIZE };
  return { log: withLog(c, dumpKipMemdesc(c.memory, c.kip)), romFs: [...c.romFs, kipRom] };
}

/** Lines 398-408: map the boot info through sigma0, check it (three panics). @category Platform model */
export function mapBootInfo(c: PlatformContext): PlatformUpdate {
  const bi = kipBootInfo(c.memory, c.kip);
  const a = c.sigma0Port.getPage(c.sigma0, L4_Fpage(bi, PAGE_SIZE));
  const fn = 'Platform::_setup_basics';
  const stop = (line: number, msg: string): PlatformUpdate => ({
    sigma0: a.state,
    log: withLog(c, [panicLine(fn, line, msg)]),
    stop: panicStop(fn, line, msg),
  });
  if (L4_IsNilFpage(a.fpage)) return stop(404, 'Could not map BootInfo.');
  const memory = c.memory.map(L4_Address(a.fpage), L4_Address(a.fpage) + PAGE_SIZE);
  if (!L4_BootInfo_Valid(memory, bi)) return { ...stop(406, 'No valid boot info.'), memory };
  if (L4_BootInfo_Size(memory, bi) > PAGE_SIZE) {
    return { ...stop(408, 'TODO Our multiboot info is bigger than a page...'), memory };
  }
  return { sigma0: a.state, memory };
}

/** Line 412, `Platform_pd::touch_utcb_space()`: core's UTCB area from its local id; the PWRN divides by `L4_UtcbSize`. @category Platform model */
export function touchUtcbSpace(c: PlatformContext): PlatformUpdate {
  const area = L4_UtcbAreaSize(c.memory, c.kip);
  const utcb = L4_UtcbSize(c.memory, c.kip);
  const ptr = u32(c.coreMainLocalId & ~u32(area - 1));
  if (utcb === 0) {
    return {
      coreUtcbPtr: ptr,
      stop: {
        kind: 'fault',
        message: 'division by zero: L4_UtcbSize(kip) is 0',
        fn: 'Platform_pd::touch_utcb_space',
        line: 412,
      },
    };
  }
  return {
    coreUtcbPtr: ptr,
    log: withLog(c, [
      pwrnLine('Platform_pd::touch_utcb_space', 412, 'Core can have %lu threads.', Math.floor(area / utcb)),
    ]),
  };
}

/** Lines 414-438: all I/O memory, then the first virtual-memory descriptor (page 0 excluded). @category Platform model */
export function findVirtualMemory(c: PlatformContext): PlatformUpdate {
  const ioMemAlloc = c.allocators.ioMemAlloc.addRange(0, 0xffffffff).alloc;
  let vmStart = 0;
  let vmSize = 0;
  const lines: LogLine[] = [];
  const n = L4_NumMemoryDescriptors(c.memory, c.kip);
  for (let i = 0; i < n; i++) {
    const md = L4_MemoryDesc(c.memory, c.kip, i)!;
    if (!L4_IsVirtual(md)) continue;
    if (vmStart !== 0 || vmSize !== 0) {
      lines.push(
        pwrnLine(
          'Platform::_setup_basics',
          427,
          'KIP has multiple virtual-memory descriptors. Taking only the first.',
        ),
      );
      break;
    }
    vmStart = Math.max(0x1000, L4_Low(md));
    vmSize = u32(L4_High(md) - vmStart + 1);
    lines.push(
      printfLine(
        'Platform::_setup_basics',
        436,
        'KIP reports virtual memory region at [%lx,%lx)\n',
        L4_Low(md),
        L4_High(md),
      ),
    );
  }
  return { allocators: { ...c.allocators, ioMemAlloc }, vmStart, vmSize, log: withLog(c, lines) };
}

/** Lines 439-459: core's virtual memory without KIP, stack area, MBI, UTCB area and image; the image is core-accessible. @category Platform model */
export function configureRegions(c: PlatformContext): PlatformUpdate {
  let a = c.allocators;
  a = { ...a, regionAlloc: a.regionAlloc.addRange(c.vmStart, c.vmSize).alloc };
  a = { ...a, regionAlloc: a.regionAlloc.removeRange(c.kip, KIP_SIZE).alloc };
  a = {
    ...a,
    regionAlloc: a.regionAlloc.removeRange(STACK_AREA_VIRTUAL_BASE, STACK_AREA_VIRTUAL_SIZE).alloc,
  };
  const mb = c.mbInfo ?? 0;
  const utcbArea = L4_UtcbAreaSize(c.memory, c.kip);
  const kipR: Region = { start: c.kip, end: u32(c.kip + KIP_SIZE) };
  const mbR: Region = { start: mb, end: u32(mb + MB_INFO_SIZE) };
  const utcbR: Region = { start: c.coreUtcbPtr, end: u32(c.coreUtcbPtr + utcbArea) };
  const imgR: Region = { start: c.image.start, end: c.image.end };
  const steps: [Region, 'remove' | 'add', keyof PlatformAllocators, number][] = [
    [kipR, 'remove', 'regionAlloc', 445],
    [kipR, 'remove', 'ioMemAlloc', 446],
    [mbR, 'remove', 'regionAlloc', 447],
    [mbR, 'remove', 'ioMemAlloc', 448],
    [utcbR, 'remove', 'regionAlloc', 451],
    [utcbR, 'remove', 'ioMemAlloc', 452],
    [imgR, 'remove', 'regionAlloc', 456],
    [imgR, 'remove', 'ioMemAlloc', 457],
    [imgR, 'add', 'coreAddressRanges', 459],
  ];
  for (const [r, op, k, line] of steps) {
    const res = op === 'add' ? addRegion(r, a[k]) : removeRegion(r, a[k]);
    a = { ...a, [k]: res.alloc };
    if (res.panic !== null) {
      return {
        allocators: a,
        log: withLog(c, res.log),
        stop: regionPanic(op, line, res.panic),
      };
    }
  }
  return { allocators: a };
}

/** Line 366: `L4_Set_Priority(L4_Myself(), Platform_thread::DEFAULT_PRIORITY)`. @category Platform model */
export const setupPreemption = (): PlatformUpdate => ({ priority: DEFAULT_PRIORITY });

/** Lines 311-312, 317: `page_size_mask = L4_PageSizeMask(kip)`, `size_log2 = 31`. @category Platform model */
export function startMemAlloc(c: PlatformContext): PlatformUpdate {
  return { memAlloc: { pageSizeMask: pageSizeMaskOf(c), sizeLog2: 31, size: sizeOf(31), bytesGot: 0 } };
}

const pageSizeMaskOf = (c: PlatformContext): Word => L4_PageSizeMask(c.memory, c.kip);

/** `unsigned int size = 1 << size_log2` (line 318): a signed `int` shift (`1 << 31` is INT_MIN), stored unsigned. @category Platform model */
export const sizeOf = (sizeLog2: number): Word => u32(1 << sizeLog2);

/** Lines 319-324: mask the size out and announce it. @category Platform model */
export function startPageSize(c: PlatformContext): PlatformUpdate {
  const m = c.memAlloc;
  return {
    memAlloc: { ...m, pageSizeMask: u32(m.pageSizeMask & ~m.size), bytesGot: 0 },
    log: withLog(c, [
      printfLine(
        'Platform::_setup_mem_alloc',
        324,
        'Trying to allocate %uK pages from sigma0.\n',
        m.size >>> 10,
      ),
    ]),
  };
}

/** The `for` increment (line 317): `size_log2--`, and the new `size`. @category Platform model */
export function nextSizeLog2(c: PlatformContext): PlatformUpdate {
  const l = c.memAlloc.sizeLog2 - 1;
  return { memAlloc: { ...c.memAlloc, sizeLog2: l, size: l >= 0 ? sizeOf(l) : 0 } };
}

/** Line 357 and the `for` increment: the total of this size, then the next size. @category Platform model */
export function finishPageSize(c: PlatformContext, sigma0: PlatformContext['sigma0']): PlatformUpdate {
  const m = c.memAlloc;
  const line = printfLine(
    'Platform::_setup_mem_alloc',
    357,
    'Got %uK in %uK pieces.\n',
    m.bytesGot >>> 10,
    m.size >>> 10,
  );
  return { sigma0, log: withLog(c, [line]), memAlloc: nextSizeLog2(c).memAlloc! };
}

/**
 * One round of the `do ... while (succ)` loop (lines 331-356): ask sigma0 for a chunk; on
 * success keep page 0 mapped (336-341), or unmap a chunk meeting the stack area or
 * architecture-dependent memory (343-346), or add it to `_ram_alloc` and core's ranges
 * (348-349); remove it from I/O memory and core's virtual memory (351-352, not for page 0);
 * count it in `bytes_got` (354, page 0 too). Returns null when sigma0 has no chunk left.
 * @category Platform model
 */
export function takeChunk(
  c: PlatformContext,
): PlatformUpdate | { readonly exhausted: PlatformContext['sigma0'] } {
  const m = c.memAlloc;
  const req = sigma0ReqRegion(c.sigma0Port, c.sigma0, m.sizeLog2);
  if (!req.succ) return { exhausted: req.state };
  const size = m.size;
  const addr = req.addr;
  let memory = c.memory.map(addr, addr + size);
  const bytesGot = u32(m.bytesGot + size);
  if (addr === 0) {
    return {
      sigma0: req.state,
      memory,
      memAlloc: { ...m, bytesGot },
      ghost: { ...c.ghost, chunks: [...c.ghost.chunks, { addr, size, placement: 'page0' }] },
    };
  }
  const region: Region = { start: addr, end: u32(addr + size) };
  let a = c.allocators;
  const log: LogLine[] = [];
  const excluded =
    regionIntersects(region, STACK_AREA_VIRTUAL_BASE, STACK_AREA_VIRTUAL_SIZE) ||
    intersectsKipArchdep(c.memory, c.kip, addr, size);
  const steps: ['add' | 'remove', keyof PlatformAllocators, number][] = excluded
    ? []
    : [
        ['add', 'ramAlloc', 348],
        ['add', 'coreAddressRanges', 349],
      ];
  if (excluded) memory = memory.unmap(region.start, region.start + (size >>> PAGE_SIZE_LOG2) * PAGE_SIZE);
  steps.push(['remove', 'ioMemAlloc', 351], ['remove', 'regionAlloc', 352]);
  const ghost = {
    chunks: [
      ...c.ghost.chunks,
      { addr, size, placement: excluded ? ('excluded' as const) : ('ram' as const) },
    ],
    wrappedRegion: c.ghost.wrappedRegion || region.start >= region.end,
  };
  for (const [op, k, line] of steps) {
    const res = op === 'add' ? addRegion(region, a[k]) : removeRegion(region, a[k]);
    a = { ...a, [k]: res.alloc };
    log.push(...res.log);
    if (res.panic !== null) {
      return {
        sigma0: req.state,
        memory,
        allocators: a,
        ghost,
        log: withLog(c, log),
        stop: regionPanic(op, line, res.panic),
      };
    }
  }
  return { sigma0: req.state, memory, allocators: a, memAlloc: { ...m, bytesGot }, ghost };
}

/** `_setup_io_port_alloc` (platform_x86.cc) and `_setup_irq_alloc` (line 360). @category Platform model */
export function addIoPortsAndIrqs(c: PlatformContext, which: 'ioPorts' | 'irqs'): PlatformUpdate {
  const a = c.allocators;
  return which === 'ioPorts'
    ? { allocators: { ...a, ioPortAlloc: a.ioPortAlloc.addRange(0, IO_PORT_RANGE_SIZE).alloc } }
    : { allocators: { ...a, irqAlloc: a.irqAlloc.addRange(0, IRQ_RANGE_SIZE).alloc } };
}

/** `_mb_info.num_modules()`. @category Platform model */
export const numModules = (c: PlatformContext): number => bootInfoModules(c.memory, c.mbInfo ?? 0).length;

/**
 * One iteration of `_setup_rom` (lines 465-482) with `Multiboot_info::get_module(i)`: the
 * command line turned into the module's name in place (a NUL written at the first blank), the
 * alignment panic, the module pages requested from sigma0 (panic on nil or a different
 * address), then for a valid (non-empty) module: `_rom_fs.insert`, the zeroed tail of its last
 * page (474-476), its removal from core's virtual memory and I/O memory and its addition to
 * core's ranges. A module without command line makes `get_module` read its name at address 0.
 * @category Platform model
 */
export function romIteration(c: PlatformContext): PlatformUpdate {
  const rec = bootInfoModules(c.memory, c.mbInfo ?? 0)[c.rom.i]!;
  const gm = 'Multiboot_info::get_module';
  let memory = c.memory;
  let sigma0 = c.sigma0;
  const next = { rom: { ...c.rom, i: c.rom.i + 1 } };
  // name: strip path info and command line (in place)
  const cmd = rec.cmdline;
  if (cmd === 0 && !memory.isMapped(0)) {
    return {
      ...next,
      stop: {
        kind: 'fault',
        message: 'NULL command line dereferenced (page 0 not mapped in core)',
        fn: gm,
        line: 466,
      },
    };
  }
  const raw = readCString(memory, cmd);
  let from = 0;
  let to = raw.length;
  for (let k = 0; k < raw.length; k++) {
    if (raw[k] === '/') from = k + 1;
    if (raw[k] === ' ') {
      memory = memory.write(cmd + k, new Uint8Array([0]));
      to = k;
      break;
    }
  }
  const name = raw.slice(from, Math.max(from, to));
  const panic = (msg: string): PlatformUpdate => ({
    ...next,
    memory,
    sigma0,
    log: withLog(c, [panicLine(gm, 466, msg)]),
    stop: panicStop(gm, 466, msg),
  });
  const { start, size } = rec;
  if (start !== truncPage(start)) return panic('Module is not aligned to page boundary.');
  const end = u32(start + size);
  for (let cur = start; cur < end; cur = u32(cur + PAGE_SIZE)) {
    const a = c.sigma0Port.getPage(sigma0, L4_Fpage(cur, PAGE_SIZE));
    sigma0 = a.state;
    if (L4_IsNilFpage(a.fpage) || L4_Address(a.fpage) !== cur) return panic('Unable to map module data.');
    memory = memory.map(cur, cur + PAGE_SIZE);
    if (cur + PAGE_SIZE > 0xffffffff) {
      // cur += ps wraps to 0 while end is still above it: the C loop goes on from page 0.
      const message = 'the module page loop wraps at 2^32 and goes on from page 0 (not modelled further)';
      return { ...next, memory, sigma0, stop: { kind: 'fault', message, fn: gm, line: 466 } };
    }
  }
  if (size === 0) return { ...next, memory, sigma0 };
  const romFs = [...c.romFs, { name, addr: start, size }];
  const count = PAGE_SIZE - (size % PAGE_SIZE);
  if (count !== PAGE_SIZE) memory = memory.zero(u32(start + size), count);
  const r: Region = { start, end };
  let a = c.allocators;
  const steps: ['add' | 'remove', keyof PlatformAllocators, number][] = [
    ['remove', 'regionAlloc', 478],
    ['remove', 'ioMemAlloc', 479],
    ['add', 'coreAddressRanges', 481],
  ];
  for (const [op, k, line] of steps) {
    const res = op === 'add' ? addRegion(r, a[k]) : removeRegion(r, a[k]);
    a = { ...a, [k]: res.alloc };
    if (res.panic !== null) {
      return {
        ...next,
        memory,
        sigma0,
        romFs,
        allocators: a,
        log: withLog(c, res.log),
        stop: regionPanic(op, line, res.panic),
      };
    }
  }
  return { ...next, memory, sigma0, romFs, allocators: a };
}

/** Lines 529-532: `core.main` gets its thread id and sigma0 as pager, and is bound to core's PD. @category Platform model */
export const bindCoreMain = (c: PlatformContext): PlatformUpdate => ({
  bound: c.bound.includes('core.main') ? c.bound : [...c.bound, 'core.main'],
});

/**
 * `Platform::core_pager()` (lines 186-190): the first call constructs `Core_pager` (173-185):
 * bind `core.pager`, start `_core_pager_loop` on the top element of `_core_pager_stack`, and
 * make the caller (core main) send its page faults to the core pager (`L4_Set_Pager`).
 * @category Platform model
 */
export const startCorePager = (c: PlatformContext): PlatformUpdate => ({
  bound: [...c.bound, 'core.pager'],
  mainPager: 'core.pager',
});

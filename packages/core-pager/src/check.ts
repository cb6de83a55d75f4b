/**
 * The check models of core-pager: bounded alphabets over a tiny world, canonical state keys,
 * and named configurations with their expected verdict, state count and depth.
 *
 * The pager's world: 60 KiB of core RAM at 0x1000, core memory mapped there with one map item
 * at 0x2000 (what a core thread's `map_local` leaves on its stack), one core thread (`core.b`,
 * seen by its local id) and one thread of another task (`task`, global id). A scope says which
 * messages the alphabet offers: faults (sender x address x read/write), echo requests, a fault
 * at ip 0, malformed messages, receive errors, and the environment's faults (a failing send,
 * sigma0 refusing), at most one of these armed at a time.
 *
 * The platform's worlds: tiny KIPs (a few MiB of RAM); the alphabet offers sigma0 refusals of
 * chosen request indices (one at most) before `construct`, then a second `construct` and
 * `corePager`. Construction runs to its end in the one `construct` step.
 *
 * @module
 */
import type { CheckConfig, MachineCheckModel } from '@kspec/spec-kit';
import { encodeBootInfo, type BootInfoDescription } from './bootinfo.js';
import { DEFAULT_LAYOUT } from './constants.js';
import { CORE_FINDINGS } from './findings.js';
import {
  PAGER_INVARIANTS,
  PLATFORM_INVARIANTS,
  type PagerSnapshot,
  type PlatformSnapshot,
} from './invariants.js';
import { encodeKip, type KipDescription } from './kip.js';
import { L4_PagefaultLabel, msgTagRaw, type Word } from './l4.js';
import { CoreMemory } from './memory.js';
import type { PagerEvent } from './pager/context.js';
import { corePagerMachine } from './pager/machine.js';
import { faultReplyItem } from './pager/model.js';
import type { PlatformEvent, PlatformInput } from './platform/context.js';
import { corePlatformMachine } from './platform/machine.js';
import { kipSigma0 } from './sigma0.js';
import { defaultThreads, senderId, type ThreadTable } from './threads.js';

// ---------------------------------------------------------------------------------------------
// The pager's tiny world.

/** The pager check world's threads: core.main, core.b (core) and task (another task). @category Checking */
export const CHECK_THREADS: ThreadTable = defaultThreads({
  moreCoreThreads: ['core.b'],
  nonCore: ['task'],
}).filter((t) => t.name !== 'core.pager');

const thread = (name: string) => CHECK_THREADS.find((t) => t.name === name)!;
/** Where the echo map item lies in the check world. @category Checking */
export const CHECK_ECHO_ITEM_ADDR = 0x2000;
/** The check world's RAM: [0x1000, 0x10000). @category Checking */
export const CHECK_RAM = { start: 0x1000, end: 0x10000 } as const;
const CHECK_KIP: KipDescription = {
  pageSizeMask: 0x1000,
  bootInfo: 0,
  memory: [{ type: 1, virtual: false, low: 0, high: 0xffff }],
};

/** The input of the pager check models. @category Checking */
export function pagerCheckInput() {
  const memory = CoreMemory.empty()
    .map(CHECK_RAM.start, CHECK_RAM.end)
    .writeWords(CHECK_ECHO_ITEM_ADDR, [...faultReplyItem(0x4000)]);
  return {
    coreRanges: [CHECK_RAM],
    threads: CHECK_THREADS,
    memory,
    sigma0Port: kipSigma0(CHECK_KIP),
    sigma0: { held: [CHECK_RAM], requests: 0, refuse: [] },
    fastPath: false,
  };
}

/** The bounds of one pager exploration scope. @category Checking */
export interface PagerScope {
  /** Senders of faults: thread names of {@link CHECK_THREADS}. */
  readonly senders: readonly string[];
  /** Fault addresses offered (each with ip 0x1000). */
  readonly addrs: readonly Word[];
  readonly access: readonly ('read' | 'write')[];
  /** core.b sends an echo request for the item at 0x2000. */
  readonly echo: boolean;
  /** A sender faults at address 0x3000 with ip 0 (an instruction fetch at 0 after a jump through NULL, with a mapped item). */
  readonly ipZeroFault: boolean;
  /** A sender sends a message with one untyped word. */
  readonly malformed: boolean;
  /** The pager's receive phase may fail. */
  readonly ipcErrors: boolean;
  /** The environment may arm a failing send or a sigma0 refusal (one at a time). */
  readonly envFaults: boolean;
}

const faultEvent = (from: string, addr: Word, access: 'read' | 'write', ip = 0x1000): PagerEvent => ({
  type: 'ipc.receive',
  from: senderId(thread(from)),
  tag: msgTagRaw({
    u: 2,
    t: 0,
    flags: 0,
    label: L4_PagefaultLabel(access === 'write' ? { write: true } : { read: true }),
  }),
  words: [addr, ip],
});

/** The bounded alphabet of a pager scope. @category Checking */
export function pagerAlphabet(scope: PagerScope): (s: PagerSnapshot) => PagerEvent[] {
  const events: PagerEvent[] = [];
  for (const from of scope.senders)
    for (const addr of scope.addrs)
      for (const access of scope.access) events.push(faultEvent(from, addr, access));
  if (scope.echo) {
    events.push({
      type: 'ipc.receive',
      from: senderId(thread('core.b')),
      tag: msgTagRaw({ u: 2, t: 0, flags: 0, label: 0 }),
      words: [CHECK_ECHO_ITEM_ADDR, 0],
    });
  }
  if (scope.ipZeroFault)
    for (const from of scope.senders) events.push(faultEvent(from, CHECK_ECHO_ITEM_ADDR, 'read', 0));
  if (scope.malformed) {
    for (const from of scope.senders) {
      events.push({
        type: 'ipc.receive',
        from: senderId(thread(from)),
        tag: msgTagRaw({ u: 1, t: 0, flags: 0, label: 0 }),
        words: [0x5000],
      });
    }
  }
  if (scope.ipcErrors) events.push({ type: 'ipc.error' });
  return (s) => {
    if (s.status !== 'active') return [];
    const c = s.context;
    const armed = c.ipc.failSend.length > 0 || c.sigma0.refuse.some((r) => r >= c.sigma0.requests);
    return scope.envFaults && !armed
      ? [...events, { type: 'env.sendFails' }, { type: 'env.sigma0Refuses' }]
      : events;
  };
}

/**
 * The pager's canonical state key: the loop variables, the IPC and sigma0 state that decide
 * behaviour (sigma0 refusals relative to the next request), the ghost. Not in it: the step's
 * log and outcomes, the last sigma0 answer (overwritten before it is read again), memory (the
 * alphabet does not write it).
 * @category Checking
 */
export function projectPager(s: PagerSnapshot): unknown {
  const c = s.context;
  const g = c.ghost;
  return [
    c.loop.t,
    c.loop.pfAddr,
    c.loop.pfIp,
    c.loop.flags,
    c.loop.item,
    c.loop.itemKind,
    c.loop.sendReply ? 1 : 0,
    c.ipc.callers,
    c.ipc.failSend,
    c.sigma0.refuse.filter((r) => r >= c.sigma0.requests).map((r) => r - c.sigma0.requests),
    g.lastMessage.map((m) => [m.from, m.wellFormed ? 1 : 0, m.label, m.addr, m.ip]),
    g.classified === null ? 0 : [g.classified.from, g.classified.label],
    [
      g.replyToNonCore,
      g.replyNotForItsFault,
      g.replyOutsideRam,
      g.writeReportedAsRead,
      g.faultTakenForEcho,
    ].map(Number),
    c.stop?.reason ?? 0,
  ];
}

const pagerModel = (
  name: string,
  scope: PagerScope,
  configs: readonly CheckConfig[],
): MachineCheckModel<typeof corePagerMachine> & { readonly scope: PagerScope } => ({
  kind: 'machine',
  name,
  machine: corePagerMachine,
  input: pagerCheckInput(),
  alphabet: pagerAlphabet(scope),
  project: projectPager,
  invariants: PAGER_INVARIANTS,
  findings: CORE_FINDINGS,
  configs,
  scope,
});

const NONE: PagerScope = {
  senders: [],
  addrs: [],
  access: ['read'],
  echo: false,
  ipZeroFault: false,
  malformed: false,
  ipcErrors: false,
  envFaults: false,
};

/** Well-behaved core threads: faults in RAM, echo requests, the environment's faults. Every invariant holds. @category Checking */
export const corePagerCheckModel = pagerModel(
  'core-pager/pager',
  { ...NONE, senders: ['core.main', 'core.b'], addrs: [0x3123, 0xf008], echo: true, envFaults: true },
  [
    {
      name: 'fast',
      description:
        'Two core threads faulting in RAM (reads), echo requests, a failing send, sigma0 refusing: every invariant but pagerKeepsServing (a refusal panics by design) holds.',
      bounds: { maxStates: 100_000 },
      invariants: PAGER_INVARIANTS.map((i) => i.name).filter((n) => n !== 'pagerKeepsServing'),
      expect: { verdict: 'pass', states: 243, depth: 5 },
    },
  ],
);

/** Faults from any thread, anywhere, read or write; malformed messages and receive errors. @category Checking */
export const corePagerSendersCheckModel = pagerModel(
  'core-pager/senders',
  {
    ...NONE,
    senders: ['core.b', 'task'],
    addrs: [0x10, 0x3123, 0x20000],
    access: ['read', 'write'],
    ipZeroFault: true,
    malformed: true,
    ipcErrors: true,
  },
  [
    {
      name: 'writeReportedAsRead',
      description:
        'A write fault at a null pointer is printed as READ/EXEC: is_write_fault is never true (CORE-1).',
      bounds: { maxStates: 100_000, maxDepth: 3 },
      invariants: ['writeFaultsReportedAsWrites'],
      expect: { verdict: 'findings', findings: ['CORE-1'], states: 218, depth: 3 },
    },
    {
      name: 'nonCoreServed',
      description: 'A thread of another task faulting in core RAM gets core memory mapped (CORE-2).',
      bounds: { maxStates: 100_000, maxDepth: 3 },
      invariants: ['onlyCoreThreadsServed'],
      expect: { verdict: 'findings', findings: ['CORE-2'], states: 99, depth: 3 },
    },
    {
      name: 'oneFaultStopsThePager',
      description: 'One null-pointer or outside-RAM fault, from any thread, ends the loop for good (CORE-3).',
      bounds: { maxStates: 100_000, maxDepth: 3 },
      invariants: ['pagerKeepsServing'],
      expect: { verdict: 'findings', findings: ['CORE-3'], states: 218, depth: 3 },
    },
    {
      name: 'staleReply',
      description:
        'After a malformed message or a receive error the loop handles the previous fault again and replies to the new sender (CORE-4).',
      bounds: { maxStates: 100_000, maxDepth: 4 },
      invariants: ['servedFaultsMapTheFaultingPage'],
      expect: { verdict: 'findings', findings: ['CORE-4'], states: 322, depth: 4 },
    },
    {
      name: 'uninitialisedRead',
      description:
        'A malformed first message or a failing first receive makes line 125 read an uninitialised pf_ip (CORE-5).',
      bounds: { maxStates: 100_000, maxDepth: 3 },
      invariants: ['neverReadsUninitialised'],
      expect: { verdict: 'findings', findings: ['CORE-5'], states: 218, depth: 3 },
    },
    {
      name: 'ipZeroFaultIsEcho',
      description: 'A page fault at ip 0 is taken for an echo request (CORE-6).',
      bounds: { maxStates: 100_000, maxDepth: 3 },
      invariants: ['faultsNeverTakenForEcho'],
      expect: { verdict: 'findings', findings: ['CORE-6'], states: 124, depth: 3 },
    },
    {
      name: 'outsideRamNeverMapped',
      description:
        'Over the same messages, no fault reply maps a page outside core RAM (the checks come before the reply).',
      bounds: { maxStates: 200_000, maxDepth: 5 },
      invariants: ['pagerContextWellFormed', 'outsideRamNeverMapped'],
      expect: { verdict: 'pass', states: 432, depth: 5 },
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// The platform's tiny worlds.

/** Boot loader memory (type 0xE). */
const BOOT = 0xe;

/** A small ia32-like KIP: 8 MiB of RAM at 4 MiB, the image and boot info in boot-loader memory. @category Checking */
export const SMALL_KIP: KipDescription = {
  pageSizeMask: 0x401000,
  bootInfo: 0x00090000,
  memory: [
    { type: 1, virtual: false, low: 0x00400000, high: 0x00bfffff },
    { type: BOOT, virtual: false, low: 0x00090000, high: 0x00090fff },
    { type: BOOT, virtual: false, low: 0x00100000, high: 0x00103fff },
    { type: BOOT, virtual: false, low: DEFAULT_LAYOUT.imageStart, high: DEFAULT_LAYOUT.imageEnd - 1 },
    { type: 1, virtual: true, low: 0, high: 0xbfffffff },
  ],
};

/** Modules of the small KIP: one page and a half, and an empty one. @category Checking */
export const SMALL_BOOT_INFO: BootInfoDescription = {
  modules: [
    { start: 0x00100000, size: 0x1800, cmdline: '/genode/init config=1' },
    { start: 0x00102000, size: 0, cmdline: 'empty' },
  ],
};

/** A KIP with conventional memory from address 0 (4 MiB at 0, a kernel-reserved MiB above). @category Checking */
export const ZERO_KIP: KipDescription = {
  pageSizeMask: 0x401000,
  bootInfo: 0x00800000,
  memory: [
    { type: 1, virtual: false, low: 0, high: 0x007fffff },
    { type: 2, virtual: false, low: 0x00600000, high: 0x006fffff },
    { type: BOOT, virtual: false, low: 0x00800000, high: 0x00800fff },
    { type: BOOT, virtual: false, low: DEFAULT_LAYOUT.imageStart, high: DEFAULT_LAYOUT.imageEnd - 1 },
    { type: 1, virtual: true, low: 0, high: 0xbfffffff },
  ],
};

/** A KIP whose conventional memory reaches the top of the 32-bit space (4 MiB below 4 GiB). @category Checking */
export const TOP_KIP: KipDescription = {
  pageSizeMask: 0x401000,
  bootInfo: 0x00090000,
  memory: [
    { type: 1, virtual: false, low: 0xffc00000, high: 0xffffffff },
    { type: BOOT, virtual: false, low: 0x00090000, high: 0x00090fff },
    { type: BOOT, virtual: false, low: DEFAULT_LAYOUT.imageStart, high: DEFAULT_LAYOUT.imageEnd - 1 },
    { type: 1, virtual: true, low: 0, high: 0xffffffff },
  ],
};

/** The platform machine's input for a KIP and boot info (the facade's layout, memory and sigma0). @category Checking */
export function platformInput(
  kip: KipDescription,
  bootInfo: BootInfoDescription = { modules: [] },
): PlatformInput {
  const memory = CoreMemory.empty()
    .write(DEFAULT_LAYOUT.kipAddress, encodeKip(kip))
    .map(DEFAULT_LAYOUT.kipAddress, DEFAULT_LAYOUT.kipAddress + 4096)
    .write(kip.bootInfo, encodeBootInfo(bootInfo));
  return {
    memory,
    sigma0Port: kipSigma0(kip),
    kip: DEFAULT_LAYOUT.kipAddress,
    image: { start: DEFAULT_LAYOUT.imageStart, end: DEFAULT_LAYOUT.imageEnd },
    coreMainLocalId: DEFAULT_LAYOUT.coreMainLocalId,
    threads: defaultThreads(),
  };
}

/** The bounds of a platform scope: which sigma0 requests may be refused before construction. @category Checking */
export interface PlatformScope {
  readonly refusals: readonly number[];
}

/** The bounded alphabet of a platform scope. @category Checking */
export function platformAlphabet(scope: PlatformScope): (s: PlatformSnapshot) => PlatformEvent[] {
  return (s) => {
    if (s.status !== 'active') return [];
    if (s.value === 'idle') {
      const armed = s.context.sigma0.refuse.length > 0;
      return [
        { type: 'construct' },
        ...(armed ? [] : scope.refusals.map((request) => ({ type: 'env.sigma0Refuses' as const, request }))),
      ];
    }
    return [{ type: 'construct' }, { type: 'corePager' }];
  };
}

/** The platform's state key: state, stop, the allocators, core's mapped memory, sigma0's state, the ghost. @category Checking */
export function projectPlatform(s: PlatformSnapshot): unknown {
  const c = s.context;
  return [
    c.stop ? [c.stop.fn, c.stop.line] : 0,
    Object.values(c.allocators).map((a) => a.toJSON()),
    c.memory.digest(),
    [c.sigma0.held, c.sigma0.refuse],
    c.romFs,
    c.bound,
    c.ghost.chunks.length,
    c.ghost.wrappedRegion ? 1 : 0,
    c.initialized ? 1 : 0,
  ];
}

const platformModel = (
  name: string,
  kip: KipDescription,
  bootInfo: BootInfoDescription,
  scope: PlatformScope,
  configs: readonly CheckConfig[],
): MachineCheckModel<typeof corePlatformMachine> & { readonly scope: PlatformScope } => ({
  kind: 'machine',
  name,
  machine: corePlatformMachine,
  input: platformInput(kip, bootInfo),
  alphabet: platformAlphabet(scope),
  project: projectPlatform,
  invariants: PLATFORM_INVARIANTS,
  findings: CORE_FINDINGS,
  configs,
  scope,
});

/** The small KIP with modules; sigma0 may refuse any one of the requests. @category Checking */
export const corePlatformCheckModel = platformModel(
  'core-pager/platform',
  SMALL_KIP,
  SMALL_BOOT_INFO,
  { refusals: [0, 128, 129, 131, 133, 134] },
  [
    {
      name: 'fast',
      description:
        'The small KIP, with or without one sigma0 refusal (image pages: ignored; boot info, module pages: panic by design), constructed twice: every invariant holds.',
      bounds: { maxStates: 10_000 },
      expect: { verdict: 'pass', states: 26, depth: 4 },
    },
  ],
);

/** A KIP with memory at 0: the chunk at 0 (CORE-7, -8, -9). @category Checking */
export const corePlatformZeroCheckModel = platformModel(
  'core-pager/platform-zero',
  ZERO_KIP,
  { modules: [] },
  { refusals: [] },
  [
    {
      name: 'pageZeroChunk',
      description:
        'sigma0 hands out a 4 MiB chunk at 0: it stays mapped (CORE-7), stays I/O and virtual memory (CORE-8), and is lost from RAM (CORE-9).',
      bounds: { maxStates: 1_000 },
      invariants: [
        'pageZeroNeverMappedInCore',
        'coreRamIsNeitherIoMemoryNorFreeVirtualMemory',
        'ramCoversKipConventionalMemory',
      ],
      expect: { verdict: 'findings', findings: ['CORE-7', 'CORE-8', 'CORE-9'], states: 2, depth: 0 },
    },
  ],
);

/** A KIP with memory at the top of the address space (CORE-10). @category Checking */
export const corePlatformTopCheckModel = platformModel(
  'core-pager/platform-top',
  TOP_KIP,
  { modules: [] },
  { refusals: [] },
  [
    {
      name: 'topChunkWraps',
      description: 'The chunk at 0xffc00000 has end 0: add_region panics (CORE-10).',
      bounds: { maxStates: 1_000 },
      invariants: ['chunkRegionsNeverWrap'],
      expect: { verdict: 'findings', findings: ['CORE-10'], states: 2, depth: 0 },
    },
  ],
);

/** Every check model of the package. @category Checking */
export const CORE_CHECK_MODELS = [
  corePagerCheckModel,
  corePagerSendersCheckModel,
  corePlatformCheckModel,
  corePlatformZeroCheckModel,
  corePlatformTopCheckModel,
] as const;

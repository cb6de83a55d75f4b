/**
 * `Platform` construction (lines 490-533) as a statechart, in the C order: the member
 * initialisers with `init_kip` (one `GetPage` per image page), the constructed-twice check,
 * `_setup_basics` (KIP magic, boot info mapped and checked, UTCB area, I/O memory, the virtual
 * memory region and what is cut out of it), `_setup_preemption`, `_setup_mem_alloc` (page sizes
 * from the KIP's mask, largest first; sigma0 chunks until it has none of that size),
 * `_setup_io_port_alloc`, `_setup_irq_alloc`, `_setup_rom` (one module per step), then core
 * main's thread object. `corePager` is the first call of `Platform::core_pager()`, which starts
 * the pager thread (its loop is `corePagerMachine`).
 *
 * Every step is an eventless transition whose guard asks the step's pure function
 * (`steps.ts`) whether it stops at a `panic` (or a C fault) and whose action applies the same
 * result, so a `construct` event runs construction to `constructed`, `panicked` or `faulted`.
 * Sigma0's answers come from the {@link Sigma0} port; `env.sigma0Refuses` makes any request
 * return the nil fpage.
 *
 * Kept as written: page 0 of a chunk stays mapped and is counted (336-341, 354); a chunk at the
 * top of the address space has `end == 0` and makes `add_region`/`remove_region` panic;
 * `bytes_got` is an `unsigned int`; return codes of the allocators are ignored.
 *
 * Not covered: the allocators' own metadata, `core_mem_alloc()` (the ROM module objects),
 * `verbose` output (all `verbose` flags are false), SMP, the I/O-port fpages.
 *
 * @module
 */
import { assign, setup } from 'xstate';
import { emptyAllocators } from '../allocators.js';
import { source } from '../constants.js';
import { panicLine } from '../log.js';
import { roundPage } from '../pager/model.js';
import { INITIAL_SIGMA0, refuseSigma0Request } from '../sigma0.js';
import type { PlatformContext, PlatformEvent, PlatformInput } from './context.js';
import {
  addIoPortsAndIrqs,
  bindCoreMain,
  checkKip,
  configureRegions,
  findVirtualMemory,
  finishPageSize,
  initMembers,
  mapBootInfo,
  mapImagePage,
  nextSizeLog2,
  numModules,
  romIteration,
  setupPreemption,
  startCorePager,
  startMemAlloc,
  startPageSize,
  stops,
  storeMbInfo,
  takeChunk,
  touchUtcbSpace,
  type PlatformUpdate,
} from './steps.js';

type Args = { context: PlatformContext };

/** A step function with a one-entry cache: guard and action of a transition see the same context object. */
function cached<T>(fn: (c: PlatformContext) => T): (c: PlatformContext) => T {
  let last: { c: PlatformContext; r: T } | null = null;
  return (c) => {
    if (last === null || last.c !== c) last = { c, r: fn(c) };
    return last.r;
  };
}

const kipStep = cached(checkKip);
const bootInfoStep = cached(mapBootInfo);
const utcbStep = cached(touchUtcbSpace);
const regionsStep = cached(configureRegions);
const chunkStep = cached(takeChunk);
const romStep = cached(romIteration);

const apply = (step: (c: PlatformContext) => PlatformUpdate) =>
  assign<PlatformContext, PlatformEvent, undefined, PlatformEvent, never>(({ context }: Args) =>
    step(context),
  );
const stopKind = (u: PlatformUpdate, kind: 'panic' | 'fault') => stops(u) && u.stop!.kind === kind;

/**
 * The platform machine.
 * @category Platform machine
 */
export const corePlatformMachine = setup({
  types: {} as { context: PlatformContext; events: PlatformEvent; input: PlatformInput },
  guards: {
    imagePageLeft: ({ context: c }) => c.imageCursor < roundPage(c.image.end),
    alreadyInitialized: ({ context }) => context.initialized,
    kipCheckStops: ({ context }) => stops(kipStep(context)),
    bootInfoStops: ({ context }) => stops(bootInfoStep(context)),
    utcbSpaceFaults: ({ context }) => stops(utcbStep(context)),
    regionSetupStops: ({ context }) => stops(regionsStep(context)),
    pageSizeMaskEmpty: ({ context }) => context.memAlloc.pageSizeMask === 0,
    pageSizeUnsupported: ({ context: c }) => (c.memAlloc.pageSizeMask & c.memAlloc.size) === 0,
    sigma0Exhausted: ({ context }) => 'exhausted' in chunkStep(context),
    chunkStops: ({ context }) => stops(chunkStep(context) as PlatformUpdate),
    noModulesLeft: ({ context }) => context.rom.i >= numModules(context),
    modulePanics: ({ context }) => stopKind(romStep(context), 'panic'),
    moduleFaults: ({ context }) => stopKind(romStep(context), 'fault'),
    corePagerNotStarted: ({ context }) => !context.bound.includes('core.pager'),
  },
  actions: {
    constructMembers: apply(initMembers),
    mapImagePage: apply(mapImagePage),
    storeMbInfo: apply(storeMbInfo),
    panicConstructedTwice: assign(({ context }: Args) => ({
      log: [...context.log, panicLine('Platform::Platform', 500, 'Platform constructed twice!')],
      stop: {
        kind: 'panic' as const,
        message: 'Platform constructed twice!',
        fn: 'Platform::Platform',
        line: 500,
      },
    })),
    markInitialized: assign({ initialized: true }),
    applyKipCheck: apply(kipStep),
    applyBootInfo: apply(bootInfoStep),
    applyUtcbSpace: apply(utcbStep),
    applyVirtualMemory: apply(findVirtualMemory),
    applyRegionSetup: apply(regionsStep),
    setupPreemption: apply(setupPreemption),
    startMemAlloc: apply(startMemAlloc),
    skipPageSize: apply(nextSizeLog2),
    startPageSize: apply(startPageSize),
    finishPageSize: assign(({ context }: Args) => {
      const r = chunkStep(context);
      return finishPageSize(context, 'exhausted' in r ? r.exhausted : context.sigma0);
    }),
    applyChunk: assign(({ context }: Args) => chunkStep(context) as PlatformUpdate),
    addIoPorts: apply((c) => addIoPortsAndIrqs(c, 'ioPorts')),
    addIrqs: apply((c) => addIoPortsAndIrqs(c, 'irqs')),
    applyModule: apply(romStep),
    bindCoreMain: apply(bindCoreMain),
    startCorePager: apply(startCorePager),
    refuseSigma0: assign(({ context, event }) => ({
      sigma0: refuseSigma0Request(
        context.sigma0,
        (event as Extract<PlatformEvent, { type: 'env.sigma0Refuses' }>).request,
      ),
    })),
  },
}).createMachine({
  id: 'corePlatform',
  meta: source('Platform::Platform', 490, 533),
  context: ({ input }) => ({
    kip: input.kip,
    image: input.image,
    coreMainLocalId: input.coreMainLocalId,
    memory: input.memory,
    sigma0: input.sigma0 ?? INITIAL_SIGMA0,
    sigma0Port: input.sigma0Port,
    allocators: emptyAllocators(),
    romFs: [],
    initialized: false,
    mbInfo: null,
    vmStart: 0,
    vmSize: 0,
    coreUtcbPtr: 0,
    imageCursor: 0,
    memAlloc: { pageSizeMask: 0, sizeLog2: 31, size: 0, bytesGot: 0 },
    rom: { i: 0 },
    priority: null,
    threads: input.threads,
    bound: [],
    mainPager: 'sigma0',
    log: [],
    stop: null,
    ghost: { chunks: [], wrappedRegion: false },
  }),
  initial: 'idle',
  on: {
    'env.sigma0Refuses': { actions: 'refuseSigma0', meta: source('sigma0_req_region', 293, 296) },
  },
  states: {
    idle: {
      meta: source('Platform::Platform', 490, 495),
      on: {
        construct: {
          target: 'mappingImage',
          actions: 'constructMembers',
          meta: source('Platform::Platform', 490, 494),
        },
      },
    },
    mappingImage: {
      meta: source('init_kip', 369, 378),
      always: [
        { guard: 'imagePageLeft', actions: 'mapImagePage', meta: source('init_kip', 373, 376) },
        {
          target: 'checkingInitialized',
          actions: 'storeMbInfo',
          meta: source('Platform::Platform', 494, 494),
        },
      ],
    },
    checkingInitialized: {
      meta: source('Platform::Platform', 496, 501),
      always: [
        {
          guard: 'alreadyInitialized',
          target: 'panicked',
          actions: 'panicConstructedTwice',
          meta: source('Platform::Platform', 500, 500),
        },
        {
          target: 'settingUpBasics',
          actions: 'markInitialized',
          meta: source('Platform::Platform', 501, 502),
        },
      ],
    },
    settingUpBasics: {
      meta: source('Platform::_setup_basics', 379, 460),
      initial: 'checkingKip',
      states: {
        checkingKip: {
          meta: source('Platform::_setup_basics', 383, 396),
          always: [
            {
              guard: 'kipCheckStops',
              target: '#corePlatform.panicked',
              actions: 'applyKipCheck',
              meta: source('Platform::_setup_basics', 384, 385),
            },
            {
              target: 'mappingBootInfo',
              actions: 'applyKipCheck',
              meta: source('Platform::_setup_basics', 393, 396),
            },
          ],
        },
        mappingBootInfo: {
          meta: source('Platform::_setup_basics', 398, 408),
          always: [
            {
              guard: 'bootInfoStops',
              target: '#corePlatform.panicked',
              actions: 'applyBootInfo',
              meta: source('Platform::_setup_basics', 400, 408),
            },
            {
              target: 'touchingUtcbSpace',
              actions: 'applyBootInfo',
              meta: source('Platform::_setup_basics', 398, 402),
            },
          ],
        },
        touchingUtcbSpace: {
          meta: source('Platform::_setup_basics', 411, 412),
          always: [
            {
              guard: 'utcbSpaceFaults',
              target: '#corePlatform.faulted',
              actions: 'applyUtcbSpace',
              meta: source('Platform::_setup_basics', 412, 412),
            },
            {
              target: 'findingVirtualMemory',
              actions: 'applyUtcbSpace',
              meta: source('Platform::_setup_basics', 412, 412),
            },
          ],
        },
        findingVirtualMemory: {
          meta: source('Platform::_setup_basics', 413, 438),
          always: {
            target: 'configuringRegions',
            actions: 'applyVirtualMemory',
            meta: source('Platform::_setup_basics', 414, 438),
          },
        },
        configuringRegions: {
          meta: source('Platform::_setup_basics', 439, 459),
          always: [
            {
              guard: 'regionSetupStops',
              target: '#corePlatform.panicked',
              actions: 'applyRegionSetup',
              meta: source('Platform::_setup_basics', 445, 459),
            },
            {
              target: '#corePlatform.settingUpPreemption',
              actions: 'applyRegionSetup',
              meta: source('Platform::_setup_basics', 440, 459),
            },
          ],
        },
      },
    },
    settingUpPreemption: {
      meta: source('Platform::_setup_preemption', 361, 368),
      always: {
        target: 'settingUpMemAlloc',
        actions: 'setupPreemption',
        meta: source('Platform::_setup_preemption', 366, 367),
      },
    },
    settingUpMemAlloc: {
      meta: source('Platform::_setup_mem_alloc', 300, 359),
      initial: 'touchingImage',
      states: {
        touchingImage: {
          meta: source('Platform::_setup_mem_alloc', 302, 311),
          always: {
            target: 'nextPageSize',
            actions: 'startMemAlloc',
            meta: source('Platform::_setup_mem_alloc', 308, 317),
          },
        },
        nextPageSize: {
          meta: source('Platform::_setup_mem_alloc', 317, 324),
          always: [
            {
              guard: 'pageSizeMaskEmpty',
              target: '#corePlatform.settingUpIoPortAlloc',
              meta: source('Platform::_setup_mem_alloc', 317, 317),
            },
            {
              guard: 'pageSizeUnsupported',
              actions: 'skipPageSize',
              meta: source('Platform::_setup_mem_alloc', 319, 321),
            },
            {
              target: 'requestingChunks',
              actions: 'startPageSize',
              meta: source('Platform::_setup_mem_alloc', 322, 330),
            },
          ],
        },
        requestingChunks: {
          meta: source('Platform::_setup_mem_alloc', 331, 357),
          always: [
            {
              guard: 'sigma0Exhausted',
              target: 'nextPageSize',
              actions: 'finishPageSize',
              meta: source('Platform::_setup_mem_alloc', 356, 357),
            },
            {
              guard: 'chunkStops',
              target: '#corePlatform.panicked',
              actions: 'applyChunk',
              meta: source('Platform::_setup_mem_alloc', 342, 352),
            },
            { actions: 'applyChunk', meta: source('Platform::_setup_mem_alloc', 332, 355) },
          ],
        },
      },
    },
    settingUpIoPortAlloc: {
      meta: source('Platform::Platform', 505, 505),
      always: {
        target: 'settingUpIrqAlloc',
        actions: 'addIoPorts',
        meta: source('Platform::Platform', 505, 505),
      },
    },
    settingUpIrqAlloc: {
      meta: source('Platform::_setup_irq_alloc', 360, 360),
      always: {
        target: 'settingUpRom',
        actions: 'addIrqs',
        meta: source('Platform::_setup_irq_alloc', 360, 360),
      },
    },
    settingUpRom: {
      meta: source('Platform::_setup_rom', 461, 483),
      always: [
        {
          guard: 'noModulesLeft',
          target: 'startingCoreMain',
          meta: source('Platform::_setup_rom', 465, 465),
        },
        {
          guard: 'modulePanics',
          target: 'panicked',
          actions: 'applyModule',
          meta: source('Platform::_setup_rom', 466, 481),
        },
        {
          guard: 'moduleFaults',
          target: 'faulted',
          actions: 'applyModule',
          meta: source('Platform::_setup_rom', 466, 466),
        },
        { actions: 'applyModule', meta: source('Platform::_setup_rom', 466, 482) },
      ],
    },
    startingCoreMain: {
      meta: source('Platform::Platform', 522, 533),
      always: {
        target: 'constructed',
        actions: 'bindCoreMain',
        meta: source('Platform::Platform', 529, 532),
      },
    },
    constructed: {
      meta: source('Platform::core_pager', 186, 190),
      on: {
        construct: {
          target: 'mappingImage',
          actions: 'constructMembers',
          meta: source('Platform::Platform', 490, 494),
        },
        corePager: {
          guard: 'corePagerNotStarted',
          actions: 'startCorePager',
          meta: source('Platform::Core_pager::Core_pager', 173, 185),
        },
      },
    },
    panicked: { type: 'final', meta: source('Platform::Platform', 500, 500) },
    faulted: { type: 'final', meta: source('Platform::_setup_rom', 466, 466) },
  },
});

/**
 * The context and events of the platform machine: the members of `Platform` (the allocators,
 * the ROM file system, `_vm_start`/`_vm_size`, the multiboot-info pointer), the statics that
 * outlive one `Platform` object (`initialized`, `_core_address_ranges()`, core's threads), the
 * locals of the loops being run (`init_kip`'s page cursor, `_setup_mem_alloc`'s page-size loop,
 * `_setup_rom`'s module index), the world (core memory with the KIP and boot info in it, sigma0)
 * and check-only ghost state.
 *
 * @module
 */
import type { PlatformAllocators } from '../allocators.js';
import type { Word } from '../l4.js';
import type { LogLine } from '../log.js';
import type { CoreMemory } from '../memory.js';
import type { Sigma0, Sigma0State } from '../sigma0.js';
import type { ThreadTable } from '../threads.js';

/** A `Rom_module` in `_rom_fs`. @category Platform machine */
export interface RomModule {
  readonly name: string;
  readonly addr: Word;
  readonly size: Word;
}

/** The locals of `_setup_mem_alloc` (lines 311-356). @category Platform machine */
export interface MemAllocLoop {
  /** `page_size_mask`: the sizes not tried yet. */
  readonly pageSizeMask: Word;
  /** `size_log2` (counts down from 31). */
  readonly sizeLog2: number;
  /** `size = 1 << size_log2` (a signed `int` shift stored in an `unsigned int`). */
  readonly size: Word;
  /** `bytes_got` (`unsigned int`: wraps at 2^32). */
  readonly bytesGot: Word;
}

/** What happened to one chunk sigma0 handed out (ghost). @category Platform machine */
export interface ChunkRecord {
  readonly addr: Word;
  readonly size: Word;
  /** `page0`: kept mapped, not added (336-341); `excluded`: unmapped (346); `ram`: added (348-349). */
  readonly placement: 'page0' | 'excluded' | 'ram';
}

/** Check-only state. @category Platform machine */
export interface PlatformGhost {
  /** Every chunk `_setup_mem_alloc` got, in order. */
  readonly chunks: readonly ChunkRecord[];
  /** A region built from a chunk had `start >= end` (the 32-bit end wrapped). */
  readonly wrappedRegion: boolean;
}

/** Why construction stopped. @category Platform machine */
export interface PlatformStop {
  readonly kind: 'panic' | 'fault';
  readonly message: string;
  readonly fn: string;
  readonly line: number;
  /** For a panic in `add_region`/`remove_region`: the seed line of the call. */
  readonly calledAt?: number;
}

/** The platform machine's context. @category Platform machine */
export interface PlatformContext {
  /** `get_kip()`: where the KIP is mapped in core. */
  readonly kip: Word;
  /** `_prog_img_beg`, `_prog_img_end`. */
  readonly image: { readonly start: Word; readonly end: Word };
  /** `L4_MyLocalId()` of core main (its UTCB address). */
  readonly coreMainLocalId: Word;
  readonly memory: CoreMemory;
  readonly sigma0: Sigma0State;
  readonly sigma0Port: Sigma0;
  readonly allocators: PlatformAllocators;
  readonly romFs: readonly RomModule[];
  /** `static bool initialized` (line 499). */
  readonly initialized: boolean;
  /** `_mb_info`'s base (`init_kip()->BootInfo`, line 494); null before the first construction. */
  readonly mbInfo: Word | null;
  readonly vmStart: Word;
  readonly vmSize: Word;
  /** `Platform_pd::_core_utcb_ptr`. */
  readonly coreUtcbPtr: Word;
  /** `init_kip`'s loop variable `beg`. */
  readonly imageCursor: Word;
  readonly memAlloc: MemAllocLoop;
  /** `_setup_rom`'s loop index `i`. */
  readonly rom: { readonly i: number };
  /** `L4_Set_Priority(L4_Myself(), ...)` (line 366), once done. */
  readonly priority: number | null;
  /** Core's threads (static): those bound to core's PD so far, by name. */
  readonly threads: ThreadTable;
  readonly bound: readonly string[];
  /** Whose page faults core main raises: sigma0, then the core pager (`L4_Set_Pager`, line 184). */
  readonly mainPager: 'sigma0' | 'core.pager';
  readonly log: readonly LogLine[];
  readonly stop: PlatformStop | null;
  readonly ghost: PlatformGhost;
}

/** Input of the platform machine: core memory holding the KIP and boot info, sigma0, the layout. @category Platform machine */
export interface PlatformInput {
  readonly memory: CoreMemory;
  readonly sigma0Port: Sigma0;
  readonly sigma0?: Sigma0State;
  readonly kip: Word;
  readonly image: { readonly start: Word; readonly end: Word };
  readonly coreMainLocalId: Word;
  readonly threads: ThreadTable;
}

/** Events of the platform machine. @category Platform machine */
export type PlatformEvent =
  /** `Platform::Platform()`: construct a Platform object. */
  | { type: 'construct' }
  /** `Platform::core_pager()`: the first call creates and starts the core pager thread. */
  | { type: 'corePager' }
  /** Environment: sigma0 refuses request `request` (default: the next). */
  | { type: 'env.sigma0Refuses'; request?: number };

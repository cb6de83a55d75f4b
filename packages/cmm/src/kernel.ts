/**
 * The state of one CMM module instance and the kernel around it, as one object: the module
 * parameters and file-scope variables of cmm.c (lines 47-91), the balloon, the registrations
 * `cmm_init` makes, the locals of every thread of control that runs driver code (the cmm
 * thread, the OOM notifier, the reboot notifier, a parameter write, module exit), their return
 * values, and the environment: the page pool, the hypervisor, the fault plan, a virtual clock,
 * the kernel log and the log of kernel-service calls.
 *
 * Who writes what (as in the C): `loaned_pages` the alloc/free loops (atomically);
 * `loaned_pages_target` the thread (cmm_get_mpp, the partial-inflation reset) and the OOM
 * notifier; `oom_freed_pages` the OOM notifier and the `oom_freed_kb` store; `hotplug_occurred`
 * the memory notifier (set) and the thread (clear), both under `hotplug_mutex`; `cmm_thread_ptr`
 * init, the reboot notifier and the disable setter; `cmm_disabled` the disable setter.
 *
 * Two modes: `live` kernels are changed in place (the facade, the orchestrator, the benchmark);
 * pure kernels are copied before every change (`kernel-copy.ts`), so every machine snapshot
 * keeps its own (the checker). Check-only state is under `ghost`.
 *
 * @module
 */
import { PagePool } from '@kspec/shared-memory';
import { BalloonList } from './balloon.js';
import {
  CMM_DEFAULT_DELAY,
  CMM_DISABLE,
  CMM_HOTPLUG_DELAY,
  CMM_MIN_MEM_MB,
  CMM_OOM_KB,
  CMM_DEBUG,
  type PageShift,
} from './constants.js';
import { FaultPlan, type Fault } from './faults.js';
import { CmmHypervisor, type LoanPolicy } from './hypervisor.js';
import { kernelJson } from './kernel-copy.js';

/** The threads of control that run driver code. @category Kernel */
export type Region = 'module' | 'thread' | 'oom' | 'memory' | 'reboot' | 'param';

/** Callers of `cmm_free_pages`, each with its own loop locals. @category Kernel */
export type Freer = 'thread' | 'oom' | 'reboot' | 'param' | 'exit';

/** `cmm_thread_ptr`: NULL, a task, or an `ERR_PTR` left by a failed `kthread_run`. @category Kernel */
export type ThreadPtr = null | { readonly task: number } | { readonly err: number };

/** How the kernel died. @category Kernel */
export interface Crash {
  /** `BUG` (a `BUG()`), `oops` (a bad pointer dereferenced), `deadlock` (a task hangs forever), `secondThread` (a second cmm thread: the model stops following). */
  readonly kind: 'BUG' | 'oops' | 'deadlock' | 'secondThread';
  /** The seed function and lines where it happens. */
  readonly fn: string;
  readonly lines: readonly [number, number];
  readonly what: string;
}

/** The `cmm_thread` task. @category Kernel */
export interface CmmThread {
  readonly id: number;
  /** `kthread_should_stop()`. */
  shouldStop: boolean;
  /** The thread function returned; waiting for `kthread_stop` to reap it. */
  exited: boolean;
  /** Which `msleep_interruptible` it is in (line 298 or 311), or null. */
  sleeping: 'delay' | 'hotplug' | null;
  sleepUntil: number;
  sleepMs: number;
  /** `__loaned_pages` (line 326). */
  loanedSnapshot: number;
  /** `cmm_alloc_pages` locals: the request, `nr`, iterations done, the page, `rc`. */
  request: number;
  nr: number;
  iter: number;
  page: number;
  rc: bigint;
  /** `cmm_get_mpp`'s H_GET_MPP result for the step in flight. */
  mppRc: bigint | null;
  mppLoanRequest: bigint;
  rounds: number;
}

/** Locals of one running `cmm_free_pages` (lines 186-203). @category Kernel */
export interface FreeLoop {
  readonly request: number;
  nr: number;
  freed: number;
}

/** What `cmm_init` has registered. @category Kernel */
export interface Registrations {
  compaction: boolean;
  mount: boolean;
  inode: boolean;
  oom: boolean;
  reboot: boolean;
  bus: boolean;
  device: boolean;
  /** How many of `cmm_attrs` (loaned_kb, loaned_target_kb, oom_freed_kb) exist. */
  files: number;
  simulateAttr: boolean;
  memory: boolean;
  /** Module parameters exist under /sys/module/cmm/parameters. */
  params: boolean;
}

/** Return values of the entry points, as the C returns them. @category Kernel */
export interface Replies {
  module: number | null;
  oom: { readonly rc: number; readonly freed: number } | null;
  memory: number | null;
  reboot: number | null;
  param: { readonly name: string; readonly rc: number } | null;
  sysfs: { readonly attr: string; readonly rc: number } | null;
}

/** Check-only observations. @category Kernel */
export interface Ghost {
  /** `mutex_unlock(&hotplug_mutex)` by a task that does not hold it (CMM-8). */
  mutexMisuse: number;
  /** The OOM notifier reported a count other than the pages it freed (CMM-9). */
  oomMiscounted: boolean;
  /** The partial-inflation reset set the target below the pages loaned (CMM-5). */
  resetBelowAchieved: boolean;
  /** cmm_get_mpp set a target that leaves less than min_mem_mb (CMM-11). */
  minMemBreached: boolean;
  /** Pages loaned by the thread's alloc loop this round while its request was positive. */
  inflating: boolean;
  /** Entry-point events taken so far (bounds the checker's alphabet). */
  events: Record<string, number>;
}

/** Static configuration of a kernel. @category Kernel */
export interface KernelConfig {
  readonly pageShift: PageShift;
  readonly pageSize: number;
  readonly cmoPageSize: number;
  /** CMO pages per kernel page (at least 1). */
  readonly subpages: number;
  /** `firmware_has_feature(FW_FEATURE_CMO)`. */
  readonly firmwareCmo: boolean;
  /** `CONFIG_BALLOON_COMPACTION`. */
  readonly balloonCompaction: boolean;
  /** Built into the kernel (no module exit; parameters stay after a failed init). */
  readonly builtin: boolean;
  readonly live: boolean;
  readonly logLimit: number;
  /** `totalram_pages()` when the module loads. */
  readonly totalramInitial: number;
}

/** The state of one CMM instance and its kernel; see the module header. @category Kernel */
export interface Kernel {
  readonly cfg: KernelConfig;
  // module parameters (lines 47-54)
  delay: number;
  hotplugDelay: number;
  oomKb: number;
  cmmDebug: number;
  cmmDisabled: number;
  minMemMb: bigint;
  readonly simulate: boolean;
  simulateLoanTargetKb: bigint;
  // file-scope state (lines 83-91)
  loanedPages: number;
  loanedPagesTarget: number;
  oomFreedPages: number;
  hotplugMutex: 'unlocked' | 'memory';
  hotplugOccurred: number;
  threadPtr: ThreadPtr;
  thread: CmmThread | null;
  nextTaskId: number;
  balloon: BalloonList;
  /** `balloon_devinfo_init` ran (the list head is valid). */
  balloonInit: boolean;
  isolatedPages: number;
  /** `totalram_pages()`: managed pages. */
  totalram: number;
  reg: Registrations;
  // locals of the threads of control
  free: Record<Freer, FreeLoop | null>;
  oom: { readonly freedIn: number; readonly requested: number } | null;
  reboot: { readonly action: number } | null;
  param: { readonly name: string; readonly value: string; readonly disable: number } | null;
  reply: Replies;
  // environment
  pool: PagePool;
  hv: CmmHypervisor;
  faults: FaultPlan;
  now: number;
  klog: string[];
  calls: string[];
  crash: Crash | null;
  ghost: Ghost;
  /** Where the last run of each region stopped (for routing after a run event). */
  at: Record<Region, string>;
  /** A JSON-safe view (bigints as strings, the environment summarised), for traces and reports. */
  toJSON(): unknown;
}

/**
 * Load-time module parameters (`insmod cmm.ko name=value`).
 * @category Kernel
 */
export interface CmmParams {
  readonly delay?: number;
  readonly hotplug_delay?: number;
  readonly oom_kb?: number;
  readonly min_mem_mb?: number | bigint;
  readonly debug?: number;
  readonly simulate?: boolean;
  readonly disable?: 0 | 1;
}

/**
 * Options of {@link createKernel}.
 * @category Kernel
 */
export interface CmmOptions {
  /** 12 (4 KiB pages, default) or 16 (64 KiB pages). */
  readonly pageShift?: PageShift;
  /** RAM of the partition when no pool is given (default 16 pages). */
  readonly ramBytes?: number;
  /** The page pool to balloon from (shared with other subsystems); its page size must match. */
  readonly pool?: PagePool;
  /** `totalram_pages()` at load (default: the pool's pages that are not reserved). */
  readonly totalramPages?: number;
  /** The CMO page size (default 4096; at most the kernel page size). */
  readonly cmoPageSize?: number;
  readonly firmwareCmo?: boolean;
  readonly balloonCompaction?: boolean;
  readonly builtin?: boolean;
  readonly params?: CmmParams;
  /** The simulate attribute's initial value (KiB). */
  readonly simulateLoanTargetKb?: number | bigint;
  readonly loanPolicy?: LoanPolicy;
  readonly faults?: readonly Fault[];
  /** Change in place (default false: copy on every step). */
  readonly live?: boolean;
  /** Entries kept in each log (hcalls, kernel log, kernel-service calls); default 100,000 live, 64 pure. */
  readonly logLimit?: number;
}

const EMPTY_REPLIES = (): Replies => ({
  module: null,
  oom: null,
  memory: null,
  reboot: null,
  param: null,
  sysfs: null,
});

/**
 * A kernel with the module not yet initialised (`insmod` has parsed its parameters).
 * @category Kernel
 */
export function createKernel(options: CmmOptions = {}): Kernel {
  const pageShift = options.pageShift ?? 12;
  if (pageShift !== 12 && pageShift !== 16)
    throw new RangeError(`cmm: PAGE_SHIFT ${String(pageShift)} is not 12 or 16`);
  const pageSize = 1 << pageShift;
  const pool =
    options.pool ??
    new PagePool({
      ramBytes: options.ramBytes ?? 16 * pageSize,
      pageSize: pageSize as 4096 | 65536,
      freeOrder: 'lifo',
    });
  if (pool.pageSize !== pageSize)
    throw new RangeError(`cmm: the pool's page size ${pool.pageSize} is not PAGE_SIZE ${pageSize}`);
  const cmoPageSize = options.cmoPageSize ?? 4096;
  if (cmoPageSize > pageSize || pageSize % cmoPageSize !== 0)
    throw new RangeError(`cmm: CMO page size ${cmoPageSize} must divide PAGE_SIZE ${pageSize}`);
  const live = options.live ?? false;
  const logLimit = options.logLimit ?? (live ? 100_000 : 64);
  const p = options.params ?? {};
  const totalram = options.totalramPages ?? pool.pageCount - pool.count('reserved');
  return {
    cfg: {
      pageShift,
      pageSize,
      cmoPageSize,
      subpages: pageSize / cmoPageSize,
      firmwareCmo: options.firmwareCmo ?? true,
      balloonCompaction: options.balloonCompaction ?? true,
      builtin: options.builtin ?? false,
      live,
      logLimit,
      totalramInitial: totalram,
    },
    delay: p.delay ?? CMM_DEFAULT_DELAY,
    hotplugDelay: p.hotplug_delay ?? CMM_HOTPLUG_DELAY,
    oomKb: p.oom_kb ?? CMM_OOM_KB,
    cmmDebug: p.debug ?? CMM_DEBUG,
    cmmDisabled: p.disable ?? CMM_DISABLE,
    minMemMb: BigInt(p.min_mem_mb ?? CMM_MIN_MEM_MB),
    simulate: p.simulate ?? false,
    simulateLoanTargetKb: BigInt(options.simulateLoanTargetKb ?? 0),
    loanedPages: 0,
    loanedPagesTarget: 0,
    oomFreedPages: 0,
    hotplugMutex: 'unlocked',
    hotplugOccurred: 0,
    threadPtr: null,
    thread: null,
    nextTaskId: 1,
    balloon: new BalloonList(),
    balloonInit: false,
    isolatedPages: 0,
    totalram,
    reg: {
      compaction: false,
      mount: false,
      inode: false,
      oom: false,
      reboot: false,
      bus: false,
      device: false,
      files: 0,
      simulateAttr: false,
      memory: false,
      params: true,
    },
    free: { thread: null, oom: null, reboot: null, param: null, exit: null },
    oom: null,
    reboot: null,
    param: null,
    reply: EMPTY_REPLIES(),
    pool,
    hv: new CmmHypervisor(pool.base, pool.pageCount * pool.pageSize, {
      cmoPageSize,
      ...(options.loanPolicy ? { policy: options.loanPolicy } : {}),
      logLimit,
    }),
    faults: new FaultPlan(options.faults ?? []),
    now: 0,
    klog: [],
    calls: [],
    crash: null,
    ghost: {
      mutexMisuse: 0,
      oomMiscounted: false,
      resetBelowAchieved: false,
      minMemBreached: false,
      inflating: false,
      events: {},
    },
    at: {
      module: 'unloaded',
      thread: 'notRunning',
      oom: 'idle',
      memory: 'idle',
      reboot: 'idle',
      param: 'idle',
    },
    toJSON: kernelToJson,
  };
}

/** One function for every kernel (two kernels with equal state are deep-equal). */
function kernelToJson(this: Kernel): unknown {
  return kernelJson(this);
}

/** Appends to a bounded log. @category Kernel */
export function logTo(k: Kernel, log: 'klog' | 'calls', line: string): void {
  if (k.cfg.logLimit === 0) return;
  const a = k[log];
  a.push(line);
  if (a.length > k.cfg.logLimit * 2) a.splice(0, a.length - k.cfg.logLimit);
}

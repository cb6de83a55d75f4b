/**
 * What the CMM driver promises, as named invariants over snapshots of `cmmMachine`, type shape
 * first. Some hold on every reachable state of the faithful model (the seed guarantees them:
 * the fast configuration and the property tests check them); the others state the C's evident
 * intent and are violated by the seed: each of those is a finding (`findings.ts`) with a check
 * configuration that exhibits it (`check.ts`).
 *
 * @module
 */
import type { Invariant } from '@kspec/spec-kit';
import { src } from '@kspec/spec-kit';
import type { SnapshotFrom } from 'xstate';
import { SEED } from './constants.js';
import type { Kernel, Region } from './kernel.js';
import type { cmmMachine } from './machine/machine.js';

/** A snapshot of the CMM machine. @category Checking */
export type CmmSnapshot = SnapshotFrom<typeof cmmMachine>;

/** The state of region `r` in a snapshot (`crashed` after a crash). @category Checking */
export function regionOf(s: CmmSnapshot, r: Region): string {
  const v = s.value as unknown;
  if (typeof v === 'string') return v;
  return (v as { kernel: Record<Region, string> }).kernel[r];
}

const inv = (
  name: string,
  statement: string,
  holds: (k: Kernel, s: CmmSnapshot) => boolean,
  fn?: string,
  lines?: readonly [number, number],
): Invariant<CmmSnapshot> => ({
  name,
  statement,
  holds: (s) => holds(s.context.k, s),
  ...(fn && lines ? { source: src(SEED, fn, lines[0], lines[1]) } : {}),
});

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
const loopNrs = (k: Kernel): number => {
  let n = 0;
  for (const f of Object.values(k.free)) if (f !== null && f.nr > 0) n += f.nr;
  return n;
};
const balloonOk = (k: Kernel): boolean => {
  const seen = new Set<number>();
  for (let i = 0; i < k.balloon.length; i++) {
    const p = k.balloon.at(i);
    if (seen.has(p) || k.pool.state(p) !== 'loaned') return false;
    seen.add(p);
  }
  return true;
};
const fullyLoaned = (k: Kernel, pfn: number): boolean => {
  const base = k.pool.address(pfn);
  for (let i = 0; i < k.cfg.subpages; i++) if (!k.hv.isLoaned(base + i * k.cfg.cmoPageSize)) return false;
  return true;
};
const moduleLoaded = (k: Kernel): boolean => k.reg.params;

/** Pages loaned to the hypervisor that are not on the balloon list (0 when simulating). @category Checking */
export function strayLoanedPages(k: Kernel): number {
  if (k.simulate) return 0;
  return k.hv.loanedPages - k.balloon.length * k.cfg.subpages;
}

/**
 * The invariants, type shape first.
 * @category Checking
 */
export const cmmInvariants: readonly Invariant<CmmSnapshot>[] = [
  inv(
    'contextWellFormed',
    'Counts are non-negative integers, hotplug_occurred is 0 or 1, the kernel has crashed exactly when the machine is in `crashed`.',
    (k, s) =>
      isCount(k.loanedPages) &&
      isCount(k.loanedPagesTarget) &&
      isCount(k.oomFreedPages) &&
      isCount(k.totalram) &&
      (k.hotplugOccurred === 0 || k.hotplugOccurred === 1) &&
      (k.crash === null) === (s.value !== 'crashed'),
  ),
  inv(
    'noKernelBug',
    'The kernel never crashes: no BUG(), no bad pointer dereferenced, no task hung forever.',
    (k) => k.crash === null,
  ),
  inv(
    'balloonListCountsLoaned',
    'The balloon list holds exactly loaned_pages pages (every enqueue is followed by the increment in the same step, every dequeue by the decrement).',
    (k) => k.balloon.length === k.loanedPages,
    'cmm_alloc_pages',
    [169, 170],
  ),
  inv(
    'balloonPagesNotFree',
    'Every page on the balloon list is allocated (never free in the page pool) and on the list once; no other page is in the pool as loaned.',
    (k) => balloonOk(k) && k.pool.count('loaned') === k.balloon.length,
    'cmm_alloc_pages',
    [159, 169],
  ),
  inv(
    'balloonPagesLoanedInEverySubpage',
    'Every page on the balloon list is marked loaned at the hypervisor in every CMO page (unless simulating).',
    (k) => {
      if (k.simulate) return true;
      for (let i = 0; i < k.balloon.length; i++) if (!fullyLoaned(k, k.balloon.at(i))) return false;
      return true;
    },
    'plpar_page_set_loaned',
    [103, 110],
  ),
  inv(
    'kernelPagesNotLoaned',
    'No page the kernel owns (off the balloon list) is marked loaned at the hypervisor in any CMO page.',
    (k) => strayLoanedPages(k) === 0,
    'cmm_free_pages',
    [192, 197],
  ),
  inv(
    'managedCountConserved',
    'totalram_pages + loaned_pages equals totalram_pages at load: every ballooned page is taken off the managed count and put back.',
    (k) => k.totalram + k.loanedPages === k.cfg.totalramInitial,
    'cmm_alloc_pages',
    [169, 171],
  ),
  inv(
    'hotplugMutexUnlockedByHolder',
    'hotplug_mutex is only unlocked by the task that locked it (mutex semantics).',
    (k) => k.ghost.mutexMisuse === 0,
    'cmm_memory_cb',
    [481, 489],
  ),
  inv(
    'threadPointerNullOrLive',
    'While the module is loaded, cmm_thread_ptr is NULL or a live thread, never an ERR_PTR (every user calls kthread_stop on any non-NULL value).',
    (k) => !moduleLoaded(k) || k.threadPtr === null || 'task' in k.threadPtr,
    'cmm_set_disable',
    [703, 706],
  ),
  inv(
    'allocRequestPositive',
    'cmm_thread asks cmm_alloc_pages for a positive number of pages (it tested loaned_pages_target > __loaned_pages).',
    (k, s) => regionOf(s, 'thread') !== 'allocating' || (k.thread?.request ?? 1) > 0,
    'cmm_thread',
    [326, 329],
  ),
  inv(
    'inflationWithinTarget',
    'The thread never loans pages beyond loaned_pages_target, the target sysfs shows (loaned_target_kb): while it inflates, loaned_pages <= loaned_pages_target.',
    (k, s) =>
      regionOf(s, 'thread') !== 'allocating' ||
      (k.thread?.request ?? 0) <= 0 ||
      k.loanedPages <= k.loanedPagesTarget,
    'cmm_alloc_pages',
    [147, 173],
  ),
  inv(
    'shortfallResetsTargetToAchieved',
    'When cmm_alloc_pages falls short, the target is reset to the pages actually loaned (not below them).',
    (k) => !k.ghost.resetBelowAchieved,
    'cmm_thread',
    [326, 329],
  ),
  inv(
    'oomFreedCountsPagesFreed',
    'The OOM notifier reports (in *freed and oom_freed_pages) exactly the pages it freed.',
    (k) => !k.ghost.oomMiscounted,
    'cmm_oom_notify',
    [218, 224],
  ),
  inv(
    'oomRequestWithinBalloon',
    'The OOM notifier asks cmm_free_pages for no more pages than the balloon holds (balloon_page_dequeue BUG()s on an empty balloon).',
    (k, s) => regionOf(s, 'oom') !== 'freeing' || (k.free.oom?.nr ?? 0) <= k.balloon.length,
    'cmm_oom_notify',
    [218, 221],
  ),
  inv(
    'freeRequestsWithinBalloon',
    'The pages all running cmm_free_pages loops still want to free never exceed the pages on the balloon.',
    (k) => loopNrs(k) <= k.balloon.length,
    'cmm_free_pages',
    [191, 194],
  ),
  inv(
    'balloonInitializedBeforeUse',
    'No balloon list operation starts before balloon_devinfo_init has initialised the list.',
    (k, s) => {
      if (k.balloonInit) return true;
      const allocating = regionOf(s, 'thread') === 'allocating' && (k.thread?.nr ?? 0) !== 0;
      return !allocating && loopNrs(k) === 0;
    },
    'cmm_balloon_compaction_init',
    [569, 574],
  ),
  inv(
    'targetLeavesMinMem',
    'cmm_get_mpp never sets a target that leaves fewer than min_mem_mb MiB to the partition.',
    (k) => !k.ghost.minMemBreached,
    'cmm_get_mpp',
    [244, 272],
  ),
  inv(
    'disabledMeansNoThread',
    'While the module is live and no disable write runs, cmm_disabled = 1 means no cmm thread runs.',
    (k, s) =>
      regionOf(s, 'module') !== 'live' ||
      regionOf(s, 'param') !== 'idle' ||
      k.cmmDisabled === 0 ||
      k.thread === null,
    'cmm_set_disable',
    [698, 710],
  ),
  inv(
    'afterRebootNothingLoaned',
    'After the reboot notifier handled SYS_RESTART, no page is loaned: the balloon is empty and the hypervisor holds no loaned CMO page of the partition.',
    (k, s) =>
      regionOf(s, 'reboot') !== 'done' ||
      (k.balloon.length === 0 && k.loanedPages === 0 && (k.simulate || k.hv.loanedPages === 0)),
    'cmm_reboot_notifier',
    [449, 459],
  ),
  inv(
    'exitLeavesNothing',
    'After cmm_exit: no thread, an empty balloon, nothing loaned, nothing registered.',
    (k, s) =>
      regionOf(s, 'module') !== 'exited' ||
      (k.thread === null &&
        k.balloon.length === 0 &&
        (k.simulate || k.hv.loanedPages === 0) &&
        !k.reg.oom &&
        !k.reg.reboot &&
        !k.reg.memory &&
        !k.reg.bus &&
        k.reg.files === 0),
    'cmm_exit',
    [673, 683],
  ),
  inv(
    'failedInitUnwindsEverything',
    'When cmm_init fails, nothing it registered stays registered and no thread runs.',
    (k, s) =>
      regionOf(s, 'module') !== 'failed' ||
      (k.thread === null &&
        !k.reg.oom &&
        !k.reg.reboot &&
        !k.reg.memory &&
        !k.reg.bus &&
        !k.reg.device &&
        k.reg.files === 0 &&
        !k.reg.mount),
    'cmm_init',
    [655, 664],
  ),
];

/** The invariants the seed guarantees (no finding violates them). @category Checking */
export const GUARANTEED_INVARIANTS = [
  'contextWellFormed',
  'balloonListCountsLoaned',
  'balloonPagesNotFree',
  'balloonPagesLoanedInEverySubpage',
  'managedCountConserved',
  'exitLeavesNothing',
  'failedInitUnwindsEverything',
] as const;

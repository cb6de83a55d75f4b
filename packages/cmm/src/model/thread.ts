/**
 * The steps of `cmm_thread` (lines 292-334) and of the `cmm_alloc_pages` it calls (140-177).
 *
 * Atomic steps, split where another thread of control can act in between:
 * - the end of a sleep (298 or 311) with the `kthread_should_stop()` test and the whole hotplug
 *   check (303-322: `mutex_trylock`, the `hotplug_occurred` test and clear, the unlock): the
 *   thread holds `hotplug_mutex` only inside this step, so the memory notifier never finds it
 *   taken by the thread;
 * - `cmm_get_mpp` (324) as one step (the hcall and every read of it);
 * - line 326 with the test at 327 (or 330); then line 328 (or 331) on its own, because the C
 *   reads `loaned_pages_target` again there (CMM-6);
 * - one iteration of the `cmm_alloc_pages` loop (149-172: the hotplug trylock check, the
 *   allocation, the CMO page loop, enqueue, `loaned_pages++`, the managed count);
 * - the return of `cmm_alloc_pages` with the partial-inflation reset (328-329).
 * `timeleft` is always 0: kthreads ignore signals, so `msleep_interruptible` sleeps out its
 * time even when `kthread_stop` wakes the task, and the stop is seen at the end of the sleep.
 *
 * @module
 */
import { u32Mul } from '../cint.js';
import { H_SUCCESS } from '../constants.js';
import type { Kernel } from '../kernel.js';
import { cmmGetMpp } from '../mpp.js';
import { cmmDbg, plparPageSetLoaned, prErr } from './common.js';
import type { Action, Guard } from './step.js';

const th = (k: Kernel) => {
  if (k.thread === null) throw new Error('cmm model: thread step without a thread');
  return k.thread;
};

/** A task was created by `kthread_run` and runs `cmm_thread`. @category Model */
export const isThreadStarted: Guard = (k) => k.thread !== null && !k.thread.exited;

/** `kthread_stop` reaped the task. @category Model */
export const isThreadReaped: Guard = (k) => k.thread === null;

/** `kthread_should_stop() || timeleft` (300, 313): `timeleft` is 0 for a kthread. @category Model */
export const isStopRequested: Guard = (k) => th(k).shouldStop;

/** `mutex_trylock(&hotplug_mutex)` fails: a memory offline operation holds it. @category Model */
export const isHotplugMutexHeld: Guard = (k) => k.hotplugMutex !== 'unlocked';

/** `hotplug_occurred` is set (304, 150). @category Model */
export const hasHotplugOccurred: Guard = (k) => k.hotplugOccurred !== 0;

function sleep(k: Kernel, ms: number, kind: 'delay' | 'hotplug'): void {
  const t = th(k);
  t.sleeping = kind;
  t.sleepMs = ms;
  t.sleepUntil = k.now + ms;
}

/** `msleep_interruptible(delay * 1000)` (298): the `unsigned int` product wraps. @category Model */
export const startDelaySleep: Action = (k) => {
  sleep(k, u32Mul(k.delay, 1000), 'delay');
};

/** `msleep_interruptible(hotplug_delay * 1000)` (311-312). @category Model */
export const startHotplugSleep: Action = (k) => {
  cmmDbg(k, `Hotplug operation has occurred, loaning activity suspended for ${k.hotplugDelay | 0} seconds.`);
  sleep(k, u32Mul(k.hotplugDelay, 1000), 'hotplug');
};

/** The sleep ends: the virtual clock reaches its deadline. @category Model */
export const endSleep: Action = (k) => {
  const t = th(k);
  if (k.now < t.sleepUntil) k.now = t.sleepUntil;
  t.sleeping = null;
};

/** `hotplug_occurred = 0` under the mutex (305-306). @category Model */
export const clearHotplugOccurred: Action = (k) => {
  k.hotplugOccurred = 0;
};

/** The trylock failed (318-321). @category Model */
export const logHotplugInProgress: Action = (k) => {
  cmmDbg(k, 'Hotplug operation in progress, activity suspended');
};

/** The thread function returns 0 (301/314 break, 333). @category Model */
export const exitThread: Action = (k) => {
  const t = th(k);
  t.exited = true;
  t.sleeping = null;
};

/** `h_get_mpp(&mpp_data)` (247), unless simulating. @category Model */
export const hGetMpp: Action = (k) => {
  const t = th(k);
  t.rounds++;
  if (k.simulate) {
    t.mppRc = null;
    return;
  }
  const r = k.hv.hGetMpp(k.now, k.faults);
  t.mppRc = r.rc;
  t.mppLoanRequest = r.data?.loanRequest ?? 0n;
};

/** `rc != H_SUCCESS`: `cmm_get_mpp` returns, the target stays (248-249). @category Model */
export const isMppFailed: Guard = (k) => {
  const rc = th(k).mppRc;
  return rc !== null && BigInt.asIntN(32, rc) !== H_SUCCESS;
};

/** The rest of `cmm_get_mpp` (250-278): the new `loaned_pages_target`. @category Model */
export const computeLoanTarget: Action = (k) => {
  const t = th(k);
  const r = cmmGetMpp({
    pageShift: k.cfg.pageShift,
    loanedPages: BigInt(k.loanedPages),
    totalramPages: BigInt(k.totalram),
    minMemMb: k.minMemMb,
    oomFreedPages: BigInt(k.oomFreedPages),
    simulate: k.simulate,
    simulateLoanTargetKb: k.simulateLoanTargetKb,
    mpp: { rc: t.mppRc ?? H_SUCCESS, loanRequest: t.mppLoanRequest },
  });
  if (r.target === null) return;
  k.loanedPagesTarget = Number(r.target);
  // CMM-11: the floor the parameter asks for, computed without the unsigned long wrap
  const floor = (k.minMemMb * 1024n * 1024n) / BigInt(k.cfg.pageSize);
  const total = BigInt(k.totalram + k.loanedPages);
  if (r.target > 0n && r.target > total - floor) k.ghost.minMemBreached = true;
  cmmDbg(
    k,
    `delta = ${r.pageLoanRequest}, loaned = ${k.loanedPages}, target = ${k.loanedPagesTarget}, oom = ${k.oomFreedPages}, totalram = ${k.totalram}`,
  );
};

/** `__loaned_pages = atomic_long_read(&loaned_pages)` (326). @category Model */
export const readLoanedPages: Action = (k) => {
  th(k).loanedSnapshot = k.loanedPages;
};

/** `loaned_pages_target > __loaned_pages` (327). @category Model */
export const isTargetAboveSnapshot: Guard = (k) => k.loanedPagesTarget > th(k).loanedSnapshot;

/** `loaned_pages_target < __loaned_pages` (330). @category Model */
export const isTargetBelowSnapshot: Guard = (k) => k.loanedPagesTarget < th(k).loanedSnapshot;

/** `cmm_alloc_pages(loaned_pages_target - __loaned_pages)` (328): the target read again. @category Model */
export const beginAlloc: Action = (k) => {
  const t = th(k);
  t.request = k.loanedPagesTarget - t.loanedSnapshot; // long arithmetic; may be <= 0 (CMM-6)
  t.nr = t.request;
  t.iter = 0;
  k.ghost.inflating = t.request > 0;
  cmmDbg(k, `Begin request for ${t.nr} pages`);
};

/** `while (nr)` is false (147). @category Model */
export const isAllocNrZero: Guard = (k) => th(k).nr === 0;

/** `page = balloon_page_alloc()` (159). @category Model */
export const balloonPageAlloc: Action = (k) => {
  const t = th(k);
  t.page = k.faults.take('balloon_page_alloc') !== null ? -1 : k.pool.allocateOne('loaned');
};

/** `if (!page) break;` (160-161). @category Model */
export const isPageNull: Guard = (k) => th(k).page < 0;

/** `rc = plpar_page_set_loaned(page)` (162). @category Model */
export const setPageLoaned: Action = (k) => {
  const t = th(k);
  t.rc = plparPageSetLoaned(k, t.page);
};

/** `if (rc)` (163). @category Model */
export const isLoanFailed: Guard = (k) => th(k).rc !== H_SUCCESS;

/** `pr_err(...)`, `__free_page(page)`, break (164-166). @category Model */
export const freeUnloanedPage: Action = (k) => {
  const t = th(k);
  prErr(k, `cmm_alloc_pages: Can not set page to loaned. rc=${t.rc}`);
  k.pool.releaseOne(t.page, 'loaned');
  t.page = -1;
};

/** Enqueue, `loaned_pages++`, managed count down, `nr--` (169-172). @category Model */
export const enqueueLoanedPage: Action = (k) => {
  const t = th(k);
  k.balloon.enqueue(t.page);
  k.loanedPages++;
  k.totalram--;
  t.nr--;
  t.iter++;
  t.page = -1;
};

/** `cmm_alloc_pages` returned non-zero: not every page was loaned (328). @category Model */
export const isAllocShort: Guard = (k) => th(k).nr !== 0;

/** The end of `cmm_alloc_pages` (175-176). @category Model */
export const endAlloc: Action = (k) => {
  cmmDbg(k, `End request with ${th(k).nr} pages unfulfilled`);
  k.ghost.inflating = false;
};

/** `loaned_pages_target = __loaned_pages` (329): the count read before the round. @category Model */
export const resetTargetToSnapshot: Action = (k) => {
  const t = th(k);
  k.loanedPagesTarget = t.loanedSnapshot;
  if (t.loanedSnapshot < k.loanedPages) k.ghost.resetBelowAchieved = true;
};

/** `cmm_free_pages(__loaned_pages - loaned_pages_target)` (331): the target read again. @category Model */
export const beginThreadFree: Action = (k) => {
  const t = th(k);
  const nr = t.loanedSnapshot - k.loanedPagesTarget;
  t.request = nr;
  k.free.thread = { request: nr, nr, freed: 0 };
  cmmDbg(k, `Begin free of ${nr} pages.`);
};

/** Routing: an action above crashed the kernel. @category Model */
export const hasCrashed: Guard = (k) => k.crash !== null;

/**
 * `cmm_free_pages` (lines 186-203), shared by its five callers (the thread, the OOM notifier,
 * the reboot notifier, the disable setter and module exit), each with its own locals (`nr`).
 * One iteration is one atomic step: `balloon_page_dequeue` (the head page; `BUG()` when the
 * list is empty and nothing is isolated), `plpar_page_set_active` with its result ignored
 * (line 195), the managed page count up, `__free_page`, `loaned_pages--`.
 *
 * Also the kthread helpers the stoppers share: `kthread_run` (creates the task, or leaves an
 * `ERR_PTR`), `kthread_stop` (asks the thread to stop; the caller then waits until it exits)
 * and reaping.
 *
 * @module
 */
import { ERR } from '../constants.js';
import type { Freer, Kernel } from '../kernel.js';
import { cmmDbg, crash, kcall, plparPageSetActive } from './common.js';
import type { Action, Guard, StepParams } from './step.js';

const who = (p: StepParams): Freer => {
  if (p.who === undefined) throw new Error('cmm model: free-loop step without a caller');
  return p.who;
};

/** Starts `cmm_free_pages(nr)` for `caller` (lines 186-190). @category Model */
export function beginFree(k: Kernel, caller: Freer, nr: number): void {
  k.free[caller] = { request: nr, nr, freed: 0 };
  cmmDbg(k, `Begin free of ${nr} pages.`);
}

/** `while (nr)` is false: the loop ends (line 191). @category Model */
export const isFreeDone: Guard = (k, _e, p) => (k.free[who(p)]?.nr ?? 0) === 0;

/** The list head was never initialised (`balloon_devinfo_init` not called, CMM-3). @category Model */
export const isBalloonUninitialized: Guard = (k) => !k.balloonInit;

/** `balloon_page_dequeue` finds the list empty and nothing isolated: `BUG()`. @category Model */
export const isBalloonEmptyNoneIsolated: Guard = (k) => k.balloon.length === 0 && k.isolatedPages === 0;

/** `balloon_page_dequeue` returns NULL (empty list, pages isolated): the loop breaks (193-194). @category Model */
export const isBalloonEmpty: Guard = (k) => k.balloon.length === 0;

/** The `BUG()` of `balloon_page_dequeue` reached from line 192. @category Model */
export const bugOnEmptyBalloon: Action = (k, _e, p) => {
  crash(k, {
    kind: 'BUG',
    fn: 'cmm_free_pages',
    lines: [192, 192],
    what: `balloon_page_dequeue: the balloon list is empty and no page is isolated (cmm_free_pages called by ${who(p)} with ${k.free[who(p)]?.nr ?? 0} pages left to free)`,
  });
};

const UNINIT =
  'b_dev_info.pages was never initialised (balloon_devinfo_init runs only with CONFIG_BALLOON_COMPACTION): list operation on a zeroed list head';

/** `balloon_page_dequeue` on the never-initialised (zeroed) list head dereferences NULL. @category Model */
export const oopsOnUninitializedDequeue: Action = (k, _e, p) => {
  crash(k, {
    kind: 'oops',
    fn: 'cmm_free_pages',
    lines: [192, 192],
    what: `${UNINIT} (dequeue by ${who(p)})`,
  });
};

/** `balloon_page_enqueue` on the never-initialised list head dereferences NULL. @category Model */
export const oopsOnUninitializedEnqueue: Action = (k) => {
  crash(k, { kind: 'oops', fn: 'cmm_alloc_pages', lines: [169, 169], what: `${UNINIT} (enqueue)` });
};

/** One iteration: dequeue, set active (rc ignored), managed count up, free, `loaned_pages--` (192-199). @category Model */
export const freeOneBalloonPage: Action = (k, _e, p) => {
  const f = k.free[who(p)]!;
  const pfn = k.balloon.dequeue();
  plparPageSetActive(k, pfn);
  k.totalram++;
  k.pool.releaseOne(pfn, 'loaned');
  k.loanedPages--;
  f.nr--;
  f.freed++;
};

/** The loop returned `nr` (201-202). @category Model */
export const endFree: Action = (k, _e, p) => {
  cmmDbg(k, `End request with ${k.free[who(p)]?.nr ?? 0} pages unfulfilled`);
  k.free[who(p)] = null;
};

/** `kthread_run(cmm_thread, NULL, "cmmthread")` (lines 648, 704): a task, or `ERR_PTR`. @category Model */
export function kthreadRun(k: Kernel): void {
  kcall(k, 'kthread_run');
  const f = k.faults.take('kthread_run');
  if (f !== null) {
    k.threadPtr = { err: f < 0 ? f : ERR.ENOMEM };
    return;
  }
  if (k.thread !== null) {
    crash(k, {
      kind: 'secondThread',
      fn: 'cmm_set_disable',
      lines: [704, 704],
      what: 'kthread_run while a cmm thread is still running: two threads balloon at once and the first can no longer be stopped (it runs on after module exit)',
    });
    return;
  }
  const id = k.nextTaskId++;
  k.threadPtr = { task: id };
  k.thread = {
    id,
    shouldStop: false,
    exited: false,
    sleeping: null,
    sleepUntil: k.now,
    sleepMs: 0,
    loanedSnapshot: 0,
    request: 0,
    nr: 0,
    iter: 0,
    page: -1,
    rc: 0n,
    mppRc: null,
    mppLoanRequest: 0n,
    rounds: 0,
  };
}

/** `cmm_thread_ptr` is an `ERR_PTR`: `kthread_stop` on it dereferences a bad pointer. @category Model */
export const isThreadPtrErr: Guard = (k) => k.threadPtr !== null && 'err' in k.threadPtr;

/** `cmm_thread_ptr` names a task. @category Model */
export const hasThreadTask: Guard = (k) => k.threadPtr !== null && 'task' in k.threadPtr;

/** `kthread_stop` has a task to stop and it has exited: the stopper can go on. @category Model */
export const isThreadExited: Guard = (k) => k.thread === null || k.thread.exited;

/** `kthread_stop(cmm_thread_ptr)`: sets should-stop and wakes the task (which ignores signals). @category Model */
export const requestThreadStop: Action = (k) => {
  kcall(k, 'kthread_stop');
  if (k.thread !== null) k.thread.shouldStop = true;
};

/** `kthread_stop` returns: the task is gone. @category Model */
export const reapThread: Action = (k) => {
  k.thread = null;
};

/** `cmm_thread_ptr = NULL` (lines 455, 701). @category Model */
export const clearThreadPtr: Action = (k) => {
  k.threadPtr = null;
};

/** `kthread_stop` on an `ERR_PTR` (453-454, 675-676, 699-700). @category Model */
export function oopsOnErrPtr(fn: string, a: number, b: number): Action {
  return (k) => {
    crash(k, {
      kind: 'oops',
      fn,
      lines: [a, b],
      what: `kthread_stop(cmm_thread_ptr) on ERR_PTR(${k.threadPtr && 'err' in k.threadPtr ? k.threadPtr.err : '?'}) left by a failed kthread_run`,
    });
  };
}

/**
 * The three notifiers `cmm_init` registers, each running in the context of another task and so
 * racing the cmm thread:
 * - `cmm_oom_notify` (214-227): asks `cmm_free_pages` for `KB2PAGES(oom_kb)` pages whatever is
 *   loaned (218-221), then sets the target to what is left and reports `KB2PAGES(oom_kb) - nr`
 *   freed, reading `oom_kb` again (222-224). OOM calls are serialised by `oom_lock`.
 * - `cmm_memory_cb` (475-497): MEM_GOING_OFFLINE takes `hotplug_mutex` and sets
 *   `hotplug_occurred`; MEM_OFFLINE and MEM_CANCEL_OFFLINE unlock it; nothing else is done. It
 *   is one atomic step. A `mutex_unlock` by a task that does not hold the mutex is counted
 *   (`ghost.mutexMisuse`, CMM-8) and leaves it unlocked (what the unlock slow path does with no
 *   waiters; `CONFIG_DEBUG_MUTEXES` warns).
 * - `cmm_reboot_notifier` (449-459): on SYS_RESTART stops the thread (waiting for it), clears
 *   the pointer and frees `loaned_pages` pages; SYS_HALT and SYS_POWER_OFF do nothing.
 *
 * @module
 */
import { MEM, NOTIFY_DONE, NOTIFY_OK, SYS } from '../constants.js';
import { ev } from '../events.js';
import { cmmDbg, countEvent } from './common.js';
import { beginFree } from './free.js';
import type { Action, Guard } from './step.js';

/** The OOM notifier is on the OOM chain. @category Model */
export const isOomRegistered: Guard = (k) => k.reg.oom;
/** The reboot notifier is on the reboot chain. @category Model */
export const isRebootRegistered: Guard = (k) => k.reg.reboot;
/** The memory notifier is on the memory chain. @category Model */
export const isMemoryRegistered: Guard = (k) => k.reg.memory;

/** `long nr = KB2PAGES(oom_kb); nr = cmm_free_pages(nr);` (218-221). @category Model */
export const beginOomFree: Action = (k, e) => {
  countEvent(k, 'oom');
  const freedIn = ev(e, 'oom.notify').freed ?? 0;
  const requested = k.oomKb >>> (k.cfg.pageShift - 10);
  k.oom = { freedIn, requested };
  cmmDbg(k, 'OOM processing started');
  beginFree(k, 'oom', requested);
};

/** Lines 222-226: target, `*freed`, `oom_freed_pages` (with `oom_kb` read again). @category Model */
export const oomAccount: Action = (k) => {
  const f = k.free.oom!;
  const o = k.oom!;
  k.loanedPagesTarget = k.loanedPages;
  const reported = (k.oomKb >>> (k.cfg.pageShift - 10)) - f.nr;
  if (reported !== f.freed) k.ghost.oomMiscounted = true;
  k.oomFreedPages += reported;
  k.reply.oom = { rc: NOTIFY_OK, freed: o.freedIn + reported };
  cmmDbg(k, 'OOM processing complete');
  k.free.oom = null;
  k.oom = null;
};

const memAction = (e: Parameters<Guard>[1]): number => MEM[ev(e, 'memory.notify').action];

/** `case MEM_GOING_OFFLINE` (481). @category Model */
export const isGoingOffline: Guard = (_k, e) => memAction(e) === MEM.GOING_OFFLINE;
/** `case MEM_OFFLINE: case MEM_CANCEL_OFFLINE` (485-486). @category Model */
export const isOfflineEnd: Guard = (_k, e) =>
  memAction(e) === MEM.OFFLINE || memAction(e) === MEM.CANCEL_OFFLINE;
/** `case MEM_GOING_ONLINE / MEM_ONLINE / MEM_CANCEL_ONLINE` (490-492). @category Model */
export const isOnlineAction: Guard = (_k, e) =>
  memAction(e) === MEM.GOING_ONLINE || memAction(e) === MEM.ONLINE || memAction(e) === MEM.CANCEL_ONLINE;

/** `mutex_lock(&hotplug_mutex); hotplug_occurred = 1;` (482-483). @category Model */
export const lockHotplugMutex: Action = (k) => {
  countEvent(k, 'memory');
  k.hotplugMutex = 'memory';
  k.hotplugOccurred = 1;
};

/** `mutex_unlock(&hotplug_mutex)` (487), by the offlining task. @category Model */
export const unlockHotplugMutex: Action = (k, e, p) => {
  if (k.hotplugMutex !== 'memory') {
    k.ghost.mutexMisuse++;
    countEvent(k, 'memoryVeto');
  }
  k.hotplugMutex = 'unlocked';
  cmmDbg(k, 'Memory offline operation complete.');
  replyNotifyOk(k, e, p);
};

/** `return notifier_from_errno(0)`: NOTIFY_OK (496). @category Model */
export const replyNotifyOk: Action = (k) => {
  k.reply.memory = NOTIFY_OK;
};

/** MEM_GOING_OFFLINE while the same offline task holds the mutex: `mutex_lock` never returns. @category Model */
export const deadlockOnHotplugMutex: Action = (k) => {
  k.crash ??= {
    kind: 'deadlock',
    fn: 'cmm_memory_cb',
    lines: [482, 482],
    what: 'MEM_GOING_OFFLINE while hotplug_mutex is held by the previous MEM_GOING_OFFLINE: mutex_lock blocks forever',
  };
};

/** `action == SYS_RESTART` is false (452). @category Model */
export const isNotRestart: Guard = (_k, e) => SYS[ev(e, 'reboot.notify').action] !== SYS.RESTART;

/** Records the reboot notifier's call. @category Model */
export const beginReboot: Action = (k, e) => {
  countEvent(k, 'reboot');
  k.reboot = { action: SYS[ev(e, 'reboot.notify').action] };
};

/** `return NOTIFY_DONE` (458). @category Model */
export const replyNotifyDone: Action = (k) => {
  k.reply.reboot = NOTIFY_DONE;
  k.reboot = null;
};

/** `cmm_free_pages(atomic_long_read(&loaned_pages))` (456). @category Model */
export const beginRebootFree: Action = (k) => {
  beginFree(k, 'reboot', k.loanedPages);
};

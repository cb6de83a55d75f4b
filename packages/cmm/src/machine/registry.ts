/**
 * Every guard and action of the CMM machine by name: the functions of `model/*.ts`. The
 * machine's `setup()` wraps each of them, the run interpreter calls them directly, so a name in
 * the chart and in a run is the same function.
 *
 * @module
 */
import type { Action, Guard } from '../model/step.js';
import * as free from '../model/free.js';
import * as mod from '../model/module.js';
import * as nt from '../model/notifiers.js';
import * as pr from '../model/params.js';
import * as th from '../model/thread.js';

const and =
  (...gs: Guard[]): Guard =>
  (k, e, p) =>
    gs.every((g) => g(k, e, p));

/**
 * The named guards.
 * @category Machine
 */
export const GUARDS = {
  // thread
  isThreadStarted: th.isThreadStarted,
  isThreadReaped: th.isThreadReaped,
  isStopRequested: th.isStopRequested,
  isHotplugMutexHeld: th.isHotplugMutexHeld,
  hasHotplugOccurred: th.hasHotplugOccurred,
  isMppFailed: th.isMppFailed,
  isTargetAboveSnapshot: th.isTargetAboveSnapshot,
  isTargetBelowSnapshot: th.isTargetBelowSnapshot,
  isAllocNrZero: th.isAllocNrZero,
  isPageNull: th.isPageNull,
  isLoanFailed: th.isLoanFailed,
  isAllocShort: th.isAllocShort,
  hasCrashed: th.hasCrashed,
  // cmm_free_pages and kthreads
  isFreeDone: free.isFreeDone,
  isBalloonUninitialized: free.isBalloonUninitialized,
  isBalloonEmptyNoneIsolated: free.isBalloonEmptyNoneIsolated,
  isBalloonEmpty: free.isBalloonEmpty,
  isThreadPtrErr: free.isThreadPtrErr,
  hasThreadTask: free.hasThreadTask,
  isThreadExited: free.isThreadExited,
  // notifiers
  isOomRegistered: nt.isOomRegistered,
  isOomUnregistered: (k) => !k.reg.oom,
  isRebootRegistered: nt.isRebootRegistered,
  isRebootUnregistered: (k) => !k.reg.reboot,
  isMemoryRegistered: nt.isMemoryRegistered,
  isMemoryUnregistered: (k) => !k.reg.memory,
  isGoingOffline: nt.isGoingOffline,
  isOfflineEnd: nt.isOfflineEnd,
  isOnlineAction: nt.isOnlineAction,
  isNotRestart: nt.isNotRestart,
  // module
  isCmoUnsupported: mod.isCmoUnsupported,
  isCompactionOff: mod.isCompactionOff,
  hasInitError: mod.hasInitError,
  isCmmDisabled: mod.isCmmDisabled,
  isOomIdle: mod.isOomIdle,
  isRebootIdle: mod.isRebootIdle,
  isLoadable: (k) => !k.cfg.builtin,
  // parameters and sysfs
  isParamMissing: pr.isParamMissing,
  isParamTooLong: pr.isParamTooLong,
  isParamReadOnly: pr.isParamReadOnly,
  isParamWriterUnprivileged: pr.isParamWriterUnprivileged,
  isDisableParam: pr.isDisableParam,
  isParamNamed: (_k, e, p) => e.type === 'param.set' && e.name === p.name,
  isDisableInvalid: pr.isDisableInvalid,
  isDisablingWithErrPtr: and(pr.isDisabling, free.isThreadPtrErr),
  isDisablingWithTask: and(pr.isDisabling, free.hasThreadTask),
  isDisabling: pr.isDisabling,
  isEnabling: pr.isEnabling,
  isSysfsAttrMissing: pr.isSysfsAttrMissing,
  isSysfsWriteTooLong: pr.isSysfsWriteTooLong,
  isSysfsAttrReadOnly: pr.isSysfsAttrReadOnly,
  isSysfsWriterUnprivileged: pr.isSysfsWriterUnprivileged,
  isOomFreedStoreWithoutCap: pr.isOomFreedStoreWithoutCap,
  isOomFreedStoreNonZero: pr.isOomFreedStoreNonZero,
  isOomFreedStore: pr.isOomFreedStore,
  isSimulateStoreInvalid: pr.isSimulateStoreInvalid,
} satisfies Record<string, Guard>;

/**
 * The named actions.
 * @category Machine
 */
export const ACTIONS = {
  // thread
  startDelaySleep: th.startDelaySleep,
  startHotplugSleep: th.startHotplugSleep,
  endSleep: th.endSleep,
  clearHotplugOccurred: th.clearHotplugOccurred,
  logHotplugInProgress: th.logHotplugInProgress,
  exitThread: th.exitThread,
  hGetMpp: th.hGetMpp,
  computeLoanTarget: th.computeLoanTarget,
  readLoanedPages: th.readLoanedPages,
  beginAlloc: th.beginAlloc,
  balloonPageAlloc: th.balloonPageAlloc,
  setPageLoaned: th.setPageLoaned,
  freeUnloanedPage: th.freeUnloanedPage,
  enqueueLoanedPage: th.enqueueLoanedPage,
  endAlloc: th.endAlloc,
  resetTargetToSnapshot: th.resetTargetToSnapshot,
  beginThreadFree: th.beginThreadFree,
  // cmm_free_pages and kthreads
  freeOneBalloonPage: free.freeOneBalloonPage,
  endFree: free.endFree,
  bugOnEmptyBalloon: free.bugOnEmptyBalloon,
  oopsOnUninitializedDequeue: free.oopsOnUninitializedDequeue,
  oopsOnUninitializedEnqueue: free.oopsOnUninitializedEnqueue,
  requestThreadStop: free.requestThreadStop,
  reapThread: free.reapThread,
  clearThreadPtr: free.clearThreadPtr,
  oopsOnRebootErrPtr: free.oopsOnErrPtr('cmm_reboot_notifier', 453, 454),
  oopsOnExitErrPtr: free.oopsOnErrPtr('cmm_exit', 675, 676),
  oopsOnDisableErrPtr: free.oopsOnErrPtr('cmm_set_disable', 699, 700),
  // notifiers
  beginOomFree: nt.beginOomFree,
  oomAccount: nt.oomAccount,
  lockHotplugMutex: nt.lockHotplugMutex,
  unlockHotplugMutex: nt.unlockHotplugMutex,
  replyNotifyOk: nt.replyNotifyOk,
  deadlockOnHotplugMutex: nt.deadlockOnHotplugMutex,
  beginReboot: nt.beginReboot,
  replyNotifyDone: nt.replyNotifyDone,
  beginRebootFree: nt.beginRebootFree,
  // module
  beginInit: mod.beginInit,
  replyEopnotsupp: mod.replyEopnotsupp,
  compactionInit: mod.compactionInit,
  registerOomNotifier: mod.registerOomNotifier,
  registerRebootNotifier: mod.registerRebootNotifier,
  cmmSysfsRegister: mod.cmmSysfsRegister,
  registerMemoryNotifier: mod.registerMemoryNotifier,
  replyInitOk: mod.replyInitOk,
  kthreadRunForInit: (k) => free.kthreadRun(k),
  replyThreadErr: mod.replyThreadErr,
  unwindMemoryAndSysfs: mod.unwindMemoryAndSysfs,
  unregisterRebootNotifier: mod.unregisterRebootNotifier,
  unregisterOomNotifier: mod.unregisterOomNotifier,
  unregisterMemoryNotifier: mod.unregisterMemoryNotifier,
  compactionDeinit: mod.compactionDeinit,
  failInit: mod.failInit,
  beginExitFree: mod.beginExitFree,
  finishExit: mod.finishExit,
  // parameters and sysfs
  replyParamEnoent: pr.replyParamErrno('ENOENT'),
  replyParamEacces: pr.replyParamErrno('EACCES'),
  replyParamE2big: pr.replyParamErrno('E2BIG'),
  storeParam: pr.storeParam,
  beginSetDisable: pr.beginSetDisable,
  replyDisableEinval: pr.replyDisableEinval,
  beginParamFree: pr.beginParamFree,
  kthreadRunForEnable: pr.kthreadRunForEnable,
  replyDisablePtrErr: pr.replyDisablePtrErr,
  finishSetDisable: pr.finishSetDisable,
  replySysfsEnoent: pr.replySysfsErrno('ENOENT'),
  replySysfsEacces: pr.replySysfsErrno('EACCES'),
  replySysfsE2big: pr.replySysfsErrno('E2BIG'),
  replySysfsEperm: pr.replySysfsErrno('EPERM'),
  replySysfsEbadmsg: pr.replySysfsErrno('EBADMSG'),
  replySimulateStoreError: pr.replySimulateStoreError,
  resetOomFreedPages: pr.resetOomFreedPages,
  storeSimulateTarget: pr.storeSimulateTarget,
  setHvLoanRequest: pr.setHvLoanRequest,
  setHvLoanTarget: pr.setHvLoanTarget,
} satisfies Record<string, Action>;

/** A guard name. @category Machine */
export type GuardName = keyof typeof GUARDS;
/** An action name. @category Machine */
export type ActionName = keyof typeof ACTIONS;

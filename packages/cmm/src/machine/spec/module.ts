/**
 * The `module` region: `cmm_init` (620-665) registration by registration, with the unwinding of
 * each failure in the C order, and `cmm_exit` (673-683).
 *
 * @module
 */
import type { ActionName } from '../registry.js';
import { CRASHED, freeLoop, w, type RegionSpec, type Src, type StateSpec } from './types.js';

const I = 'cmm_init';
const X = 'cmm_exit';

/** A registration step of `cmm_init` and the test of its `rc` that follows. */
function registration(
  name: string,
  action: ActionName,
  src: Src,
  fail: { readonly target: string; readonly src: Src },
  next: string,
): Record<string, StateSpec> {
  const done = `${name}Done`;
  return {
    [name]: { src, on: { 'module.step': [{ target: done, actions: [action], src }] } },
    [done]: {
      src,
      always: [
        { guard: 'hasInitError', target: fail.target, src: fail.src },
        { target: next, src },
      ],
    },
  };
}

/** `cmm_init` (620-665) and `cmm_exit` (673-683). @category Machine */
export const MODULE: RegionSpec = {
  region: 'module',
  src: [I, 620, 665],
  initial: 'unloaded',
  step: 'module.step',
  run: 'module.run',
  states: {
    unloaded: {
      src: ['module_init(cmm_init)', 718],
      on: { 'module.init': [{ target: 'firmwareCheck', actions: ['beginInit'], src: [I, 620, 622] }] },
    },
    firmwareCheck: {
      src: [I, 624, 625],
      on: {
        'module.step': [
          {
            guard: 'isCmoUnsupported',
            target: 'failed',
            actions: ['replyEopnotsupp', 'failInit'],
            src: [I, 624, 625],
          },
          { target: 'compactionInit', src: [I, 624] },
        ],
      },
    },
    compactionInit: {
      src: [I, 627, 629],
      on: {
        'module.step': [
          {
            guard: 'isCompactionOff',
            target: 'registeringOom',
            src: ['cmm_balloon_compaction_init#2', 604, 607],
          },
          {
            target: 'compactionInitDone',
            actions: ['compactionInit'],
            src: ['cmm_balloon_compaction_init', 569, 593],
          },
        ],
      },
    },
    compactionInitDone: {
      src: [I, 627, 629],
      always: [
        { guard: 'hasInitError', target: 'failed', actions: ['failInit'], src: [I, 628, 629] },
        { target: 'registeringOom', src: [I, 627] },
      ],
    },
    ...registration(
      'registeringOom',
      'registerOomNotifier',
      [I, 631],
      { target: 'unwindCompaction', src: [I, 632, 633] },
      'registeringReboot',
    ),
    ...registration(
      'registeringReboot',
      'registerRebootNotifier',
      [I, 635],
      { target: 'unwindOom', src: [I, 635, 636] },
      'registeringSysfs',
    ),
    ...registration(
      'registeringSysfs',
      'cmmSysfsRegister',
      ['cmm_sysfs_register', 396, 429],
      { target: 'unwindReboot', src: [I, 638, 639] },
      'registeringMemory',
    ),
    ...registration(
      'registeringMemory',
      'registerMemoryNotifier',
      [I, 641],
      { target: 'unwindMemory', src: [I, 642, 643] },
      'checkingDisabled',
    ),
    checkingDisabled: {
      src: [I, 645, 646],
      on: {
        'module.step': [
          { guard: 'isCmmDisabled', target: 'live', actions: ['replyInitOk'], src: [I, 645, 646] },
          { target: 'startingThread', src: [I, 645] },
        ],
      },
    },
    startingThread: {
      src: [I, 648],
      on: { 'module.step': [{ target: 'threadStarted', actions: ['kthreadRunForInit'], src: [I, 648] }] },
    },
    threadStarted: {
      src: [I, 649, 652],
      always: [
        { guard: 'hasCrashed', target: CRASHED, src: [I, 648] },
        { guard: 'isThreadPtrErr', target: 'unwindMemory', actions: ['replyThreadErr'], src: [I, 649, 651] },
        { target: 'live', actions: ['replyInitOk'], src: [I, 654] },
      ],
    },
    unwindMemory: {
      src: [I, 655, 657],
      on: {
        'module.step': [{ target: 'unwindReboot', actions: ['unwindMemoryAndSysfs'], src: [I, 655, 657] }],
      },
    },
    unwindReboot: {
      src: [I, 658, 659],
      on: {
        'module.step': [
          {
            guard: 'isRebootIdle',
            target: 'unwindOom',
            actions: ['unregisterRebootNotifier'],
            src: [I, 658, 659],
          },
        ],
      },
    },
    unwindOom: {
      src: [I, 660, 661],
      on: {
        'module.step': [
          {
            guard: 'isOomIdle',
            target: 'unwindCompaction',
            actions: ['unregisterOomNotifier'],
            src: [I, 660, 661],
          },
        ],
      },
    },
    unwindCompaction: {
      src: [I, 662, 664],
      on: {
        'module.step': [{ target: 'failed', actions: ['compactionDeinit', 'failInit'], src: [I, 662, 664] }],
      },
    },
    failed: { src: [I, 664] },
    live: {
      src: [I, 654],
      on: { 'module.exit': [{ guard: 'isLoadable', target: 'exitStopping', src: [X, 673, 674] }] },
    },
    exitStopping: {
      src: [X, 675, 676],
      on: {
        'module.step': [
          { guard: 'isThreadPtrErr', target: CRASHED, actions: ['oopsOnExitErrPtr'], src: [X, 675, 676] },
          {
            guard: 'hasThreadTask',
            target: 'exitWaiting',
            actions: ['requestThreadStop'],
            src: [X, 675, 676],
          },
          { target: 'exitUnregisteringOom', src: [X, 675] },
        ],
      },
    },
    exitWaiting: {
      src: [X, 676],
      on: {
        'module.step': [
          { guard: 'isThreadExited', target: 'exitUnregisteringOom', actions: ['reapThread'], src: [X, 676] },
        ],
      },
    },
    exitUnregisteringOom: {
      src: [X, 677],
      on: {
        'module.step': [
          {
            guard: 'isOomIdle',
            target: 'exitUnregisteringReboot',
            actions: ['unregisterOomNotifier'],
            src: [X, 677],
          },
        ],
      },
    },
    exitUnregisteringReboot: {
      src: [X, 678],
      on: {
        'module.step': [
          {
            guard: 'isRebootIdle',
            target: 'exitUnregisteringMemory',
            actions: ['unregisterRebootNotifier'],
            src: [X, 678],
          },
        ],
      },
    },
    exitUnregisteringMemory: {
      src: [X, 679],
      on: {
        'module.step': [{ target: 'exitStartingFree', actions: ['unregisterMemoryNotifier'], src: [X, 679] }],
      },
    },
    exitStartingFree: {
      src: [X, 680],
      on: { 'module.step': [{ target: 'exitFreeing', actions: ['beginExitFree'], src: [X, 680] }] },
    },
    ...freeLoop(
      'exit',
      'module.step',
      { target: 'exited', actions: [{ type: 'endFree', params: w('exit') }, 'finishExit'] },
      'exitFreeing',
    ),
    exited: { src: [X, 681, 683] },
  },
};

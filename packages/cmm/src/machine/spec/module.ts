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
  source: Src,
  fail: { readonly target: string; readonly source: Src },
  next: string,
): Record<string, StateSpec> {
  const done = `${name}Done`;
  return {
    [name]: { source, on: { 'module.step': [{ target: done, actions: [action], source }] } },
    [done]: {
      source,
      always: [
        { guard: 'hasInitError', target: fail.target, source: fail.source },
        { target: next, source },
      ],
    },
  };
}

/** `cmm_init` (620-665) and `cmm_exit` (673-683). @category Machine */
export const MODULE: RegionSpec = {
  region: 'module',
  source: [I, 620, 665],
  initial: 'unloaded',
  step: 'module.step',
  run: 'module.run',
  states: {
    unloaded: {
      source: ['module_init(cmm_init)', 718],
      on: { 'module.init': [{ target: 'firmwareCheck', actions: ['beginInit'], source: [I, 620, 622] }] },
    },
    firmwareCheck: {
      source: [I, 624, 625],
      on: {
        'module.step': [
          {
            guard: 'isCmoUnsupported',
            target: 'failed',
            actions: ['replyEopnotsupp', 'failInit'],
            source: [I, 624, 625],
          },
          { target: 'compactionInit', source: [I, 624] },
        ],
      },
    },
    compactionInit: {
      source: [I, 627, 629],
      on: {
        'module.step': [
          {
            guard: 'isCompactionOff',
            target: 'registeringOom',
            source: ['cmm_balloon_compaction_init#2', 604, 607],
          },
          {
            target: 'compactionInitDone',
            actions: ['compactionInit'],
            source: ['cmm_balloon_compaction_init', 569, 593],
          },
        ],
      },
    },
    compactionInitDone: {
      source: [I, 627, 629],
      always: [
        { guard: 'hasInitError', target: 'failed', actions: ['failInit'], source: [I, 628, 629] },
        { target: 'registeringOom', source: [I, 627] },
      ],
    },
    ...registration(
      'registeringOom',
      'registerOomNotifier',
      [I, 631],
      { target: 'unwindCompaction', source: [I, 632, 633] },
      'registeringReboot',
    ),
    ...registration(
      'registeringReboot',
      'registerRebootNotifier',
      [I, 635],
      { target: 'unwindOom', source: [I, 635, 636] },
      'registeringSysfs',
    ),
    ...registration(
      'registeringSysfs',
      'cmmSysfsRegister',
      ['cmm_sysfs_register', 396, 429],
      { target: 'unwindReboot', source: [I, 638, 639] },
      'registeringMemory',
    ),
    ...registration(
      'registeringMemory',
      'registerMemoryNotifier',
      [I, 641],
      { target: 'unwindMemory', source: [I, 642, 643] },
      'checkingDisabled',
    ),
    checkingDisabled: {
      source: [I, 645, 646],
      on: {
        'module.step': [
          { guard: 'isCmmDisabled', target: 'live', actions: ['replyInitOk'], source: [I, 645, 646] },
          { target: 'startingThread', source: [I, 645] },
        ],
      },
    },
    startingThread: {
      source: [I, 648],
      on: { 'module.step': [{ target: 'threadStarted', actions: ['kthreadRunForInit'], source: [I, 648] }] },
    },
    threadStarted: {
      source: [I, 649, 652],
      always: [
        { guard: 'hasCrashed', target: CRASHED, source: [I, 648] },
        {
          guard: 'isThreadPtrErr',
          target: 'unwindMemory',
          actions: ['replyThreadErr'],
          source: [I, 649, 651],
        },
        { target: 'live', actions: ['replyInitOk'], source: [I, 654] },
      ],
    },
    unwindMemory: {
      source: [I, 655, 657],
      on: {
        'module.step': [{ target: 'unwindReboot', actions: ['unwindMemoryAndSysfs'], source: [I, 655, 657] }],
      },
    },
    unwindReboot: {
      source: [I, 658, 659],
      on: {
        'module.step': [
          {
            guard: 'isRebootIdle',
            target: 'unwindOom',
            actions: ['unregisterRebootNotifier'],
            source: [I, 658, 659],
          },
        ],
      },
    },
    unwindOom: {
      source: [I, 660, 661],
      on: {
        'module.step': [
          {
            guard: 'isOomIdle',
            target: 'unwindCompaction',
            actions: ['unregisterOomNotifier'],
            source: [I, 660, 661],
          },
        ],
      },
    },
    unwindCompaction: {
      source: [I, 662, 664],
      on: {
        'module.step': [
          { target: 'failed', actions: ['compactionDeinit', 'failInit'], source: [I, 662, 664] },
        ],
      },
    },
    failed: { source: [I, 664] },
    live: {
      source: [I, 654],
      on: { 'module.exit': [{ guard: 'isLoadable', target: 'exitStopping', source: [X, 673, 674] }] },
    },
    exitStopping: {
      source: [X, 675, 676],
      on: {
        'module.step': [
          { guard: 'isThreadPtrErr', target: CRASHED, actions: ['oopsOnExitErrPtr'], source: [X, 675, 676] },
          {
            guard: 'hasThreadTask',
            target: 'exitWaiting',
            actions: ['requestThreadStop'],
            source: [X, 675, 676],
          },
          { target: 'exitUnregisteringOom', source: [X, 675] },
        ],
      },
    },
    exitWaiting: {
      source: [X, 676],
      on: {
        'module.step': [
          {
            guard: 'isThreadExited',
            target: 'exitUnregisteringOom',
            actions: ['reapThread'],
            source: [X, 676],
          },
        ],
      },
    },
    exitUnregisteringOom: {
      source: [X, 677],
      on: {
        'module.step': [
          {
            guard: 'isOomIdle',
            target: 'exitUnregisteringReboot',
            actions: ['unregisterOomNotifier'],
            source: [X, 677],
          },
        ],
      },
    },
    exitUnregisteringReboot: {
      source: [X, 678],
      on: {
        'module.step': [
          {
            guard: 'isRebootIdle',
            target: 'exitUnregisteringMemory',
            actions: ['unregisterRebootNotifier'],
            source: [X, 678],
          },
        ],
      },
    },
    exitUnregisteringMemory: {
      source: [X, 679],
      on: {
        'module.step': [
          { target: 'exitStartingFree', actions: ['unregisterMemoryNotifier'], source: [X, 679] },
        ],
      },
    },
    exitStartingFree: {
      source: [X, 680],
      on: { 'module.step': [{ target: 'exitFreeing', actions: ['beginExitFree'], source: [X, 680] }] },
    },
    ...freeLoop(
      'exit',
      'module.step',
      { target: 'exited', actions: [{ type: 'endFree', params: w('exit') }, 'finishExit'] },
      'exitFreeing',
    ),
    exited: { source: [X, 681, 683] },
  },
};

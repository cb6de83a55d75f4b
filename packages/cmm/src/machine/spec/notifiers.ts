/**
 * The notifier regions: `oom` (`cmm_oom_notify`, 214-227), `memory` (`cmm_memory_cb`,
 * 475-497, one atomic step per call) and `reboot` (`cmm_reboot_notifier`, 449-459), each
 * showing whether it is on its chain.
 *
 * @module
 */
import { CRASHED, freeLoop, w, type RegionSpec } from './types.js';

const O = 'cmm_oom_notify';

/** `cmm_oom_notify` (214-227). @category Machine */
export const OOM: RegionSpec = {
  region: 'oom',
  source: [O, 214, 227],
  initial: 'unregistered',
  step: 'oom.step',
  run: 'oom.run',
  states: {
    unregistered: {
      source: ['cmm_oom_nb', 281, 283],
      always: [{ guard: 'isOomRegistered', target: 'idle', source: ['cmm_init', 631] }],
    },
    idle: {
      source: [O, 214, 215],
      always: [{ guard: 'isOomUnregistered', target: 'unregistered', source: ['cmm_exit', 677] }],
      on: { 'oom.notify': [{ target: 'freeing', actions: ['beginOomFree'], source: [O, 217, 221] }] },
    },
    ...freeLoop('oom', 'oom.step', { target: 'accounting', actions: [] }),
    accounting: {
      source: [O, 222, 226],
      on: { 'oom.step': [{ target: 'idle', actions: ['oomAccount'], source: [O, 222, 226] }] },
    },
  },
};

const M = 'cmm_memory_cb';

/** `cmm_memory_cb` (475-497): each call is one atomic step. @category Machine */
export const MEMORY: RegionSpec = {
  region: 'memory',
  source: [M, 475, 497],
  initial: 'unregistered',
  states: {
    unregistered: {
      source: ['cmm_mem_nb', 499, 502],
      always: [{ guard: 'isMemoryRegistered', target: 'idle', source: ['cmm_init', 641] }],
    },
    idle: {
      source: [M, 475, 480],
      always: [{ guard: 'isMemoryUnregistered', target: 'unregistered', source: ['cmm_exit', 679] }],
      on: {
        'memory.notify': [
          {
            guard: 'isGoingOffline',
            target: 'offlining',
            actions: ['lockHotplugMutex', 'replyNotifyOk'],
            source: [M, 481, 484],
          },
          { guard: 'isOfflineEnd', target: 'idle', actions: ['unlockHotplugMutex'], source: [M, 485, 489] },
          { guard: 'isOnlineAction', target: 'idle', actions: ['replyNotifyOk'], source: [M, 490, 493] },
          { target: 'idle', actions: ['replyNotifyOk'], source: [M, 480, 496] },
        ],
      },
    },
    offlining: {
      source: [M, 482, 483],
      always: [{ guard: 'isMemoryUnregistered', target: 'unregistered', source: ['cmm_exit', 679] }],
      on: {
        'memory.notify': [
          {
            guard: 'isGoingOffline',
            target: CRASHED,
            actions: ['deadlockOnHotplugMutex'],
            source: [M, 481, 482],
          },
          { guard: 'isOfflineEnd', target: 'idle', actions: ['unlockHotplugMutex'], source: [M, 485, 489] },
          { guard: 'isOnlineAction', target: 'offlining', actions: ['replyNotifyOk'], source: [M, 490, 493] },
          { target: 'offlining', actions: ['replyNotifyOk'], source: [M, 480, 496] },
        ],
      },
    },
  },
};

const R = 'cmm_reboot_notifier';

/** `cmm_reboot_notifier` (449-459). @category Machine */
export const REBOOT: RegionSpec = {
  region: 'reboot',
  source: [R, 449, 459],
  initial: 'unregistered',
  step: 'reboot.step',
  run: 'reboot.run',
  states: {
    unregistered: {
      source: ['cmm_reboot_nb', 461, 463],
      always: [{ guard: 'isRebootRegistered', target: 'idle', source: ['cmm_init', 635] }],
    },
    idle: {
      source: [R, 449, 451],
      always: [{ guard: 'isRebootUnregistered', target: 'unregistered', source: ['cmm_exit', 678] }],
      on: {
        'reboot.notify': [
          { guard: 'isNotRestart', target: 'idle', actions: ['replyNotifyDone'], source: [R, 452, 458] },
          {
            guard: 'isThreadPtrErr',
            target: CRASHED,
            actions: ['beginReboot', 'oopsOnRebootErrPtr'],
            source: [R, 453, 454],
          },
          {
            guard: 'hasThreadTask',
            target: 'stoppingThread',
            actions: ['beginReboot', 'requestThreadStop'],
            source: [R, 452, 454],
          },
          {
            target: 'freeing',
            actions: ['beginReboot', 'clearThreadPtr', 'beginRebootFree'],
            source: [R, 452, 456],
          },
        ],
      },
    },
    stoppingThread: {
      source: [R, 454],
      on: {
        'reboot.step': [
          {
            guard: 'isThreadExited',
            target: 'freeing',
            actions: ['reapThread', 'clearThreadPtr', 'beginRebootFree'],
            source: [R, 454, 456],
          },
        ],
      },
    },
    ...freeLoop('reboot', 'reboot.step', {
      target: 'done',
      actions: [{ type: 'endFree', params: w('reboot') }, 'replyNotifyDone'],
    }),
    done: { source: [R, 457, 458] },
  },
};

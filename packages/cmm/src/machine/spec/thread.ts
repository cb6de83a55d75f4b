/**
 * The `thread` region: `cmm_thread` (292-334) with the `cmm_get_mpp` step, `cmm_alloc_pages`
 * (140-177) iteration by iteration, and the thread's own `cmm_free_pages` loop.
 *
 * @module
 */
import { CRASHED, freeLoop, w, type RegionSpec } from './types.js';

const T = 'cmm_thread';
const A = 'cmm_alloc_pages';

/** `cmm_thread` (292-334) with `cmm_get_mpp`, `cmm_alloc_pages` and its `cmm_free_pages`. @category Machine */
export const THREAD: RegionSpec = {
  region: 'thread',
  src: [T, 292, 334],
  initial: 'notRunning',
  step: 'thread.step',
  run: 'thread.run',
  states: {
    notRunning: {
      src: ['cmm_thread_ptr', 90],
      always: [
        { guard: 'isThreadStarted', target: 'sleeping', actions: ['startDelaySleep'], src: [T, 297, 298] },
      ],
    },
    sleeping: {
      src: [T, 298],
      on: {
        'thread.wake': [
          {
            guard: 'isStopRequested',
            target: 'exited',
            actions: ['endSleep', 'exitThread'],
            src: [T, 298, 301],
          },
          {
            guard: 'isHotplugMutexHeld',
            target: 'sleeping',
            actions: ['endSleep', 'logHotplugInProgress', 'startDelaySleep'],
            src: [T, 303, 321],
          },
          {
            guard: 'hasHotplugOccurred',
            target: 'hotplugSleeping',
            actions: ['endSleep', 'clearHotplugOccurred', 'startHotplugSleep'],
            src: [T, 303, 312],
          },
          { target: 'gettingMpp', actions: ['endSleep'], src: [T, 303, 317] },
        ],
      },
    },
    hotplugSleeping: {
      src: [T, 311, 312],
      on: {
        'thread.wake': [
          {
            guard: 'isStopRequested',
            target: 'exited',
            actions: ['endSleep', 'exitThread'],
            src: [T, 313, 314],
          },
          { target: 'sleeping', actions: ['endSleep', 'startDelaySleep'], src: [T, 315] },
        ],
      },
    },
    gettingMpp: {
      src: [T, 324],
      on: { 'thread.step': [{ target: 'mppQueried', actions: ['hGetMpp'], src: ['cmm_get_mpp', 239, 247] }] },
    },
    mppQueried: {
      src: ['cmm_get_mpp', 246, 256],
      always: [
        { guard: 'isMppFailed', target: 'deciding', src: ['cmm_get_mpp', 248, 249] },
        { target: 'deciding', actions: ['computeLoanTarget'], src: ['cmm_get_mpp', 250, 278] },
      ],
    },
    deciding: {
      src: [T, 326],
      on: { 'thread.step': [{ target: 'comparing', actions: ['readLoanedPages'], src: [T, 326] }] },
    },
    comparing: {
      src: [T, 327, 331],
      always: [
        { guard: 'isTargetAboveSnapshot', target: 'startingAlloc', src: [T, 327] },
        { guard: 'isTargetBelowSnapshot', target: 'startingFree', src: [T, 330] },
        { target: 'sleeping', actions: ['startDelaySleep'], src: [T, 297, 332] },
      ],
    },
    startingAlloc: {
      src: [T, 328],
      on: { 'thread.step': [{ target: 'allocating', actions: ['beginAlloc'], src: [T, 328] }] },
    },
    allocating: {
      src: [A, 147, 173],
      on: {
        'thread.step': [
          { guard: 'isAllocNrZero', target: 'allocReturned', src: [A, 147] },
          { guard: 'isHotplugMutexHeld', target: 'allocReturned', src: [A, 149, 157] },
          { guard: 'hasHotplugOccurred', target: 'allocReturned', src: [A, 149, 153] },
          { target: 'pageAllocated', actions: ['balloonPageAlloc'], src: [A, 149, 159] },
        ],
      },
    },
    pageAllocated: {
      src: [A, 159, 161],
      always: [
        { guard: 'isPageNull', target: 'allocReturned', src: [A, 160, 161] },
        { target: 'pageLoaning', actions: ['setPageLoaned'], src: [A, 162] },
      ],
    },
    pageLoaning: {
      src: [A, 162, 172],
      always: [
        { guard: 'isLoanFailed', target: 'allocReturned', actions: ['freeUnloanedPage'], src: [A, 163, 167] },
        {
          guard: 'isBalloonUninitialized',
          target: CRASHED,
          actions: ['oopsOnUninitializedEnqueue'],
          src: [A, 169],
        },
        { target: 'allocating', actions: ['enqueueLoanedPage'], src: [A, 169, 172] },
      ],
    },
    allocReturned: {
      src: [A, 175, 176],
      always: [
        {
          guard: 'isAllocShort',
          target: 'sleeping',
          actions: ['endAlloc', 'resetTargetToSnapshot', 'startDelaySleep'],
          src: [T, 328, 329],
        },
        { target: 'sleeping', actions: ['endAlloc', 'startDelaySleep'], src: [T, 328] },
      ],
    },
    startingFree: {
      src: [T, 331],
      on: { 'thread.step': [{ target: 'freeing', actions: ['beginThreadFree'], src: [T, 331] }] },
    },
    ...freeLoop('thread', 'thread.step', {
      target: 'sleeping',
      actions: [{ type: 'endFree', params: w('thread') }, 'startDelaySleep'],
    }),
    exited: {
      src: [T, 333],
      always: [{ guard: 'isThreadReaped', target: 'notRunning', src: [T, 333] }],
    },
  },
};

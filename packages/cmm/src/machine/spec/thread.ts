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
  source: [T, 292, 334],
  initial: 'notRunning',
  step: 'thread.step',
  run: 'thread.run',
  states: {
    notRunning: {
      source: ['cmm_thread_ptr', 90],
      always: [
        { guard: 'isThreadStarted', target: 'sleeping', actions: ['startDelaySleep'], source: [T, 297, 298] },
      ],
    },
    sleeping: {
      source: [T, 298],
      on: {
        'thread.wake': [
          {
            guard: 'isStopRequested',
            target: 'exited',
            actions: ['endSleep', 'exitThread'],
            source: [T, 298, 301],
          },
          {
            guard: 'isHotplugMutexHeld',
            target: 'sleeping',
            actions: ['endSleep', 'logHotplugInProgress', 'startDelaySleep'],
            source: [T, 303, 321],
          },
          {
            guard: 'hasHotplugOccurred',
            target: 'hotplugSleeping',
            actions: ['endSleep', 'clearHotplugOccurred', 'startHotplugSleep'],
            source: [T, 303, 312],
          },
          { target: 'gettingMpp', actions: ['endSleep'], source: [T, 303, 317] },
        ],
      },
    },
    hotplugSleeping: {
      source: [T, 311, 312],
      on: {
        'thread.wake': [
          {
            guard: 'isStopRequested',
            target: 'exited',
            actions: ['endSleep', 'exitThread'],
            source: [T, 313, 314],
          },
          { target: 'sleeping', actions: ['endSleep', 'startDelaySleep'], source: [T, 315] },
        ],
      },
    },
    gettingMpp: {
      source: [T, 324],
      on: {
        'thread.step': [{ target: 'mppQueried', actions: ['hGetMpp'], source: ['cmm_get_mpp', 239, 247] }],
      },
    },
    mppQueried: {
      source: ['cmm_get_mpp', 246, 256],
      always: [
        { guard: 'isMppFailed', target: 'deciding', source: ['cmm_get_mpp', 248, 249] },
        { target: 'deciding', actions: ['computeLoanTarget'], source: ['cmm_get_mpp', 250, 278] },
      ],
    },
    deciding: {
      source: [T, 326],
      on: { 'thread.step': [{ target: 'comparing', actions: ['readLoanedPages'], source: [T, 326] }] },
    },
    comparing: {
      source: [T, 327, 331],
      always: [
        { guard: 'isTargetAboveSnapshot', target: 'startingAlloc', source: [T, 327] },
        { guard: 'isTargetBelowSnapshot', target: 'startingFree', source: [T, 330] },
        { target: 'sleeping', actions: ['startDelaySleep'], source: [T, 297, 332] },
      ],
    },
    startingAlloc: {
      source: [T, 328],
      on: { 'thread.step': [{ target: 'allocating', actions: ['beginAlloc'], source: [T, 328] }] },
    },
    allocating: {
      source: [A, 147, 173],
      on: {
        'thread.step': [
          { guard: 'isAllocNrZero', target: 'allocReturned', source: [A, 147] },
          { guard: 'isHotplugMutexHeld', target: 'allocReturned', source: [A, 149, 157] },
          { guard: 'hasHotplugOccurred', target: 'allocReturned', source: [A, 149, 153] },
          { target: 'pageAllocated', actions: ['balloonPageAlloc'], source: [A, 149, 159] },
        ],
      },
    },
    pageAllocated: {
      source: [A, 159, 161],
      always: [
        { guard: 'isPageNull', target: 'allocReturned', source: [A, 160, 161] },
        { target: 'pageLoaning', actions: ['setPageLoaned'], source: [A, 162] },
      ],
    },
    pageLoaning: {
      source: [A, 162, 172],
      always: [
        {
          guard: 'isLoanFailed',
          target: 'allocReturned',
          actions: ['freeUnloanedPage'],
          source: [A, 163, 167],
        },
        {
          guard: 'isBalloonUninitialized',
          target: CRASHED,
          actions: ['oopsOnUninitializedEnqueue'],
          source: [A, 169],
        },
        { target: 'allocating', actions: ['enqueueLoanedPage'], source: [A, 169, 172] },
      ],
    },
    allocReturned: {
      source: [A, 175, 176],
      always: [
        {
          guard: 'isAllocShort',
          target: 'sleeping',
          actions: ['endAlloc', 'resetTargetToSnapshot', 'startDelaySleep'],
          source: [T, 328, 329],
        },
        { target: 'sleeping', actions: ['endAlloc', 'startDelaySleep'], source: [T, 328] },
      ],
    },
    startingFree: {
      source: [T, 331],
      on: { 'thread.step': [{ target: 'freeing', actions: ['beginThreadFree'], source: [T, 331] }] },
    },
    ...freeLoop('thread', 'thread.step', {
      target: 'sleeping',
      actions: [{ type: 'endFree', params: w('thread') }, 'startDelaySleep'],
    }),
    exited: {
      source: [T, 333],
      always: [{ guard: 'isThreadReaped', target: 'notRunning', source: [T, 333] }],
    },
  },
};

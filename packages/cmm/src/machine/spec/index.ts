/**
 * The CMM chart as data: for each thread of control (region) its states, and for each state its
 * transitions in the C's order, each with the guard and actions it takes (names from
 * `registry.ts`) and the seed lines it models. `machine.ts` turns this into the XState machine;
 * `run.ts` interprets the same table to run a region until it blocks (the facade's fast path),
 * so the chart and a run cannot disagree.
 *
 * Transitions under `on` are atomic steps taken by an event (an entry event, or the region's
 * step event); `always` transitions follow at once in the same step (the branches after a call
 * whose outcome they test). `CRASHED` is the machine's top-level `crashed` state.
 *
 * @module
 */
import type { CmmEventType } from '../../events.js';
import { MODULE } from './module.js';
import { MEMORY, OOM, REBOOT } from './notifiers.js';
import { PARAM } from './param.js';
import { THREAD } from './thread.js';
import type { RegionSpec, TransitionSpec } from './types.js';

export { CRASHED, freeLoop } from './types.js';
export type { Ref, Src, TransitionSpec, StateSpec, RegionSpec } from './types.js';
export { THREAD } from './thread.js';
export { OOM, MEMORY, REBOOT } from './notifiers.js';
export { PARAM } from './param.js';
export { MODULE } from './module.js';

/** The regions, in the order of the parallel state. @category Machine */
export const REGIONS: readonly RegionSpec[] = [MODULE, THREAD, OOM, MEMORY, REBOOT, PARAM];

/** Events handled by the whole kernel (atomic, in any configuration): sysfs stores and the hypervisor's policy. @category Machine */
export const KERNEL_EVENTS: Readonly<Partial<Record<CmmEventType, readonly TransitionSpec[]>>> = {
  'sysfs.store': [
    { guard: 'isSysfsAttrMissing', actions: ['replySysfsEnoent'], source: ['cmm_sysfs_register', 410, 419] },
    { guard: 'isSysfsAttrReadOnly', actions: ['replySysfsEacces'], source: ['CMM_SHOW(loaned_kb)', 345] },
    {
      guard: 'isSysfsWriterUnprivileged',
      actions: ['replySysfsEacces'],
      source: ['DEVICE_ATTR(oom_freed_kb)', 369, 370],
    },
    {
      guard: 'isSysfsWriteTooLong',
      actions: ['replySysfsE2big'],
      source: ['DEVICE_ATTR(oom_freed_kb)', 369, 370],
    },
    {
      guard: 'isOomFreedStoreWithoutCap',
      actions: ['replySysfsEperm'],
      source: ['store_oom_pages', 358, 361],
    },
    {
      guard: 'isOomFreedStoreNonZero',
      actions: ['replySysfsEbadmsg'],
      source: ['store_oom_pages', 362, 363],
    },
    { guard: 'isOomFreedStore', actions: ['resetOomFreedPages'], source: ['store_oom_pages', 365, 366] },
    {
      guard: 'isSimulateStoreInvalid',
      actions: ['replySimulateStoreError'],
      source: ['DEVICE_ULONG_ATTR(simulate_loan_target_kb)', 378, 379],
    },
    { actions: ['storeSimulateTarget'], source: ['DEVICE_ULONG_ATTR(simulate_loan_target_kb)', 378, 379] },
  ],
  'hv.loanRequest': [{ actions: ['setHvLoanRequest'], source: ['cmm_get_mpp', 247, 252] }],
  'hv.loanTarget': [{ actions: ['setHvLoanTarget'], source: ['cmm_get_mpp', 247, 252] }],
};

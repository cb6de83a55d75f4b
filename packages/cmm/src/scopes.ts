/**
 * The scopes the checker explores: a tiny partition, its parameters and faults, and which entry
 * points the environment may call, how often and when. One scope passes with every invariant
 * the seed guarantees (`steady`, and `lifecycle` and `exit` for the disable switch, reboot and
 * rmmod); each other one is the smallest environment that exhibits one finding.
 *
 * @module
 */
import type { CmmOptions } from './kernel.js';

/** Who may call what, how often. @category Checking */
export interface CmmScope {
  readonly name: string;
  readonly description: string;
  /** Partition pages (4 KiB). */
  readonly pages: number;
  readonly options?: Omit<CmmOptions, 'pool' | 'live'>;
  /** Hypervisor loan targets (in pages) the environment may switch to, and how often. */
  readonly loanTargets?: readonly number[];
  readonly maxLoanChanges?: number;
  /**
   * OOM notifications: how many, and when: `always`; `within` (only when the request fits the
   * balloon, so CMM-1 is not hit); `quiet` (within, while the thread sleeps and nothing else is
   * under way, and nothing else steps until the notifier returns).
   */
  readonly oom?: { readonly max: number; readonly when: 'always' | 'within' | 'quiet' };
  /** Memory offline operations: `balanced` (GOING_OFFLINE then OFFLINE or CANCEL_OFFLINE) or `vetoAbove` (only the CANCEL_OFFLINE after a higher-priority veto). */
  readonly offline?: { readonly max: number; readonly mode: 'balanced' | 'vetoAbove' };
  readonly reboot?: boolean;
  /** The reboot notifier may be called while cmm_init runs (default: only once it is live). */
  readonly rebootDuringInit?: boolean;
  /**
   * A polite environment (default true): the reboot notifier, a parameter write or rmmod starts
   * only while no cmm_free_pages loop runs and no other of them is under way, and nothing but
   * the hypervisor and the OOM killer acts once the reboot notifier is done.
   */
  readonly serial?: boolean;
  readonly exit?: boolean;
  /** Parameter writes offered, at most `max`, optionally while init runs. */
  readonly params?: {
    readonly max: number;
    readonly writes: readonly { readonly name: string; readonly value: string }[];
    readonly duringInit?: boolean;
  };
  /** Sysfs stores offered, at most `max`. */
  readonly sysfs?: {
    readonly max: number;
    readonly writes: readonly { readonly attr: string; readonly value: string }[];
  };
}

/** The scopes, by name. @category Checking */
export const CMM_SCOPES = {
  steady: {
    name: 'steady',
    description:
      'A 3-page partition: the hypervisor switches the loan target between 0 and 2 pages twice; one balanced memory offline; one OOM when the balloon can give it alone, nobody else frees and the thread is not in its loops; one oom_freed_kb reset; one reboot once the module is live.',
    pages: 3,
    options: { params: { oom_kb: 4 } },
    loanTargets: [0, 2],
    maxLoanChanges: 2,
    oom: { max: 1, when: 'quiet' },
    offline: { max: 1, mode: 'balanced' },
    reboot: true,
    sysfs: { max: 1, writes: [{ attr: 'oom_freed_kb', value: '0' }] },
  },
  lifecycle: {
    name: 'lifecycle',
    description:
      'A 2-page partition, target 1 page: disable=1 and disable=0 written in any order, one reboot once live.',
    pages: 2,
    loanTargets: [1],
    maxLoanChanges: 1,
    reboot: true,
    params: {
      max: 2,
      writes: [
        { name: 'disable', value: '1' },
        { name: 'disable', value: '0' },
      ],
    },
  },
  rebootDuringInit: {
    name: 'rebootDuringInit',
    description: 'Target 1 page; the reboot notifier (SYS_RESTART) may run while cmm_init is still running.',
    pages: 2,
    loanTargets: [1],
    maxLoanChanges: 1,
    reboot: true,
    rebootDuringInit: true,
  },
  exit: {
    name: 'exit',
    description: 'A 3-page partition inflated to 2 pages, then rmmod (cmm_exit) racing an OOM.',
    pages: 3,
    options: { params: { oom_kb: 4 } },
    loanTargets: [2],
    maxLoanChanges: 1,
    oom: { max: 1, when: 'quiet' },
    exit: true,
  },
  oomUnderfull: {
    name: 'oomUnderfull',
    description: 'Default oom_kb (1024 KiB = 256 pages) on a 4-page partition: one OOM, any time.',
    pages: 4,
    loanTargets: [1],
    maxLoanChanges: 1,
    oom: { max: 1, when: 'always' },
  },
  concurrentFrees: {
    name: 'concurrentFrees',
    description:
      'oom_kb 4 (one page): one OOM whose request fits the balloon when it starts, while the thread deflates from 2 pages to 0.',
    pages: 3,
    options: { params: { oom_kb: 4 } },
    loanTargets: [2, 0],
    maxLoanChanges: 2,
    oom: { max: 1, when: 'within' },
  },
  noCompaction: {
    name: 'noCompaction',
    description: 'Built without CONFIG_BALLOON_COMPACTION, target 1 page.',
    pages: 2,
    options: { balloonCompaction: false },
    loanTargets: [1],
    maxLoanChanges: 1,
  },
  oomDuringInflation: {
    name: 'oomDuringInflation',
    description:
      'oom_kb 4: the target rises from 1 to 3 pages; one OOM that the balloon can give at any point of the round.',
    pages: 4,
    options: { params: { oom_kb: 4 } },
    loanTargets: [1, 3],
    maxLoanChanges: 2,
    oom: { max: 1, when: 'within' },
  },
  allocShortfall: {
    name: 'allocShortfall',
    description: 'Target 2 pages; the second balloon_page_alloc fails.',
    pages: 3,
    options: { faults: [{ op: 'balloon_page_alloc', nth: 2, rc: 0 }] },
    loanTargets: [2],
    maxLoanChanges: 1,
  },
  targetReread: {
    name: 'targetReread',
    description: 'oom_kb 4: the target goes 1 then 2 pages; one OOM that fits, at any point.',
    pages: 3,
    options: { params: { oom_kb: 4 } },
    loanTargets: [1, 2],
    maxLoanChanges: 2,
    oom: { max: 1, when: 'within' },
  },
  kthreadRunFailure: {
    name: 'kthreadRunFailure',
    description: 'The second kthread_run fails (-ENOMEM): disable=1 then disable=0.',
    pages: 2,
    options: { faults: [{ op: 'kthread_run', nth: 2, rc: -12 }] },
    params: {
      max: 2,
      writes: [
        { name: 'disable', value: '1' },
        { name: 'disable', value: '0' },
      ],
    },
    reboot: true,
  },
  vetoedOffline: {
    name: 'vetoedOffline',
    description:
      'A higher-priority memory notifier vetoes MEM_GOING_OFFLINE: CMM sees only MEM_CANCEL_OFFLINE.',
    pages: 2,
    offline: { max: 1, mode: 'vetoAbove' },
  },
  oomKbRewritten: {
    name: 'oomKbRewritten',
    description: 'oom_kb 4 with a write of oom_kb=8 racing one OOM; target 1 page.',
    pages: 2,
    options: { params: { oom_kb: 4 } },
    loanTargets: [1],
    maxLoanChanges: 1,
    oom: { max: 1, when: 'within' },
    params: { max: 1, writes: [{ name: 'oom_kb', value: '8' }] },
    serial: false,
  },
  setActiveFailure: {
    name: 'setActiveFailure',
    description:
      'The first H_PAGE_INIT(H_PAGE_SET_ACTIVE) fails (H_HARDWARE); target 1 page then 0; a reboot.',
    pages: 2,
    options: { faults: [{ op: 'H_PAGE_INIT.active', nth: 1, rc: -1 }] },
    loanTargets: [1, 0],
    maxLoanChanges: 2,
  },
  minMemWrap: {
    name: 'minMemWrap',
    description: 'min_mem_mb = 2^44 (16 EiB, more than the partition) on a 2-page partition; target 2 pages.',
    pages: 2,
    options: { params: { min_mem_mb: 1n << 44n } },
    loanTargets: [2],
    maxLoanChanges: 1,
  },
  disableDuringInit: {
    name: 'disableDuringInit',
    description: 'disable=1 may be written while cmm_init runs (the parameter file exists from load).',
    pages: 2,
    params: { max: 1, writes: [{ name: 'disable', value: '1' }], duringInit: true },
  },
} as const satisfies Record<string, CmmScope>;

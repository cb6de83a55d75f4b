/**
 * The check models of the CMM chart: each a scope (`scopes.ts`: a tiny partition, the
 * parameters, the faults, and which entry points the environment may call how often) turned
 * into a bounded alphabet over single atomic steps, so the checker interleaves the thread with the notifiers,
 * parameter writes and sysfs stores exactly where the C lets them in. Bounds live here, never
 * in the machine.
 *
 * Every scope starts from an unloaded module; the alphabet offers `module.init` first, then
 * `module.step` until init is done (notifiers and writes may already come in once registered,
 * where the scope allows it). The checker explores kernels in `lowest` free order so that the
 * page numbers a state holds follow from the state (the facade's pools are LIFO).
 *
 * @module
 */
import type { CheckConfig, MachineCheckModel, Sentinel } from '@kspec/spec-kit';
import { PagePool } from '@kspec/shared-memory';
import type { MemoryAction } from './constants.js';
import type { CmmEvent } from './events.js';
import { cmmFindings } from './findings.js';
import { GUARANTEED_INVARIANTS, cmmInvariants, regionOf, type CmmSnapshot } from './invariants.js';
import type { CmmOptions, Kernel } from './kernel.js';
import { projectKernel } from './kernel-copy.js';
import { cmmMachine } from './machine/machine.js';
import { CMM_SCOPES, type CmmScope } from './scopes.js';

/** A CMM check model. @category Checking */
export type CmmCheckModel = MachineCheckModel<typeof cmmMachine>;

const INIT_STATES = new Set([
  'firmwareCheck',
  'compactionInit',
  'registeringOom',
  'registeringReboot',
  'registeringSysfs',
  'registeringMemory',
  'checkingDisabled',
  'startingThread',
  'unwindMemory',
  'unwindReboot',
  'unwindOom',
  'unwindCompaction',
]);
const EXIT_STATES = new Set([
  'exitStopping',
  'exitWaiting',
  'exitUnregisteringOom',
  'exitUnregisteringReboot',
  'exitUnregisteringMemory',
  'exitStartingFree',
  'exitFreeing',
]);
const SLEEPING = new Set(['sleeping', 'hotplugSleeping']);
const IDLE_THREAD = new Set(['notRunning', 'exited', ...SLEEPING]);
const QUIET_THREAD = new Set(['notRunning', 'exited', 'sleeping', 'hotplugSleeping']);

const count = (k: Kernel, e: string): number => k.ghost.events[e] ?? 0;
const oomRequest = (k: Kernel): number => k.oomKb >>> (k.cfg.pageShift - 10);
const otherFreers = (k: Kernel): boolean => Object.values(k.free).some((f) => f !== null);

/**
 * The bounded alphabet of a scope.
 * @category Checking
 */
export function cmmAlphabet(scope: CmmScope): (s: CmmSnapshot) => readonly CmmEvent[] {
  const pageSize = 1 << (scope.options?.pageShift ?? 12);
  return (s) => {
    if (s.status !== 'active') return [];
    const k = s.context.k;
    const out: CmmEvent[] = [];
    const mod = regionOf(s, 'module');
    if (mod === 'unloaded') return [{ type: 'module.init' }];
    if (INIT_STATES.has(mod) || EXIT_STATES.has(mod)) out.push({ type: 'module.step' });
    const live = mod === 'live';
    const thread = regionOf(s, 'thread');
    if (SLEEPING.has(thread)) out.push({ type: 'thread.wake' });
    else if (!IDLE_THREAD.has(thread)) out.push({ type: 'thread.step' });

    const oom = regionOf(s, 'oom');
    // a quiet OOM runs alone, from start to end
    if ((oom === 'freeing' || oom === 'accounting') && scope.oom?.when === 'quiet')
      return [{ type: 'oom.step' }];
    if (oom === 'freeing' || oom === 'accounting') out.push({ type: 'oom.step' });
    else if (oom === 'idle' && scope.oom && count(k, 'oom') < scope.oom.max) {
      const within = oomRequest(k) <= k.balloon.length;
      const quiet =
        !otherFreers(k) &&
        QUIET_THREAD.has(thread) &&
        live &&
        regionOf(s, 'param') === 'idle' &&
        ['idle', 'unregistered', 'done'].includes(regionOf(s, 'reboot'));
      const ok = scope.oom.when === 'always' || (within && (scope.oom.when === 'within' || quiet));
      if (ok) out.push({ type: 'oom.notify' });
    }

    const mem = regionOf(s, 'memory');
    if (scope.offline && (mem === 'idle' || mem === 'offlining')) {
      const ops = count(k, 'memory') + count(k, 'memoryVeto');
      const act = (action: MemoryAction) => out.push({ type: 'memory.notify', action });
      if (mem === 'offlining') {
        act('OFFLINE');
        act('CANCEL_OFFLINE');
      } else if (ops < scope.offline.max)
        act(scope.offline.mode === 'balanced' ? 'GOING_OFFLINE' : 'CANCEL_OFFLINE');
    }

    const reboot = regionOf(s, 'reboot');
    const param = regionOf(s, 'param');
    const calm =
      scope.serial === false ||
      (!otherFreers(k) &&
        ['idle', 'unregistered'].includes(reboot) &&
        param === 'idle' &&
        !EXIT_STATES.has(mod));
    if (reboot === 'stoppingThread' || reboot === 'freeing') out.push({ type: 'reboot.step' });
    else if (
      scope.reboot &&
      calm &&
      reboot === 'idle' &&
      count(k, 'reboot') === 0 &&
      (live || scope.rebootDuringInit === true)
    )
      out.push({ type: 'reboot.notify', action: 'RESTART' });

    if (param === 'disableStopping' || param === 'disableFreeing') out.push({ type: 'param.step' });
    else if (
      scope.params &&
      param === 'idle' &&
      calm &&
      (scope.serial === false || reboot !== 'done') &&
      count(k, 'param') < scope.params.max &&
      (live || (scope.params.duringInit === true && INIT_STATES.has(mod)))
    ) {
      for (const w of scope.params.writes) out.push({ type: 'param.set', name: w.name, value: w.value });
    }

    if (scope.sysfs && live && count(k, 'sysfs') < scope.sysfs.max)
      for (const w of scope.sysfs.writes) out.push({ type: 'sysfs.store', attr: w.attr, value: w.value });

    if (scope.loanTargets && count(k, 'hv') < (scope.maxLoanChanges ?? 2)) {
      const now = k.hv.policy;
      for (const p of scope.loanTargets) {
        const bytes = BigInt(p * pageSize);
        if (now.kind !== 'target' || now.bytes !== bytes)
          out.push({ type: 'hv.loanTarget', bytes: String(bytes) });
      }
    }
    if (scope.exit && live && calm && thread !== 'notRunning') out.push({ type: 'module.exit' });
    return out;
  };
}

/** The pure kernel a scope starts from. @category Checking */
export function scopeInput(scope: CmmScope): CmmOptions {
  const pageShift = scope.options?.pageShift ?? 12;
  return {
    ...scope.options,
    pool: new PagePool({
      ramBytes: scope.pages << pageShift,
      pageSize: (1 << pageShift) as 4096 | 65536,
      freeOrder: 'lowest',
    }),
    params: { min_mem_mb: 0, delay: 1, ...scope.options?.params },
    live: false,
    logLimit: 0,
  };
}

const sentinels: Sentinel<CmmSnapshot>[] = [
  {
    name: 'balloonInflated',
    statement: 'The balloon holds a page.',
    reached: (s) => s.context.k.balloon.length > 0,
  },
  {
    name: 'balloonDeflated',
    statement: 'A page went back to the kernel.',
    reached: (s) =>
      s.context.k.balloon.length < s.context.k.loanedPagesTarget || (s.context.k.free.thread?.freed ?? 0) > 0,
  },
];

function model(scope: CmmScope, configs: readonly CheckConfig[], withSentinels = false): CmmCheckModel {
  return {
    kind: 'machine',
    name: `cmm/${scope.name}`,
    machine: cmmMachine,
    input: scopeInput(scope),
    alphabet: cmmAlphabet(scope),
    project: (s) => projectKernel(s.context.k),
    invariants: cmmInvariants,
    ...(withSentinels ? { sentinels } : {}),
    findings: cmmFindings,
    configs,
  };
}

const finding = (
  id: string,
  invariant: string,
  description: string,
  states: number,
  depth: number,
  maxDepth: number,
): CheckConfig => ({
  name: id,
  description,
  bounds: { maxDepth, maxStates: 200_000 },
  invariants: [invariant],
  deadlock: false,
  expect: { verdict: 'findings', findings: [id], states, depth },
});

/** The passing configuration of the steady scope (every seed guarantee, explored completely). @category Checking */
export const STEADY_GUARANTEES: CheckConfig = {
  name: 'steadyGuarantees',
  description:
    'Every interleaving of the steady scope: the invariants the seed guarantees hold, and so do noKernelBug, freeRequestsWithinBalloon, afterRebootNothingLoaned and hotplugMutexUnlockedByHolder while the environment keeps to the quiet OOM and balanced offlines. Quiescent ends (budget spent, module failed) are not deadlocks.',
  bounds: { maxStates: 400_000 },
  invariants: [
    ...GUARANTEED_INVARIANTS,
    'noKernelBug',
    'kernelPagesNotLoaned',
    'hotplugMutexUnlockedByHolder',
    'threadPointerNullOrLive',
    'oomRequestWithinBalloon',
    'freeRequestsWithinBalloon',
    'afterRebootNothingLoaned',
    'balloonInitializedBeforeUse',
    'oomFreedCountsPagesFreed',
    'targetLeavesMinMem',
  ],
  deadlock: false,
  expect: { verdict: 'pass', states: 4934, depth: 46 },
};

/**
 * The check models and their configurations.
 * @category Checking
 */
export const cmmCheckModels: readonly CmmCheckModel[] = [
  model(CMM_SCOPES.steady, [STEADY_GUARANTEES], true),
  model(CMM_SCOPES.lifecycle, [
    {
      name: 'lifecycleGuarantees',
      description:
        'disable and enable in any order and a reboot: the guarantees hold, the thread pointer stays valid.',
      bounds: { maxStates: 100_000 },
      invariants: [
        ...GUARANTEED_INVARIANTS,
        'noKernelBug',
        'kernelPagesNotLoaned',
        'threadPointerNullOrLive',
        'freeRequestsWithinBalloon',
        'afterRebootNothingLoaned',
        'disabledMeansNoThread',
      ],
      deadlock: false,
      expect: { verdict: 'pass', states: 260, depth: 25 },
    },
  ]),
  model(CMM_SCOPES.exit, [
    {
      name: 'exitGuarantees',
      description:
        'rmmod after inflating, with an OOM racing: exit stops the thread, unregisters, frees everything.',
      bounds: { maxStates: 100_000 },
      invariants: [
        ...GUARANTEED_INVARIANTS,
        'noKernelBug',
        'kernelPagesNotLoaned',
        'freeRequestsWithinBalloon',
      ],
      deadlock: false,
      expect: { verdict: 'pass', states: 149, depth: 31 },
    },
  ]),
  model(CMM_SCOPES.oomUnderfull, [
    finding(
      'CMM-1',
      'oomRequestWithinBalloon',
      'An OOM on a balloon holding fewer than KB2PAGES(oom_kb) pages.',
      56,
      16,
      16,
    ),
  ]),
  model(CMM_SCOPES.concurrentFrees, [
    finding(
      'CMM-2',
      'freeRequestsWithinBalloon',
      'The OOM notifier frees while the thread deflates.',
      597,
      40,
      40,
    ),
  ]),
  model(CMM_SCOPES.noCompaction, [
    finding(
      'CMM-3',
      'balloonInitializedBeforeUse',
      'The first inflation without CONFIG_BALLOON_COMPACTION.',
      30,
      14,
      24,
    ),
  ]),
  model(CMM_SCOPES.oomDuringInflation, [
    finding(
      'CMM-4',
      'inflationWithinTarget',
      'An OOM lowers the target while the thread inflates.',
      1204,
      40,
      40,
    ),
  ]),
  model(CMM_SCOPES.allocShortfall, [
    finding(
      'CMM-5',
      'shortfallResetsTargetToAchieved',
      'A partial inflation resets the target to the pre-round count.',
      32,
      15,
      24,
    ),
  ]),
  model(CMM_SCOPES.targetReread, [
    finding(
      'CMM-6',
      'allocRequestPositive',
      'An OOM between the two reads of loaned_pages_target.',
      982,
      40,
      40,
    ),
  ]),
  model(CMM_SCOPES.kthreadRunFailure, [
    finding('CMM-7', 'threadPointerNullOrLive', 'A failed kthread_run in cmm_set_disable.', 74, 16, 30),
  ]),
  model(CMM_SCOPES.vetoedOffline, [
    finding(
      'CMM-8',
      'hotplugMutexUnlockedByHolder',
      'MEM_CANCEL_OFFLINE without MEM_GOING_OFFLINE.',
      21,
      13,
      20,
    ),
  ]),
  model(CMM_SCOPES.oomKbRewritten, [
    finding('CMM-9', 'oomFreedCountsPagesFreed', 'oom_kb written while the OOM notifier runs.', 261, 30, 30),
  ]),
  model(CMM_SCOPES.setActiveFailure, [
    finding('CMM-10', 'kernelPagesNotLoaned', 'A failed H_PAGE_SET_ACTIVE on deflation.', 101, 22, 30),
  ]),
  model(CMM_SCOPES.minMemWrap, [
    finding('CMM-11', 'targetLeavesMinMem', 'min_mem_mb * 1024 * 1024 wraps.', 28, 14, 24),
  ]),
  model(CMM_SCOPES.disableDuringInit, [
    finding('CMM-12', 'disabledMeansNoThread', 'disable=1 written between lines 645 and 648.', 49, 14, 24),
  ]),
  model(CMM_SCOPES.rebootDuringInit, [
    finding(
      'CMM-13',
      'afterRebootNothingLoaned',
      'SYS_RESTART between lines 635 and 648 of cmm_init.',
      126,
      22,
      30,
    ),
  ]),
];

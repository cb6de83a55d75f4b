/**
 * The check models of `@kspec/shmif` for `@kspec/verify`: bus scenarios over
 * {@link shmifBusSystemMachine} (a peer writer and one full interface on a tiny bus) and a
 * lifecycle model over {@link shmifInterfaceMachine}. Each model carries its named check
 * configurations (like TLC `.cfg` files): the fast passing one, and one per finding, bounded
 * at the depth of the finding's shortest trace and checking only the finding's invariant.
 *
 * @module
 */
import type { CheckConfig, Finding, Invariant, MachineCheckModel } from '@kspec/spec-kit';
import { createBusImage, busImageApply, setMagic } from '@kspec/shared-memory';
import { IFLINKSTR_QUERYLEN, IFLINKSTR_UNSET } from './constants.js';
import type { ShmifEvent } from './context.js';
import { SHMIF_FINDINGS } from './findings.js';
import { createShmifContext } from './init.js';
import { SHMIF_INVARIANTS, ifnetState } from './invariants.js';
import type { ShmifSnapshot } from './invariants.js';
import { shmifBusSystemMachine, shmifInterfaceMachine } from './machine/machines.js';
import { hostWithBuses, imageHostPort } from './ports.js';
import {
  SCENARIO_BUS,
  encodeShmifContext,
  projectShmifContext,
  scenarioAlphabet,
  scenarioContext,
} from './scenario.js';
import type { BusScenario } from './scenario.js';

/** A shmif check model (over either machine). @category Checking */
export type ShmifCheckModel =
  MachineCheckModel<typeof shmifBusSystemMachine> | MachineCheckModel<typeof shmifInterfaceMachine>;

const BASE: BusScenario = {
  dataSize: 200,
  peerLens: [14],
  prefill: 1,
  peerFrames: 0,
  ownFrames: 0,
  ups: 1,
  downs: 0,
  destroy: false,
  unset: false,
};

/**
 * The scenarios, by model name.
 * @category Checking
 */
export const SHMIF_SCENARIOS = Object.freeze({
  /** No wrap, one frame already on the bus: every property holds. */
  steadyState: { ...BASE, peerFrames: 2, ownFrames: 1 },
  /** Attach to a bus nobody has written yet. */
  freshBus: { ...BASE, prefill: 0, peerFrames: 1 },
  /** Down and up again (no wrap). */
  downUp: { ...BASE, peerFrames: 1, ups: 2, downs: 1 },
  /** Attach right after the newest frame ended exactly at the end of the data area. */
  attachAfterWrap: { ...BASE, dataSize: 64, prefill: 2, peerFrames: 2 },
  /** Frames of two lengths overrun a reader attached before the wrap. */
  overrunResync: { ...BASE, dataSize: 80, peerLens: [14, 15], prefill: 1, peerFrames: 4 },
  /** Down and up again while frames wrap. */
  downUpWrap: { ...BASE, dataSize: 64, prefill: 1, peerFrames: 3, ups: 2, downs: 1 },
  /** Destroy a running interface. */
  destroyRace: { ...BASE, destroy: true },
  /** Bring it down and unset its link string. */
  unsetRace: { ...BASE, downs: 1, unset: true },
} satisfies Record<string, BusScenario>);

function findingsFor(ids: readonly string[]): Finding[] {
  return ids.map((id) => {
    const f = SHMIF_FINDINGS.find((x) => x.id === id);
    if (f === undefined) throw new Error(`shmif check: no finding ${id}`);
    return f;
  });
}

/** The configuration that exhibits finding `id`: its invariant only, bounded at its trace's depth. */
function findingConfig(id: string): CheckConfig {
  const f = findingsFor([id])[0]!;
  const depth = f.trace?.length || 60;
  return {
    name: f.id,
    description: `${f.title} (exhibits ${f.id}: ${f.invariant})`,
    bounds: { maxDepth: depth, maxStates: 200_000, timeBudgetMs: 60_000 },
    invariants: [f.invariant],
    // Bounded at the trace's depth, the scenario often ends with every thread asleep: that is
    // the end of the bounded alphabet, not a deadlock of the seed.
    deadlock: false,
    expect: { verdict: 'findings', findings: [f.id] },
  };
}

function busModel(
  name: keyof typeof SHMIF_SCENARIOS,
  findingIds: readonly string[],
  extraConfigs: readonly CheckConfig[] = [],
): MachineCheckModel<typeof shmifBusSystemMachine> {
  const sc = SHMIF_SCENARIOS[name];
  return {
    kind: 'machine',
    name: `shmif.${name}`,
    machine: shmifBusSystemMachine,
    input: { context: scenarioContext(sc) },
    alphabet: scenarioAlphabet(sc) as MachineCheckModel<typeof shmifBusSystemMachine>['alphabet'],
    project: (s) => projectShmifContext(s.context),
    encode: (s, w) => encodeShmifContext(s.context, w),
    invariants: SHMIF_INVARIANTS as readonly Invariant<ShmifSnapshot>[],
    findings: findingsFor(findingIds),
    configs: [...extraConfigs, ...findingIds.map(findingConfig)],
  };
}

/**
 * The fast passing configuration: the steady-state scenario explored completely, every
 * invariant holding.
 * @category Checking
 */
export const STEADY_STATE_PASSES: CheckConfig = {
  name: 'steadyStatePasses',
  description:
    'A peer sends two frames and the interface one, no wrap, no lifecycle calls after up: every invariant holds in every interleaving. ' +
    'The scenario ends with nothing left to send and the receiver asleep on the write watch (the budget is spent), so deadlock is not checked.',
  bounds: { maxStates: 100_000, timeBudgetMs: 60_000 },
  deadlock: false,
  expect: { verdict: 'pass', states: 4614, depth: 37 },
};

/**
 * The bus-scenario models.
 * @category Checking
 */
export const shmifBusModels: readonly MachineCheckModel<typeof shmifBusSystemMachine>[] = [
  busModel('steadyState', [], [STEADY_STATE_PASSES]),
  busModel('freshBus', ['SHMIF-1']),
  busModel('downUp', ['SHMIF-2']),
  busModel('attachAfterWrap', ['SHMIF-3']),
  busModel('overrunResync', ['SHMIF-4', 'SHMIF-5']),
  busModel('downUpWrap', ['SHMIF-6']),
  busModel('destroyRace', ['SHMIF-7']),
  busModel('unsetRace', ['SHMIF-8']),
];

/** A bus file whose magic is not `SHMIF_MAGIC` (for `ENOEXEC`). @category Checking */
export const FOREIGN_FILE = '/notbus';

/**
 * The initial context of the lifecycle model: one interface slot, a fresh bus file and a
 * foreign file.
 * @category Checking
 */
export function lifecycleContext(dataSize = 64) {
  const host = imageHostPort({ dataSize });
  const foreign = busImageApply(createBusImage(dataSize), (mem) => setMagic(mem, 0xdeadbeef)).image;
  return createShmifContext({
    host,
    hostState: hostWithBuses({ [SCENARIO_BUS]: createBusImage(dataSize), [FOREIGN_FILE]: foreign }),
    interfaces: 1,
    ghostPath: SCENARIO_BUS,
    mclbytes: 32,
  });
}

const STEP_IFNET: ShmifEvent = { type: 'ifnet.step' };
const STEP_RCV: ShmifEvent = { type: 'rcv.step' };

/**
 * The lifecycle alphabet: create on the bus, on a foreign file or without a path; while
 * attached (never up) the link-string ioctls and destroy.
 * @category Checking
 */
export function lifecycleAlphabet(s: ShmifSnapshot): readonly ShmifEvent[] {
  if (s.value === 'panicked') return [];
  const st = ifnetState(s);
  const me = s.context.ifs[0]!;
  const out: ShmifEvent[] = [];
  if (st === 'unattached') {
    out.push(
      { type: 'if.create', path: SCENARIO_BUS },
      { type: 'if.create', path: FOREIGN_FILE },
      { type: 'if.create' },
    );
  } else if (st === 'attached') {
    out.push({ type: 'ioctl.SIOCGLINKSTR', cmd: IFLINKSTR_QUERYLEN, len: 0 });
    out.push({ type: 'ioctl.SIOCGLINKSTR', cmd: 0, len: 4 });
    if (me.backfile === null)
      out.push({ type: 'ioctl.SIOCSLINKSTR', cmd: 0, len: SCENARIO_BUS.length + 1, path: SCENARIO_BUS });
    else out.push({ type: 'ioctl.SIOCSLINKSTR', cmd: IFLINKSTR_UNSET, len: 0 });
    out.push({ type: 'if.destroy' });
  } else if (st === 'attaching' || st === 'initbackend' || st === 'unclone') out.push(STEP_IFNET);
  out.push(STEP_RCV);
  return out;
}

/**
 * The lifecycle model: create / clone-free attach paths, ioctls and destroy of one interface.
 * @category Checking
 */
export const shmifLifecycleModel: MachineCheckModel<typeof shmifInterfaceMachine> = {
  kind: 'machine',
  name: 'shmif.lifecycle',
  machine: shmifInterfaceMachine,
  input: { context: lifecycleContext() },
  alphabet: lifecycleAlphabet as MachineCheckModel<typeof shmifInterfaceMachine>['alphabet'],
  project: (s) => projectShmifContext(s.context),
  encode: (s, w) => encodeShmifContext(s.context, w),
  invariants: SHMIF_INVARIANTS as readonly Invariant<ShmifSnapshot>[],
  findings: findingsFor(['SHMIF-9', 'SHMIF-10']),
  configs: [findingConfig('SHMIF-9'), findingConfig('SHMIF-10')],
};

/**
 * Every check model of the package.
 * @category Checking
 */
export const SHMIF_MODELS: readonly ShmifCheckModel[] = [...shmifBusModels, shmifLifecycleModel];

/**
 * The check models of `@kspec/usb-gadget` for `@kspec/verify`, one per scope (scope.ts), with
 * their named configurations (like TLC `.cfg` files): a passing one per controller and build
 * (every enumeration order of the bounded alphabet explored completely), a passing one over
 * the bind's failure paths, and one per finding, bounded at the depth of its shortest trace
 * and checking only the finding's invariant.
 *
 * @module
 */
import type { CheckConfig, Finding, Invariant, MachineCheckModel } from '@kspec/spec-kit';
import { CONTROLLERS, type Controller } from './controllers.js';
import { GADGET_FINDINGS } from './findings.js';
import { GADGET_INVARIANTS, type GadgetSnapshot } from './invariants.js';
import { gadgetMachine } from './machine/machine.js';
import type { FaultOp } from './model/types.js';
import { FAULT_OPS } from './ports.js';
import { projectGadgetContext, scopeAlphabet, scopeContext, type GadgetScope } from './scope.js';

/** A g_ether check model. @category Checking */
export type GadgetCheckModel = MachineCheckModel<typeof gadgetMachine>;

/**
 * A controller the preset table does not know (`usb_gadget_controller_number` -ENOENT, so
 * bcdDevice 0x0399), dual speed, with three named endpoints.
 * @category Checking
 */
export const UNKNOWN_CONTROLLER: Controller = Object.freeze({
  name: 'kspec_udc',
  dualspeed: true,
  otg: false,
  ep0Maxpacket: 64,
  endpoints: Object.freeze([
    Object.freeze({ name: 'ep1in-bulk', maxpacket: 512 }),
    Object.freeze({ name: 'ep2out-bulk', maxpacket: 512 }),
    Object.freeze({ name: 'ep3in-int', maxpacket: 64 }),
  ]),
});

const faults = (ops: readonly FaultOp[], upTo: number) =>
  ops.flatMap((op) => Array.from({ length: upTo }, (_, k) => ({ op, nth: k + 1 })));
const BIND_FAULTS = FAULT_OPS.filter((o) => o !== 'usb_string_id');

/** A re-bind scope: bound on `first`, the controller removed, then net2280 added (udc-core 'rebind'). */
const rebind = (first: Controller, extra: Partial<GadgetScope>): GadgetScope => ({
  controller: first,
  build: { udcCore: 'rebind' },
  udcRemove: true,
  rebindTo: CONTROLLERS.net2280,
  interfaces: false,
  bus: false,
  ...extra,
});

/**
 * The scopes, by model name.
 * @category Checking
 */
export const GADGET_SCOPES = Object.freeze({
  ecm: { controller: CONTROLLERS.net2280, configValues: [0, 1], net: true },
  subset: { controller: CONTROLLERS.pxa25x, configValues: [0, 1], net: true },
  rndis: { controller: CONTROLLERS.net2280, build: { rndis: true }, net: true },
  otg: { controller: CONTROLLERS.musbOtg, configValues: [0, 1], net: true },
  unknown: { controller: UNKNOWN_CONTROLLER, configValues: [0, 1], net: true },
  bindFaults: {
    controller: CONTROLLERS.net2280,
    build: { rndis: true },
    faults: faults(BIND_FAULTS, 4),
    interfaces: false,
    bus: false,
  },
  subsetFaults: {
    controller: CONTROLLERS.pxa25x,
    configValues: [0, 1],
    faults: faults(BIND_FAULTS, 3),
    interfaces: false,
    bus: false,
  },
  stringIds: {
    controller: CONTROLLERS.net2280,
    build: { rndis: true },
    faults: faults(['usb_string_id'], 7),
    interfaces: false,
    bus: false,
  },
  setConfiguration: { controller: CONTROLLERS.net2280, configValues: [0, 1, 2] },
  epEnable: { controller: CONTROLLERS.net2280, configValues: [0, 1], faults: faults(['usb_ep_enable'], 3) },
  builtIn: {
    controller: CONTROLLERS.net2280,
    configValues: [0, 1],
    build: { builtIn: true },
    udcRemove: true,
  },
  'rebind.subsetToEcm': rebind(CONTROLLERS.pxa25x, { configValues: [0, 1] }),
  'rebind.otgToPlain': rebind(CONTROLLERS.musbOtg, { configValues: [0, 1] }),
  'rebind.rndisSubsetToEcm': rebind(CONTROLLERS.pxa25x, { build: { udcCore: 'rebind', rndis: true } }),
} satisfies Record<string, GadgetScope>);

/** A model name of {@link GADGET_SCOPES}. @category Checking */
export type GadgetScopeName = keyof typeof GADGET_SCOPES;

function findingsFor(ids: readonly string[]): Finding[] {
  return ids.map((id) => {
    const f = GADGET_FINDINGS.find((x) => x.id === id);
    if (!f) throw new Error(`usb-gadget check: no finding ${id}`);
    return f;
  });
}

/** The configuration that exhibits finding `id`: its invariant only, bounded at its trace's depth. */
function findingConfig(id: string): CheckConfig {
  const f = findingsFor([id])[0]!;
  return {
    name: f.id,
    description: `${f.title} (exhibits ${f.id}: ${f.invariant}). The bounded alphabet runs out once the module is gone, so deadlock is not checked.`,
    bounds: { maxDepth: f.trace?.length || 12, maxStates: 100_000, timeBudgetMs: 60_000 },
    invariants: [f.invariant],
    deadlock: false,
    expect: { verdict: 'findings', findings: [f.id] },
  };
}

const ALL = GADGET_INVARIANTS.map((i) => i.name);
const except = (...names: string[]) => ALL.filter((n) => !names.includes(n));

/** A passing configuration explored completely (states and depth pinned). */
function passConfig(
  name: string,
  description: string,
  states: number,
  depth: number,
  invariants?: readonly string[],
): CheckConfig {
  return {
    name,
    description: `${description} The alphabet offers one load and ends with the host's last request, so deadlock is not checked.`,
    bounds: { maxStates: 100_000, timeBudgetMs: 60_000 },
    ...(invariants ? { invariants } : {}),
    deadlock: false,
    expect: { verdict: 'pass', states, depth },
  };
}

function model(
  name: GadgetScopeName,
  findingIds: readonly string[],
  extra: readonly CheckConfig[],
): GadgetCheckModel {
  const scope: GadgetScope = GADGET_SCOPES[name];
  return {
    kind: 'machine',
    name: `usb-gadget.${name}`,
    machine: gadgetMachine,
    input: { context: scopeContext(scope) },
    alphabet: scopeAlphabet(scope) as GadgetCheckModel['alphabet'],
    project: (s) => projectGadgetContext(s.context),
    invariants: GADGET_INVARIANTS as readonly Invariant<GadgetSnapshot>[],
    findings: findingsFor(findingIds),
    configs: [...extra, ...findingIds.map(findingConfig)],
  };
}

/**
 * The fast passing configuration: net2280 with ECM, every enumeration order of the bounded
 * alphabet, every invariant.
 * @category Checking
 */
export const ECM_ENUMERATION_PASSES: CheckConfig = passConfig(
  'ecmEnumerationPasses',
  'net2280 (ECM): load, connect, reset, address, descriptors, SET_CONFIGURATION 0/1 in every order, data altsetting 0/1, notifications, usb0 up/down, suspend/resume/reset/disconnect: every invariant holds.',
  153,
  12,
);

/**
 * Every check model of the package.
 * @category Checking
 */
export const GADGET_MODELS: readonly GadgetCheckModel[] = [
  model('ecm', [], [ECM_ENUMERATION_PASSES]),
  model(
    'subset',
    [],
    [
      passConfig(
        'subsetEnumerationPasses',
        'pxa25x (CDC Subset/SAFE): every enumeration order; the link comes up with the configuration.',
        25,
        8,
      ),
    ],
  ),
  model(
    'rndis',
    ['USBG-6'],
    [
      passConfig(
        'rndisEnumerationPasses',
        'net2280 with RNDIS: both configurations, RNDIS INITIALIZE / SET filter / HALT / responses / notifications in every order; every invariant but the one USBG-6 violates.',
        1705,
        26,
        except('carrierOnlyWithOpenDataPath'),
      ),
    ],
  ),
  model(
    'otg',
    [],
    [
      passConfig(
        'otgEnumerationPasses',
        'MUSB in OTG mode: the OTG descriptor and remote wakeup in the configuration; every enumeration order.',
        153,
        12,
      ),
    ],
  ),
  model(
    'unknown',
    [],
    [
      passConfig(
        'unknownControllerPasses',
        'An unknown controller (bcdDevice 0x0399, the warning path): ECM on named endpoints; every enumeration order.',
        153,
        12,
      ),
    ],
  ),
  model(
    'bindFaults',
    [],
    [
      passConfig(
        'failedBindsLeaveNothing',
        'net2280 with RNDIS: each of the first four calls of every fallible environment function but usb_string_id may fail once; every failed bind leaves nothing registered and every successful one enumerates.',
        288,
        8,
        [
          'contextWellFormed',
          'failedBindLeavesNothingRegistered',
          'noKernelOops',
          'rndisConfigurationFirst',
          'descriptorLengthsConsistent',
          'unbindLeavesNothingRegistered',
        ],
      ),
    ],
  ),
  model('subsetFaults', ['USBG-8'], []),
  model('stringIds', ['USBG-9'], []),
  model('setConfiguration', ['USBG-7'], []),
  model('epEnable', ['USBG-5'], []),
  model('builtIn', ['USBG-4'], []),
  model('rebind.subsetToEcm', ['USBG-1'], []),
  model('rebind.otgToPlain', ['USBG-2'], []),
  model('rebind.rndisSubsetToEcm', ['USBG-3'], []),
];

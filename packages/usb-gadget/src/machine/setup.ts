/**
 * The one `setup()` of the g_ether machine: every guard and action by name, each a thin
 * wrapper over a pure function of `src/model/` named after the C it models (`eth_bind`'s steps
 * in `model/ether.ts`, composite.c in `model/composite-*.ts`, ...), so the exports keep them
 * and the conformance helper can check them.
 *
 * @module
 */
import { assign, setup } from 'xstate';
import { USB_DIR_IN, USB_DT, USB_RECIP_INTERFACE, USB_RECIP_MASK, USB_REQ } from '../constants.js';
import {
  armEnvFault,
  bulkIn,
  bulkOut,
  busDisconnect,
  busReset,
  busSuspend,
  controlTransfer,
  interruptIn,
  netXmit,
  udcSetAddress,
} from '../model/bus.js';
import {
  compositeBindFailed,
  compositeBindFinish,
  compositeBindStart,
  ethBindAddEthConfig,
  ethBindAddRndisConfig,
  ethBindAnnounce,
  ethBindChooseLink,
  ethBindControllerNumber,
  ethBindFail,
  ethBindManufacturer,
  ethBindManufacturerId,
  ethBindProductId,
  ethBindRndisIds,
  ethBindSetupLink,
  hasRndis,
  moduleCleanup,
  moduleInit,
  moduleLoadFailed,
  udcRebind,
  udcRemove,
} from '../model/ether.js';
import type { GadgetEvent, SetupPacket } from '../model/events.js';
import { ethOpen, ethStop } from '../model/functions.js';
import type { GadgetContext } from '../model/types.js';

/** The input of the machine: its initial context (build it with `createGadgetContext`). @category Machine */
export interface GadgetInput {
  readonly context: GadgetContext;
}

type Args = { readonly context: GadgetContext; readonly event: GadgetEvent };
type G = (args: Args) => boolean;

const setupOf = (e: GadgetEvent): SetupPacket | null => (e.type === 'host.setup' ? e : null);
const onSetup =
  (f: (p: SetupPacket) => boolean): G =>
  ({ event }) => {
    const p = setupOf(event);
    return p !== null && f(p);
  };
const isGetDescriptor = (p: SetupPacket, types: readonly number[]) =>
  p.bRequest === USB_REQ.GET_DESCRIPTOR && p.bmRequestType === USB_DIR_IN && types.includes(p.wValue >> 8);

/** An assign over the whole context. */
const step = (f: (ctx: GadgetContext, e: GadgetEvent) => GadgetContext) =>
  assign<GadgetContext, GadgetEvent, undefined, GadgetEvent, never>(({ context, event }) =>
    f(context, event),
  );
const on = (f: (ctx: GadgetContext) => GadgetContext) => step((c) => f(c));
const transfer = step((c, e) => (e.type === 'host.setup' ? controlTransfer(c, e) : c));

/**
 * The shared setup: types, guards and actions.
 * @category Machine
 */
export const gadgetSetup = setup({
  types: {} as { context: GadgetContext; events: GadgetEvent; input: GadgetInput },
  guards: {
    hasNoController: (({ context }) => context.udc === null) as G,
    isCdevAllocFailed: (({ context }) => context.status < 0 && context.cdev === null) as G,
    isStatusNegative: (({ context }) => context.status < 0) as G,
    hasOopsed: (({ context }) => context.ghost.oops !== null) as G,
    isRebinding: (({ context }) => context.rebinding) as G,
    hasNoRndis: (({ context }) => !hasRndis(context)) as G,
    isBuiltIn: (({ context }) => context.build.builtIn) as G,
    isRebindingUdcCore: (({ context }) => context.build.udcCore === 'rebind') as G,
    isConfigured: (({ context }) => context.cdev?.config != null) as G,
    hasAddress: (({ context }) => context.bus.address !== 0) as G,
    isSetAddress: onSetup((p) => p.bmRequestType === 0 && p.bRequest === USB_REQ.SET_ADDRESS),
    isGetDeviceDescriptor: onSetup((p) => isGetDescriptor(p, [USB_DT.DEVICE, USB_DT.DEVICE_QUALIFIER])),
    isGetConfigDescriptor: onSetup((p) => isGetDescriptor(p, [USB_DT.CONFIG, USB_DT.OTHER_SPEED_CONFIG])),
    isGetStringDescriptor: onSetup((p) => isGetDescriptor(p, [USB_DT.STRING])),
    isSetConfiguration: onSetup((p) => p.bRequest === USB_REQ.SET_CONFIGURATION),
    isInterfaceRequest: onSetup((p) => (p.bmRequestType & USB_RECIP_MASK) === USB_RECIP_INTERFACE),
  },
  actions: {
    // module load and the bind (eth_bind's steps, composite_bind around them)
    loadModule: on(moduleInit),
    failLoadWithoutController: on((c) => moduleLoadFailed({ ...c, result: -19 })),
    startCompositeBind: on(compositeBindStart),
    setUpLink: on(ethBindSetupLink),
    chooseLink: on(ethBindChooseLink),
    useRndisIds: on(ethBindRndisIds),
    numberController: on(ethBindControllerNumber),
    writeManufacturer: on(ethBindManufacturer),
    allocateManufacturerId: on(ethBindManufacturerId),
    allocateProductId: on(ethBindProductId),
    addRndisConfig: on((c) => (hasRndis(c) ? ethBindAddRndisConfig(c) : c)),
    addEthConfig: on(ethBindAddEthConfig),
    announce: on(ethBindAnnounce),
    cleanUpLink: on(ethBindFail),
    finishCompositeBind: on(compositeBindFinish),
    unbindFailedBind: on((c) => compositeBindFailed(c, true)),
    returnFailedBind: on((c) => compositeBindFailed(c, false)),
    freeModuleImage: on(moduleLoadFailed),
    cleanupModule: on(moduleCleanup),
    // the controller
    removeController: on(udcRemove),
    attachController: step((c, e) => (e.type === 'udc.add' ? { ...c, controller: e.controller } : c)),
    detachController: on((c) => ({ ...c, controller: null })),
    rebindController: step((c, e) =>
      e.type === 'udc.add' ? udcRebind({ ...c, controller: e.controller }) : c,
    ),
    // the host
    resetBus: step((c, e) => (e.type === 'host.reset' ? busReset(c, e.speed) : c)),
    disconnectBus: on(busDisconnect),
    suspendBus: on((c) => busSuspend(c, true)),
    resumeBus: on((c) => busSuspend(c, false)),
    setAddress: step((c, e) => (e.type === 'host.setup' ? udcSetAddress(c, e) : c)),
    getDeviceDescriptor: transfer,
    getConfigDescriptor: transfer,
    getStringDescriptor: transfer,
    setConfiguration: transfer,
    interfaceRequest: transfer,
    otherRequest: transfer,
    readInterrupt: on(interruptIn),
    readBulk: on(bulkIn),
    writeBulk: step((c, e) => (e.type === 'host.bulkOut' ? bulkOut(c, e.data) : c)),
    // usb0
    openNet: on(ethOpen),
    closeNet: on(ethStop),
    transmitFrame: step((c, e) => (e.type === 'net.xmit' ? netXmit(c, e.frame) : c)),
    // the checker
    armFault: step((c, e) => (e.type === 'env.fail' ? armEnvFault(c, e.op, e.nth, e.errno) : c)),
  },
});

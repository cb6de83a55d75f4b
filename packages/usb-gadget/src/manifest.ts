/**
 * The `SubsystemManifest` of `@kspec/usb-gadget`: its machine (for export and docs, with the
 * `lsusb -v` dumps of the four pinned cases and a configfs script on its page), its check
 * models, invariants and findings.
 *
 * @module
 */
import type { ChartAppendix, SubsystemManifest } from '@kspec/spec-kit';
import { GADGET_MODELS, UNKNOWN_CONTROLLER } from './check.js';
import { SEED } from './constants.js';
import { CONTROLLERS, type Controller } from './controllers.js';
import { descriptorSet } from './device.js';
import { configfsScript } from './export/configfs.js';
import { lsusbVerbose } from './export/lsusb.js';
import { GADGET_FINDINGS } from './findings.js';
import { GADGET_INVARIANTS } from './invariants.js';
import { gadgetMachine } from './machine/machine.js';
import { loadModule } from './model/bind.js';
import { createGadgetContext } from './model/context.js';
import { SCOPE_PARAMS } from './scope.js';
import { REQ } from './requests.js';

/**
 * The four cases the tests pin, as bound on a fresh module (MACs from SCOPE_PARAMS), at high
 * speed on dual-speed controllers.
 * @category Manifest
 */
export const PINNED_CASES: readonly {
  readonly title: string;
  readonly controller: Controller;
  readonly rndis: boolean;
}[] = Object.freeze([
  { title: 'net2280, CDC ECM', controller: CONTROLLERS.net2280, rndis: false },
  { title: 'pxa25x, CDC Subset/SAFE', controller: CONTROLLERS.pxa25x, rndis: false },
  {
    title: 'net2280 with CONFIG_USB_ETH_RNDIS: RNDIS then ECM',
    controller: CONTROLLERS.net2280,
    rndis: true,
  },
  { title: 'an unknown controller (bcdDevice 0x0399)', controller: UNKNOWN_CONTROLLER, rndis: false },
]);

/**
 * A pinned case bound and reset to its speed (the context a host then reads).
 * @category Manifest
 */
export function boundCase(controller: Controller, rndis: boolean) {
  const r = loadModule(createGadgetContext({ controller, build: { rndis }, params: SCOPE_PARAMS }));
  const c = r.ctx;
  return {
    ...c,
    bus: {
      address: 2,
      speed: controller.dualspeed ? ('high' as const) : ('full' as const),
      suspended: false,
    },
  };
}

function appendix(): ChartAppendix[] {
  const out: ChartAppendix[] = PINNED_CASES.map(({ title, controller, rndis }) => ({
    title: `lsusb -v: ${title}`,
    description: `What a host reads from the bound gadget (${controller.name}${rndis ? ', RNDIS' : ''}), from the descriptor bytes the model returns.`,
    text: lsusbVerbose(descriptorSet(boundCase(controller, rndis))!),
  }));
  out.push({
    title: 'configfs: net2280 with RNDIS',
    description: 'The same gadget on a current kernel through configfs (libcomposite).',
    text: configfsScript(boundCase(CONTROLLERS.net2280, true)),
  });
  return out;
}

const setup = (p: ReturnType<(typeof REQ)['getDevice']>) => ({ type: 'host.setup', ...p });

/**
 * What `@kspec/usb-gadget` publishes.
 * @category Manifest
 */
export const manifest: SubsystemManifest = {
  package: '@kspec/usb-gadget',
  name: 'usb-gadget',
  title: 'Linux g_ether composite gadget: ECM / CDC Subset (SAFE) / RNDIS (ether.c, ~2.6.31)',
  seed: SEED,
  machines: [
    {
      name: 'gEther',
      machine: gadgetMachine,
      description:
        'One g_ether module: init and eth_bind step by step (gether_setup, the ECM/Subset choice and the device descriptor it rewrites, bcdDevice, string ids, the RNDIS and Ethernet configurations, every failure path), then the device on the bus in chapter 9 states with the host enumerating it through the composite core, the controller going away, and cleanup.',
      input: {
        context: createGadgetContext({
          controller: CONTROLLERS.net2280,
          build: { rndis: true },
          params: SCOPE_PARAMS,
        }),
      },
      sampleEvents: [
        { type: 'module.load' },
        { type: 'host.connect' },
        { type: 'host.reset', speed: 'high' },
        setup(REQ.getDevice(64)),
        setup(REQ.setAddress(2)),
        setup(REQ.getConfig(0, 255)),
        setup(REQ.getString(1)),
        setup(REQ.setConfiguration(1)),
        setup(REQ.setInterface(1, 1)),
        setup(REQ.setConfiguration(2)),
        { type: 'host.interruptIn' },
        { type: 'net.open' },
        { type: 'host.disconnect' },
        { type: 'udc.remove' },
        { type: 'module.unload' },
      ],
      appendix: appendix(),
    },
  ],
  // Monitor<S, E>.observe is contravariant in E, so typed models need a widening cast here.
  models: GADGET_MODELS as unknown as SubsystemManifest['models'],
  invariants: GADGET_INVARIANTS,
  findings: GADGET_FINDINGS,
};

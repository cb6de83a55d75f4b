/**
 * The g_ether statechart (`gadgetMachine`, id `gEther`): one module's life.
 *
 * - `unloaded` -> `module.load` -> `loading`: `init` (seed 385-388) registers the composite
 *   driver; the controller's `usb_gadget_register_driver` calls composite_bind, which calls
 *   `eth_bind` (277-365). `loading.ethBind` is a chain of eventless states, one per step of
 *   eth_bind in the C order, each with its failure transition: `settingUpLink` (gether_setup,
 *   283-286), `choosingLink` (288-300), `choosingRndisIds` (302-307), `numberingController`
 *   (309-323), `writingManufacturer` (331-333), `allocatingManufacturerId` (334-338),
 *   `allocatingProductId` (340-344), `addingRndisConfig` (346-351), `addingEthConfig`
 *   (353-355), `announcing` (357-360) and `failing` (362-364). A failed bind goes through
 *   composite_unbind back to `unloaded` (module init failed: the image is freed), or, when the
 *   udc-core re-binds, to `loaded.unbound`.
 * - `loaded.bound`: the device on the bus, in chapter 9 states (`detached`, `attached`,
 *   `powered.defaultState`, `powered.addressed`, `powered.configured`) with the host's control
 *   transfers handled through composite_setup; `udc.remove` unbinds; `module.unload` runs
 *   `cleanup` (391-394).
 * - `oopsed`: the kernel dereferenced NULL or freed memory (ghost.oops says where).
 *
 * Abstractions: a control transfer is one step (SETUP, data and status stages together); the
 * controller acks SET_ADDRESS itself. Everything the seed calls but does not define
 * (composite.c, the function drivers, u_ether.c, epautoconf.c) is a pure model function in
 * `src/model/`, cited here by the seed line that calls it.
 *
 * @module
 */
import { src } from '@kspec/spec-kit';
import { SEED } from '../constants.js';
import { gadgetSetup } from './setup.js';

/** `meta` citing lines `first..last` of C function (or initialised datum) `fn` of the seed. */
const source = (fn: string, first: number, last: number = first) => ({ source: src(SEED, fn, first, last) });

/** One eventless bind step: the C statement as entry action, then its failure branch and the next step. */
function bindStep<E extends string>(entry: E, first: number, last: number, next: string, failTo?: string) {
  return {
    entry,
    meta: source('eth_bind', first, last),
    always: [
      { guard: 'hasOopsed' as const, target: '#gEther.oopsed', meta: source('eth_bind', first, last) },
      ...(failTo
        ? [{ guard: 'isStatusNegative' as const, target: failTo, meta: source('eth_bind', first, last) }]
        : []),
      { target: next, meta: source('eth_bind', first, last) },
    ],
  };
}

const FAILING = '#gEther.loading.ethBind.failing';
const DRV = (first: number, last: number = first) => source('eth_driver', first, last);

/**
 * The g_ether machine.
 * @category Machine
 */
export const gadgetMachine = gadgetSetup.createMachine({
  id: 'gEther',
  context: ({ input }) => input.context,
  initial: 'unloaded',
  meta: source('init', 385, 388),
  states: {
    unloaded: {
      meta: source('init', 385, 388),
      on: {
        'module.load': { target: 'loading', actions: 'loadModule', meta: source('init', 385, 388) },
        'udc.add': { actions: 'attachController', meta: DRV(373, 379) },
        'udc.remove': { actions: 'detachController', meta: DRV(373, 379) },
        'env.fail': { actions: 'armFault', meta: source('eth_bind', 277, 365) },
      },
    },
    loading: {
      meta: source('init', 387),
      initial: 'registering',
      states: {
        registering: {
          meta: source('init', 387),
          always: [
            {
              guard: 'hasNoController',
              target: '#gEther.unloaded',
              actions: 'failLoadWithoutController',
              meta: source('init', 387),
            },
            { target: 'compositeBinding', meta: source('init', 387) },
          ],
        },
        compositeBinding: {
          entry: 'startCompositeBind',
          meta: DRV(377),
          always: [
            { guard: 'isCdevAllocFailed', target: 'returningFailure', meta: DRV(377) },
            { guard: 'isStatusNegative', target: 'unbindingAfterFailure', meta: DRV(377) },
            { target: 'ethBind', meta: DRV(377) },
          ],
        },
        ethBind: {
          meta: source('eth_bind', 277, 365),
          initial: 'settingUpLink',
          states: {
            settingUpLink: bindStep(
              'setUpLink',
              283,
              286,
              'choosingLink',
              '#gEther.loading.unbindingAfterFailure',
            ),
            choosingLink: bindStep('chooseLink', 288, 300, 'choosingRndisIds'),
            choosingRndisIds: bindStep('useRndisIds', 302, 307, 'numberingController'),
            numberingController: bindStep('numberController', 309, 323, 'writingManufacturer'),
            writingManufacturer: bindStep('writeManufacturer', 326, 333, 'allocatingManufacturerId'),
            allocatingManufacturerId: bindStep(
              'allocateManufacturerId',
              334,
              338,
              'allocatingProductId',
              FAILING,
            ),
            allocatingProductId: bindStep('allocateProductId', 340, 344, 'addingRndisConfig', FAILING),
            addingRndisConfig: bindStep('addRndisConfig', 346, 351, 'addingEthConfig', FAILING),
            addingEthConfig: bindStep('addEthConfig', 353, 355, 'announcing', FAILING),
            announcing: bindStep('announce', 357, 360, '#gEther.loading.finishingBind'),
            failing: bindStep('cleanUpLink', 362, 364, '#gEther.loading.unbindingAfterFailure'),
          },
        },
        finishingBind: {
          entry: 'finishCompositeBind',
          meta: DRV(375, 376),
          always: { target: '#gEther.loaded', meta: DRV(375, 376) },
        },
        unbindingAfterFailure: {
          entry: 'unbindFailedBind',
          meta: DRV(378),
          always: [
            { guard: 'isRebinding', target: '#gEther.loaded.unbound', meta: DRV(378) },
            { target: '#gEther.unloaded', actions: 'freeModuleImage', meta: DRV(378) },
          ],
        },
        returningFailure: {
          entry: 'returnFailedBind',
          meta: DRV(377),
          always: [
            { guard: 'isRebinding', target: '#gEther.loaded.unbound', meta: DRV(377) },
            { target: '#gEther.unloaded', actions: 'freeModuleImage', meta: DRV(377) },
          ],
        },
      },
    },
    loaded: {
      meta: DRV(373, 379),
      initial: 'bound',
      on: {
        'net.open': { actions: 'openNet', meta: source('eth_bind', 284) },
        'net.close': { actions: 'closeNet', meta: source('eth_bind', 284) },
        'net.xmit': { actions: 'transmitFrame', meta: source('eth_bind', 284) },
        'env.fail': { actions: 'armFault', meta: source('eth_bind', 277, 365) },
        'module.unload': [
          { guard: 'isBuiltIn', meta: DRV(378) },
          { target: '#gEther.unloading', meta: source('cleanup', 391, 394) },
        ],
      },
      states: {
        bound: {
          meta: DRV(373, 379),
          initial: 'detached',
          on: {
            'udc.remove': { target: 'unbound', actions: 'removeController', meta: DRV(378) },
            'host.disconnect': { target: '.detached', actions: 'disconnectBus', meta: DRV(373, 379) },
          },
          states: {
            detached: {
              meta: DRV(373, 379),
              on: { 'host.connect': { target: 'attached', meta: DRV(373, 379) } },
            },
            attached: {
              meta: DRV(373, 379),
              on: { 'host.reset': { target: 'powered', actions: 'resetBus', meta: DRV(373, 379) } },
            },
            powered: {
              meta: DRV(373, 379),
              initial: 'defaultState',
              on: {
                'host.reset': { target: '.defaultState', actions: 'resetBus', meta: DRV(373, 379) },
                'host.suspend': { actions: 'suspendBus', meta: DRV(373, 379) },
                'host.resume': { actions: 'resumeBus', meta: DRV(373, 379) },
                'host.setup': [
                  { guard: 'isSetAddress', target: '.addressed', actions: 'setAddress', meta: DRV(373, 379) },
                  {
                    guard: 'isGetDeviceDescriptor',
                    actions: 'getDeviceDescriptor',
                    meta: source('device_desc', 155, 177),
                  },
                  {
                    guard: 'isGetConfigDescriptor',
                    actions: 'getConfigDescriptor',
                    meta: source('eth_bind', 346, 355),
                  },
                  {
                    guard: 'isGetStringDescriptor',
                    actions: 'getStringDescriptor',
                    meta: source('strings_dev', 202, 206),
                  },
                  {
                    guard: 'isSetConfiguration',
                    target: '.settingConfiguration',
                    actions: 'setConfiguration',
                    meta: source('eth_config_driver', 267, 273),
                  },
                  {
                    guard: 'isInterfaceRequest',
                    actions: 'interfaceRequest',
                    meta: source('eth_do_config', 261, 264),
                  },
                  { actions: 'otherRequest', meta: DRV(373, 379) },
                ],
              },
              states: {
                defaultState: { meta: DRV(373, 379) },
                addressed: { meta: DRV(373, 379) },
                settingConfiguration: {
                  meta: source('eth_config_driver', 267, 273),
                  always: [
                    { guard: 'hasOopsed', target: '#gEther.oopsed', meta: source('eth_do_config', 252, 265) },
                    {
                      guard: 'isConfigured',
                      target: 'configured',
                      meta: source('eth_config_driver', 267, 273),
                    },
                    { guard: 'hasAddress', target: 'addressed', meta: source('eth_config_driver', 267, 273) },
                    { target: 'defaultState', meta: source('eth_config_driver', 267, 273) },
                  ],
                },
                configured: {
                  meta: source('eth_config_driver', 267, 273),
                  on: {
                    'host.interruptIn': { actions: 'readInterrupt', meta: source('eth_do_config', 261, 264) },
                    'host.bulkIn': { actions: 'readBulk', meta: source('eth_do_config', 261, 264) },
                    'host.bulkOut': { actions: 'writeBulk', meta: source('eth_do_config', 261, 264) },
                  },
                },
              },
            },
          },
        },
        unbound: {
          meta: DRV(378),
          on: {
            'udc.add': [
              {
                guard: 'isRebindingUdcCore',
                target: '#gEther.loading.compositeBinding',
                actions: 'rebindController',
                meta: DRV(377),
              },
              { actions: 'attachController', meta: source('init', 387) },
            ],
          },
        },
      },
    },
    unloading: {
      entry: 'cleanupModule',
      meta: source('cleanup', 391, 394),
      always: { target: 'unloaded', meta: source('cleanup', 391, 394) },
    },
    oopsed: { meta: source('eth_do_config', 252, 265) },
  },
});

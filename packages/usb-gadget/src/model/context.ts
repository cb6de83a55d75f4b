/**
 * The initial context: the module not loaded, a controller present (or not), the inputs
 * with their defaults (no RNDIS, built as a module, 2 mA VBUS draw, 2.6.31's udc-core; no
 * module parameters; "Linux 2.6.31"), a fresh environment.
 *
 * @module
 */
import { CONTROLLERS, type Controller } from '../controllers.js';
import { createGadgetEnv } from '../ports.js';
import type { BuildConfig, GadgetContext, ModuleParams, Utsname } from './types.js';

/** Default build: `CONFIG_USB_ETH_RNDIS=n`, a module, VBUS draw 2 mA, the 2.6.31 udc-core. @category Model */
export const DEFAULT_BUILD: BuildConfig = Object.freeze({
  rndis: false,
  builtIn: false,
  vbusDraw: 2,
  udcCore: '2.6.31',
});

/** No module parameters given (`qmult` 5). @category Model */
export const DEFAULT_PARAMS: ModuleParams = Object.freeze({
  idVendor: 0,
  idProduct: 0,
  bcdDevice: 0,
  iManufacturer: null,
  iProduct: null,
  iSerialNumber: null,
  devAddr: null,
  hostAddr: null,
  qmult: 5,
});

/** `init_utsname()` of the kernel the seed comes from. @category Model */
export const DEFAULT_UTS: Utsname = Object.freeze({ sysname: 'Linux', release: '2.6.31' });

/** Options of {@link createGadgetContext}. @category Model */
export interface GadgetContextOptions {
  /** The controller on the system (default net2280; null: none). */
  readonly controller?: Controller | null;
  readonly build?: Partial<BuildConfig>;
  readonly params?: Partial<ModuleParams>;
  readonly uts?: Partial<Utsname>;
  /** Seed of the MAC randomness (default 1). */
  readonly seed?: number;
}

/**
 * The context before `insmod g_ether`.
 * @category Model
 */
export function createGadgetContext(o: GadgetContextOptions = {}): GadgetContext {
  return {
    build: { ...DEFAULT_BUILD, ...o.build },
    params: { ...DEFAULT_PARAMS, ...o.params },
    uts: { ...DEFAULT_UTS, ...o.uts },
    controller: o.controller === undefined ? CONTROLLERS.net2280 : o.controller,
    udc: null,
    statics: null,
    cdev: null,
    fns: {},
    nextFnId: 1,
    netdev: null,
    rndisProc: false,
    bus: { address: 0, speed: null, suspended: false },
    status: 0,
    rebinding: false,
    result: null,
    reply: null,
    lastRx: null,
    rxCount: 0,
    env: createGadgetEnv(o.seed ?? 1),
    ghost: { bindFailed: false, oops: null, warnings: 0, rejectedFrom: null, binding: false, calls: [] },
  };
}

/**
 * A module load as one pure function: `init` -> composite_bind -> the steps of `eth_bind` in
 * the order of the chart's `loading` chain -> composite_bind's end (or its failure path). The
 * chart and this function must agree (a property test checks them on random inputs); the
 * invariants use it to ask what a freshly loaded module would show for the same controller,
 * build and parameters.
 *
 * @module
 */
import { CONTROLLERS } from '../controllers.js';
import { createGadgetContext } from './context.js';
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
  moduleInit,
  moduleLoadFailed,
} from './ether.js';
import type { GadgetContext } from './types.js';

/** The outcome of a load: the context and whether the driver ended up bound. @category Model */
export interface LoadOutcome {
  readonly ctx: GadgetContext;
  readonly bound: boolean;
}

/**
 * From a context whose cdev was just allocated: `eth_bind` and the end of composite_bind.
 * @category Model
 */
export function ethBindChain(start: GadgetContext): LoadOutcome {
  const fail = (c: GadgetContext, viaFailLabel: boolean): LoadOutcome => {
    const failed = compositeBindFailed(viaFailLabel ? ethBindFail(c) : c, true);
    return { ctx: failed.rebinding ? failed : moduleLoadFailed(failed), bound: false };
  };
  let c = ethBindSetupLink(start);
  if (c.status < 0) return fail(c, false);
  c = ethBindManufacturer(ethBindControllerNumber(ethBindRndisIds(ethBindChooseLink(c))));
  for (const stepFn of [ethBindManufacturerId, ethBindProductId]) {
    c = stepFn(c);
    if (c.status < 0) return fail(c, true);
  }
  if (hasRndis(c)) {
    c = ethBindAddRndisConfig(c);
    if (c.ghost.oops !== null) return { ctx: c, bound: false };
    if (c.status < 0) return fail(c, true);
  }
  c = ethBindAddEthConfig(c);
  if (c.ghost.oops !== null) return { ctx: c, bound: false };
  if (c.status < 0) return fail(c, true);
  return { ctx: compositeBindFinish(ethBindAnnounce(c)), bound: true };
}

/**
 * `insmod g_ether` on `ctx`: init, composite_bind, eth_bind.
 * @category Model
 */
export function loadModule(ctx: GadgetContext): LoadOutcome {
  let c = moduleInit(ctx);
  if (c.udc === null) return { ctx: moduleLoadFailed({ ...c, result: -19 }), bound: false };
  c = compositeBindStart(c);
  if (c.status < 0) {
    const failed = compositeBindFailed(c, c.cdev !== null);
    return { ctx: failed.rebinding ? failed : moduleLoadFailed(failed), bound: false };
  }
  return ethBindChain(c);
}

const FRESH = new Map<string, GadgetContext | null>();

/**
 * What a freshly loaded module binds for the inputs of `ctx` (its controller, build,
 * parameters and utsname; no faults): the context after the load, or null when it fails.
 * Memoised by inputs.
 * @category Model
 */
export function freshBind(ctx: GadgetContext): GadgetContext | null {
  const controller = ctx.udc?.controller ?? ctx.controller ?? CONTROLLERS.net2280;
  const key = JSON.stringify([controller, ctx.build, ctx.params, ctx.uts]);
  if (!FRESH.has(key)) {
    const r = loadModule(
      createGadgetContext({ controller, build: ctx.build, params: ctx.params, uts: ctx.uts }),
    );
    FRESH.set(key, r.bound ? r.ctx : null);
  }
  return FRESH.get(key)!;
}

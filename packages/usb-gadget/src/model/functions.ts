/**
 * The `struct usb_function` method table of the three function drivers: what composite.c calls
 * through `f->set_alt`, `f->get_alt`, `f->disable`, `f->setup`, `f->unbind` and `f->strings`,
 * dispatched on the instance's kind; plus the completion of a transfer on a function's notify
 * endpoint (the host read the interrupt IN endpoint) and usb0's own entry points `eth_open`
 * / `eth_stop` (ifconfig up/down), which call the connected function's link hooks.
 *
 * Modelled environment, not seed.
 *
 * @module
 */
import type { Status } from './composite-bind.js';
import { usbEpDisable, usbEpEnable } from './epautoconf.js';
import {
  ecmDisable,
  ecmGetAlt,
  ecmLinkHooks,
  ecmNotifyComplete,
  ecmSetAlt,
  ecmSetup,
  ecmStrings,
  ecmUnbind,
  type CtrlRequest,
} from './f-ecm.js';
import {
  RNDIS_RESPONSE_AVAILABLE,
  rndisDisable,
  rndisLinkHooks,
  rndisNotifyComplete,
  rndisSetAlt,
  rndisSetup,
  rndisStrings,
  rndisUnbind,
} from './f-rndis.js';
import { gethDisable, gethSetAlt, gethStrings, gethUnbind } from './f-subset.js';
import type { GadgetContext, GadgetFunction } from './types.js';
import type { LinkHooks } from './u-ether.js';

/** The function instance `id`, or a use of freed memory recorded in the ghost. @category Model */
export function liveFn(
  ctx: GadgetContext,
  id: number,
  what: string,
): { ctx: GadgetContext; fn: GadgetFunction | null } {
  const fn = ctx.fns[id];
  if (fn) return { ctx, fn };
  return {
    ctx: { ...ctx, ghost: { ...ctx.ghost, oops: ctx.ghost.oops ?? `${what}: function ${id} was freed` } },
    fn: null,
  };
}

/** `f->set_alt(f, intf, alt)`. @category Model */
export function fnSetAlt(ctx: GadgetContext, id: number, intf: number, alt: number): Status {
  const l = liveFn(ctx, id, 'set_alt');
  if (!l.fn) return { ctx: l.ctx, status: -14 };
  switch (l.fn.kind) {
    case 'ecm':
      return ecmSetAlt(ctx, id, intf, alt);
    case 'geth':
      return gethSetAlt(ctx, id);
    case 'rndis':
      return rndisSetAlt(ctx, id, intf);
  }
}

/** `f->get_alt ? f->get_alt(f, intf) : 0`. @category Model */
export function fnGetAlt(ctx: GadgetContext, id: number, intf: number): number {
  const fn = ctx.fns[id];
  return fn?.kind === 'ecm' ? ecmGetAlt(ctx, id, intf) : 0;
}

/** `f->disable(f)`. @category Model */
export function fnDisable(ctx: GadgetContext, id: number): GadgetContext {
  const l = liveFn(ctx, id, 'disable');
  if (!l.fn) return l.ctx;
  switch (l.fn.kind) {
    case 'ecm':
      return ecmDisable(ctx, id);
    case 'geth':
      return gethDisable(ctx, id);
    case 'rndis':
      return rndisDisable(ctx, id);
  }
}

/** `f->setup(f, ctrl)`, or null when the function has none (the Subset). @category Model */
export function fnSetup(
  ctx: GadgetContext,
  id: number,
  ctrl: CtrlRequest,
): (Status & { readonly data: readonly number[] }) | null {
  const fn = ctx.fns[id];
  if (!fn) return null;
  if (fn.kind === 'ecm') return ecmSetup(ctx, id, ctrl);
  if (fn.kind === 'rndis') return rndisSetup(ctx, id, ctrl);
  return null;
}

/** `f->unbind(c, f)`. @category Model */
export function fnUnbind(ctx: GadgetContext, id: number): GadgetContext {
  const fn = ctx.fns[id];
  if (!fn) return ctx;
  switch (fn.kind) {
    case 'ecm':
      return ecmUnbind(ctx, id);
    case 'geth':
      return gethUnbind(ctx, id);
    case 'rndis':
      return rndisUnbind(ctx, id);
  }
}

/** `f->strings`: the function's string table (id, text; a NULL text ends the C table). @category Model */
export function fnStrings(ctx: GadgetContext, fn: GadgetFunction): { id: number; s: string | null }[] {
  const s = ctx.statics!;
  if (fn.kind === 'ecm') return ecmStrings(s.ecm);
  if (fn.kind === 'geth') return gethStrings(s.geth);
  return rndisStrings(s.rndis);
}

/** The link hooks of a function (`link->open` / `link->close`). @category Model */
export function fnLinkHooks(fn: GadgetFunction): LinkHooks {
  return fn.kind === 'ecm' ? ecmLinkHooks : fn.kind === 'rndis' ? rndisLinkHooks : {};
}

/**
 * The host read the function's notify endpoint: the notification in flight (or null: NAK) and
 * the context after its completion handler ran.
 * @category Model
 */
export function notifyIn(
  ctx: GadgetContext,
  id: number,
): { ctx: GadgetContext; bytes: readonly number[] | null } {
  const fn = ctx.fns[id];
  if (fn?.kind === 'ecm' && fn.notifyInFlight)
    return { ctx: ecmNotifyComplete(ctx, id, false), bytes: fn.notifyInFlight };
  if (fn?.kind === 'rndis' && fn.notifyInFlight)
    return { ctx: rndisNotifyComplete(ctx, id, false), bytes: RNDIS_RESPONSE_AVAILABLE };
  return { ctx, bytes: null };
}

/** `eth_open(net)`: usb0 up; the connected link's open hook. @category Model */
export function ethOpen(ctx: GadgetContext): GadgetContext {
  if (!ctx.netdev || ctx.netdev.open) return ctx;
  const c: GadgetContext = { ...ctx, netdev: { ...ctx.netdev, open: true } };
  const id = c.netdev!.portUsb;
  const fn = id === null ? undefined : c.fns[id];
  return fn ? (fnLinkHooks(fn).open?.(c, fn.id) ?? c) : c;
}

/**
 * `eth_stop(net)`: usb0 down; the link's close hook; the endpoints disabled and, while the
 * carrier is on, enabled again.
 * @category Model
 */
export function ethStop(ctx: GadgetContext): GadgetContext {
  if (!ctx.netdev || !ctx.netdev.open) return ctx;
  let c: GadgetContext = { ...ctx, netdev: { ...ctx.netdev, open: false } };
  const id = c.netdev!.portUsb;
  const fn = id === null ? undefined : c.fns[id];
  if (!fn) return c;
  c = fnLinkHooks(fn).close?.(c, fn.id) ?? c;
  c = usbEpDisable(usbEpDisable(c, fn.port.inEp), fn.port.outEp);
  if (c.netdev!.carrier) {
    c = usbEpEnable(c, fn.port.inEp, 'eth_stop').ctx;
    c = usbEpEnable(c, fn.port.outEp, 'eth_stop').ctx;
  }
  return { ...c, netdev: { ...c.netdev!, txQueue: [] } };
}

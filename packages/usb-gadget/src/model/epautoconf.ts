/**
 * epautoconf.c of 2.6.31 (`#include`d by the seed at line 109): `usb_ep_autoconfig` picks an
 * unclaimed endpoint of the controller whose name allows the descriptor's type and direction
 * (`ep-a` style names allow anything; `ep1in-bulk` style names restrict both), applying the
 * net2280 hint first (interrupt endpoints on `ep-e`/`ep-f`), writes the endpoint address into
 * the template (the number in the name, or the next value of the static `epnum` counter) and,
 * for bulk, the full-speed packet size `min(maxpacket, 64)`. `usb_ep_autoconfig_reset` releases
 * every claim and resets `epnum`; usb_add_config calls it after each configuration's bind.
 *
 * Modelled environment. The controller can run out of endpoints (NULL, so the function's bind
 * fails with -ENODEV), and the `usb_ep_autoconfig` fault makes a call fail as if it had.
 * Not covered: the goku, sh, mq11xx and Blackfin hints (no preset uses those controllers), and
 * MANY_ENDPOINTS.
 *
 * @module
 */
import { USB_DIR_IN, USB_ENDPOINT_XFER } from '../constants.js';
import { gadgetIsNet2280, gadgetIsPxa } from '../controllers.js';
import { callEnv } from '../ports.js';
import type { EpState, GadgetContext, UdcState } from './types.js';

/** An endpoint template as the function passes it in. @category Model */
export interface EpTemplate {
  readonly type: 'bulk' | 'int';
  readonly dirIn: boolean;
  /** wMaxPacketSize as given (an input for interrupt endpoints). */
  readonly maxpacket: number;
}

/** What ep_matches reports back into the template. @category Model */
export interface EpMatch {
  readonly ep: string;
  readonly address: number;
  readonly maxpacket: number;
  readonly epnum: number;
}

const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';

/**
 * epautoconf.c `ep_matches(gadget, ep, desc)`: the address and packet size it would write, or
 * null when the endpoint does not fit.
 * @category Model
 */
export function epMatches(udc: UdcState, ep: EpState, t: EpTemplate, epnum: number): EpMatch | null {
  if (ep.driverData !== null) return null;
  if (ep.name[0] !== 'e') return null;
  const name = ep.name;
  if (name[2] !== '-') {
    const dash = name.lastIndexOf('-');
    let end = name.length;
    if (dash >= 0) {
      const tmp = name.slice(dash);
      if (t.type === 'int') {
        if (tmp[2] === 's') return null; // "-iso"
        if (gadgetIsPxa(udc.controller) && tmp[1] === 'i') return null; // PXA "-int" never uses DATA1
      } else if (tmp[1] !== 'b') return null; // != "-bulk"
      end = dash;
    }
    const last = name[end - 1];
    if (!isDigit(last)) {
      if (t.dirIn ? last !== 'n' : last !== 't') return null;
    }
  }
  const max = t.maxpacket & 0x7ff;
  if (t.type === 'int') {
    if (!udc.controller.dualspeed && max > 64) return null;
    if (ep.maxpacket < max) return null;
  }
  let address = t.dirIn ? USB_DIR_IN : 0;
  let nextEpnum = epnum;
  if (isDigit(name[2])) {
    address |= Number.parseInt(name.slice(2), 10);
  } else {
    nextEpnum = epnum + 1;
    if (nextEpnum > 15) return null;
    address |= nextEpnum;
  }
  const maxpacket = t.type === 'bulk' ? Math.min(ep.maxpacket, 64) : t.maxpacket;
  return { ep: ep.name, address, maxpacket, epnum: nextEpnum };
}

function pick(udc: UdcState, t: EpTemplate, epnum: number): EpMatch | null {
  const xfer = t.type === 'int' ? USB_ENDPOINT_XFER.INT : USB_ENDPOINT_XFER.BULK;
  if (gadgetIsNet2280(udc.controller) && xfer === USB_ENDPOINT_XFER.INT) {
    for (const hint of ['ep-e', 'ep-f']) {
      const ep = udc.eps.find((e) => e.name === hint);
      const m = ep ? epMatches(udc, ep, t, epnum) : null;
      if (m) return m;
    }
  }
  for (const ep of udc.eps) {
    const m = epMatches(udc, ep, t, epnum);
    if (m) return m;
  }
  return null;
}

/**
 * `usb_ep_autoconfig(gadget, desc)` followed by the caller's `ep->driver_data = cdev` claim:
 * the chosen endpoint (or null) and the context with the claim and the counter updated.
 * @category Model
 */
export function usbEpAutoconfig(
  ctx: GadgetContext,
  t: EpTemplate,
  caller: string,
): { ctx: GadgetContext; match: EpMatch | null } {
  const call = callEnv(ctx, 'usb_ep_autoconfig', caller);
  const udc = call.ctx.udc!;
  const statics = call.ctx.statics!;
  const m = call.failed ? null : pick(udc, t, statics.epnum);
  if (!m) return { ctx: call.ctx, match: null };
  return {
    match: m,
    ctx: {
      ...call.ctx,
      udc: { ...udc, eps: udc.eps.map((e) => (e.name === m.ep ? { ...e, driverData: 'cdev' } : e)) },
      statics: { ...statics, epnum: m.epnum },
    },
  };
}

/**
 * `usb_ep_autoconfig_reset(gadget)`: every claim released, `epnum` back to 0.
 * @category Model
 */
export function usbEpAutoconfigReset(ctx: GadgetContext): GadgetContext {
  if (!ctx.udc || !ctx.statics) return ctx;
  return {
    ...ctx,
    udc: {
      ...ctx.udc,
      eps: ctx.udc.eps.map((e) => (e.driverData === null ? e : { ...e, driverData: null })),
    },
    statics: { ...ctx.statics, epnum: 0 },
  };
}

/** Sets one endpoint's claim (`ep->driver_data = x`). @category Model */
export function setEpDriverData(ctx: GadgetContext, ep: string | null, data: string | null): GadgetContext {
  if (!ep || !ctx.udc) return ctx;
  return {
    ...ctx,
    udc: { ...ctx.udc, eps: ctx.udc.eps.map((e) => (e.name === ep ? { ...e, driverData: data } : e)) },
  };
}

/** The run-time state of endpoint `ep`. @category Model */
export function epState(ctx: GadgetContext, ep: string | null): EpState | undefined {
  return ep ? ctx.udc?.eps.find((e) => e.name === ep) : undefined;
}

/**
 * `usb_ep_enable(ep, desc)`: the `usb_ep_enable` fault makes it fail with the armed errno.
 * @category Model
 */
export function usbEpEnable(
  ctx: GadgetContext,
  ep: string | null,
  caller: string,
): { ctx: GadgetContext; rc: number } {
  const call = callEnv(ctx, 'usb_ep_enable', caller);
  if (call.failed || !ep || !call.ctx.udc) return { ctx: call.ctx, rc: call.failed ? call.errno : -22 };
  const udc = call.ctx.udc;
  return {
    rc: 0,
    ctx: {
      ...call.ctx,
      udc: { ...udc, eps: udc.eps.map((e) => (e.name === ep ? { ...e, enabled: true } : e)) },
    },
  };
}

/** `usb_ep_disable(ep)`. @category Model */
export function usbEpDisable(ctx: GadgetContext, ep: string | null): GadgetContext {
  if (!ep || !ctx.udc) return ctx;
  const udc = ctx.udc;
  return { ...ctx, udc: { ...udc, eps: udc.eps.map((e) => (e.name === ep ? { ...e, enabled: false } : e)) } };
}

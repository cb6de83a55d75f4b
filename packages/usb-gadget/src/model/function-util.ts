/**
 * What the three function drivers share: `ep_choose` (the high-speed descriptor only at high
 * speed on a dual-speed controller), the bit rates f_ecm.c and f_rndis.c report, queueing a
 * notification on an interrupt endpoint (`usb_ep_queue` fails on a disabled endpoint with
 * -ESHUTDOWN, or by fault), and the endpoint descriptors a template yields.
 *
 * Modelled environment, not seed.
 *
 * @module
 */
import { USB_DIR_IN, USB_ENDPOINT_XFER } from '../constants.js';
import type { EndpointDescriptor } from '../descriptors.js';
import { callEnv } from '../ports.js';
import { epState } from './epautoconf.js';
import type { GadgetContext, GadgetFunction } from './types.js';

/** `-ESHUTDOWN`. @category Model */
export const ESHUTDOWN = -108;

/** `ep_choose(gadget, hs, fs)`. @category Model */
export function epChoose(ctx: GadgetContext): 'hs' | 'fs' {
  return ctx.udc?.controller.dualspeed === true && ctx.bus.speed === 'high' ? 'hs' : 'fs';
}

/** `ecm_bitrate` / f_rndis `bitrate`: 13*512*8*1000*8 at high speed, else 19*64*1*1000*8. @category Model */
export function bitrate(ctx: GadgetContext): number {
  return epChoose(ctx) === 'hs' ? 13 * 512 * 8 * 1000 * 8 : 19 * 64 * 1 * 1000 * 8;
}

/** `usb_ep_queue` on endpoint `ep`: 0, or -ESHUTDOWN when it is not enabled, or the fault's errno. @category Model */
export function usbEpQueue(
  ctx: GadgetContext,
  ep: string | null,
  caller: string,
): { ctx: GadgetContext; rc: number } {
  const call = callEnv(ctx, 'usb_ep_queue', caller);
  if (call.failed) return { ctx: call.ctx, rc: call.errno };
  if (!epState(call.ctx, ep)?.enabled) return { ctx: call.ctx, rc: ESHUTDOWN };
  return { ctx: call.ctx, rc: 0 };
}

/** An endpoint template of a function's statics as a descriptor. @category Model */
export function endpointDesc(
  t: { readonly address: number; readonly maxpacket: number },
  type: 'bulk' | 'int',
  speed: 'fs' | 'hs',
  bInterval = 0,
): EndpointDescriptor {
  return {
    kind: 'endpoint',
    bEndpointAddress: t.address,
    bmAttributes: type === 'bulk' ? USB_ENDPOINT_XFER.BULK : USB_ENDPOINT_XFER.INT,
    wMaxPacketSize: type === 'bulk' && speed === 'hs' ? 512 : t.maxpacket,
    bInterval,
  };
}

/** Whether `address` is an IN endpoint address. @category Model */
export const isIn = (address: number): boolean => (address & USB_DIR_IN) !== 0;

/** Updates a function instance in place of the old one (same id). @category Model */
export function updateFn<F extends GadgetFunction>(
  ctx: GadgetContext,
  id: number,
  f: (fn: F) => F,
): GadgetContext {
  const fn = ctx.fns[id] as F | undefined;
  if (!fn) return ctx;
  return { ...ctx, fns: { ...ctx.fns, [id]: f(fn) } };
}

/** Hex of the host MAC as the functions export it ("%02X" x 6). @category Model */
export function macString(addr: readonly number[]): string {
  return addr.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
}

/**
 * What the controller driver does with bus events before the gadget driver hears of them,
 * and the non-control endpoints: a bus reset or a disconnect calls the driver's `disconnect`
 * (composite_disconnect: the configuration is reset) and forgets the address; the speed comes
 * from the reset handshake (high only on a dual-speed controller); SET_ADDRESS is handled by
 * the controller itself and never reaches composite_setup; suspend and resume call
 * composite_suspend / composite_resume, which find no g_ether hooks; a SETUP packet on a
 * suspended bus first resumes it. The interrupt IN endpoint hands out the notification in
 * flight; bulk IN the oldest queued frame; bulk OUT is accepted while rx requests are queued.
 *
 * Modelled environment, not seed.
 *
 * @module
 */
import { USB_DIR_IN } from '../constants.js';
import { compositeDisconnect, compositeSetup, type SetupResult } from './composite-setup.js';
import type { SetupPacket } from './events.js';
import { notifyIn } from './functions.js';
import { armFault } from '../ports.js';
import type { FaultOp, GadgetContext, HostReply } from './types.js';
import { ethStartXmit, rxComplete, txComplete } from './u-ether.js';

/** A bus reset at `speed`. @category Model */
export function busReset(ctx: GadgetContext, speed: 'full' | 'high'): GadgetContext {
  const c = compositeDisconnect(ctx);
  const s = c.udc?.controller.dualspeed && speed === 'high' ? 'high' : 'full';
  return { ...c, bus: { address: 0, speed: s, suspended: false }, reply: null };
}

/** The host went away (VBUS off, cable out). @category Model */
export function busDisconnect(ctx: GadgetContext): GadgetContext {
  return { ...compositeDisconnect(ctx), bus: { address: 0, speed: null, suspended: false }, reply: null };
}

/** Bus suspend / resume (composite_suspend / composite_resume: no hooks in g_ether). @category Model */
export function busSuspend(ctx: GadgetContext, suspended: boolean): GadgetContext {
  return { ...ctx, bus: { ...ctx.bus, suspended } };
}

/** SET_ADDRESS, done by the controller: status stage, the new address. @category Model */
export function udcSetAddress(ctx: GadgetContext, p: SetupPacket): GadgetContext {
  return { ...ctx, bus: { ...ctx.bus, address: p.wValue & 0x7f, suspended: false }, reply: { kind: 'ack' } };
}

/** The reply a composite_setup result gives the host. @category Model */
export function replyOf(p: SetupPacket, r: SetupResult): HostReply {
  if (r.value < 0) return { kind: 'stall', errno: r.value };
  return (p.bmRequestType & USB_DIR_IN) !== 0 ? { kind: 'data', bytes: r.data } : { kind: 'ack' };
}

/** One control transfer through composite_setup (a suspended bus resumes first). @category Model */
export function controlTransfer(ctx: GadgetContext, p: SetupPacket): GadgetContext {
  const c = ctx.bus.suspended ? busSuspend(ctx, false) : ctx;
  const r = compositeSetup(c, p);
  return { ...r.ctx, reply: replyOf(p, r) };
}

/** The notify endpoint of the selected configuration's first function that has one. */
function notifyFn(ctx: GadgetContext): number | null {
  const key = ctx.cdev?.config;
  if (!key) return null;
  for (const id of ctx.statics!.configs[key].functions) {
    const fn = ctx.fns[id];
    if (fn && fn.kind !== 'geth') return id;
  }
  return null;
}

/** The host polls the interrupt IN endpoint. @category Model */
export function interruptIn(ctx: GadgetContext): GadgetContext {
  const id = notifyFn(ctx);
  if (id === null) return { ...ctx, reply: { kind: 'nak' } };
  const r = notifyIn(ctx, id);
  return { ...r.ctx, reply: r.bytes ? { kind: 'data', bytes: r.bytes } : { kind: 'nak' } };
}

/** The host reads bulk IN. @category Model */
export function bulkIn(ctx: GadgetContext): GadgetContext {
  const r = txComplete(ctx);
  return { ...r.ctx, reply: r.bytes ? { kind: 'data', bytes: r.bytes } : { kind: 'nak' } };
}

/** The host writes bulk OUT. @category Model */
export function bulkOut(ctx: GadgetContext, data: readonly number[]): GadgetContext {
  const r = rxComplete({ ...ctx, lastRx: null }, data);
  return { ...r.ctx, reply: r.accepted ? { kind: 'ack' } : { kind: 'nak' } };
}

/**
 * The gadget's network stack sends a frame on usb0: only while usb0 is up with the carrier
 * on (the link watch gives a down link the noop qdisc); then eth_start_xmit.
 * @category Model
 */
export function netXmit(ctx: GadgetContext, frame: readonly number[]): GadgetContext {
  if (!ctx.netdev?.open || !ctx.netdev.carrier) return ctx;
  return ethStartXmit(ctx, frame).ctx;
}

/** Arms a fault (the checker's `env.fail`). @category Model */
export function armEnvFault(ctx: GadgetContext, op: FaultOp, nth?: number, errno?: number): GadgetContext {
  return { ...ctx, env: armFault(ctx.env, op, nth, errno) };
}

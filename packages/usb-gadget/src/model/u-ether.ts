/**
 * u_ether.c of the 2.6.31 design (`#include`d by the seed at line 117; facts.md 2.4): the one
 * network link (`the_dev`, usb0) every g_ether function shares.
 *
 * - `gether_setup`: -EBUSY when set up already, `alloc_etherdev`, MAC addresses from the
 *   `dev_addr` / `host_addr` parameters or random, the host MAC copied into the caller's buffer
 *   (the seed's `hostaddr`, before `register_netdev` can fail), carrier off, `register_netdev`.
 * - `gether_cleanup`: idempotent unregister.
 * - `gether_connect` / `gether_disconnect`: enable IN then OUT (claiming them for the netdev
 *   first: a failed enable leaves `in_ep->driver_data` set, which f_ecm's get_alt reads, see
 *   USBG-5), allocate `qlen` requests, call the link's open or close hook, carrier on; and the
 *   reverse.
 * - The data path: `eth_start_xmit` (no link: dropped; the CDC/RNDIS filter: multicast and
 *   broadcast dropped unless allowed, unless promiscuous; no free request: busy; RNDIS wraps;
 *   no ZLP: a length that is a multiple of maxpacket gets one extra byte), `tx_complete` (the
 *   host read a frame) and `rx_complete` (the host sent one: unwrap, length 14..1514 or
 *   counted as an error).
 *
 * Modelled environment, not seed. Not covered: the work queue, `eth_change_mtu`, ethtool,
 * statistics other than what the model returns, the bytes past the end of a short MAC
 * parameter (`get_ether_addr` reads on; here they read as 0).
 *
 * @module
 */
import { ERR, ETH_FRAME_LEN, ETH_HLEN, USB_CDC_PACKET_TYPE } from '../constants.js';
import { callEnv, randomEtherAddr } from '../ports.js';
import { setEpDriverData, usbEpDisable, usbEpEnable } from './epautoconf.js';
import { rndisAddHdr, rndisRmHdr } from './rndis-msg.js';
import type { EthDev, GadgetContext, GadgetFunction, GetherPort } from './types.js';

/** u_ether.c `DEFAULT_QLEN`. @category Model */
export const DEFAULT_QLEN = 2;

/** A function's `struct gether` with nothing connected. @category Model */
export function freshPort(cdcFilter: number, rndisFraming = false): GetherPort {
  return {
    inEp: null,
    outEp: null,
    in: null,
    out: null,
    cdcFilter,
    isZlpOk: false,
    ioport: false,
    rndisFraming,
  };
}

const nibble = (c: string | undefined): number => {
  if (c === undefined) return 0;
  const v = Number.parseInt(c, 16);
  return Number.isNaN(v) ? 0 : v;
};

/**
 * u_ether.c `get_ether_addr(str, addr)`: parses "xx:xx:xx:xx:xx:xx" (':' or '.' separators
 * optional); a missing or invalid (multicast or zero) address becomes a random one. Returns
 * the address and whether it is random (the "using random ... ethernet address" warning).
 * @category Model
 */
export function getEtherAddr(
  ctx: GadgetContext,
  str: string | null,
): { ctx: GadgetContext; addr: number[]; random: boolean } {
  if (str !== null) {
    const addr: number[] = [];
    let i = 0;
    for (let k = 0; k < 6; k++) {
      if (str[i] === '.' || str[i] === ':') i++;
      addr.push((nibble(str[i]) << 4) | nibble(str[i + 1]));
      i += 2;
    }
    const multicast = (addr[0]! & 1) === 1;
    const zero = addr.every((b) => b === 0);
    if (!multicast && !zero) return { ctx, addr, random: false };
  }
  const r = randomEtherAddr(ctx.env);
  return { ctx: { ...ctx, env: r.env }, addr: r.addr, random: true };
}

/**
 * `gether_setup(gadget, hostaddr)`: the status, the context (the seed's `hostaddr` written
 * before `register_netdev`).
 * @category Model
 */
export function getherSetup(ctx: GadgetContext): { ctx: GadgetContext; status: number } {
  if (ctx.netdev) return { ctx, status: ERR.EBUSY };
  const alloc = callEnv(ctx, 'alloc_etherdev', 'gether_setup');
  if (alloc.failed) return { ctx: alloc.ctx, status: ERR.ENOMEM };
  let c = alloc.ctx;
  const dev = getEtherAddr(c, c.params.devAddr);
  c = dev.ctx;
  const host = getEtherAddr(c, c.params.hostAddr);
  c = host.ctx;
  const warnings = (dev.random ? 1 : 0) + (host.random ? 1 : 0);
  c = {
    ...c,
    statics: { ...c.statics!, hostaddr: host.addr },
    ghost: { ...c.ghost, warnings: c.ghost.warnings + warnings },
  };
  const reg = callEnv(c, 'register_netdev', 'gether_setup');
  if (reg.failed) return { ctx: reg.ctx, status: reg.errno };
  const netdev: EthDev = {
    devMac: dev.addr,
    hostMac: host.addr,
    open: false,
    carrier: false,
    portUsb: null,
    zlp: false,
    txQueue: [],
    qlen: 0,
    orphaned: false,
  };
  return { ctx: { ...reg.ctx, netdev }, status: 0 };
}

/**
 * `gether_cleanup()`: unregisters usb0 if it is set up.
 * @category Model
 */
export function getherCleanup(ctx: GadgetContext): GadgetContext {
  return ctx.netdev ? { ...ctx, netdev: null } : ctx;
}

/** u_ether.c `qlen(gadget)`: qmult * 2 at high speed, else 2. @category Model */
export function qlen(ctx: GadgetContext): number {
  const hs = ctx.udc?.controller.dualspeed === true && ctx.bus.speed === 'high';
  return hs ? ctx.params.qmult * DEFAULT_QLEN : DEFAULT_QLEN;
}

/** Updates function `id`'s port. @category Model */
export function withPort(ctx: GadgetContext, id: number, f: (p: GetherPort) => GetherPort): GadgetContext {
  const fn = ctx.fns[id];
  if (!fn) return ctx;
  return { ...ctx, fns: { ...ctx.fns, [id]: { ...fn, port: f(fn.port) } as GadgetFunction } };
}

/** The open/close hooks of a function's link (`link->open`, `link->close`). @category Model */
export interface LinkHooks {
  readonly open?: (ctx: GadgetContext, id: number) => GadgetContext;
  readonly close?: (ctx: GadgetContext, id: number) => GadgetContext;
}

/**
 * `gether_connect(link)`: 0 and the context with the link connected and the carrier on, or
 * -errno (endpoint enable or request allocation failed; the caller cleans up).
 * @category Model
 */
export function getherConnect(
  ctx: GadgetContext,
  id: number,
  hooks: LinkHooks,
): { ctx: GadgetContext; rc: number } {
  if (!ctx.netdev) return { ctx, rc: ERR.EINVAL };
  const port = ctx.fns[id]!.port;
  let c = setEpDriverData(ctx, port.inEp, 'dev');
  const inEn = usbEpEnable(c, port.inEp, 'gether_connect');
  c = inEn.ctx;
  if (inEn.rc !== 0) return { ctx: c, rc: inEn.rc };
  c = setEpDriverData(c, port.outEp, 'dev');
  const outEn = usbEpEnable(c, port.outEp, 'gether_connect');
  c = outEn.ctx;
  if (outEn.rc !== 0) return { ctx: usbEpDisable(c, port.inEp), rc: outEn.rc };
  const alloc = callEnv(c, 'usb_ep_alloc_request', 'gether_connect');
  c = alloc.ctx;
  if (alloc.failed) return { ctx: usbEpDisable(usbEpDisable(c, port.outEp), port.inEp), rc: ERR.ENOMEM };
  c = withPort(c, id, (p) => ({ ...p, ioport: true }));
  c = { ...c, netdev: { ...c.netdev!, zlp: port.isZlpOk, portUsb: id, qlen: qlen(c), txQueue: [] } };
  c = c.netdev!.open ? (hooks.open?.(c, id) ?? c) : (hooks.close?.(c, id) ?? c);
  c = { ...c, netdev: { ...c.netdev!, carrier: true } };
  return { ctx: c, rc: 0 };
}

/**
 * `gether_disconnect(link)`: carrier off, endpoints disabled (pending I/O completes), claims
 * and chosen descriptors forgotten. Returns with only a WARN when the link is not connected.
 * @category Model
 */
export function getherDisconnect(ctx: GadgetContext, id: number): GadgetContext {
  const fn = ctx.fns[id];
  if (!fn || !fn.port.ioport || !ctx.netdev) {
    return { ...ctx, ghost: { ...ctx.ghost, warnings: ctx.ghost.warnings + 1 } };
  }
  let c: GadgetContext = { ...ctx, netdev: { ...ctx.netdev, carrier: false, txQueue: [] } };
  c = usbEpDisable(c, fn.port.inEp);
  c = setEpDriverData(c, fn.port.inEp, null);
  c = usbEpDisable(c, fn.port.outEp);
  c = setEpDriverData(c, fn.port.outEp, null);
  c = withPort(c, id, (p) => ({ ...p, in: null, out: null, ioport: false }));
  return { ...c, netdev: { ...c.netdev!, portUsb: null } };
}

/** What `eth_start_xmit` did with a frame. @category Model */
export type XmitOutcome = 'queued' | 'noLink' | 'filtered' | 'busy' | 'queueError';

const isMulticast = (f: readonly number[]): boolean => ((f[0] ?? 0) & 1) === 1;
const isBroadcast = (f: readonly number[]): boolean =>
  f.length >= 6 && f.slice(0, 6).every((b) => b === 0xff);

/**
 * `eth_start_xmit(skb)` for a frame the network stack hands to usb0.
 * @category Model
 */
export function ethStartXmit(
  ctx: GadgetContext,
  frame: readonly number[],
): { ctx: GadgetContext; outcome: XmitOutcome } {
  const dev = ctx.netdev;
  const fn = dev?.portUsb !== null && dev?.portUsb !== undefined ? ctx.fns[dev.portUsb] : undefined;
  if (!dev || !fn) return { ctx, outcome: 'noLink' };
  const filter = fn.port.cdcFilter;
  if (!(filter & USB_CDC_PACKET_TYPE.PROMISCUOUS) && isMulticast(frame)) {
    const type = isBroadcast(frame) ? USB_CDC_PACKET_TYPE.BROADCAST : USB_CDC_PACKET_TYPE.ALL_MULTICAST;
    if (!(filter & type)) return { ctx, outcome: 'filtered' };
  }
  if (dev.txQueue.length >= dev.qlen) return { ctx, outcome: 'busy' };
  let bytes = fn.port.rndisFraming ? rndisAddHdr(frame) : [...frame];
  const desc = (fn.port.in === 'hs' ? fn.hs : fn.fs)?.find(
    (d) => d.kind === 'endpoint' && (d.bEndpointAddress & 0x80) !== 0 && (d.bmAttributes & 3) === 2,
  );
  const maxpacket = desc && desc.kind === 'endpoint' ? desc.wMaxPacketSize : 64;
  if (!dev.zlp && bytes.length % maxpacket === 0) bytes = [...bytes, 0];
  const q = callEnv(ctx, 'usb_ep_queue', 'eth_start_xmit');
  if (q.failed) return { ctx: q.ctx, outcome: 'queueError' };
  return { ctx: { ...q.ctx, netdev: { ...dev, txQueue: [...dev.txQueue, bytes] } }, outcome: 'queued' };
}

/**
 * `tx_complete`: the host read the oldest queued frame from the bulk IN endpoint.
 * @category Model
 */
export function txComplete(ctx: GadgetContext): { ctx: GadgetContext; bytes: readonly number[] | null } {
  const dev = ctx.netdev;
  if (!dev || dev.portUsb === null || dev.txQueue.length === 0) return { ctx, bytes: null };
  const [first, ...rest] = dev.txQueue;
  return { ctx: { ...ctx, netdev: { ...dev, txQueue: rest } }, bytes: first! };
}

/**
 * `rx_complete`: the host sent `bytes` on bulk OUT. Accepted only while the link is connected
 * and usb0 is up (rx requests are queued then); returns the frame delivered to the stack
 * (`netif_rx`), or null when it was a length or framing error.
 * @category Model
 */
export function rxComplete(
  ctx: GadgetContext,
  bytes: readonly number[],
): { ctx: GadgetContext; accepted: boolean; frame: readonly number[] | null } {
  const dev = ctx.netdev;
  const fn = dev?.portUsb !== null && dev?.portUsb !== undefined ? ctx.fns[dev.portUsb] : undefined;
  if (!dev || !fn || !dev.open) return { ctx, accepted: false, frame: null };
  const frame = fn.port.rndisFraming ? rndisRmHdr(bytes) : bytes;
  if (!frame || frame.length < ETH_HLEN || frame.length > ETH_FRAME_LEN)
    return { ctx, accepted: true, frame: null };
  return { ctx: { ...ctx, lastRx: frame, rxCount: ctx.rxCount + 1 }, accepted: true, frame };
}

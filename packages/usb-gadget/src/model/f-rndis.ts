/**
 * f_rndis.c and rndis.c of 2.6.31 (`#include`d by the seed at lines 114-115 under
 * CONFIG_USB_ETH_RNDIS; facts.md 2.5), which the seed's `rndis_do_config` calls
 * (`rndis_bind_config`, line 236): a control interface that looks like CDC ACM (class COMM,
 * subclass ACM, protocol vendor; header, call management, ACM and union descriptors; an
 * interrupt notify endpoint) and a data interface with two bulk endpoints and no altsetting.
 * 2.6.31 has no IAD and two strings (the IAD and its "RNDIS" string came later, facts.md 2.5).
 *
 * - `rndis_bind_config`: -EINVAL on the SA-1100; once per module image `rndis_init` and two
 *   string ids; `kzalloc`; `usb_add_function`; `rndis_exit` on its failure paths.
 * - `rndis_bind`: interface ids, three endpoints, the notify request, descriptor copies,
 *   `rndis_register` (one slot).
 * - `rndis_set_alt`: the control interface enables the notify endpoint; the data interface
 *   connects the link at once with filter 0 ("RNDIS RX/TX early activation": the carrier goes
 *   on at SET_CONFIGURATION, before the host has initialised RNDIS, see USBG-6).
 * - `rndis_setup`: SEND_ENCAPSULATED_COMMAND (parsed on completion by `rndis_msg_parser`:
 *   INITIALIZE, HALT, QUERY, SET with the packet filter that moves the state to data
 *   initialised, RESET, KEEPALIVE), GET_ENCAPSULATED_RESPONSE (the next response, or a stall),
 *   the RESPONSE_AVAILABLE notification counted with `notify_count`.
 *
 * Modelled environment, not seed. rndis_setup queues the whole response even when it is
 * longer than wLength; here the host gets at most wLength bytes.
 *
 * @module
 */
import {
  ERR,
  OID,
  RNDIS_MSG,
  RNDIS_STATUS,
  RNDIS_STATUS_BYTECOUNT,
  USB_CDC,
  USB_CLASS,
  USB_DIR_IN,
  USB_DIR_OUT,
  USB_RECIP_INTERFACE,
  USB_TYPE_CLASS,
} from '../constants.js';
import { canSupportRndis } from '../controllers.js';
import type { Descriptor } from '../descriptors.js';
import { callEnv } from '../ports.js';
import { freeFn, putFn, usbAddFunction, type Status } from './composite-bind.js';
import {
  allocNotifyRequest,
  allocStringIds,
  claimEndpoints,
  copyDescriptors,
  runBindSteps,
  takeInterfaceIds,
} from './function-bind.js';
import { epState, setEpDriverData, usbEpDisable, usbEpEnable } from './epautoconf.js';
import type { CtrlRequest } from './f-ecm.js';
import { bitrate, endpointDesc, epChoose, updateFn, usbEpQueue } from './function-util.js';
import {
  RESPONSE_AVAILABLE,
  indicateStatus,
  initCmplt,
  keepaliveCmplt,
  queryCmplt,
  rdU32,
  resetCmplt,
  setCmplt,
} from './rndis-msg.js';
import { RNDIS_PARAMS_ZERO } from './statics.js';
import { freshPort, getherConnect, getherDisconnect, withPort, type LinkHooks } from './u-ether.js';
import type { ConfigKey, FunctionStatics, GadgetContext, RndisFunction, RndisParams } from './types.js';

/** The string table of f_rndis.c (2.6.31). @category Model */
export function rndisStrings(st: FunctionStatics): { id: number; s: string | null }[] {
  return [
    { id: st.stringIds[0]!, s: 'RNDIS Communications Control' },
    { id: st.stringIds[1]!, s: 'RNDIS Ethernet Data' },
  ];
}

/** `eth_fs_function` / `eth_hs_function` of f_rndis.c. @category Model */
export function rndisFunctionDescriptors(st: FunctionStatics, speed: 'fs' | 'hs'): Descriptor[] {
  const [ctrl, data] = [st.intf[0]!, st.intf[1]!];
  return [
    {
      kind: 'interface',
      bInterfaceNumber: ctrl,
      bAlternateSetting: 0,
      bNumEndpoints: 1,
      bInterfaceClass: USB_CLASS.COMM,
      bInterfaceSubClass: USB_CDC.SUBCLASS_ACM,
      bInterfaceProtocol: USB_CDC.ACM_PROTO_VENDOR,
      iInterface: st.stringIds[0]!,
    },
    { kind: 'cdcHeader', bcdCDC: 0x0110 },
    { kind: 'cdcCallMgmt', bmCapabilities: 0, bDataInterface: 0x01 },
    { kind: 'cdcAcm', bmCapabilities: 0 },
    { kind: 'cdcUnion', bMasterInterface0: ctrl, bSlaveInterface0: data },
    endpointDesc(st.eps['notify']!, 'int', speed, speed === 'hs' ? 5 + 4 : 1 << 5),
    {
      kind: 'interface',
      bInterfaceNumber: data,
      bAlternateSetting: 0,
      bNumEndpoints: 2,
      bInterfaceClass: USB_CLASS.CDC_DATA,
      bInterfaceSubClass: 0,
      bInterfaceProtocol: 0,
      iInterface: st.stringIds[1]!,
    },
    endpointDesc(st.eps['in']!, 'bulk', speed),
    endpointDesc(st.eps['out']!, 'bulk', speed),
  ];
}

/** Updates rndis.c's per-device params. @category Model */
export function withParams(ctx: GadgetContext, f: (p: RndisParams) => RndisParams): GadgetContext {
  return { ...ctx, statics: { ...ctx.statics!, rndisParams: f(ctx.statics!.rndisParams) } };
}

/** `rndis_exit()`: the /proc entry goes. */
const rndisExit = (ctx: GadgetContext): GadgetContext => ({ ...ctx, rndisProc: false });

const RNDIS_ROLES = [
  ['in', { type: 'bulk', dirIn: true, maxpacket: 0 }],
  ['out', { type: 'bulk', dirIn: false, maxpacket: 0 }],
  ['notify', { type: 'int', dirIn: true, maxpacket: RNDIS_STATUS_BYTECOUNT }],
] as const;

/** `rndis_register(resp_avail, rndis)`: the one slot of rndis.c, or -ENODEV. */
function rndisRegister(ctx: GadgetContext, id: number): Status {
  const reg = callEnv(ctx, 'rndis_register', 'rndis_bind');
  if (reg.failed || reg.ctx.statics!.rndisParams.used) return { ctx: reg.ctx, status: ERR.ENODEV };
  const c = withParams(reg.ctx, (p) => ({ ...p, used: true, speed: 0 }));
  return { ctx: updateFn<RndisFunction>(c, id, (f) => ({ ...f, config: 0 })), status: 0 };
}

/** `rndis_bind(c, f)`: as ecm_bind, then `rndis_register`. @category Model */
export function rndisBind(ctx: GadgetContext, key: ConfigKey, id: number): Status {
  return runBindSteps(ctx, id, [
    (c) => takeInterfaceIds(c, key, id, 'rndis', 2),
    (c) => claimEndpoints(c, id, 'rndis', RNDIS_ROLES, 'rndis_bind'),
    (c) => allocNotifyRequest(c, id, 'rndis_bind'),
    (c) => copyDescriptors(c, id, 'rndis', 'rndis_bind', rndisFunctionDescriptors),
    (c) => rndisRegister(c, id),
  ]);
}

/** `rndis_unbind(c, f)`: deregister, rndis_exit, free. @category Model */
export function rndisUnbind(ctx: GadgetContext, id: number): GadgetContext {
  const c = withParams(ctx, (p) => ({ ...p, used: false }));
  return freeFn(rndisExit(c), id);
}

/** `rndis_bind_config(c, ethaddr)` (seed line 236). @category Model */
export function rndisBindConfig(ctx: GadgetContext, key: ConfigKey): Status {
  if (!canSupportRndis(ctx.udc!.controller)) return { ctx, status: ERR.EINVAL };
  let c = ctx;
  if (c.statics!.rndis.stringIds[0] === 0) {
    const init = callEnv(c, 'rndis_init', 'rndis_bind_config');
    if (init.failed) return { ctx: init.ctx, status: init.errno };
    c = { ...init.ctx, rndisProc: true, statics: { ...init.ctx.statics!, rndisParams: RNDIS_PARAMS_ZERO } };
    // control and data interface labels (no rndis_exit() when these fail: USBG-9)
    const r = allocStringIds(c, 'rndis', [0, 1], 'rndis_bind_config');
    if (r.status < 0) return r;
    c = r.ctx;
  }
  const z = callEnv(c, 'kzalloc', 'rndis_bind_config');
  if (z.failed) return { ctx: rndisExit(z.ctx), status: ERR.ENOMEM };
  c = z.ctx;
  const id = c.nextFnId;
  const fn: RndisFunction = {
    kind: 'rndis',
    id,
    fs: null,
    hs: null,
    port: freshPort(0, true),
    bound: false,
    ctrlId: 0,
    dataId: 0,
    ethaddr: c.statics!.hostaddr,
    config: -1,
    notify: null,
    notifyReq: false,
    notifyCount: 0,
    notifyInFlight: false,
  };
  c = putFn({ ...c, nextFnId: id + 1 }, fn);
  const r = usbAddFunction(c, key, id, (x) => rndisBind(x, key, id));
  if (r.status) return { ctx: rndisExit(freeFn(r.ctx, id)), status: r.status };
  return r;
}

/** `rndis_response_available`: count, and queue RESPONSE_AVAILABLE when it is the first. @category Model */
export function rndisResponseAvailable(ctx: GadgetContext, id: number): GadgetContext {
  const fn = ctx.fns[id] as RndisFunction;
  const count = fn.notifyCount + 1;
  let c = updateFn<RndisFunction>(ctx, id, (f) => ({ ...f, notifyCount: count }));
  if (count !== 1) return c;
  const q = usbEpQueue(c, fn.notify, 'rndis_response_available');
  c = q.ctx;
  return updateFn<RndisFunction>(c, id, (f) =>
    q.rc ? { ...f, notifyCount: f.notifyCount - 1 } : { ...f, notifyInFlight: true },
  );
}

/**
 * `rndis_response_complete` on the notify endpoint: read by the host (requeue while more are
 * counted) or shut down (count reset).
 * @category Model
 */
export function rndisNotifyComplete(ctx: GadgetContext, id: number, shutdown: boolean): GadgetContext {
  let c = updateFn<RndisFunction>(ctx, id, (f) => ({ ...f, notifyInFlight: false }));
  if (shutdown) return updateFn<RndisFunction>(c, id, (f) => ({ ...f, notifyCount: 0 }));
  const fn = c.fns[id] as RndisFunction;
  const left = fn.notifyCount - 1;
  c = updateFn<RndisFunction>(c, id, (f) => ({ ...f, notifyCount: left }));
  if (left === 0) return c;
  const q = usbEpQueue(c, fn.notify, 'rndis_response_complete');
  return updateFn<RndisFunction>(q.ctx, id, (f) =>
    q.rc ? { ...f, notifyCount: f.notifyCount - 1 } : { ...f, notifyInFlight: true },
  );
}

/** Queue a response (`rndis_add_response`) and call `resp_avail`. */
function respond(ctx: GadgetContext, id: number, bytes: readonly number[]): GadgetContext {
  const c = withParams(ctx, (p) => ({ ...p, responses: [...p.responses, { bytes, sent: false }] }));
  return rndisResponseAvailable(c, id);
}

/** `rndis_indicate_status_msg`: only once RNDIS is initialised. */
function indicate(ctx: GadgetContext, id: number, status: number): GadgetContext {
  if (ctx.statics!.rndisParams.state === 'uninitialized') return ctx;
  return respond(ctx, id, indicateStatus(status));
}

/** The link hooks `rndis_open` / `rndis_close`. @category Model */
export const rndisLinkHooks: LinkHooks = {
  open: (ctx, id) =>
    indicate(
      withParams(ctx, (p) => ({ ...p, speed: bitrate(ctx) / 100, mediaConnected: true })),
      id,
      RNDIS_STATUS.MEDIA_CONNECT,
    ),
  close: (ctx, id) =>
    indicate(
      withParams(ctx, (p) => ({ ...p, speed: 0, mediaConnected: false })),
      id,
      RNDIS_STATUS.MEDIA_DISCONNECT,
    ),
};

/** Sets the carrier of usb0 (`netif_carrier_on/off` on `params->dev`). */
const carrier = (ctx: GadgetContext, on: boolean): GadgetContext =>
  ctx.netdev ? { ...ctx, netdev: { ...ctx.netdev, carrier: on } } : ctx;

/** rndis.c `gen_ndis_query_resp` for the OIDs the model answers. */
function queryData(ctx: GadgetContext, fn: RndisFunction, oid: number): number[] | null {
  const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  const p = ctx.statics!.rndisParams;
  switch (oid) {
    case OID.P802_3_PERMANENT_ADDRESS:
    case OID.P802_3_CURRENT_ADDRESS:
      return p.dev ? [...fn.ethaddr] : null;
    case OID.GEN_CURRENT_PACKET_FILTER:
      return le32(fn.port.cdcFilter);
    case OID.GEN_MAXIMUM_FRAME_SIZE:
      return p.dev ? le32(1500) : null;
    case OID.GEN_LINK_SPEED:
      return le32(p.mediaConnected ? p.speed : 0);
    case OID.GEN_MEDIA_CONNECT_STATUS:
      return le32(p.mediaConnected ? 0 : 1);
    default:
      return null;
  }
}

/**
 * `rndis_msg_parser(config, buf)` on a command the host sent: the status (0, or -ENOTSUPP).
 * @category Model
 */
export function rndisMsgParser(ctx: GadgetContext, id: number, buf: readonly number[]): Status {
  const fn = ctx.fns[id] as RndisFunction;
  const type = rdU32(buf, 0);
  const requestId = rdU32(buf, 8);
  const p = ctx.statics!.rndisParams;
  switch (type) {
    case RNDIS_MSG.INITIALIZE: {
      const c = withParams(ctx, (x) => ({ ...x, state: 'initialized' }));
      if (!p.dev) return { ctx: c, status: ERR.ENOTSUPP };
      return { ctx: respond(c, id, initCmplt(requestId)), status: 0 };
    }
    case RNDIS_MSG.HALT: {
      const c = withParams(ctx, (x) => ({ ...x, state: 'uninitialized' }));
      return { ctx: p.dev ? carrier(c, false) : c, status: 0 };
    }
    case RNDIS_MSG.QUERY:
      if (!p.dev) return { ctx, status: ERR.ENOTSUPP };
      return { ctx: respond(ctx, id, queryCmplt(requestId, queryData(ctx, fn, rdU32(buf, 12)))), status: 0 };
    case RNDIS_MSG.SET: {
      const oid = rdU32(buf, 12);
      let c = ctx;
      let ok = false;
      if (oid === OID.GEN_CURRENT_PACKET_FILTER) {
        const filter = rdU32(buf, 8 + rdU32(buf, 20)) & 0xffff;
        c = withPort(c, p.filterOf ?? id, (x) => ({ ...x, cdcFilter: filter }));
        c = withParams(c, (x) => ({ ...x, state: filter ? 'dataInitialized' : 'initialized' }));
        c = carrier(c, filter !== 0);
        ok = true;
      } else if (oid === OID.P802_3_MULTICAST_LIST) ok = true;
      return { ctx: respond(c, id, setCmplt(requestId, ok)), status: 0 };
    }
    case RNDIS_MSG.RESET:
      return { ctx: respond(ctx, id, resetCmplt()), status: 0 };
    case RNDIS_MSG.KEEPALIVE:
      return { ctx: respond(ctx, id, keepaliveCmplt(requestId)), status: 0 };
    default:
      return { ctx, status: ERR.ENOTSUPP };
  }
}

function disableNotify(ctx: GadgetContext, fn: RndisFunction): GadgetContext {
  const c = fn.notifyInFlight ? rndisNotifyComplete(ctx, fn.id, true) : ctx;
  return usbEpDisable(c, fn.notify);
}

/** `rndis_set_alt(f, intf, alt)`. @category Model */
export function rndisSetAlt(ctx: GadgetContext, id: number, intf: number): Status {
  const fn = ctx.fns[id] as RndisFunction;
  let c = ctx;
  if (intf === fn.ctrlId) {
    if (epState(c, fn.notify)?.driverData) c = disableNotify(c, fn);
    c = usbEpEnable(c, fn.notify, 'rndis_set_alt').ctx; // return value ignored in the C
    return { ctx: setEpDriverData(c, fn.notify, `fn${id}`), status: 0 };
  }
  if (intf !== fn.dataId) return { ctx, status: ERR.EINVAL };
  if (epState(c, fn.port.inEp)?.driverData) c = getherDisconnect(c, id);
  if (!(c.fns[id] as RndisFunction).port.in) {
    const speed = epChoose(c);
    c = withPort(c, id, (p) => ({ ...p, in: speed, out: speed }));
  }
  c = withPort(c, id, (p) => ({ ...p, isZlpOk: false, cdcFilter: 0 }));
  const r = getherConnect(c, id, rndisLinkHooks);
  if (r.rc < 0) return { ctx: r.ctx, status: r.rc };
  return { ctx: withParams(r.ctx, (p) => ({ ...p, dev: true, filterOf: id })), status: 0 };
}

/** `rndis_disable(f)`: only when the notify endpoint is claimed; rndis_uninit, disconnect. @category Model */
export function rndisDisable(ctx: GadgetContext, id: number): GadgetContext {
  const fn = ctx.fns[id] as RndisFunction;
  if (!epState(ctx, fn.notify)?.driverData) return ctx;
  let c = withParams(ctx, (p) => ({ ...p, state: 'uninitialized', responses: [] }));
  c = getherDisconnect(c, id);
  c = disableNotify(c, c.fns[id] as RndisFunction);
  return setEpDriverData(c, fn.notify, null);
}

/**
 * `rndis_setup(f, ctrl)`: the value (bytes for an IN data stage) or -EOPNOTSUPP (stall).
 * @category Model
 */
export function rndisSetup(
  ctx: GadgetContext,
  id: number,
  ctrl: CtrlRequest,
): Status & { readonly data: readonly number[] } {
  const fn = ctx.fns[id] as RndisFunction;
  const out = USB_DIR_OUT | USB_TYPE_CLASS | USB_RECIP_INTERFACE;
  const inn = USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_INTERFACE;
  const valid = ctrl.wValue === 0 && ctrl.wIndex === fn.ctrlId;
  if (ctrl.bmRequestType === out && ctrl.bRequest === USB_CDC.SEND_ENCAPSULATED_COMMAND && valid) {
    const q = callEnv(ctx, 'usb_ep_queue', 'rndis_setup');
    if (q.failed) return { ctx: q.ctx, status: q.errno, data: [] };
    const parsed = rndisMsgParser(q.ctx, id, (ctrl.data ?? []).slice(0, ctrl.wLength));
    return { ctx: parsed.ctx, status: ctrl.wLength, data: [] };
  }
  if (ctrl.bmRequestType === inn && ctrl.bRequest === USB_CDC.GET_ENCAPSULATED_RESPONSE && valid) {
    const next = ctx.statics!.rndisParams.responses[0];
    if (!next) return { ctx, status: ERR.EOPNOTSUPP, data: [] };
    const c = withParams(ctx, (p) => ({ ...p, responses: p.responses.slice(1) }));
    const q = callEnv(c, 'usb_ep_queue', 'rndis_setup');
    if (q.failed) return { ctx: q.ctx, status: q.errno, data: [] };
    return { ctx: q.ctx, status: next.bytes.length, data: next.bytes.slice(0, ctrl.wLength) };
  }
  return { ctx, status: ERR.EOPNOTSUPP, data: [] };
}

/** The bytes of RESPONSE_AVAILABLE (what the host reads from the notify endpoint). @category Model */
export const RNDIS_RESPONSE_AVAILABLE = RESPONSE_AVAILABLE;

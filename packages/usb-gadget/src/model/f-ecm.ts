/**
 * f_ecm.c of 2.6.31 (`#include`d by the seed at line 111; facts.md 2.5), which the seed's
 * `eth_do_config` calls (`ecm_bind_config`, line 262): CDC ECM, a control interface (header,
 * union, Ethernet functional descriptor, an interrupt notify endpoint) and a data interface with
 * altsetting 0 (no endpoints) and 1 (bulk IN + OUT).
 *
 * - `ecm_bind_config`: -EINVAL without ECM support; three string ids once per module image
 *   (control, data, MAC: guarded by the control id only); `kzalloc`; the MAC string;
 *   `usb_add_function` (failure: the MAC string cleared, the instance freed).
 * - `ecm_bind`: two interface ids, three endpoints (IN, OUT, notify), the notify request and
 *   buffer, the descriptor copies. Its `fail:` path frees what it allocated and releases the
 *   notify claim, but tests `port.out`/`port.in` (descriptor pointers, still NULL at bind)
 *   instead of the endpoints, so the bulk claims stay until usb_add_config resets them.
 * - `ecm_set_alt` / `ecm_get_alt` / `ecm_disable` / `ecm_setup` (SET_ETHERNET_PACKET_FILTER only)
 *   and the notifications (NETWORK_CONNECTION then SPEED_CHANGE, one request in flight).
 *
 * Modelled environment, not seed.
 *
 * @module
 */
import {
  DEFAULT_FILTER,
  ECM_STATUS_BYTECOUNT,
  ERR,
  ETH_FRAME_LEN,
  USB_CDC,
  USB_CLASS,
  USB_DIR_OUT,
  USB_RECIP_INTERFACE,
  USB_TYPE_CLASS,
} from '../constants.js';
import { canSupportEcm, gadgetIsMusbhdrc, gadgetIsSa1100 } from '../controllers.js';
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
import { bitrate, endpointDesc, epChoose, macString, updateFn, usbEpQueue } from './function-util.js';
import { freshPort, getherConnect, getherDisconnect, withPort, type LinkHooks } from './u-ether.js';
import type { ConfigKey, EcmFunction, FunctionStatics, GadgetContext } from './types.js';

/** The string table of f_ecm.c (ids from the statics, MAC string of the live instance). @category Model */
export function ecmStrings(st: FunctionStatics): { id: number; s: string | null }[] {
  return [
    { id: st.stringIds[0]!, s: 'CDC Ethernet Control Model (ECM)' },
    { id: st.stringIds[1]!, s: st.macString },
    { id: st.stringIds[2]!, s: 'CDC Ethernet Data' },
  ];
}

/** `ecm_fs_function` / `ecm_hs_function` as the templates stand. @category Model */
export function ecmFunctionDescriptors(st: FunctionStatics, speed: 'fs' | 'hs'): Descriptor[] {
  const [ctrl, data] = [st.intf[0]!, st.intf[1]!];
  return [
    {
      kind: 'interface',
      bInterfaceNumber: ctrl,
      bAlternateSetting: 0,
      bNumEndpoints: 1,
      bInterfaceClass: USB_CLASS.COMM,
      bInterfaceSubClass: USB_CDC.SUBCLASS_ETHERNET,
      bInterfaceProtocol: USB_CDC.PROTO_NONE,
      iInterface: st.stringIds[0]!,
    },
    { kind: 'cdcHeader', bcdCDC: 0x0110 },
    { kind: 'cdcUnion', bMasterInterface0: ctrl, bSlaveInterface0: data },
    {
      kind: 'cdcEther',
      iMACAddress: st.stringIds[1]!,
      bmEthernetStatistics: 0,
      wMaxSegmentSize: ETH_FRAME_LEN,
      wNumberMCFilters: 0,
      bNumberPowerFilters: 0,
    },
    endpointDesc(st.eps['notify']!, 'int', speed, speed === 'hs' ? 5 + 4 : 1 << 5),
    {
      kind: 'interface',
      bInterfaceNumber: data,
      bAlternateSetting: 0,
      bNumEndpoints: 0,
      bInterfaceClass: USB_CLASS.CDC_DATA,
      bInterfaceSubClass: 0,
      bInterfaceProtocol: 0,
      iInterface: 0,
    },
    {
      kind: 'interface',
      bInterfaceNumber: data,
      bAlternateSetting: 1,
      bNumEndpoints: 2,
      bInterfaceClass: USB_CLASS.CDC_DATA,
      bInterfaceSubClass: 0,
      bInterfaceProtocol: 0,
      iInterface: st.stringIds[2]!,
    },
    endpointDesc(st.eps['in']!, 'bulk', speed),
    endpointDesc(st.eps['out']!, 'bulk', speed),
  ];
}

const withEcm = (ctx: GadgetContext, f: (s: FunctionStatics) => FunctionStatics): GadgetContext => ({
  ...ctx,
  statics: { ...ctx.statics!, ecm: f(ctx.statics!.ecm) },
});

const ECM_ROLES = [
  ['in', { type: 'bulk', dirIn: true, maxpacket: 0 }],
  ['out', { type: 'bulk', dirIn: false, maxpacket: 0 }],
  ['notify', { type: 'int', dirIn: true, maxpacket: ECM_STATUS_BYTECOUNT }],
] as const;

/** `ecm_bind(c, f)`: interface ids, endpoints, the notify request, the descriptor copies. @category Model */
export function ecmBind(ctx: GadgetContext, key: ConfigKey, id: number): Status {
  return runBindSteps(ctx, id, [
    (c) => takeInterfaceIds(c, key, id, 'ecm', 2),
    (c) => claimEndpoints(c, id, 'ecm', ECM_ROLES, 'ecm_bind'),
    (c) => allocNotifyRequest(c, id, 'ecm_bind'),
    (c) => copyDescriptors(c, id, 'ecm', 'ecm_bind', ecmFunctionDescriptors),
  ]);
}

/** `ecm_unbind(c, f)`: descriptors and request freed, the MAC string cleared, the instance freed. @category Model */
export function ecmUnbind(ctx: GadgetContext, id: number): GadgetContext {
  return freeFn(
    withEcm(ctx, (s) => ({ ...s, macString: null })),
    id,
  );
}

/**
 * `ecm_bind_config(c, ethaddr)` (seed line 262 calls it with the static `hostaddr`).
 * @category Model
 */
export function ecmBindConfig(ctx: GadgetContext, key: ConfigKey): Status {
  if (!canSupportEcm(ctx.udc!.controller)) return { ctx, status: ERR.EINVAL };
  let c = ctx;
  if (c.statics!.ecm.stringIds[0] === 0) {
    // control interface label, data interface label, MAC address
    const r = allocStringIds(c, 'ecm', [0, 2, 1], 'ecm_bind_config');
    if (r.status < 0) return r;
    c = r.ctx;
  }
  const z = callEnv(c, 'kzalloc', 'ecm_bind_config');
  if (z.failed) return { ctx: z.ctx, status: ERR.ENOMEM };
  c = z.ctx;
  const id = c.nextFnId;
  const ethaddr = macString(c.statics!.hostaddr);
  const fn: EcmFunction = {
    kind: 'ecm',
    id,
    fs: null,
    hs: null,
    port: freshPort(DEFAULT_FILTER),
    bound: false,
    ctrlId: 0,
    dataId: 0,
    ethaddr,
    notify: null,
    notifyReq: false,
    notifyInFlight: null,
    notifyState: 'none',
    isOpen: false,
  };
  c = withEcm(putFn({ ...c, nextFnId: id + 1 }, fn), (s) => ({ ...s, macString: ethaddr }));
  const r = usbAddFunction(c, key, id, (x) => ecmBind(x, key, id));
  if (r.status)
    return {
      ctx: freeFn(
        withEcm(r.ctx, (s) => ({ ...s, macString: null })),
        id,
      ),
      status: r.status,
    };
  return r;
}

/** The NETWORK_CONNECTION / SPEED_CHANGE notification bytes. */
function notification(type: number, wValue: number, wIndex: number, data: readonly number[]): number[] {
  const le16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff];
  return [0xa1, type, ...le16(wValue), ...le16(wIndex), ...le16(data.length), ...data];
}

/** `ecm_do_notify`: queue the next notification if the request is free. @category Model */
export function ecmDoNotify(ctx: GadgetContext, id: number): GadgetContext {
  const ecm = ctx.fns[id] as EcmFunction;
  if (!ecm.notifyReq || ecm.notifyInFlight !== null || ecm.notifyState === 'none') return ctx;
  let bytes: number[];
  let next: EcmFunction['notifyState'];
  if (ecm.notifyState === 'connect') {
    bytes = notification(USB_CDC.NOTIFY_NETWORK_CONNECTION, ecm.isOpen ? 1 : 0, ecm.ctrlId, []);
    next = 'speed';
  } else {
    const r = bitrate(ctx);
    const le32 = [r & 0xff, (r >>> 8) & 0xff, (r >>> 16) & 0xff, (r >>> 24) & 0xff];
    bytes = notification(USB_CDC.NOTIFY_SPEED_CHANGE, 0, ecm.ctrlId, [...le32, ...le32]);
    next = 'none';
  }
  const q = usbEpQueue(ctx, ecm.notify, 'ecm_do_notify');
  return updateFn<EcmFunction>(q.ctx, id, (f) => ({
    ...f,
    notifyState: next,
    notifyInFlight: q.rc < 0 ? null : bytes,
  }));
}

/** `ecm_notify`: start over with NETWORK_CONNECTION. @category Model */
export function ecmNotify(ctx: GadgetContext, id: number): GadgetContext {
  return ecmDoNotify(
    updateFn<EcmFunction>(ctx, id, (f) => ({ ...f, notifyState: 'connect' })),
    id,
  );
}

/**
 * `ecm_notify_complete`: the host read the notification (`status` 0) or the endpoint was
 * disabled under it (-ESHUTDOWN: nothing more to send); the next one goes out.
 * @category Model
 */
export function ecmNotifyComplete(ctx: GadgetContext, id: number, shutdown: boolean): GadgetContext {
  const c = updateFn<EcmFunction>(ctx, id, (f) => ({
    ...f,
    notifyInFlight: null,
    notifyState: shutdown ? 'none' : f.notifyState,
  }));
  return ecmDoNotify(c, id);
}

/** The link hooks `ecm_open` / `ecm_close`. @category Model */
export const ecmLinkHooks: LinkHooks = {
  open: (ctx, id) =>
    ecmNotify(
      updateFn<EcmFunction>(ctx, id, (f) => ({ ...f, isOpen: true })),
      id,
    ),
  close: (ctx, id) =>
    ecmNotify(
      updateFn<EcmFunction>(ctx, id, (f) => ({ ...f, isOpen: false })),
      id,
    ),
};

function disableNotify(ctx: GadgetContext, ecm: EcmFunction): GadgetContext {
  let c = ctx;
  if (ecm.notifyInFlight !== null) c = ecmNotifyComplete(c, ecm.id, true);
  return usbEpDisable(c, ecm.notify);
}

/** `ecm_set_alt(f, intf, alt)`: 0 or -errno. @category Model */
export function ecmSetAlt(ctx: GadgetContext, id: number, intf: number, alt: number): Status {
  const ecm = ctx.fns[id] as EcmFunction;
  let c = ctx;
  if (intf === ecm.ctrlId) {
    if (alt !== 0) return { ctx, status: ERR.EINVAL };
    if (epState(c, ecm.notify)?.driverData) c = disableNotify(c, ecm);
    c = usbEpEnable(c, ecm.notify, 'ecm_set_alt').ctx; // return value ignored in the C
    c = setEpDriverData(c, ecm.notify, `fn${id}`);
    return { ctx: c, status: 0 };
  }
  if (intf !== ecm.dataId || alt > 1) return { ctx, status: ERR.EINVAL };
  if (epState(c, ecm.port.inEp)?.driverData) c = getherDisconnect(c, id);
  if (!(c.fns[id] as EcmFunction).port.in) {
    const speed = epChoose(c);
    c = withPort(c, id, (p) => ({ ...p, in: speed, out: speed }));
  }
  if (alt === 1) {
    const g = c.udc!.controller;
    c = withPort(c, id, (p) => ({
      ...p,
      isZlpOk: !(gadgetIsSa1100(g) || gadgetIsMusbhdrc(g)),
      cdcFilter: DEFAULT_FILTER,
    }));
    const r = getherConnect(c, id, ecmLinkHooks);
    if (r.rc < 0) return { ctx: r.ctx, status: r.rc };
    c = r.ctx;
  }
  return { ctx: ecmNotify(c, id), status: 0 };
}

/** `ecm_get_alt(f, intf)`: 0 for the control interface; 1 iff the IN endpoint is claimed. @category Model */
export function ecmGetAlt(ctx: GadgetContext, id: number, intf: number): number {
  const ecm = ctx.fns[id] as EcmFunction;
  if (intf === ecm.ctrlId) return 0;
  return epState(ctx, ecm.port.inEp)?.driverData ? 1 : 0;
}

/** `ecm_disable(f)`. @category Model */
export function ecmDisable(ctx: GadgetContext, id: number): GadgetContext {
  const ecm = ctx.fns[id] as EcmFunction;
  let c = ctx;
  if (epState(c, ecm.port.inEp)?.driverData) c = getherDisconnect(c, id);
  if (epState(c, ecm.notify)?.driverData) {
    c = disableNotify(c, c.fns[id] as EcmFunction);
    c = setEpDriverData(c, ecm.notify, null);
  }
  return c;
}

/** A control request as the function sees it. @category Model */
export interface CtrlRequest {
  readonly bmRequestType: number;
  readonly bRequest: number;
  readonly wValue: number;
  readonly wIndex: number;
  readonly wLength: number;
  readonly data?: readonly number[];
}

/** `ecm_setup(f, ctrl)`: the value (0 for the status stage) or -EOPNOTSUPP (stall). @category Model */
export function ecmSetup(
  ctx: GadgetContext,
  id: number,
  ctrl: CtrlRequest,
): Status & { readonly data: readonly number[] } {
  const ecm = ctx.fns[id] as EcmFunction;
  const filterReq =
    (USB_DIR_OUT | USB_TYPE_CLASS | USB_RECIP_INTERFACE) === ctrl.bmRequestType &&
    ctrl.bRequest === USB_CDC.SET_ETHERNET_PACKET_FILTER;
  if (!filterReq || ctrl.wLength !== 0 || ctrl.wIndex !== ecm.ctrlId)
    return { ctx, status: ERR.EOPNOTSUPP, data: [] };
  const c = withPort(ctx, id, (p) => ({ ...p, cdcFilter: ctrl.wValue }));
  const q = callEnv(c, 'usb_ep_queue', 'ecm_setup');
  return { ctx: q.ctx, status: q.failed ? q.errno : 0, data: [] };
}

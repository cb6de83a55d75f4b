/**
 * The run-time half of composite.c (2.6.31): what the host sees of the seed's
 * `usb_composite_driver` (`eth_driver`, seed lines 373-379) through ep0.
 *
 * - `config_buf` / `config_desc` / `count_configs` / `device_qual`: the configuration
 *   descriptor (bNumInterfaces = next_interface_id, bmAttributes | 0x80, bMaxPower = VBUS_DRAW/2
 *   when the config sets none, then `c->descriptors` (the seed's OTG list) and each function's
 *   descriptors for the speed), selected by index among the configurations that have
 *   descriptors for that speed; the qualifier and other-speed configuration only on dual-speed
 *   controllers. GET_DESCRIPTOR(DEVICE) recomputes bNumConfigurations first.
 * - `get_string`: string 0 is the language table collected from every table; other ids are
 *   looked up in the driver's table (`dev_strings`), then per configuration in each function's
 *   table, first match wins, for the language asked; at most 126 characters.
 * - `set_config`: resets the current configuration FIRST, then looks the value up (so an
 *   unknown value leaves the device unconfigured although the request fails: USBG-7), then
 *   calls `set_alt(f, i, 0)` for every interface.
 * - `composite_setup`: GET_DESCRIPTOR, SET/GET_CONFIGURATION, SET/GET_INTERFACE, and
 *   interface-directed requests to the function owning the interface; responses truncated to
 *   wLength; everything else stalls (-EOPNOTSUPP).
 * - `composite_disconnect`, `composite_suspend`/`resume` (no g_ether function has hooks), and
 *   `composite_unbind` (every function unbound, `composite->unbind`, `composite = NULL`).
 *
 * Modelled environment, not seed.
 *
 * @module
 */
import {
  ERR,
  MAX_CONFIG_INTERFACES,
  USB_BUFSIZ,
  USB_CONFIG_ATT_ONE,
  USB_DIR_IN,
  USB_DT,
  USB_OTG_HNP,
  USB_OTG_SRP,
  USB_RECIP_INTERFACE,
  USB_RECIP_MASK,
  USB_REQ,
} from '../constants.js';
import {
  encodeDeviceDescriptor,
  languageTable,
  stringDescriptor,
  usbDescriptorFillbuf,
  type Descriptor,
} from '../descriptors.js';
import { callEnv } from '../ports.js';
import type { Status } from './composite-bind.js';
import { withConfig } from './composite-bind.js';
import type { CtrlRequest } from './f-ecm.js';
import { fnDisable, fnGetAlt, fnSetAlt, fnSetup, fnStrings, fnUnbind } from './functions.js';
import type { ConfigKey, GadgetContext } from './types.js';

/** The OTG descriptor of the seed (`otg_descriptor`, lines 179-187). @category Model */
export const OTG_DESCRIPTOR: Descriptor = Object.freeze({
  kind: 'otg',
  bmAttributes: USB_OTG_SRP | USB_OTG_HNP,
});

const le16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];

/**
 * `config_buf(config, speed, buf, type)`: the configuration descriptor bytes, or -EINVAL.
 * @category Model
 */
export function configBuf(
  ctx: GadgetContext,
  key: ConfigKey,
  high: boolean,
  type: number,
): number[] | number {
  const c = ctx.statics!.configs[key];
  const power = c.bMaxPower || Math.floor(ctx.build.vbusDraw / 2);
  const body: Descriptor[] = c.otg ? [OTG_DESCRIPTOR] : [];
  for (const id of c.functions) {
    const fn = ctx.fns[id];
    const d = fn ? (high ? fn.hs : fn.fs) : null;
    if (d) body.push(...d);
  }
  const rest = usbDescriptorFillbuf(USB_BUFSIZ - 9, body);
  if (typeof rest === 'number') return rest;
  const total = 9 + rest.length;
  return [
    9,
    type,
    ...le16(total),
    c.nextInterfaceId,
    c.bConfigurationValue,
    c.iConfiguration,
    USB_CONFIG_ATT_ONE | c.bmAttributes,
    power,
    ...rest,
  ];
}

/** Whether configuration `key` has descriptors for the speed. */
const hasSpeed = (ctx: GadgetContext, key: ConfigKey, high: boolean): boolean =>
  high ? ctx.statics!.configs[key].highspeed : ctx.statics!.configs[key].fullspeed;

/**
 * `config_desc(cdev, w_value)`: the index-th configuration for the speed asked (the other
 * speed for OTHER_SPEED_CONFIG), or -EINVAL.
 * @category Model
 */
export function configDesc(ctx: GadgetContext, wValue: number): number[] | number {
  const type = wValue >> 8;
  let high = false;
  if (ctx.udc!.controller.dualspeed) {
    high = ctx.bus.speed === 'high';
    if (type === USB_DT.OTHER_SPEED_CONFIG) high = !high;
  }
  let index = wValue & 0xff;
  for (const key of ctx.cdev!.configs) {
    if (!hasSpeed(ctx, key, high)) continue;
    if (index === 0) return configBuf(ctx, key, high, type);
    index--;
  }
  return ERR.EINVAL;
}

/** `count_configs(cdev, type)`. @category Model */
export function countConfigs(ctx: GadgetContext, type: number): number {
  let high = false;
  if (ctx.udc!.controller.dualspeed) {
    high = ctx.bus.speed === 'high';
    if (type === USB_DT.DEVICE_QUALIFIER) high = !high;
  }
  return ctx.cdev!.configs.filter((k) => hasSpeed(ctx, k, high)).length;
}

/** `device_qual(cdev)`: the 10-byte device qualifier. @category Model */
export function deviceQual(ctx: GadgetContext): number[] {
  const d = ctx.cdev!.desc;
  return [
    10,
    USB_DT.DEVICE_QUALIFIER,
    ...le16(d.bcdUSB),
    d.bDeviceClass,
    d.bDeviceSubClass,
    d.bDeviceProtocol,
    d.bMaxPacketSize0,
    countConfigs(ctx, USB_DT.DEVICE_QUALIFIER),
    0,
  ];
}

/** The driver's own table (`dev_strings` -> `strings_dev`, seed lines 202-216), overrides applied. @category Model */
export function devStrings(ctx: GadgetContext): { id: number; s: string | null }[] {
  const s = ctx.statics!;
  const product = (ctx.build.rndis ? 'RNDIS/' : '') + 'Ethernet Gadget';
  const text = (id: number, dflt: string) => s.overrides[id] ?? dflt;
  return [
    { id: s.stringIds[0], s: text(s.stringIds[0], s.manufacturer) },
    { id: s.stringIds[1], s: text(s.stringIds[1], product) },
  ];
}

/** usbstring.c's lookup: the table stops at the first entry without text. */
function lookup(table: { id: number; s: string | null }[], id: number): string | null {
  for (const e of table) {
    if (e.s === null) return null;
    if (e.id === id) return e.s;
  }
  return null;
}

/** Every string table of the device in get_string's search order. @category Model */
export function stringTables(ctx: GadgetContext): { id: number; s: string | null }[][] {
  const tables = [devStrings(ctx)];
  for (const key of ctx.cdev?.configs ?? []) {
    for (const id of ctx.statics!.configs[key].functions) {
      const fn = ctx.fns[id];
      if (fn) tables.push(fnStrings(ctx, fn));
    }
  }
  return tables;
}

/**
 * `get_string(cdev, buf, language, id)`: the string descriptor, or -EINVAL (stall).
 * @category Model
 */
export function getString(ctx: GadgetContext, language: number, id: number): number[] | number {
  if (id === 0) return languageTable([0x0409]);
  if (language !== 0x0409) return ERR.EINVAL;
  for (const t of stringTables(ctx)) {
    const s = lookup(t, id);
    if (s !== null) return stringDescriptor(s);
  }
  return ERR.EINVAL;
}

/** `reset_config(cdev)`: every function of the configuration disabled. @category Model */
export function resetConfig(ctx: GadgetContext): GadgetContext {
  const key = ctx.cdev?.config;
  if (!key) return ctx;
  let c = ctx;
  for (const id of c.statics!.configs[key].functions) c = fnDisable(c, id);
  return { ...c, cdev: { ...c.cdev!, config: null } };
}

/**
 * `set_config(cdev, ctrl, number)`: 0 or -EINVAL.
 * @category Model
 */
export function setConfig(ctx: GadgetContext, number: number): Status {
  const before = ctx.cdev!.config;
  let c = before ? resetConfig(ctx) : ctx;
  if (ctx.ghost.rejectedFrom !== null) c = { ...c, ghost: { ...c.ghost, rejectedFrom: null } };
  if (number === 0) return { ctx: c, status: 0 };
  const key = c.cdev!.configs.find((k) => c.statics!.configs[k].bConfigurationValue === number);
  if (!key) return { ctx: { ...c, ghost: { ...c.ghost, rejectedFrom: before } }, status: ERR.EINVAL };
  c = { ...c, cdev: { ...c.cdev!, config: key } };
  const interfaces = c.statics!.configs[key].interfaces;
  for (let i = 0; i < MAX_CONFIG_INTERFACES; i++) {
    const id = interfaces[i];
    if (id === null || id === undefined) break;
    const r = fnSetAlt(c, id, i, 0);
    c = r.ctx;
    if (r.status < 0) return { ctx: resetConfig(c), status: r.status };
  }
  return { ctx: c, status: 0 };
}

/** The outcome of one control transfer: the context and the reply (`data`, `ack`, `stall`). @category Model */
export interface SetupResult {
  readonly ctx: GadgetContext;
  readonly value: number;
  readonly data: readonly number[];
}

const dataReply = (ctx: GadgetContext, bytes: number[] | number, wLength: number): SetupResult =>
  typeof bytes === 'number'
    ? { ctx, value: bytes, data: [] }
    : { ctx, value: Math.min(wLength, bytes.length), data: bytes.slice(0, wLength) };

/** The function owning interface `w_index` of the current configuration. */
function interfaceFn(ctx: GadgetContext, wIndex: number): number | null {
  const key = ctx.cdev!.config;
  if (!key || wIndex >= MAX_CONFIG_INTERFACES) return null;
  return ctx.statics!.configs[key].interfaces[wIndex & 0xff] ?? null;
}

/**
 * `composite_setup(gadget, ctrl)`: `value` >= 0 with `data` for an IN data stage (or an
 * empty status stage), or < 0 for a stall.
 * @category Model
 */
export function compositeSetup(ctx: GadgetContext, r: CtrlRequest): SetupResult {
  const cdev = ctx.cdev!;
  const fail: SetupResult = { ctx, value: ERR.EOPNOTSUPP, data: [] };
  let res: SetupResult = fail;
  switch (r.bRequest) {
    case USB_REQ.GET_DESCRIPTOR: {
      if (r.bmRequestType !== USB_DIR_IN) return unknown(ctx, r);
      const type = r.wValue >> 8;
      if (type === USB_DT.DEVICE) {
        const desc = { ...cdev.desc, bNumConfigurations: countConfigs(ctx, USB_DT.DEVICE) };
        res = dataReply({ ...ctx, cdev: { ...cdev, desc } }, encodeDeviceDescriptor(desc), r.wLength);
      } else if (type === USB_DT.DEVICE_QUALIFIER) {
        if (ctx.udc!.controller.dualspeed) res = dataReply(ctx, deviceQual(ctx), r.wLength);
      } else if (type === USB_DT.CONFIG || type === USB_DT.OTHER_SPEED_CONFIG) {
        if (type === USB_DT.CONFIG || ctx.udc!.controller.dualspeed)
          res = dataReply(ctx, configDesc(ctx, r.wValue), r.wLength);
      } else if (type === USB_DT.STRING) {
        res = dataReply(ctx, getString(ctx, r.wIndex, r.wValue & 0xff), r.wLength);
      }
      break;
    }
    case USB_REQ.SET_CONFIGURATION: {
      if (r.bmRequestType !== 0) return unknown(ctx, r);
      const s = setConfig(ctx, r.wValue);
      res = { ctx: s.ctx, value: s.status, data: [] };
      break;
    }
    case USB_REQ.GET_CONFIGURATION: {
      if (r.bmRequestType !== USB_DIR_IN) return unknown(ctx, r);
      const v = cdev.config ? ctx.statics!.configs[cdev.config].bConfigurationValue : 0;
      res = dataReply(ctx, [v], r.wLength);
      break;
    }
    case USB_REQ.SET_INTERFACE: {
      if (r.bmRequestType !== USB_RECIP_INTERFACE) return unknown(ctx, r);
      const id = interfaceFn(ctx, r.wIndex);
      if (id === null) break;
      const s = fnSetAlt(ctx, id, r.wIndex, r.wValue);
      res = { ctx: s.ctx, value: s.status, data: [] };
      break;
    }
    case USB_REQ.GET_INTERFACE: {
      if (r.bmRequestType !== (USB_DIR_IN | USB_RECIP_INTERFACE)) return unknown(ctx, r);
      const id = interfaceFn(ctx, r.wIndex);
      if (id === null) break;
      res = dataReply(ctx, [fnGetAlt(ctx, id, r.wIndex)], r.wLength);
      break;
    }
    default:
      return unknown(ctx, r);
  }
  if (res.value < 0) return res;
  const q = callEnv(res.ctx, 'usb_ep_queue', 'composite_setup');
  // an ep0 queue error completes the request at once; the host sees the status stage fail
  return q.failed ? { ctx: q.ctx, value: q.errno, data: [] } : { ...res, ctx: q.ctx };
}

/** The `unknown:` path: interface-directed requests go to the function's setup (which queues its own reply). */
function unknown(ctx: GadgetContext, r: CtrlRequest): SetupResult {
  if ((r.bmRequestType & USB_RECIP_MASK) !== USB_RECIP_INTERFACE)
    return { ctx, value: ERR.EOPNOTSUPP, data: [] };
  const key = ctx.cdev!.config;
  if (!key) return { ctx, value: ERR.EOPNOTSUPP, data: [] };
  if (r.wIndex >= ctx.statics!.configs[key].nextInterfaceId) return { ctx, value: ERR.EOPNOTSUPP, data: [] };
  const id = ctx.statics!.configs[key].interfaces[r.wIndex & 0xff];
  const s = id === null || id === undefined ? null : fnSetup(ctx, id, r);
  if (!s) return { ctx, value: ERR.EOPNOTSUPP, data: [] };
  return { ctx: s.ctx, value: s.status, data: s.data };
}

/** `composite_disconnect(gadget)`: the configuration reset. @category Model */
export function compositeDisconnect(ctx: GadgetContext): GadgetContext {
  return ctx.cdev?.config ? resetConfig(ctx) : ctx;
}

/**
 * `composite_unbind(gadget)`: WARN if still configured; every configuration's functions
 * unbound and its `interface[]` cleared; `composite->unbind(cdev)` when the driver has one;
 * the cdev freed; `composite = NULL`.
 * @category Model
 */
export function compositeUnbind(
  ctx: GadgetContext,
  driverUnbind: ((ctx: GadgetContext) => GadgetContext) | null,
): GadgetContext {
  let c = ctx;
  if (c.cdev?.config) c = { ...c, ghost: { ...c.ghost, warnings: c.ghost.warnings + 1 } };
  for (const key of c.cdev?.configs ?? []) {
    for (const id of c.statics!.configs[key].functions) c = fnUnbind(c, id);
    c = withConfig(c, key, (x) => ({ ...x, functions: [], interfaces: [] }));
  }
  if (driverUnbind) c = driverUnbind(c);
  const udc = c.udc ? { ...c.udc, driverBound: false } : null;
  return { ...c, cdev: null, udc, statics: { ...c.statics!, composite: false } };
}

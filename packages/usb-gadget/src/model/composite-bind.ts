/**
 * The binding half of composite.c (2.6.31, `#include`d by the seed at line 106; facts.md 2.3):
 * `usb_string_id` (ids 1..254, never released), `usb_interface_id` (up to 16 per
 * configuration), `usb_add_function` (-EINVAL without set_alt/disable; on a failed bind the
 * function is unlinked, but the `interface[]` slots it took keep pointing at it) and
 * `usb_add_config` (-EINVAL for value 0 or no bind, -EBUSY for a duplicate value; link, reset
 * the function list and the interface counter, call the bind, unlink on failure, and always
 * `usb_ep_autoconfig_reset` afterwards); composite_bind's allocations before and its
 * descriptor copy and module-parameter overrides after the driver's bind.
 *
 * Modelled environment, not seed: the seed calls these at lines 334, 340, 348 and 353, and the
 * function drivers call the first three.
 *
 * @module
 */
import { ERR, MAX_CONFIG_INTERFACES } from '../constants.js';
import { callEnv } from '../ports.js';
import { usbEpAutoconfigReset } from './epautoconf.js';
import type { ConfigDriver, ConfigKey, GadgetContext, GadgetFunction } from './types.js';

/** A C-style result: the context and a status (>= 0 or -errno). @category Model */
export interface Status {
  readonly ctx: GadgetContext;
  readonly status: number;
}

/** Updates one static configuration. @category Model */
export function withConfig(
  ctx: GadgetContext,
  key: ConfigKey,
  f: (c: ConfigDriver) => ConfigDriver,
): GadgetContext {
  const s = ctx.statics!;
  return { ...ctx, statics: { ...s, configs: { ...s.configs, [key]: f(s.configs[key]) } } };
}

/**
 * `usb_string_id(cdev)`: the next id while `next_string_id < 254`, else -ENODEV.
 * @category Model
 */
export function usbStringId(ctx: GadgetContext, caller: string): Status {
  const call = callEnv(ctx, 'usb_string_id', caller);
  const cdev = call.ctx.cdev!;
  if (call.failed || cdev.nextStringId >= 254) return { ctx: call.ctx, status: ERR.ENODEV };
  const id = cdev.nextStringId + 1;
  return { ctx: { ...call.ctx, cdev: { ...cdev, nextStringId: id } }, status: id };
}

/**
 * `usb_interface_id(c, f)`: the next interface number of configuration `key`, recorded as
 * function `fnId`'s, or -ENODEV past 16.
 * @category Model
 */
export function usbInterfaceId(ctx: GadgetContext, key: ConfigKey, fnId: number): Status {
  const c = ctx.statics!.configs[key];
  const id = c.nextInterfaceId;
  if (id >= MAX_CONFIG_INTERFACES) return { ctx, status: ERR.ENODEV };
  const interfaces = [...c.interfaces];
  while (interfaces.length <= id) interfaces.push(null);
  interfaces[id] = fnId;
  return { ctx: withConfig(ctx, key, (x) => ({ ...x, interfaces, nextInterfaceId: id + 1 })), status: id };
}

/** Stores a function instance. @category Model */
export function putFn(ctx: GadgetContext, fn: GadgetFunction): GadgetContext {
  return { ...ctx, fns: { ...ctx.fns, [fn.id]: fn } };
}

/** Frees a function instance (`kfree`). @category Model */
export function freeFn(ctx: GadgetContext, id: number): GadgetContext {
  const { [id]: _gone, ...rest } = ctx.fns;
  return { ...ctx, fns: rest };
}

/**
 * `usb_add_function(c, f)`: link, bind, unlink on failure; mark the configuration full/high
 * speed from the descriptors the bind copied.
 * @category Model
 */
export function usbAddFunction(
  ctx: GadgetContext,
  key: ConfigKey,
  fnId: number,
  bind: (ctx: GadgetContext) => Status,
): Status {
  let c = withConfig(ctx, key, (x) => ({ ...x, functions: [...x.functions, fnId] }));
  const r = bind(c);
  c = r.ctx;
  if (r.status < 0)
    c = withConfig(c, key, (x) => ({ ...x, functions: x.functions.filter((id) => id !== fnId) }));
  const fn = c.fns[fnId];
  if (fn) {
    c = withConfig(c, key, (x) => ({
      ...x,
      fullspeed: x.fullspeed || fn.fs !== null,
      highspeed: x.highspeed || fn.hs !== null,
    }));
    if (r.status >= 0) c = putFn(c, { ...fn, bound: true } as GadgetFunction);
  }
  return { ctx: c, status: r.status };
}

/**
 * `usb_add_config(cdev, config)` with the configuration's bind function.
 * @category Model
 */
export function usbAddConfig(
  ctx: GadgetContext,
  key: ConfigKey,
  bind: (ctx: GadgetContext) => Status,
): Status {
  const config = ctx.statics!.configs[key];
  const cdev = ctx.cdev!;
  if (!config.bConfigurationValue) return { ctx, status: ERR.EINVAL };
  if (cdev.configs.some((k) => ctx.statics!.configs[k].bConfigurationValue === config.bConfigurationValue)) {
    return { ctx, status: ERR.EBUSY };
  }
  let c = withConfig(ctx, key, (x) => ({ ...x, functions: [], nextInterfaceId: 0 }));
  c = { ...c, cdev: { ...c.cdev!, configs: [...cdev.configs, key] } };
  const r = bind(c);
  c = r.ctx;
  if (r.status < 0) c = { ...c, cdev: { ...c.cdev!, configs: c.cdev!.configs.filter((k) => k !== key) } };
  return { ctx: usbEpAutoconfigReset(c), status: r.status };
}

/**
 * composite_bind up to `composite->bind(cdev)`: the cdev (`kzalloc`, -ENOMEM returned at
 * once), the ep0 request and its buffer (a failure goes to composite_unbind), then
 * `usb_ep_autoconfig_reset`. `status` 0 to go on.
 * @category Model
 */
export function compositeBindBegin(ctx: GadgetContext): Status & { readonly unbind: boolean } {
  const z = callEnv(ctx, 'kzalloc', 'composite_bind');
  if (z.failed) return { ctx: z.ctx, status: ERR.ENOMEM, unbind: false };
  let c: GadgetContext = {
    ...z.ctx,
    cdev: { nextStringId: 0, configs: [], config: null, desc: z.ctx.statics!.device },
  };
  const req = callEnv(c, 'usb_ep_alloc_request', 'composite_bind');
  if (req.failed) return { ctx: req.ctx, status: ERR.ENOMEM, unbind: true };
  const buf = callEnv(req.ctx, 'kmalloc', 'composite_bind');
  if (buf.failed) return { ctx: buf.ctx, status: ERR.ENOMEM, unbind: true };
  c = buf.ctx;
  c = {
    ...c,
    udc: { ...c.udc!, driverBound: true },
    statics: { ...c.statics!, binds: c.statics!.binds + 1 },
  };
  return { ctx: usbEpAutoconfigReset(c), status: 0, unbind: false };
}

/**
 * composite_bind after a successful `composite->bind`: `cdev->desc = *composite->dev`,
 * bMaxPacketSize0 from ep0, the idVendor/idProduct/bcdDevice parameters, and the string
 * parameters for the ids the descriptor names (iSerialNumber stays 0 in g_ether, so that
 * parameter never applies).
 * @category Model
 */
export function compositeBindEnd(ctx: GadgetContext): GadgetContext {
  const p = ctx.params;
  const s = ctx.statics!;
  let desc = { ...s.device, bMaxPacketSize0: ctx.udc!.controller.ep0Maxpacket };
  if (p.idVendor) desc = { ...desc, idVendor: p.idVendor };
  if (p.idProduct) desc = { ...desc, idProduct: p.idProduct };
  if (p.bcdDevice) desc = { ...desc, bcdDevice: p.bcdDevice };
  const overrides: Record<number, string> = { ...s.overrides };
  const strings = [s.stringIds[0], s.stringIds[1]];
  const override = (id: number, v: string | null) => {
    if (id && v !== null && strings.includes(id)) overrides[id] = v;
  };
  override(desc.iManufacturer, p.iManufacturer);
  override(desc.iProduct, p.iProduct);
  override(desc.iSerialNumber, p.iSerialNumber);
  return { ...ctx, cdev: { ...ctx.cdev!, desc }, statics: { ...s, overrides } };
}

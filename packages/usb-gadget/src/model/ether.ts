/**
 * The seed itself, `linux-usb-gadget-ether.c`, step by step: `has_rndis` (88-95),
 * `rndis_do_config` (227-237), `eth_do_config` (252-265), `eth_bind` (277-365) cut at each
 * statement that can fail or that writes static data, `eth_unbind` (367-371), and the module
 * entry points `init` / `cleanup` (385-395) with what `usb_composite_register` /
 * `usb_composite_unregister` do around them.
 *
 * Each `ethBind*` function is one step of the chart's `loading.ethBind` chain; it sets
 * `status` as the C local does, and the chart's next transition tests it. The helpers they
 * call live in the other model files (composite, f_ecm, f_subset, f_rndis, u_ether,
 * epautoconf) and are modelled environment.
 *
 * Where the C departs from its evident intent (modelled as written, see findings.ts): the
 * static `device_desc`, the configurations' OTG descriptor and wake-up bit, and the functions'
 * string ids are written by a bind and never reset (USBG-1..3, seen on a re-bind);
 * `__exit_p(eth_unbind)` is NULL when built in (USBG-4).
 *
 * @module
 */
import {
  RNDIS_PRODUCT_NUM,
  RNDIS_VENDOR_NUM,
  SIMPLE_PRODUCT_NUM,
  SIMPLE_VENDOR_NUM,
  USB_CLASS,
  USB_CONFIG_ATT_WAKEUP,
} from '../constants.js';
import { canSupportEcm, usbGadgetControllerNumber } from '../controllers.js';
import {
  compositeBindBegin,
  compositeBindEnd,
  usbAddConfig,
  usbStringId,
  withConfig,
  type Status,
} from './composite-bind.js';
import { compositeDisconnect, compositeUnbind } from './composite-setup.js';
import { ecmBindConfig } from './f-ecm.js';
import { rndisBindConfig } from './f-rndis.js';
import { gethBindConfig } from './f-subset.js';
import { freshStatics, freshUdc } from './statics.js';
import { getherCleanup, getherSetup } from './u-ether.js';
import type { DeviceDescriptor } from '../descriptors.js';
import type { ConfigKey, GadgetContext } from './types.js';

/** `has_rndis()` (seed 88-95): CONFIG_USB_ETH_RNDIS. @category Seed */
export const hasRndis = (ctx: GadgetContext): boolean => ctx.build.rndis;

const setDevice = (ctx: GadgetContext, patch: Partial<DeviceDescriptor>): GadgetContext => ({
  ...ctx,
  statics: { ...ctx.statics!, device: { ...ctx.statics!.device, ...patch } },
});

/** The OTG lines shared by rndis_do_config (231-234) and eth_do_config (256-259). */
function otgConfig(ctx: GadgetContext, key: ConfigKey): GadgetContext {
  if (!ctx.udc!.controller.otg) return ctx;
  return withConfig(ctx, key, (c) => ({
    ...c,
    otg: true,
    bmAttributes: c.bmAttributes | USB_CONFIG_ATT_WAKEUP,
  }));
}

/** `rndis_do_config(c)` (seed 227-237). @category Seed */
export function rndisDoConfig(ctx: GadgetContext): Status {
  return rndisBindConfig(otgConfig(ctx, 'rndis'), 'rndis');
}

/** `eth_do_config(c)` (seed 252-265). @category Seed */
export function ethDoConfig(ctx: GadgetContext): Status {
  const c = otgConfig(ctx, 'eth');
  return canSupportEcm(c.udc!.controller) ? ecmBindConfig(c, 'eth') : gethBindConfig(c, 'eth');
}

/** eth_bind 283-286: `status = gether_setup(cdev->gadget, hostaddr)`. @category Seed */
export function ethBindSetupLink(ctx: GadgetContext): GadgetContext {
  const r = getherSetup(ctx);
  return { ...r.ctx, status: r.status };
}

/** eth_bind 288-300: the main configuration's label; the Subset ids and class. @category Seed */
export function ethBindChooseLink(ctx: GadgetContext): GadgetContext {
  if (canSupportEcm(ctx.udc!.controller))
    return withConfig(ctx, 'eth', (c) => ({ ...c, label: 'CDC Ethernet (ECM)' }));
  let c = withConfig(ctx, 'eth', (x) => ({ ...x, label: 'CDC Subset/SAFE' }));
  c = setDevice(c, { idVendor: SIMPLE_VENDOR_NUM, idProduct: SIMPLE_PRODUCT_NUM });
  if (!hasRndis(c)) c = setDevice(c, { bDeviceClass: USB_CLASS.VENDOR_SPEC });
  return c;
}

/** eth_bind 302-307: RNDIS ids and two configurations. @category Seed */
export function ethBindRndisIds(ctx: GadgetContext): GadgetContext {
  if (!hasRndis(ctx)) return ctx;
  return setDevice(ctx, { idVendor: RNDIS_VENDOR_NUM, idProduct: RNDIS_PRODUCT_NUM, bNumConfigurations: 2 });
}

/** eth_bind 309-323: bcdDevice 0x0300 | controller number, or 0x0399 with a warning. @category Seed */
export function ethBindControllerNumber(ctx: GadgetContext): GadgetContext {
  const gcnum = usbGadgetControllerNumber(ctx.udc!.controller);
  if (gcnum >= 0) return setDevice(ctx, { bcdDevice: 0x0300 | gcnum });
  const c = setDevice(ctx, { bcdDevice: 0x0300 | 0x0099 });
  return { ...c, ghost: { ...c.ghost, warnings: c.ghost.warnings + 1 } };
}

/** eth_bind 331-333: `snprintf(manufacturer, 50, "%s %s with %s", ...)`. @category Seed */
export function ethBindManufacturer(ctx: GadgetContext): GadgetContext {
  const text = `${ctx.uts.sysname} ${ctx.uts.release} with ${ctx.udc!.controller.name}`.slice(0, 49);
  return { ...ctx, statics: { ...ctx.statics!, manufacturer: text } };
}

/** eth_bind 334-338: the manufacturer's string id. @category Seed */
export function ethBindManufacturerId(ctx: GadgetContext): GadgetContext {
  const r = usbStringId(ctx, 'eth_bind');
  if (r.status < 0) return { ...r.ctx, status: r.status };
  const s = r.ctx.statics!;
  const c = { ...r.ctx, statics: { ...s, stringIds: [r.status, s.stringIds[1]] as [number, number] } };
  return { ...setDevice(c, { iManufacturer: r.status }), status: r.status };
}

/** eth_bind 340-344: the product's string id. @category Seed */
export function ethBindProductId(ctx: GadgetContext): GadgetContext {
  const r = usbStringId(ctx, 'eth_bind');
  if (r.status < 0) return { ...r.ctx, status: r.status };
  const s = r.ctx.statics!;
  const c = { ...r.ctx, statics: { ...s, stringIds: [s.stringIds[0], r.status] as [number, number] } };
  return { ...setDevice(c, { iProduct: r.status }), status: r.status };
}

/** eth_bind 346-351: `usb_add_config(cdev, &rndis_config_driver)` when has_rndis(). @category Seed */
export function ethBindAddRndisConfig(ctx: GadgetContext): GadgetContext {
  const r = usbAddConfig(ctx, 'rndis', rndisDoConfig);
  return { ...r.ctx, status: r.status };
}

/** eth_bind 353-355: `usb_add_config(cdev, &eth_config_driver)`. @category Seed */
export function ethBindAddEthConfig(ctx: GadgetContext): GadgetContext {
  const r = usbAddConfig(ctx, 'eth', ethDoConfig);
  return { ...r.ctx, status: r.status };
}

/** eth_bind 357-360: dev_info and return 0. @category Seed */
export function ethBindAnnounce(ctx: GadgetContext): GadgetContext {
  return { ...ctx, status: 0 };
}

/** eth_bind 362-364 (`fail:`): gether_cleanup, status returned. @category Seed */
export function ethBindFail(ctx: GadgetContext): GadgetContext {
  return getherCleanup(ctx);
}

/** `eth_unbind(cdev)` (seed 367-371): gether_cleanup. @category Seed */
export function ethUnbind(ctx: GadgetContext): GadgetContext {
  return getherCleanup(ctx);
}

/** `eth_driver.unbind` (seed 378): `__exit_p(eth_unbind)`, NULL when built in. @category Seed */
export function ethDriverUnbind(ctx: GadgetContext): ((c: GadgetContext) => GadgetContext) | null {
  return ctx.build.builtIn ? null : ethUnbind;
}

/**
 * `init()` (seed 385-388) up to the bind: a fresh module image, `usb_composite_register`
 * (`composite` set), and the UDC's `usb_gadget_register_driver` (-ENODEV without a
 * controller, -EBUSY when another gadget driver holds it).
 * @category Seed
 */
export function moduleInit(ctx: GadgetContext): GadgetContext {
  const statics = { ...freshStatics(), composite: true };
  const udc = ctx.controller ? freshUdc(ctx.controller) : null;
  return {
    ...ctx,
    statics,
    udc,
    cdev: null,
    fns: {},
    status: udc ? 0 : -19,
    rebinding: false,
    ghost: { ...ctx.ghost, bindFailed: false, binding: true, calls: [] },
  };
}

/**
 * composite_bind's first part (allocations), `status` set; when the cdev itself could not be
 * allocated, `cdev` stays null (composite_bind returns at once, without composite_unbind).
 * @category Seed
 */
export function compositeBindStart(ctx: GadgetContext): GadgetContext {
  const r = compositeBindBegin(ctx);
  return { ...r.ctx, status: r.status };
}

/** composite_bind's last part: the descriptor copy and the parameter overrides. @category Seed */
export function compositeBindFinish(ctx: GadgetContext): GadgetContext {
  return { ...compositeBindEnd(ctx), result: 0, ghost: { ...ctx.ghost, bindFailed: false, binding: false } };
}

/** composite_bind's `fail:` path: composite_unbind (which calls eth_unbind unless built in). @category Seed */
export function compositeBindFailed(ctx: GadgetContext, unbind: boolean): GadgetContext {
  const c = unbind ? compositeUnbind(ctx, ethDriverUnbind(ctx)) : ctx;
  return {
    ...c,
    cdev: null,
    udc: c.udc ? { ...c.udc, driverBound: false } : null,
    result: ctx.status,
    ghost: { ...c.ghost, bindFailed: true, binding: false },
  };
}

/** A failed module load: the module image is freed (statics gone), the result kept. @category Seed */
export function moduleLoadFailed(ctx: GadgetContext): GadgetContext {
  return {
    ...ctx,
    statics: null,
    udc: null,
    cdev: null,
    fns: {},
    result: ctx.result ?? ctx.status,
    ghost: { ...ctx.ghost, binding: false },
  };
}

/**
 * The controller goes away under a bound driver (the UDC's remove calls
 * `usb_gadget_unregister_driver`): disconnect, then composite_unbind.
 * @category Seed
 */
export function udcRemove(ctx: GadgetContext): GadgetContext {
  const c = compositeUnbind(compositeDisconnect(ctx), ethDriverUnbind(ctx));
  const netdev = c.netdev
    ? { ...c.netdev, orphaned: true, carrier: false, portUsb: null, txQueue: [] }
    : null;
  return { ...c, udc: null, controller: null, netdev, bus: { address: 0, speed: null, suspended: false } };
}

/**
 * The re-bind of later kernels' udc-core: the waiting driver bound to the new controller,
 * with the module's statics as they are.
 * @category Seed
 */
export function udcRebind(ctx: GadgetContext): GadgetContext {
  return {
    ...ctx,
    udc: freshUdc(ctx.controller!),
    statics: { ...ctx.statics!, composite: true },
    rebinding: true,
    status: 0,
    ghost: { ...ctx.ghost, binding: true, calls: [] },
  };
}

/**
 * `cleanup()` (seed 391-394): `usb_composite_unregister` (only while `composite` is still
 * set: after a controller removal composite_unbind has cleared it) -> the UDC disconnects and
 * unbinds; then the module image goes.
 * @category Seed
 */
export function moduleCleanup(ctx: GadgetContext): GadgetContext {
  let c = ctx;
  if (c.statics?.composite && c.cdev) c = compositeUnbind(compositeDisconnect(c), ethDriverUnbind(c));
  return {
    ...c,
    statics: null,
    udc: null,
    cdev: null,
    fns: {},
    result: 0,
    bus: { address: 0, speed: null, suspended: false },
  };
}

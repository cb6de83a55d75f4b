/**
 * The peripheral controllers (UDCs) the seed asks about, as `gadget_chips.h` of 2.6.31 sees
 * them (facts.md 2.2): each `gadget_is_X()` is a `strcmp` of the controller's name, compiled in
 * only for the one controller Kconfig selects (in 2.6.31 the peripheral controller is a Kconfig
 * `choice`, so the running controller's own test is the only one that can be true); the
 * controller numbers of `usb_gadget_controller_number()` (-ENOENT for a name the table does not
 * know: the seed's 0x0399 path, lines 309-323); `gadget_supports_altsettings()` and
 * u_ether.h's `can_support_ecm()` (false for the PXA 25x/27x, SuperH and SA-1100 controllers).
 *
 * Modelled environment, not seed: the presets describe what the 2.6.31 UDC drivers expose
 * (name, dual speed, OTG, ep0 size, endpoint names and FIFO sizes). The names and numbers are
 * verified (facts.md); the endpoint tables are recalled from the UDC drivers and marked so.
 * An unknown controller is described by the caller.
 *
 * @module
 */
import { ERR } from './constants.js';

/**
 * One endpoint a controller offers to `usb_ep_autoconfig` (ep0 excluded).
 * @category Controllers
 */
export interface UdcEndpoint {
  /** The name the UDC driver gives it (`ep1in-bulk`, `ep-a`, ...): epautoconf matches on it. */
  readonly name: string;
  /** `ep->maxpacket`: the FIFO size. */
  readonly maxpacket: number;
}

/**
 * A peripheral controller: what `struct usb_gadget` tells the gadget driver.
 * @category Controllers
 */
export interface Controller {
  /** `gadget->name`, e.g. `net2280`, `pxa25x_udc`. */
  readonly name: string;
  /** `gadget_is_dualspeed()`: can run at high speed (CONFIG_USB_GADGET_DUALSPEED and the hardware). */
  readonly dualspeed: boolean;
  /** `gadget_is_otg()`: an OTG port (CONFIG_USB_OTG and `gadget->is_otg`). */
  readonly otg: boolean;
  /** `gadget->ep0->maxpacket`, copied into bMaxPacketSize0 by composite_bind. */
  readonly ep0Maxpacket: number;
  /** `gadget->ep_list` in list order. */
  readonly endpoints: readonly UdcEndpoint[];
}

/**
 * `usb_gadget_controller_number()` of 2.6.31, by controller name (facts.md 2.2).
 * @category Controllers
 */
export const CONTROLLER_NUMBERS: Readonly<Record<string, number>> = Object.freeze({
  net2280: 0x01,
  dummy_udc: 0x02,
  pxa25x_udc: 0x03,
  sh_udc: 0x04,
  sa1100_udc: 0x05,
  goku_udc: 0x06,
  mq11xx_udc: 0x07,
  omap_udc: 0x08,
  lh7a40x_udc: 0x09,
  n9604_udc: 0x10,
  pxa27x_udc: 0x11,
  s3c2410_udc: 0x12,
  at91_udc: 0x13,
  imx_udc: 0x14,
  musbhsfc_udc: 0x15,
  musb_hdrc: 0x16,
  mpc8272_udc: 0x17,
  atmel_usba_udc: 0x18,
  'fsl-usb2-udc': 0x19,
  amd5536udc: 0x20,
  m66592_udc: 0x21,
  fsl_qe_udc: 0x22,
  ci13xxx_udc: 0x23,
  langwell_udc: 0x24,
  r8a66597_udc: 0x25,
});

/**
 * `usb_gadget_controller_number(gadget)`: the number, or -ENOENT for an unknown controller.
 * @category Controllers
 */
export function usbGadgetControllerNumber(c: Controller): number {
  return Object.prototype.hasOwnProperty.call(CONTROLLER_NUMBERS, c.name)
    ? CONTROLLER_NUMBERS[c.name]!
    : ERR.ENOENT;
}

/** `gadget_is_pxa()` (pxa 21x/25x/26x). @category Controllers */
export const gadgetIsPxa = (c: Controller): boolean => c.name === 'pxa25x_udc';
/** `gadget_is_pxa27x()`. @category Controllers */
export const gadgetIsPxa27x = (c: Controller): boolean => c.name === 'pxa27x_udc';
/** `gadget_is_sh()`. @category Controllers */
export const gadgetIsSh = (c: Controller): boolean => c.name === 'sh_udc';
/** `gadget_is_sa1100()`. @category Controllers */
export const gadgetIsSa1100 = (c: Controller): boolean => c.name === 'sa1100_udc';
/** `gadget_is_musbhdrc()`. @category Controllers */
export const gadgetIsMusbhdrc = (c: Controller): boolean => c.name === 'musb_hdrc';
/** `gadget_is_net2280()`. @category Controllers */
export const gadgetIsNet2280 = (c: Controller): boolean => c.name === 'net2280';

/**
 * `gadget_supports_altsettings()`: false for PXA 21x/25x/26x (none), PXA 27x (broken), SH.
 * @category Controllers
 */
export function gadgetSupportsAltsettings(c: Controller): boolean {
  return !(gadgetIsPxa(c) || gadgetIsPxa27x(c) || gadgetIsSh(c));
}

/**
 * u_ether.h `can_support_ecm()`: altsettings needed, and SA-1100 kept on the Subset.
 * @category Controllers
 */
export function canSupportEcm(c: Controller): boolean {
  if (!gadgetSupportsAltsettings(c)) return false;
  if (gadgetIsSa1100(c)) return false;
  return true;
}

/**
 * f_rndis.c `can_support_rndis()` of 2.6.31: the SA-1100 has only two endpoints.
 * @category Controllers
 */
export function canSupportRndis(c: Controller): boolean {
  return !gadgetIsSa1100(c);
}

const eps = (list: readonly [string, number][]): readonly UdcEndpoint[] =>
  Object.freeze(list.map(([name, maxpacket]) => Object.freeze({ name, maxpacket })));

const pxaList: [string, number][] = [];
for (let n = 1; n <= 15; n++) {
  const kind = ['in-bulk', 'out-bulk', 'in-iso', 'out-iso', 'in-int'][(n - 1) % 5]!;
  pxaList.push([`ep${n}${kind}`, kind.endsWith('bulk') ? 64 : kind.endsWith('iso') ? 256 : 8]);
}

const pxa25xPreset: Controller = Object.freeze({
  name: 'pxa25x_udc',
  dualspeed: false,
  otg: false,
  ep0Maxpacket: 16,
  endpoints: eps(pxaList),
});

const PRESETS = {
  /** NetChip 2280 (PCI): high speed, six configurable endpoints; the seed's ECM case. */
  net2280: Object.freeze({
    name: 'net2280',
    dualspeed: true,
    otg: false,
    ep0Maxpacket: 64,
    endpoints: eps([
      ['ep-a', 1024],
      ['ep-b', 1024],
      ['ep-c', 1024],
      ['ep-d', 1024],
      ['ep-e', 64],
      ['ep-f', 64],
    ]),
  }),
  /** Intel PXA 25x: full speed, fixed-function endpoints, no altsettings: the Subset case. */
  pxa25x: pxa25xPreset,
  /** Intel SA-1100: two bulk endpoints, Subset only, no RNDIS. */
  sa1100: Object.freeze({
    name: 'sa1100_udc',
    dualspeed: false,
    otg: false,
    ep0Maxpacket: 8,
    endpoints: eps([
      ['ep1out-bulk', 64],
      ['ep2in-bulk', 64],
    ]),
  }),
  /** dummy_hcd's gadget side: high speed, many endpoints. */
  dummy: Object.freeze({
    name: 'dummy_udc',
    dualspeed: true,
    otg: false,
    ep0Maxpacket: 64,
    endpoints: eps([
      ['ep-a', 1024],
      ['ep-b', 1024],
      ['ep-c', 1024],
      ['ep-d', 1024],
      ['ep1in-bulk', 1024],
      ['ep2out-bulk', 1024],
      ['ep5in-int', 1024],
    ]),
  }),
  /** Mentor MUSB in OTG mode: high speed, an OTG port (OTG descriptor, remote wakeup). */
  musbOtg: Object.freeze({
    name: 'musb_hdrc',
    dualspeed: true,
    otg: true,
    ep0Maxpacket: 64,
    endpoints: eps([
      ['ep1in', 512],
      ['ep1out', 512],
      ['ep2in', 512],
      ['ep2out', 512],
      ['ep3in', 64],
      ['ep3out', 64],
    ]),
  }),
  /** Intel PXA 27x: broken altsettings, so the Subset (the same endpoint layout as the 25x here). */
  pxa27x: Object.freeze({ ...pxa25xPreset, name: 'pxa27x_udc' }),
} satisfies Record<ControllerPreset, Controller>;

/** A preset name of {@link CONTROLLERS}. @category Controllers */
export type ControllerPreset = 'net2280' | 'pxa25x' | 'sa1100' | 'dummy' | 'musbOtg' | 'pxa27x';

/**
 * Presets for controllers of the 2.6.31 tree (endpoint tables recalled from the UDC drivers).
 * @category Controllers
 */
export const CONTROLLERS: Readonly<Record<ControllerPreset, Controller>> = Object.freeze(PRESETS);

/**
 * f_subset.c of 2.6.3x (`#include`d by the seed at line 112; facts.md 2.5), which the seed's
 * `eth_do_config` calls when the controller cannot do ECM (`geth_bind_config`, line 264): the
 * CDC Subset dressed as MCCI's SAFE — one interface (class COMM, subclass MDLM) with two bulk
 * endpoints, a CDC header, the MDLM descriptor (bcdVersion 1.00 and the SAFE GUID), the raw
 * six-byte MDLM detail (SAFE, no control caps, raw data) and the Ethernet functional
 * descriptor. No notify endpoint, no setup handler, no get_alt: `set_alt(0)` (re)connects the
 * link, so the link comes up with SET_CONFIGURATION.
 *
 * In this text `geth_bind` does not check `usb_copy_descriptors` for NULL (facts.md 2.5): the
 * following `usb_find_endpoint` walks the NULL copy and the kernel oopses (USBG-8).
 *
 * Modelled environment, not seed.
 *
 * @module
 */
import { DEFAULT_FILTER, ERR, ETH_FRAME_LEN, USB_CDC, USB_CLASS } from '../constants.js';
import type { Descriptor } from '../descriptors.js';
import { callEnv } from '../ports.js';
import { freeFn, putFn, usbAddFunction, type Status } from './composite-bind.js';
import { allocStringIds, claimEndpoints, runBindSteps, takeInterfaceIds } from './function-bind.js';
import { epState } from './epautoconf.js';
import { endpointDesc, epChoose, macString, updateFn } from './function-util.js';
import { freshPort, getherConnect, getherDisconnect, withPort } from './u-ether.js';
import type { ConfigKey, FunctionStatics, GadgetContext, GethFunction } from './types.js';

/** f_subset.c `mdlm_desc.bGUID`: the SAFE GUID. @category Model */
export const SAFE_GUID: readonly number[] = Object.freeze([
  0x5d, 0x34, 0xcf, 0x66, 0x11, 0x18, 0x11, 0xd6, 0xa2, 0x1a, 0x00, 0x01, 0x02, 0xca, 0x9a, 0x7f,
]);

/** The string table of f_subset.c. @category Model */
export function gethStrings(st: FunctionStatics): { id: number; s: string | null }[] {
  return [
    { id: st.stringIds[0]!, s: 'CDC Ethernet Subset/SAFE' },
    { id: st.stringIds[1]!, s: st.macString },
  ];
}

/** `fs_eth_function` / `hs_eth_function`. @category Model */
export function gethFunctionDescriptors(st: FunctionStatics, speed: 'fs' | 'hs'): Descriptor[] {
  return [
    {
      kind: 'interface',
      bInterfaceNumber: st.intf[0]!,
      bAlternateSetting: 0,
      bNumEndpoints: 2,
      bInterfaceClass: USB_CLASS.COMM,
      bInterfaceSubClass: USB_CDC.SUBCLASS_MDLM,
      bInterfaceProtocol: 0,
      iInterface: st.stringIds[0]!,
    },
    { kind: 'cdcHeader', bcdCDC: 0x0110 },
    { kind: 'cdcMdlm', bcdVersion: 0x0100, bGUID: SAFE_GUID },
    { kind: 'cdcMdlmDetail', bGuidDescriptorType: 0, bDetailData: [0, 0] },
    {
      kind: 'cdcEther',
      iMACAddress: st.stringIds[1]!,
      bmEthernetStatistics: 0,
      wMaxSegmentSize: ETH_FRAME_LEN,
      wNumberMCFilters: 0,
      bNumberPowerFilters: 0,
    },
    endpointDesc(st.eps['in']!, 'bulk', speed),
    endpointDesc(st.eps['out']!, 'bulk', speed),
  ];
}

const withGeth = (ctx: GadgetContext, f: (s: FunctionStatics) => FunctionStatics): GadgetContext => ({
  ...ctx,
  statics: { ...ctx.statics!, geth: f(ctx.statics!.geth) },
});

const oops = (ctx: GadgetContext, what: string): GadgetContext => ({
  ...ctx,
  ghost: { ...ctx.ghost, oops: what },
});

const GETH_ROLES = [
  ['in', { type: 'bulk', dirIn: true, maxpacket: 0 }],
  ['out', { type: 'bulk', dirIn: false, maxpacket: 0 }],
] as const;

/** `f->descriptors = usb_copy_descriptors(...)` unchecked: a NULL copy is walked by usb_find_endpoint (USBG-8). */
function copyUnchecked(ctx: GadgetContext, id: number): Status {
  let c = ctx;
  for (const speed of ['fs', 'hs'] as const) {
    if (speed === 'hs' && !c.udc!.controller.dualspeed) break;
    const copy = callEnv(c, 'usb_copy_descriptors', 'geth_bind');
    const table = speed === 'fs' ? 'fs_eth_function' : 'hs_eth_function';
    if (copy.failed)
      return {
        ctx: oops(copy.ctx, `geth_bind: usb_find_endpoint() walks the NULL copy of ${table}`),
        status: ERR.ENOMEM,
      };
    c = copy.ctx;
    const descs = gethFunctionDescriptors(c.statics!.geth, speed);
    c = updateFn<GethFunction>(c, id, (f) => ({ ...f, [speed]: descs }));
  }
  return { ctx: c, status: 0 };
}

/** `geth_bind(c, f)`. @category Model */
export function gethBind(ctx: GadgetContext, key: ConfigKey, id: number): Status {
  const r = runBindSteps(ctx, id, [
    (c) => takeInterfaceIds(c, key, id, 'geth', 1),
    (c) => claimEndpoints(c, id, 'geth', GETH_ROLES, 'geth_bind'),
  ]);
  return r.status < 0 ? r : copyUnchecked(r.ctx, id);
}

/** `geth_unbind(c, f)`. @category Model */
export function gethUnbind(ctx: GadgetContext, id: number): GadgetContext {
  return freeFn(
    withGeth(ctx, (s) => ({ ...s, macString: null })),
    id,
  );
}

/** `geth_bind_config(c, ethaddr)` (seed line 264). @category Model */
export function gethBindConfig(ctx: GadgetContext, key: ConfigKey): Status {
  let c = ctx;
  if (c.statics!.geth.stringIds[0] === 0) {
    // interface label, MAC address
    const r = allocStringIds(c, 'geth', [0, 1], 'geth_bind_config');
    if (r.status < 0) return r;
    c = r.ctx;
  }
  const z = callEnv(c, 'kzalloc', 'geth_bind_config');
  if (z.failed) return { ctx: z.ctx, status: ERR.ENOMEM };
  c = z.ctx;
  const id = c.nextFnId;
  const ethaddr = macString(c.statics!.hostaddr);
  const fn: GethFunction = {
    kind: 'geth',
    id,
    fs: null,
    hs: null,
    port: freshPort(DEFAULT_FILTER),
    bound: false,
    ethaddr,
  };
  c = withGeth(putFn({ ...c, nextFnId: id + 1 }, fn), (s) => ({ ...s, macString: ethaddr }));
  const r = usbAddFunction(c, key, id, (x) => gethBind(x, key, id));
  if (r.status && r.ctx.ghost.oops === null) {
    return {
      ctx: freeFn(
        withGeth(r.ctx, (s) => ({ ...s, macString: null })),
        id,
      ),
      status: r.status,
    };
  }
  return r;
}

/** `geth_set_alt(f, intf, alt)`: (re)connect the link. @category Model */
export function gethSetAlt(ctx: GadgetContext, id: number): Status {
  let c = ctx;
  const fn = c.fns[id] as GethFunction;
  if (epState(c, fn.port.inEp)?.driverData) c = getherDisconnect(c, id);
  const speed = epChoose(c);
  c = withPort(c, id, (p) => ({ ...p, in: speed, out: speed }));
  const r = getherConnect(c, id, {});
  return { ctx: r.ctx, status: r.rc < 0 ? r.rc : 0 };
}

/** `geth_disable(f)`: gether_disconnect, connected or not. @category Model */
export function gethDisable(ctx: GadgetContext, id: number): GadgetContext {
  return getherDisconnect(ctx, id);
}

/**
 * The binding steps f_ecm.c, f_subset.c and f_rndis.c share (their C is near-identical copies):
 * the device-global string ids allocated once per module image, the interface ids, the
 * endpoint claims (`usb_ep_autoconfig` per role, the address and full-speed size written into
 * the static template), the notify request and its buffer, the descriptor copies, and the
 * common `fail:` path, which frees what was allocated and releases the notify claim but tests
 * `port.out`/`port.in` (descriptor pointers, still NULL at bind time) instead of the endpoints,
 * so the bulk claims stay until usb_add_config resets them.
 *
 * Modelled environment, not seed.
 *
 * @module
 */
import { ERR } from '../constants.js';
import type { Descriptor } from '../descriptors.js';
import { callEnv } from '../ports.js';
import { usbInterfaceId, usbStringId, type Status } from './composite-bind.js';
import { setEpDriverData, usbEpAutoconfig, type EpTemplate } from './epautoconf.js';
import { updateFn } from './function-util.js';
import type { ConfigKey, FunctionStatics, GadgetContext, GadgetFunction } from './types.js';

/** Which function driver's statics. @category Model */
export type FunctionKind = 'ecm' | 'geth' | 'rndis';

/** Updates one function driver's statics. @category Model */
export function withFnStatics(
  ctx: GadgetContext,
  which: FunctionKind,
  f: (s: FunctionStatics) => FunctionStatics,
): GadgetContext {
  return { ...ctx, statics: { ...ctx.statics!, [which]: f(ctx.statics![which]) } };
}

/**
 * `usb_string_id()` for each slot of the driver's string table, in the order given; the first
 * failure is returned as is (the ids taken so far stay, as in the C).
 * @category Model
 */
export function allocStringIds(
  ctx: GadgetContext,
  which: FunctionKind,
  slots: readonly number[],
  caller: string,
): Status {
  let c = ctx;
  for (const slot of slots) {
    const r = usbStringId(c, caller);
    if (r.status < 0) return r;
    c = withFnStatics(r.ctx, which, (s) => ({
      ...s,
      stringIds: s.stringIds.map((v, i) => (i === slot ? r.status : v)),
    }));
  }
  return { ctx: c, status: 0 };
}

/**
 * `usb_interface_id()` `count` times: written into the templates (`intf[]`) and, for the
 * two-interface functions, the instance's `ctrl_id` / `data_id`.
 * @category Model
 */
export function takeInterfaceIds(
  ctx: GadgetContext,
  key: ConfigKey,
  id: number,
  which: FunctionKind,
  count: number,
): Status {
  let c = ctx;
  for (let k = 0; k < count; k++) {
    const r = usbInterfaceId(c, key, id);
    if (r.status < 0) return r;
    c = withFnStatics(r.ctx, which, (s) => ({ ...s, intf: s.intf.map((v, i) => (i === k ? r.status : v)) }));
    const field = k === 0 ? 'ctrlId' : 'dataId';
    c = updateFn<GadgetFunction>(c, id, (f) =>
      f.kind === 'geth' ? f : ({ ...f, [field]: r.status } as GadgetFunction),
    );
  }
  return { ctx: c, status: 0 };
}

/**
 * The endpoints by role (`in`, `out`, `notify`), each `usb_ep_autoconfig` and the claim;
 * -ENODEV when one runs out.
 * @category Model
 */
export function claimEndpoints(
  ctx: GadgetContext,
  id: number,
  which: FunctionKind,
  roles: readonly (readonly [string, EpTemplate])[],
  caller: string,
): Status {
  let c = ctx;
  for (const [role, t] of roles) {
    const a = usbEpAutoconfig(c, t, caller);
    if (!a.match) return { ctx: a.ctx, status: ERR.ENODEV };
    const m = a.match;
    c = withFnStatics(a.ctx, which, (s) => ({
      ...s,
      eps: { ...s.eps, [role]: { address: m.address, maxpacket: m.maxpacket } },
    }));
    c = updateFn<GadgetFunction>(c, id, (f) =>
      role === 'notify'
        ? ({ ...f, notify: m.ep } as GadgetFunction)
        : { ...f, port: { ...f.port, [role === 'in' ? 'inEp' : 'outEp']: m.ep } },
    );
  }
  return { ctx: c, status: 0 };
}

/** The notify request and its buffer (`usb_ep_alloc_request`, `kmalloc`): -ENOMEM. @category Model */
export function allocNotifyRequest(ctx: GadgetContext, id: number, caller: string): Status {
  const req = callEnv(ctx, 'usb_ep_alloc_request', caller);
  if (req.failed) return { ctx: req.ctx, status: ERR.ENOMEM };
  const c = updateFn<GadgetFunction>(req.ctx, id, (f) => ({ ...f, notifyReq: true }) as GadgetFunction);
  const buf = callEnv(c, 'kmalloc', caller);
  return { ctx: buf.ctx, status: buf.failed ? ERR.ENOMEM : 0 };
}

/**
 * `f->descriptors = usb_copy_descriptors(fs)` and, on a dual-speed controller, the
 * high-speed copy; a NULL copy is -ENOMEM (f_ecm and f_rndis check; f_subset does not).
 * @category Model
 */
export function copyDescriptors(
  ctx: GadgetContext,
  id: number,
  which: FunctionKind,
  caller: string,
  build: (st: FunctionStatics, speed: 'fs' | 'hs') => Descriptor[],
): Status {
  let c = ctx;
  for (const speed of ['fs', 'hs'] as const) {
    if (speed === 'hs' && !c.udc!.controller.dualspeed) break;
    const copy = callEnv(c, 'usb_copy_descriptors', caller);
    if (copy.failed) return { ctx: copy.ctx, status: ERR.ENOMEM };
    c = copy.ctx;
    const descs = build(c.statics![which], speed);
    c = updateFn<GadgetFunction>(c, id, (f) => ({ ...f, [speed]: descs }));
  }
  return { ctx: c, status: 0 };
}

/**
 * The shared `fail:` path: descriptors and the notify request freed, the notify claim
 * released, the bulk claims only if `port.out`/`port.in` are set (they are not, at bind).
 * @category Model
 */
export function functionBindFail(ctx: GadgetContext, id: number, status: number): Status {
  const fn = ctx.fns[id]!;
  let c = updateFn<GadgetFunction>(
    ctx,
    id,
    (f) =>
      ({ ...f, fs: null, hs: null, ...(f.kind === 'geth' ? {} : { notifyReq: false }) }) as GadgetFunction,
  );
  if (fn.kind !== 'geth' && fn.notify) c = setEpDriverData(c, fn.notify, null);
  if (fn.port.out) c = setEpDriverData(c, fn.port.outEp, null);
  if (fn.port.in) c = setEpDriverData(c, fn.port.inEp, null);
  return { ctx: c, status };
}

/** Runs bind steps in order; the first negative status goes through {@link functionBindFail}. @category Model */
export function runBindSteps(
  ctx: GadgetContext,
  id: number,
  steps: readonly ((c: GadgetContext) => Status)[],
): Status {
  let c = ctx;
  for (const step of steps) {
    const r = step(c);
    if (r.status < 0) return functionBindFail(r.ctx, id, r.status);
    c = r.ctx;
  }
  return { ctx: c, status: 0 };
}

/**
 * Check scopes: what one exploration may do. A scope fixes the inputs (controller, build,
 * MAC parameters so no randomness is involved) and bounds the alphabet: which faults may be
 * armed before the load, which configuration values the host may select, whether it touches
 * the interfaces (altsettings, class requests, the notify endpoint), the bus (suspend, resume,
 * reset, disconnect), usb0, the controller (removal, a re-bind to another controller) and the
 * module (unload). Each module is loaded at most once and re-bound at most once, so function
 * ids and counters stay bounded and the space is finite.
 *
 * The projection drops what never influences behaviour: the last reply, the last frame handed
 * up, the list of environment calls (kept for the failure-path tests), and the WARN count.
 *
 * @module
 */
import { OID, RNDIS_MSG } from './constants.js';
import type { Controller } from './controllers.js';
import { createGadgetContext } from './model/context.js';
import type { GadgetEvent, SetupPacket } from './model/events.js';
import { initializeMsg, setMsg, simpleMsg } from './model/rndis-msg.js';
import type { BuildConfig, FaultOp, GadgetContext } from './model/types.js';
import { REQ } from './requests.js';
import { topState, type GadgetSnapshot } from './invariants.js';

/** What one exploration may do. @category Checking */
export interface GadgetScope {
  readonly controller: Controller;
  readonly build?: Partial<BuildConfig>;
  /** Faults offered before the load (at most one is armed). */
  readonly faults?: readonly { readonly op: FaultOp; readonly nth: number }[];
  /** SET_CONFIGURATION values the host may send (default [0, 1, 2]). */
  readonly configValues?: readonly number[];
  /** Altsettings, class requests and the notify endpoint (default true). */
  readonly interfaces?: boolean;
  /** Suspend, resume, reset and disconnect once enumerated (default true). */
  readonly bus?: boolean;
  /** ifconfig usb0 up/down (default false). */
  readonly net?: boolean;
  readonly udcRemove?: boolean;
  /** The controller a re-bind (udc-core 'rebind') attaches. */
  readonly rebindTo?: Controller;
  readonly unload?: boolean;
}

/** MAC parameters every scope uses (no randomness in the explored space). @category Checking */
export const SCOPE_PARAMS = Object.freeze({ devAddr: '02:00:00:00:00:01', hostAddr: '02:00:00:00:00:02' });

/** The initial context of a scope. @category Checking */
export function scopeContext(scope: GadgetScope): GadgetContext {
  return createGadgetContext({
    controller: scope.controller,
    build: scope.build ?? {},
    params: SCOPE_PARAMS,
  });
}

/**
 * The projection: the context without the reply, the last frame, the call log and the WARN
 * count; the inputs (build, parameters, utsname: constant within a model) dropped; the
 * controller by name (its endpoint states stay); each function's descriptor copies by presence
 * only (they are copied from the static templates at bind time and never change afterwards).
 * @category Checking
 */
export function projectGadgetContext(c: GadgetContext): unknown {
  const fns: Record<number, unknown> = {};
  for (const [id, f] of Object.entries(c.fns))
    fns[Number(id)] = { ...f, fs: f.fs !== null, hs: f.hs !== null };
  return {
    controller: c.controller?.name ?? null,
    udc: c.udc ? { name: c.udc.controller.name, eps: c.udc.eps, driverBound: c.udc.driverBound } : null,
    statics: c.statics,
    cdev: c.cdev,
    fns,
    nextFnId: c.nextFnId,
    netdev: c.netdev,
    rndisProc: c.rndisProc,
    bus: c.bus,
    status: c.status,
    rebinding: c.rebinding,
    result: c.result,
    env: c.env,
    ghost: { ...c.ghost, calls: [], warnings: 0 },
  };
}

const setup = (p: SetupPacket): GadgetEvent => ({ type: 'host.setup', ...p });

function poweredState(s: GadgetSnapshot): string | null {
  const v = s.value as { loaded?: { bound?: { powered?: string } | string } | string };
  if (typeof v.loaded !== 'object' || typeof v.loaded.bound !== 'object') return null;
  return v.loaded.bound.powered ?? null;
}

/** Requests to the interfaces of the selected configuration. */
function interfaceEvents(c: GadgetContext): GadgetEvent[] {
  const out: GadgetEvent[] = [];
  const key = c.cdev?.config;
  if (!key) return out;
  for (const id of c.statics!.configs[key].functions) {
    const fn = c.fns[id];
    if (!fn) continue;
    if (fn.kind === 'ecm') {
      out.push(
        setup(REQ.setInterface(fn.dataId, 0)),
        setup(REQ.setInterface(fn.dataId, 1)),
        setup(REQ.getInterface(fn.dataId)),
      );
      if (fn.notifyInFlight) out.push({ type: 'host.interruptIn' });
    } else if (fn.kind === 'rndis') {
      // a host like rndis_host: it waits for RESPONSE_AVAILABLE and reads the response before the next command
      const p = c.statics!.rndisParams;
      if (fn.notifyInFlight) {
        out.push({ type: 'host.interruptIn' });
        continue;
      }
      if (p.responses.length === 0 && p.state === 'uninitialized')
        out.push(setup(REQ.rndisSendCommand(fn.ctrlId, initializeMsg(1))));
      if (p.responses.length === 0 && p.state === 'initialized')
        out.push(setup(REQ.rndisSendCommand(fn.ctrlId, setMsg(2, OID.GEN_CURRENT_PACKET_FILTER, 0x2d))));
      if (p.responses.length === 0 && p.state === 'dataInitialized')
        out.push(setup(REQ.rndisSendCommand(fn.ctrlId, simpleMsg(RNDIS_MSG.HALT, 3))));
      if (p.responses.length > 0) out.push(setup(REQ.rndisGetResponse(fn.ctrlId)));
    }
  }
  return out;
}

/**
 * The bounded alphabet of a scope.
 * @category Checking
 */
export function scopeAlphabet(scope: GadgetScope): (s: GadgetSnapshot) => readonly GadgetEvent[] {
  const values = scope.configValues ?? [0, 1, 2];
  return (s) => {
    const c = s.context;
    const top = topState(s);
    if (top === 'unloaded') {
      if (c.result !== null) return [];
      const faults: GadgetEvent[] =
        c.env.faults.length === 0
          ? (scope.faults ?? []).map((f) => ({ type: 'env.fail', op: f.op, nth: f.nth }))
          : [];
      return [{ type: 'module.load' }, ...faults];
    }
    if (top !== 'loaded') return [];
    const v = (s.value as { loaded: unknown }).loaded;
    const out: GadgetEvent[] = [];
    if (v === 'unbound') {
      if (scope.rebindTo && c.statics!.binds < 2) out.push({ type: 'udc.add', controller: scope.rebindTo });
      if (scope.unload) out.push({ type: 'module.unload' });
      return out;
    }
    const bound = (v as { bound: unknown }).bound;
    if (scope.udcRemove) out.push({ type: 'udc.remove' });
    if (bound === 'detached') {
      out.push({ type: 'host.connect' });
      if (scope.unload) out.push({ type: 'module.unload' });
      return out;
    }
    if (bound === 'attached') return [...out, { type: 'host.reset', speed: 'high' }];
    const ps = poweredState(s);
    if (ps === null) return out;
    // usb0 up/down queue RNDIS status indications: only while no response is pending (bounded)
    if (scope.net && (c.statics?.rndisParams.responses.length ?? 0) === 0)
      out.push({ type: c.netdev?.open ? 'net.close' : 'net.open' });
    if (ps === 'defaultState') return [...out, setup(REQ.getDevice(64)), setup(REQ.setAddress(1))];
    out.push(
      setup(REQ.getDevice(18)),
      setup(REQ.getConfig(0, 9)),
      setup(REQ.getConfig(0, 255)),
      setup(REQ.getString(2)),
    );
    for (const value of values) out.push(setup(REQ.setConfiguration(value)));
    if (scope.bus !== false) {
      out.push(
        { type: c.bus.suspended ? 'host.resume' : 'host.suspend' },
        { type: 'host.reset', speed: 'high' },
        { type: 'host.disconnect' },
      );
    }
    if (ps === 'configured' && scope.interfaces !== false) out.push(...interfaceEvents(c));
    return out;
  };
}

/**
 * The environment the seed runs in, as ports with deterministic defaults:
 *
 * - the **controller** (UDC): its description (`Controller`) and endpoint list, consulted by
 *   the endpoint autoconfig (which can run out of endpoints by itself), plus faults on
 *   `usb_ep_autoconfig`, `usb_ep_alloc_request`, `usb_ep_enable`, `usb_ep_queue`;
 * - the **function layer** the seed calls (composite.c, f_ecm.c, f_subset.c, f_rndis.c,
 *   rndis.c, u_ether.c): faults on the allocations (`kzalloc`, `kmalloc`,
 *   `usb_copy_descriptors`, `alloc_etherdev`), `register_netdev`, `rndis_init`,
 *   `rndis_register` and `usb_string_id` (its -ENODEV needs 254 ids taken, which g_ether
 *   alone never does: injection is the only way to reach the seed's lines 335-336 and 341-342);
 * - **randomness** (`random_ether_addr` when no MAC parameter is given): a seeded mulberry32;
 * - the **clock** ({@link ClockPort}): microseconds for the usbmon timestamps the host side
 *   records; a virtual clock that advances a fixed step per transfer by default. Nothing in
 *   the seed or its environment decides anything by time here.
 *
 * A fault is armed with {@link armFault}: the `nth` next call of `op` fails once. Every fallible
 * call of a bind is recorded (op and caller) in `ghost.calls`, so a test can list the failure paths of a
 * clean bind and then arm each one.
 *
 * @module
 */
import { ERR } from './constants.js';
import type { ArmedFault, FaultOp, GadgetContext, GadgetEnv } from './model/types.js';

/**
 * Every fault site.
 * @category Ports
 */
export const FAULT_OPS: readonly FaultOp[] = Object.freeze([
  'kzalloc',
  'kmalloc',
  'usb_ep_alloc_request',
  'usb_copy_descriptors',
  'usb_ep_autoconfig',
  'usb_ep_enable',
  'usb_ep_queue',
  'usb_string_id',
  'alloc_etherdev',
  'register_netdev',
  'rndis_init',
  'rndis_register',
]);

/**
 * The errno a failed call of `op` gives when the C passes one on (allocations give NULL; the
 * callers turn that into -ENOMEM or -ENODEV themselves).
 * @category Ports
 */
export const DEFAULT_FAULT_ERRNO: Readonly<Record<FaultOp, number>> = Object.freeze({
  kzalloc: ERR.ENOMEM,
  kmalloc: ERR.ENOMEM,
  usb_ep_alloc_request: ERR.ENOMEM,
  usb_copy_descriptors: ERR.ENOMEM,
  usb_ep_autoconfig: ERR.ENODEV,
  usb_ep_enable: ERR.EBUSY,
  usb_ep_queue: ERR.ENODEV,
  usb_string_id: ERR.ENODEV,
  alloc_etherdev: ERR.ENOMEM,
  register_netdev: ERR.EBUSY,
  rndis_init: ERR.EIO,
  rndis_register: ERR.ENODEV,
});

/**
 * A fresh environment: no faults, the randomness seeded with `seed`, the clock at 0.
 * @category Ports
 */
export function createGadgetEnv(seed = 1): GadgetEnv {
  return { faults: [], rng: seed >>> 0 };
}

/**
 * Arms a fault: the `nth` (default 1) next call of `op` fails, with `errno` (default
 * {@link DEFAULT_FAULT_ERRNO}).
 * @category Ports
 */
export function armFault(env: GadgetEnv, op: FaultOp, nth = 1, errno?: number): GadgetEnv {
  const f: ArmedFault = { op, nth, errno: errno ?? DEFAULT_FAULT_ERRNO[op] };
  return { ...env, faults: [...env.faults, f] };
}

/** The outcome of one fallible call. @category Ports */
export interface CallOutcome {
  readonly ctx: GadgetContext;
  readonly failed: boolean;
  readonly errno: number;
}

/**
 * One call of `op` from C function `caller`: counts down the armed faults on `op`, fails when
 * one reaches its `nth` call, and records the call in the ghost.
 * @category Ports
 */
export function callEnv(ctx: GadgetContext, op: FaultOp, caller: string): CallOutcome {
  let failed = false;
  let errno = 0;
  const faults: ArmedFault[] = [];
  for (const f of ctx.env.faults) {
    if (f.op !== op || failed) {
      faults.push(f);
      continue;
    }
    if (f.nth <= 1) {
      failed = true;
      errno = f.errno;
    } else faults.push({ ...f, nth: f.nth - 1 });
  }
  const touched = ctx.env.faults.some((f) => f.op === op);
  return {
    failed,
    errno,
    ctx: {
      ...ctx,
      env: touched ? { ...ctx.env, faults } : ctx.env,
      ghost: ctx.ghost.binding ? { ...ctx.ghost, calls: [...ctx.ghost.calls, `${op}@${caller}`] } : ctx.ghost,
    },
  };
}

/**
 * mulberry32: the next state and a u32 (the default randomness).
 * @category Ports
 */
export function mulberry32(state: number): { state: number; value: number } {
  const s = (state + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { state: s, value: (t ^ (t >>> 14)) >>> 0 };
}

/**
 * `random_ether_addr()`: six random bytes, multicast bit cleared, locally-administered bit set.
 * @category Ports
 */
export function randomEtherAddr(env: GadgetEnv): { env: GadgetEnv; addr: number[] } {
  const a = mulberry32(env.rng);
  const b = mulberry32(a.state);
  const bytes = [
    a.value & 0xff,
    (a.value >>> 8) & 0xff,
    (a.value >>> 16) & 0xff,
    (a.value >>> 24) & 0xff,
    b.value & 0xff,
    (b.value >>> 8) & 0xff,
  ];
  bytes[0] = (bytes[0]! & 0xfe) | 0x02;
  return { env: { ...env, rng: b.state }, addr: bytes };
}

/**
 * The clock: the time of each transfer the host records (usbmon timestamps).
 * @category Ports
 */
export interface ClockPort {
  readonly name: string;
  /** Microseconds since an arbitrary origin; called once per recorded URB event. */
  nowUs(): number;
}

/**
 * A virtual clock starting at `startUs` that advances `stepUs` per reading (default: 125 us,
 * one microframe).
 * @category Ports
 */
export function virtualClock(startUs = 0, stepUs = 125): ClockPort {
  let t = startUs;
  return {
    name: 'virtual clock',
    nowUs: () => {
      const v = t;
      t += stepUs;
      return v;
    },
  };
}

/**
 * The wall clock (`Date.now()` in microseconds, monotonic within a run).
 * @category Ports
 */
export function systemClock(): ClockPort {
  const origin = Date.now() * 1000 - Math.round(performance.now() * 1000);
  return { name: 'system clock', nowUs: () => origin + Math.round(performance.now() * 1000) };
}

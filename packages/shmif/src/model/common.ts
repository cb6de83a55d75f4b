/**
 * Helpers the pure model functions share: reading and updating one interface of the context,
 * recording a panic, and running bus operations through the host port with a failed
 * `KASSERT` of `shmif_busops.c` turned into a recorded panic (never a thrown error).
 *
 * @module
 */
import { ShmifError, U64_ZERO } from '@kspec/shared-memory';
import type { ShmifMem } from '@kspec/shared-memory';
import { IFF_BROADCAST, IFF_MULTICAST } from '../constants.js';
import type { PanicInfo, ShmifContext, Softc } from '../context.js';

/** The softc of interface `i`. @internal */
export function scOf(ctx: ShmifContext, i: number): Softc {
  const s = ctx.ifs[i];
  if (s === undefined) throw new RangeError(`shmif: no interface at index ${i} (have ${ctx.ifs.length})`);
  return s;
}

/**
 * The empty patch the live helpers return after updating a softc's locals in place
 * (`withIf` skips it). @internal
 */
export const NO_PATCH: Partial<Softc> = Object.freeze({});

/**
 * A new context with interface `i` patched. With a live host (`env.host.live`) the softc is
 * updated in place instead: a live actor keeps no earlier snapshots that could observe it,
 * and this is what keeps the live path fast. The checker's pure host always gets new objects.
 * @internal
 */
export function withIf(ctx: ShmifContext, i: number, patch: Partial<Softc>): ShmifContext {
  if (ctx.env.host.live) {
    if (patch !== NO_PATCH) Object.assign(scOf(ctx, i), patch);
    return ctx;
  }
  const ifs = ctx.ifs.slice();
  ifs[i] = { ...scOf(ctx, i), ...patch };
  return { ...ctx, ifs };
}

/** A new context with the panic recorded (the first one wins). @internal */
export function withPanic(ctx: ShmifContext, panic: PanicInfo): ShmifContext {
  return ctx.panic === null ? { ...ctx, panic } : ctx;
}

/** A `kassert` panic record. @internal */
export function kassertPanic(ifx: number, fn: string, expr: string, first: number, last = first): PanicInfo {
  return { kind: 'kassert', fn, expr, lines: [first, last], ifx };
}

/** A softc as `kmem_zalloc` leaves it, before `allocif` fills it in. @internal */
export function emptySoftc(): Softc {
  return {
    allocated: false,
    unit: -1,
    myaddr: [0, 0, 0, 0, 0, 0],
    flags: 0,
    busmem: null,
    memfd: -1,
    kq: 0,
    backfile: null,
    backfilelen: 0,
    devgen: U64_ZERO,
    nextpacket: 0,
    rcvl: false,
    lwp: 'none',
    dying: false,
    snd: [],
    fds: [],
    maps: [],
    tx: { busmem: null, m0: null, wrote: false, wrap: false, sec: 0, usec: 0, off: 0, runAt: null },
    rx: { busmem: null, m: null, mlen: 0, nextpkt: 0, wrap: false, spLen: 0, waitError: 0, runAt: null },
    attach: { via: null, path: null, memfd: -1, error: 0, len: 0, uncloneFor: null },
    result: null,
  };
}

/** `IFF_BROADCAST | IFF_MULTICAST`: the flags `allocif` sets (line 166). @internal */
export const ALLOCIF_FLAGS = IFF_BROADCAST | IFF_MULTICAST;

/** The C `KASSERT` a bus operation threw, as a panic record; rethrows anything else. @internal */
function busopsPanic(err: unknown, ifx: number): PanicInfo {
  if (err instanceof ShmifError && err.kind === 'kassert') {
    const m = /^(\w+): KASSERT\((.*)\) failed/.exec(err.message);
    return { kind: 'kassert', fn: m?.[1] ?? 'shmif_busops', expr: m?.[2] ?? err.message, lines: [0, 0], ifx };
  }
  throw err;
}

/**
 * Runs a read-only bus operation on the bus file `path`; a failed `KASSERT` inside it gives
 * `{ panic }` instead of a value.
 * @internal
 */
export function busRead<R>(
  ctx: ShmifContext,
  path: string,
  ifx: number,
  fn: (mem: ShmifMem) => R,
): { readonly ok: true; readonly value: R } | { readonly ok: false; readonly panic: PanicInfo } {
  try {
    return { ok: true, value: ctx.env.host.read(ctx.host, path, fn) };
  } catch (err) {
    return { ok: false, panic: busopsPanic(err, ifx) };
  }
}

/**
 * Runs a bus operation that may write on the bus file `path` and threads the host state; a
 * failed `KASSERT` records a panic in the returned context (and `value` is `undefined`).
 * @internal
 */
export function busWrite<R>(
  ctx: ShmifContext,
  path: string,
  ifx: number,
  fn: (mem: ShmifMem) => R,
): { readonly ctx: ShmifContext; readonly value: R | undefined } {
  try {
    const { host, result } = ctx.env.host.write(ctx.host, path, fn);
    return { ctx: host === ctx.host ? ctx : { ...ctx, host }, value: result };
  } catch (err) {
    return { ctx: withPanic(ctx, busopsPanic(err, ifx)), value: undefined };
  }
}

/** The bus file behind mapping `id` of interface `i`, or `null` when it is not mapped. @internal */
export function mappedPath(ctx: ShmifContext, i: number, id: number | null): string | null {
  if (id === null) return null;
  const maps = scOf(ctx, i).maps;
  for (let k = 0; k < maps.length; k++) if (maps[k]!.id === id) return maps[k]!.path;
  return null;
}

/** True when mapping `id` of interface `i` is live. @internal */
export function isMapped(ctx: ShmifContext, i: number, id: number | null): boolean {
  return mappedPath(ctx, i, id) !== null;
}

/** The lowest descriptor number not held by interface `i` (from 3). @internal */
export function nextFd(s: Softc): number {
  let fd = 3;
  while (s.fds.some((f) => f.fd === fd)) fd++;
  return fd;
}

/** Lowercase hex of bytes. @internal */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

/**
 * The interface lifecycle of if_shmem.c rev 1.33 as pure functions over the context, one per
 * C step, in the C order: `rump_shmif_create` (278-318), `shmif_clone` (320-339), `allocif`
 * (145-199), `initbackend` (201-256), `finibackend` (258-276), `shmif_unclone` (341-370),
 * `shmif_init` (372-392), `shmif_stop` (555-570). The ioctls are in `ioctl.ts`.
 *
 * Each function takes the context and the interface index and returns a new context; the
 * predicates (`is...`) are pure. The statechart (`ifnet.ts`) sequences them.
 *
 * Outside the seed and modelled only as far as the driver sees it: `if_attach`/`ether_ifattach`
 * and their detach (no effect), `if_up`/`if_down` of `sys/net/if.c` (`IFF_UP`, and `if_down`
 * purging `if_snd`), `kthread_create`/`kthread_join` (a flag; the thread is the `rcv` region),
 * the mutex/condvar pair (the `rcv` region's `reup` wait is enabled when its condition holds,
 * which is what `cv_broadcast` under `sc_mtx` guarantees).
 *
 * @module
 */
import {
  SHMIF_MAGIC,
  getFirst,
  getGenU64,
  getLast,
  getMagic,
  setFirst,
  setMagic,
  shmifUnlockbus,
} from '@kspec/shared-memory';
import { IFF_RUNNING, IFF_UP } from '../constants.js';
import type { ShmifContext, Softc } from '../context.js';
import { vmemXalloc, vmemXfree } from '../units.js';
import {
  ALLOCIF_FLAGS,
  busRead,
  busWrite,
  emptySoftc,
  kassertPanic,
  mappedPath,
  nextFd,
  scOf,
  withIf,
  withPanic,
} from './common.js';
import { ghostCount, ghostReaderReset } from './ghost.js';

// ---- rump_shmif_create / shmif_clone ----

/** `rump_shmif_create(path, &ifnum)` entered (line 278). @category Model */
export function createBegin(ctx: ShmifContext, i: number, path: string | null): ShmifContext {
  const s = scOf(ctx, i);
  return withIf(ctx, i, {
    attach: { ...s.attach, via: 'create', path, memfd: -1, error: 0, uncloneFor: null },
    result: null,
  });
}

/** The errno `rumpuser_open(path, O_RDWR | O_CREAT)` returns for `path` (0: success). @category Model */
export function openErrorFor(ctx: ShmifContext, path: string): number {
  if (ctx.faults.open) return ctx.faults.open;
  return ctx.env.host.open(ctx.host, path).error;
}

/** True when `rump_shmif_create` has a path and opening it fails (lines 285-289). @category Model */
export function isCreateOpenFailing(ctx: ShmifContext, i: number): boolean {
  const p = scOf(ctx, i).attach.path;
  return p !== null && openErrorFor(ctx, p) !== 0;
}

/**
 * `memfd = rumpuser_open(path, O_RDWR | O_CREAT)` for `attach.path` (lines 286 and 459): the
 * descriptor goes into the interface's descriptor list and `attach.memfd`.
 * @category Model
 */
export function openBusFile(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const path = s.attach.path;
  if (path === null) return ctx;
  const { host } = ctx.env.host.open(ctx.host, path);
  const fd = nextFd(s);
  const next = { ...ctx, host };
  return withIf(next, i, {
    fds: [...s.fds, { fd, kind: 'file', path, seen: 0, pending: false }],
    attach: { ...s.attach, memfd: fd },
  });
}

/** `return error` from an entry point: records the result for the caller. @category Model */
export function returnError(ctx: ShmifContext, i: number, op: string, rv: number): ShmifContext {
  return withIf(ctx, i, { result: { op, rv } });
}

/** True when the unit arena has no free unit (`VM_SLEEP` would sleep forever, 291-292). @category Model */
export function isUnitArenaExhausted(ctx: ShmifContext): boolean {
  return !vmemXalloc(ctx.kernel.units).ok;
}

/** `unit = vmem_xalloc(shmif_units, 1, ..) - 1` (lines 291-292). @category Model */
export function allocUnit(ctx: ShmifContext, i: number): ShmifContext {
  const r = vmemXalloc(ctx.kernel.units);
  if (!r.ok) return ctx;
  return withIf({ ...ctx, kernel: { ...ctx.kernel, units: r.arena } }, i, { unit: r.addr - 1 });
}

/** `shmif_clone(ifc, unit)` entered (line 321). @category Model */
export function cloneBegin(ctx: ShmifContext, i: number, unit: number): ShmifContext {
  const s = scOf(ctx, i);
  return withIf(ctx, i, {
    unit,
    attach: { ...s.attach, via: 'clone', path: null, memfd: -1, error: 0, uncloneFor: null },
    result: null,
  });
}

/** True when `vmem_xalloc(.., unit+1, unit+3, ..)` would not return `unit + 1` (`KASSERT`, 336). @category Model */
export function isCloneUnitMismatch(ctx: ShmifContext, i: number): boolean {
  const unit = scOf(ctx, i).unit;
  const r = vmemXalloc(ctx.kernel.units, unit + 1, unit + 3);
  return !r.ok || r.addr - 1 !== unit;
}

/** `unit2 = vmem_xalloc(shmif_units, 1, 0, 0, 0, unit+1, unit+3, ..)` (lines 334-335). @category Model */
export function reserveUnit(ctx: ShmifContext, i: number): ShmifContext {
  const unit = scOf(ctx, i).unit;
  const r = vmemXalloc(ctx.kernel.units, unit + 1, unit + 3);
  if (!r.ok) return ctx;
  return { ...ctx, kernel: { ...ctx.kernel, units: r.arena } };
}

// ---- allocif ----

/**
 * `allocif(unit, &sc)` up to the receiver thread (lines 148-184): the MAC `b2:a0` + the four
 * bytes of `arc4random()` in host (little-endian) order, a zeroed softc with `sc_memfd = -1`,
 * `IFF_BROADCAST | IFF_MULTICAST`.
 * @category Model
 */
export function allocif(ctx: ShmifContext, i: number): ShmifContext {
  const { value, state } = ctx.env.random.arc4random(ctx.kernel.rng);
  const prev = scOf(ctx, i);
  const fresh = emptySoftc();
  const sc: Softc = {
    ...fresh,
    allocated: true,
    unit: prev.unit,
    myaddr: [0xb2, 0xa0, value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff],
    flags: ALLOCIF_FLAGS,
    fds: prev.fds,
    maps: prev.maps,
    attach: prev.attach,
  };
  const ifs = ctx.ifs.slice();
  ifs[i] = sc;
  return { ...ctx, kernel: { ...ctx.kernel, rng: state }, ifs };
}

/** `rump_threads == 0`: no receiver thread, a warning, and an interface that never receives (190-191). @category Model */
export function isThreadsDisabled(ctx: ShmifContext): boolean {
  return !ctx.kernel.threads;
}

/** `kthread_create` fails (fault injection): `allocif` unclones and returns the error (194-196). @category Model */
export function isKthreadCreateFailing(ctx: ShmifContext): boolean {
  return (ctx.faults.kthreadCreate ?? 0) !== 0;
}

/** `kthread_create(.., shmif_rcv, ifp, &sc->sc_rcvl, ..)` (lines 187-189). @category Model */
export function kthreadCreate(ctx: ShmifContext, i: number): ShmifContext {
  return withIf(ctx, i, { rcvl: true, lwp: 'running' });
}

// ---- initbackend ----

/** True when `rumpuser_filemmap` fails (lines 208-212). @category Model */
export function isMmapFailing(ctx: ShmifContext, i: number): boolean {
  const p = scOf(ctx, i).attach.path;
  if (ctx.faults.mmap) return true;
  return p === null || ctx.env.host.mmap(ctx.host, p) !== 0;
}

/** The errno of a failing `rumpuser_filemmap`. @category Model */
export function mmapError(ctx: ShmifContext, i: number): number {
  const p = scOf(ctx, i).attach.path;
  return ctx.faults.mmap || (p === null ? 0 : ctx.env.host.mmap(ctx.host, p));
}

/** `sc->sc_busmem = rumpuser_filemmap(memfd, 0, BUSMEM_SIZE, TRUNCATE|SHARED|READ|WRITE)` (208-210). @category Model */
export function mapBus(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const path = s.attach.path!;
  const id = ctx.kernel.mapSeq;
  const next = { ...ctx, kernel: { ...ctx.kernel, mapSeq: id + 1 } };
  return withIf(next, i, { busmem: id, maps: [...s.maps, { id, path }] });
}

/** Records the error `initbackend` returns. @category Model */
export function setAttachError(ctx: ShmifContext, i: number, error: number): ShmifContext {
  const s = scOf(ctx, i);
  return withIf(ctx, i, { attach: { ...s.attach, error } });
}

/** `shm_magic && shm_magic != SHMIF_MAGIC`: "bus is not magical" (lines 214-215). @category Model */
export function isBusNotMagical(ctx: ShmifContext, i: number): boolean {
  const s = scOf(ctx, i);
  const magic = ctx.env.host.read(ctx.host, mappedPath(ctx, i, s.busmem)!, getMagic);
  return magic !== 0 && magic !== SHMIF_MAGIC;
}

/** `rumpuser_unmap(sc->sc_busmem, BUSMEM_SIZE)` (lines 217, 249, 271). @category Model */
export function unmapBus(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  if (!s.maps.some((m) => m.id === s.busmem)) return ctx;
  return withIf(ctx, i, { maps: s.maps.filter((m) => m.id !== s.busmem) });
}

/** True when the bus lock word of `path` is free (a lock attempt would succeed). @category Model */
export function isBusLockFree(ctx: ShmifContext, path: string | null): boolean {
  if (path === null) return false;
  return ctx.env.host.live || ctx.env.host.read(ctx.host, path, (mem) => mem.view.getUint32(24, true) === 0);
}

/** `shmif_lockbus(busmem)` on bus file `path` (lines 114-133). @category Model */
export function lockBus(ctx: ShmifContext, path: string): ShmifContext {
  const { host } = ctx.env.host.lockbus(ctx.host, path);
  return host === ctx.host ? ctx : { ...ctx, host };
}

/** `shmif_unlockbus(busmem)` with its `KASSERT(old == LOCK_LOCKED)` (lines 135-143). @category Model */
export function unlockBus(ctx: ShmifContext, i: number, path: string): ShmifContext {
  const r = busWrite(ctx, path, i, (mem) => shmifUnlockbus(mem));
  return r.ctx.panic !== null && ctx.panic === null
    ? withPanic(ctx, kassertPanic(i, 'shmif_unlockbus', 'old == LOCK_LOCKED', 142))
    : r.ctx;
}

/**
 * Under the bus lock (lines 228-235): the first attacher initialises the bus (`shm_magic`,
 * `shm_first = BUSMEM_DATASIZE`); the reader starts at `shm_last` in generation `shm_gen`.
 * @category Model
 */
export function initBusAndReader(ctx: ShmifContext, i: number): ShmifContext {
  const path = mappedPath(ctx, i, scOf(ctx, i).busmem)!;
  const r = busWrite(ctx, path, i, (mem) => {
    if (getMagic(mem) === 0) {
      setMagic(mem, SHMIF_MAGIC);
      setFirst(mem, mem.dataSize);
    }
    return { last: getLast(mem), gen: getGenU64(mem) };
  });
  const pos = r.value!;
  return ghostReaderReset(withIf(r.ctx, i, { nextpacket: pos.last, devgen: pos.gen }), i, path);
}

/** True when `rumpuser_writewatchfile_setup` fails (fault injection, lines 247-248). @category Model */
export function isWatchSetupFailing(ctx: ShmifContext): boolean {
  return (ctx.faults.watchSetup ?? 0) !== 0;
}

/** A failed watch set-up: `sc_kq = -1` and its error. @category Model */
export function watchSetupFailed(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  return withIf(ctx, i, { kq: -1, attach: { ...s.attach, error: ctx.faults.watchSetup ?? 0 } });
}

/**
 * `sc->sc_kq = rumpuser_writewatchfile_setup(-1, memfd, 0, &error)` then `sc->sc_memfd = memfd`
 * (lines 247-253): the kqueue sees wake-ups from now on (`EV_CLEAR`).
 * @category Model
 */
export function setupWatch(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const path = s.attach.path!;
  const kq = nextFd(s);
  return withIf(ctx, i, {
    kq,
    memfd: s.attach.memfd,
    fds: [...s.fds, { fd: kq, kind: 'kq', path, seen: ctx.env.host.wakeSeq(ctx.host, path), pending: false }],
  });
}

/** `sc_backfile = strdup(path)`, `sc_backfilelen = strlen(path) + 1` (create, lines 309-311). @category Model */
export function recordBackfileFromCreate(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const path = s.attach.path!;
  return withIf(ctx, i, {
    backfile: path,
    backfilelen: byteLength(path) + 1,
    result: { op: 'create', rv: 0, unit: s.unit },
  });
}

/** `*ifnum = unit; return 0` without a path (lines 313-317) or after clone's `allocif`. @category Model */
export function returnUnit(ctx: ShmifContext, i: number, op: string): ShmifContext {
  return withIf(ctx, i, { result: { op, rv: 0, unit: scOf(ctx, i).unit } });
}

/** UTF-8 byte length of a path (`strlen`). @internal */
export function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

// ---- finibackend ----

/** `finibackend` returns at once when `sc_backfile == NULL` (lines 262-263). @category Model */
export function hasBackfile(ctx: ShmifContext, i: number): boolean {
  return scOf(ctx, i).backfile !== null;
}

/** Closes descriptor `fd` of interface `i` (`rumpuser_close`). @category Model */
export function closeFd(ctx: ShmifContext, i: number, fd: number): ShmifContext {
  const s = scOf(ctx, i);
  if (!s.fds.some((f) => f.fd === fd)) return ctx;
  return withIf(ctx, i, { fds: s.fds.filter((f) => f.fd !== fd) });
}

/**
 * `finibackend(sc)` (lines 258-276): nothing without a backing file; else free the path,
 * unmap the bus, close `sc_memfd` and `sc_kq`, `sc_memfd = -1`. `sc_busmem` and `sc_kq` keep
 * their stale values, as in C.
 * @category Model
 */
export function finibackend(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  if (s.backfile === null) return ctx;
  let next = withIf(ctx, i, { backfile: null, backfilelen: 0 });
  next = unmapBus(next, i);
  next = closeFd(next, i, s.memfd);
  next = closeFd(next, i, s.kq);
  return withIf(next, i, { memfd: -1 });
}

// ---- shmif_init / shmif_stop / if_up / if_down ----

/** `sc_memfd == -1`: `shmif_init` returns `ENXIO` (lines 378-379). @category Model */
export function hasNoMemfd(ctx: ShmifContext, i: number): boolean {
  return scOf(ctx, i).memfd === -1;
}

/** `KASSERT(sc->sc_busmem)` (line 380) fails. @category Model */
export function hasNoBusmem(ctx: ShmifContext, i: number): boolean {
  return scOf(ctx, i).busmem === null;
}

/** `IFF_RUNNING` is set. @category Model */
export function isRunning(ctx: ShmifContext, i: number): boolean {
  return (scOf(ctx, i).flags & IFF_RUNNING) !== 0;
}

/** `IFF_UP` is set. @category Model */
export function isUp(ctx: ShmifContext, i: number): boolean {
  return (scOf(ctx, i).flags & IFF_UP) !== 0;
}

/** `if_up` of `SIOCSIFFLAGS` (sys/net/if.c, outside the seed): `IFF_UP` is set before `if_init`. @category Model */
export function setIffUp(ctx: ShmifContext, i: number): ShmifContext {
  return withIf(ghostCount(ctx, `up${i}`), i, { flags: scOf(ctx, i).flags | IFF_UP, result: null });
}

/**
 * `shmif_init` after its checks (lines 382-389): `IFF_RUNNING`, then (under `sc_mtx`, but
 * without the bus lock) `sc_nextpacket = shm_last`, `sc_devgen = shm_gen`, and wake the
 * receiver.
 * @category Model
 */
export function shmifInit(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const path = mappedPath(ctx, i, s.busmem);
  if (path === null)
    return withPanic(ctx, {
      kind: 'segv',
      fn: 'shmif_init',
      expr: 'sc->sc_busmem->shm_last',
      lines: [385, 386],
      ifx: i,
    });
  const r = busRead(ctx, path, i, (mem) => ({ last: getLast(mem), gen: getGenU64(mem) }));
  if (!r.ok) return withPanic(ctx, r.panic);
  const next = withIf(ctx, i, {
    flags: s.flags | IFF_RUNNING,
    nextpacket: r.value.last,
    devgen: r.value.gen,
    result: { op: 'init', rv: 0 },
  });
  return ghostReaderReset(next, i, path);
}

/**
 * `shmif_stop(ifp, disable)` (lines 555-570): clear `IFF_RUNNING`, then the wake-up `pwrite`
 * (which wakes every listener on the bus) if there is a backing file descriptor.
 * @category Model
 */
export function shmifStop(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const next = withIf(ghostCount(ctx, `stop${i}`), i, { flags: s.flags & ~IFF_RUNNING });
  return s.memfd === -1 ? next : pwriteWakeup(next, i, s.memfd);
}

/**
 * `rumpuser_pwrite(fd, &busversion, 4, IFMEM_WAKEUP)` on descriptor `fd` of interface `i`; a
 * closed descriptor is `EBADF` and writes nothing.
 * @category Model
 */
export function pwriteWakeup(ctx: ShmifContext, i: number, fd: number): ShmifContext {
  const f = scOf(ctx, i).fds.find((x) => x.fd === fd && x.kind === 'file');
  if (f === undefined) return ctx;
  const host = ctx.env.host.wakeup(ctx.host, f.path);
  const next = host === ctx.host ? ctx : { ...ctx, host };
  if (ctx.env.host.live) return next;
  // the pure host: every kqueue watching this file now has an event pending (EV_CLEAR)
  const ifs = next.ifs.map((s) =>
    s.fds.some((x) => x.kind === 'kq' && x.path === f.path && !x.pending)
      ? { ...s, fds: s.fds.map((x) => (x.kind === 'kq' && x.path === f.path ? { ...x, pending: true } : x)) }
      : s,
  );
  return { ...next, ifs };
}

/** `if_down` (sys/net/if.c, outside the seed): clear `IFF_UP`, purge `if_snd`. @category Model */
export function ifDown(ctx: ShmifContext, i: number): ShmifContext {
  return withIf(ctx, i, { flags: scOf(ctx, i).flags & ~IFF_UP, snd: [] });
}

// ---- shmif_unclone ----

/** Enters `shmif_unclone` for `why` (a destroy, or a failed create). @category Model */
export function uncloneBegin(
  ctx: ShmifContext,
  i: number,
  why: 'destroy' | 'allocifFailed' | 'initbackendFailed',
): ShmifContext {
  const s = scOf(ctx, i);
  return withIf(ctx, i, { attach: { ...s.attach, uncloneFor: why } });
}

/** `sc->sc_dying = true; cv_broadcast(&sc->sc_cv)` under `sc_mtx` (lines 350-353). @category Model */
export function markDying(ctx: ShmifContext, i: number): ShmifContext {
  return withIf(ctx, i, { dying: true });
}

/** `kthread_join` can return: no receiver thread, or it has exited (lines 355-356). @category Model */
export function isReceiverJoinable(ctx: ShmifContext, i: number): boolean {
  const s = scOf(ctx, i);
  return !s.rcvl || s.lwp === 'exited';
}

/**
 * From the join to the end of `shmif_unclone` (lines 355-367): `sc_rcvl = NULL`, free the unit
 * (`sc_unit + 1`), detach, free the softc.
 * @category Model
 */
export function uncloneFinish(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const units =
    s.unit >= 0 && ctx.kernel.units.taken.includes(s.unit + 1)
      ? vmemXfree(ctx.kernel.units, s.unit + 1)
      : ctx.kernel.units;
  return withIf({ ...ctx, kernel: { ...ctx.kernel, units } }, i, { rcvl: false, allocated: false });
}

/** After an `allocif` failure inside create: `if (path) rumpuser_close(memfd)` (lines 295-297). @category Model */
export function closeCreateMemfd(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  return s.attach.memfd === -1 ? ctx : closeFd(ctx, i, s.attach.memfd);
}

/** Reads `shm_first` (for tests and traces). @internal */
export function busFirst(ctx: ShmifContext, path: string): number {
  return ctx.env.host.read(ctx.host, path, getFirst);
}

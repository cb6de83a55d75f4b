/**
 * The receiver thread `shmif_rcv` (if_shmem.c 610-716) and `stillvalid_p` (573-608) as pure
 * steps over the context.
 *
 * One loop iteration: check `IFF_RUNNING` (630), get an mbuf (633-636), lock the bus (641),
 * assert magic and `shm_gen >= sc_devgen` (642-643); if there is no new data unlock and wait
 * on the write watch (646-656); else keep `sc_nextpacket` if `stillvalid_p`, or resync to
 * `shm_first` after an overrun with `sc_devgen = shm_gen - 1` when `shm_first > shm_last`,
 * else `shm_gen` (658-669); assert the read pointer is not ahead of `shm_last` in the same
 * generation (675-676); read the header and the payload (679-683); store `sc_nextpacket`,
 * unlock, `sc_devgen++` if a read wrapped (688-695); pass the frame up unless its Ethernet
 * source is our own address (697-707).
 *
 * `stillvalid_p` is `@kspec/shared-memory`'s `shmifStillvalidP` (the same C function); its
 * `KASSERT(shm_first != shm_last)` is checked here first so the machine can take the
 * `panicked` transition instead of an exception.
 *
 * Departures: a fresh mbuf cluster is zero-filled (in C its contents are whatever was there);
 * `if_input` is the environment's `onInput`.
 *
 * @module
 */
import {
  SHMIF_MAGIC,
  SHMIF_PKTHDR_SIZE,
  decodePkthdr,
  genCompare,
  genEquals,
  genIsZero,
  getFirst,
  getGenU64,
  getLast,
  getMagic,
  shmifBusread,
  shmifNextpktoff,
  shmifStillvalidP,
  u64Decrement,
  u64Increment,
} from '@kspec/shared-memory';
import { ETHER_ADDR_LEN, ETHER_MAX_FRAME, ETHER_SHOST_OFFSET, IFF_RUNNING } from '../constants.js';
import type { ShmifContext, Softc } from '../context.js';
import { NO_PATCH, busRead, isMapped, mappedPath, scOf, withIf, withPanic } from './common.js';
import { ghostDeliver, ghostOverrun, ghostRead } from './ghost.js';
import { isBusLockFree, lockBus, unlockBus } from './lifecycle.js';

/** A patch of the receiver's locals (updated in place for a live host, like `withIf`). */
function rxPatch(ctx: ShmifContext, s: Softc, patch: Partial<Softc['rx']>): Partial<Softc> {
  if (ctx.env.host.live) {
    Object.assign(s.rx, patch);
    return NO_PATCH;
  }
  return { rx: { ...s.rx, ...patch } };
}

const SLAB = 1 << 20;
let slab = new Uint8Array(0);
let slabOff = 0;

/** Each live receiver's one mbuf cluster, reused: the frames it passes up are copied out of it. */
const liveClusters = new WeakMap<Softc, Uint8Array>();

/**
 * A zeroed cluster of `size` bytes for interface `s`. A live receiver reuses one cluster,
 * zeroed again on each allocation (so it reads as a fresh one): a new cluster per frame would
 * touch fresh memory inside the bus lock (`readPayload`), and `if_input` hands up a copy
 * ({@link inputFrame}), so nothing else holds it.
 */
function cluster(ctx: ShmifContext, s: Softc, size: number): Uint8Array {
  if (!ctx.env.host.live) return new Uint8Array(size);
  const m = liveClusters.get(s);
  if (m === undefined || m.length !== size) {
    const fresh = new Uint8Array(size);
    liveClusters.set(s, fresh);
    return fresh;
  }
  return m.fill(0);
}

/**
 * The frame `if_input` passes up (703-704): the first `mlen` bytes of the receiver's mbuf.
 * Live, a copy carved from a 1 MiB slab (the cluster is reused); pure, a view of the mbuf.
 * @internal
 */
export function inputFrame(ctx: ShmifContext, i: number): Uint8Array | null {
  const { m, mlen } = scOf(ctx, i).rx;
  if (m === null) return null;
  if (!ctx.env.host.live) return m.subarray(0, mlen);
  if (mlen > SLAB) return m.slice(0, mlen);
  if (slabOff + mlen > slab.length) {
    slab = new Uint8Array(SLAB);
    slabOff = 0;
  }
  const f = slab.subarray(slabOff, slabOff + mlen);
  slabOff += mlen;
  if (mlen <= 128) for (let k = 0; k < mlen; k++) f[k] = m[k]!;
  else f.set(m.subarray(0, mlen));
  return f;
}

/** The `reup` wait ends: `IFF_RUNNING` or `sc_dying` (624). @category Model */
export function isRunningOrDying(ctx: ShmifContext, i: number): boolean {
  const s = scOf(ctx, i);
  return (s.flags & IFF_RUNNING) !== 0 || s.dying;
}

/** `busmem = sc->sc_busmem` after the wait (628). @category Model */
export function captureBusmem(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  return withIf(ctx, i, rxPatch(ctx, s, { busmem: s.busmem }));
}

/** `if (m == NULL) { m = m_gethdr(M_WAIT, MT_DATA); MCLGET(m, M_WAIT); }` (633-636). @category Model */
export function allocMbuf(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  if (s.rx.m !== null) return ctx;
  return withIf(ctx, i, rxPatch(ctx, s, { m: cluster(ctx, s, ctx.env.mclbytes), mlen: 0 }));
}

/** `m_freem(m); m = NULL` after the loop (709-710). @category Model */
export function freeMbuf(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  return s.rx.m === null ? ctx : withIf(ctx, i, rxPatch(ctx, s, { m: null, mlen: 0 }));
}

/** `sc_dying` (712). @category Model */
export function isDying(ctx: ShmifContext, i: number): boolean {
  return scOf(ctx, i).dying;
}

/** `kthread_exit(0)` (715). @category Model */
export function kthreadExit(ctx: ShmifContext, i: number): ShmifContext {
  return withIf(ctx, i, { lwp: 'exited' });
}

/** The receiver's `busmem` is not mapped: `shmif_lockbus(busmem)` faults (641). @category Model */
export function isRxBusUnmapped(ctx: ShmifContext, i: number): boolean {
  return !isMapped(ctx, i, scOf(ctx, i).rx.busmem);
}

/** The receiver can take the bus lock now (641). @category Model */
export function canRxLock(ctx: ShmifContext, i: number): boolean {
  return isBusLockFree(ctx, mappedPath(ctx, i, scOf(ctx, i).rx.busmem));
}

/** `shmif_lockbus(busmem)` (641). @category Model */
export function rxLock(ctx: ShmifContext, i: number): ShmifContext {
  return lockBus(ctx, busOf(ctx, i));
}

/** Records an access to an unmapped bus (SIGSEGV in the host process). @category Model */
export function segv(
  ctx: ShmifContext,
  i: number,
  fn: string,
  expr: string,
  first: number,
  last = first,
): ShmifContext {
  return withPanic(ctx, { kind: 'segv', fn, expr, lines: [first, last], ifx: i });
}

function busOf(ctx: ShmifContext, i: number): string {
  return mappedPath(ctx, i, scOf(ctx, i).rx.busmem)!;
}

/** `KASSERT(busmem->shm_magic == SHMIF_MAGIC)` (642) fails. @category Model */
export function isRxMagicBad(ctx: ShmifContext, i: number): boolean {
  return ctx.env.host.read(ctx.host, busOf(ctx, i), getMagic) !== SHMIF_MAGIC;
}

/** `KASSERT(busmem->shm_gen >= sc->sc_devgen)` (643) fails. @category Model */
export function isGenBehindDevgen(ctx: ShmifContext, i: number): boolean {
  const devgen = scOf(ctx, i).devgen;
  return ctx.env.host.read(ctx.host, busOf(ctx, i), (mem) => genCompare(mem, devgen) < 0);
}

/** `shmif_nextpktoff(busmem, shm_last)` would fail its `KASSERT(sp_len < BUSMEM_DATASIZE)`. @category Model */
export function isNextpktoffOfLastBad(ctx: ShmifContext, i: number): boolean {
  return !busRead(ctx, busOf(ctx, i), i, (mem) => shmifNextpktoff(mem, getLast(mem))).ok;
}

/** The panic of that `KASSERT` in `shmif_nextpktoff`. @category Model */
export function nextpktoffPanic(ctx: ShmifContext, i: number): ShmifContext {
  const r = busRead(ctx, busOf(ctx, i), i, (mem) => shmifNextpktoff(mem, getLast(mem)));
  return r.ok ? ctx : withPanic(ctx, r.panic);
}

/**
 * "Need more data?": `sc_devgen == shm_gen && nextpktoff(shm_last) == sc_nextpacket`
 * (646-648).
 * @category Model
 */
export function needsMoreData(ctx: ShmifContext, i: number): boolean {
  const s = scOf(ctx, i);
  return ctx.env.host.read(
    ctx.host,
    busOf(ctx, i),
    (mem) => genEquals(mem, s.devgen) && shmifNextpktoff(mem, getLast(mem)) === s.nextpacket,
  );
}

/** `shmif_unlockbus(busmem)` before the wait (649). @category Model */
export function rxUnlock(ctx: ShmifContext, i: number): ShmifContext {
  return unlockBus(ctx, i, busOf(ctx, i));
}

/** `KASSERT(busmem->shm_first != busmem->shm_last)` in `stillvalid_p` (586) fails. @category Model */
export function isFirstEqualToLast(ctx: ShmifContext, i: number): boolean {
  return ctx.env.host.read(ctx.host, busOf(ctx, i), (mem) => getFirst(mem) === getLast(mem));
}

/** `stillvalid_p(sc)` (579-608). @category Model */
export function isStillValid(ctx: ShmifContext, i: number): boolean {
  const s = scOf(ctx, i);
  return ctx.env.host.read(ctx.host, busOf(ctx, i), (mem) =>
    shmifStillvalidP(mem, { nextpacket: s.nextpacket, devgen: s.devgen }),
  );
}

/** `nextpkt = sc->sc_nextpacket` (659). @category Model */
export function takeNextpacket(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  return withIf(ctx, i, rxPatch(ctx, s, { nextpkt: s.nextpacket }));
}

/** `KASSERT(busmem->shm_gen > 0)` (661) fails. @category Model */
export function isGenZero(ctx: ShmifContext, i: number): boolean {
  return ctx.env.host.read(ctx.host, busOf(ctx, i), genIsZero);
}

/**
 * Overrun resync (662-666): `nextpkt = shm_first`; `sc_devgen = shm_gen - 1` if
 * `shm_first > shm_last`, else `shm_gen`.
 * @category Model
 */
export function resyncToFirst(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const path = busOf(ctx, i);
  const b = ctx.env.host.read(ctx.host, path, (mem) => ({
    first: getFirst(mem),
    last: getLast(mem),
    gen: getGenU64(mem),
  }));
  const devgen = b.first > b.last ? u64Decrement(b.gen) : b.gen;
  return ghostOverrun(withIf(ctx, i, { devgen, ...rxPatch(ctx, s, { nextpkt: b.first }) }), i, path);
}

/** `KASSERT(!(nextpkt > shm_last && sc_devgen == shm_gen))` (675-676) fails. @category Model */
export function isReadPointerAhead(ctx: ShmifContext, i: number): boolean {
  const s = scOf(ctx, i);
  return ctx.env.host.read(
    ctx.host,
    busOf(ctx, i),
    (mem) => s.rx.nextpkt > getLast(mem) && genEquals(mem, s.devgen),
  );
}

const SP = new Uint8Array(SHMIF_PKTHDR_SIZE);

/** `wrap = false; nextpkt = shmif_busread(busmem, &sp, nextpkt, sizeof(sp), &wrap)` (678-680). @category Model */
export function readHeader(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const r = busRead(ctx, busOf(ctx, i), i, (mem) => {
    const wrap = { wrap: false };
    const next = shmifBusread(mem, SP, s.rx.nextpkt, SHMIF_PKTHDR_SIZE, wrap);
    return { next, wrap: wrap.wrap, len: decodePkthdr(SP).len };
  });
  if (!r.ok) return withPanic(ctx, r.panic);
  return withIf(ctx, i, rxPatch(ctx, s, { nextpkt: r.value.next, wrap: r.value.wrap, spLen: r.value.len }));
}

/** `KASSERT(sp.sp_len <= ETHERMTU + ETHER_HDR_LEN)` (681) fails. @category Model */
export function isSpLenTooBig(ctx: ShmifContext, i: number): boolean {
  return scOf(ctx, i).rx.spLen > ETHER_MAX_FRAME;
}

/** The offset the header just read was at (for the ghost). */
function headerOffset(ctx: ShmifContext, after: number): number {
  const size = ctx.env.host.dataSize;
  return (after - SHMIF_PKTHDR_SIZE + size) % size;
}

/**
 * `nextpkt = shmif_busread(busmem, mtod(m, void *), nextpkt, sp.sp_len, &wrap)` (682-683):
 * the payload into the mbuf cluster.
 * @category Model
 */
export function readPayload(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const path = busOf(ctx, i);
  const m = ctx.env.host.live ? s.rx.m! : s.rx.m!.slice();
  const len = s.rx.spLen;
  const r = busRead(ctx, path, i, (mem) => {
    const wrap = { wrap: s.rx.wrap };
    const next = shmifBusread(mem, m, s.rx.nextpkt, len, wrap);
    return { next, wrap: wrap.wrap };
  });
  if (!r.ok) return withPanic(ctx, r.panic);
  const next = withIf(ctx, i, rxPatch(ctx, s, { m, nextpkt: r.value.next, wrap: r.value.wrap }));
  if (ctx.ghost === null) return next;
  return ghostRead(next, i, path, headerOffset(ctx, s.rx.nextpkt), m.subarray(0, len));
}

/** `sc->sc_nextpacket = nextpkt; shmif_unlockbus(sc->sc_busmem)` (688-689). @category Model */
export function storeNextpacketAndUnlock(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  // line 689 unlocks sc->sc_busmem, not the local busmem.
  const path = mappedPath(ctx, i, s.busmem);
  const next = withIf(ctx, i, { nextpacket: s.rx.nextpkt });
  if (path === null) return segv(next, i, 'shmif_rcv', 'shmif_unlockbus(sc->sc_busmem)', 689);
  return unlockBus(next, i, path);
}

/** `if (wrap) sc_devgen++`, then `m->m_len = sp.sp_len` (691-698). @category Model */
export function afterRead(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  return withIf(ctx, i, {
    devgen: s.rx.wrap ? u64Increment(s.devgen) : s.devgen,
    ...rxPatch(ctx, s, { mlen: s.rx.spLen }),
  });
}

/** `memcmp(eth->ether_shost, sc->sc_myaddr, 6) == 0`: our own frame, dropped (700-702). @category Model */
export function isOwnFrame(ctx: ShmifContext, i: number): boolean {
  const s = scOf(ctx, i);
  const m = s.rx.m!;
  for (let k = 0; k < ETHER_ADDR_LEN; k++) {
    if ((m[ETHER_SHOST_OFFSET + k] ?? 0) !== s.myaddr[k]) return false;
  }
  return true;
}

/** `ifp->if_input(ifp, m); m = NULL` (703-706): the state part (the call is the `ifInput` action). @category Model */
export function passUp(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  return ghostDeliver(withIf(ctx, i, rxPatch(ctx, s, { m: null, mlen: 0 })), i);
}

/**
 * `rumpuser_writewatchfile_wait(sc->sc_kq)` can return (651): a wake-up write happened since
 * the last wait (`EV_CLEAR`), or the kqueue is closed (the wait fails at once).
 * @category Model
 */
export function isWatchReady(ctx: ShmifContext, i: number): boolean {
  const s = scOf(ctx, i);
  const f = s.fds.find((x) => x.fd === s.kq && x.kind === 'kq');
  if (f === undefined) return true;
  return ctx.env.host.live ? ctx.env.host.wakeSeq(ctx.host, f.path) !== f.seen : f.pending;
}

/** The wait returns: the event consumed, or `EBADF` printed for a closed kqueue (651-654). @category Model */
export function consumeWatch(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const f = s.fds.find((x) => x.fd === s.kq && x.kind === 'kq');
  if (f === undefined) return withIf(ctx, i, rxPatch(ctx, s, { waitError: 9 }));
  const seen = ctx.env.host.live ? ctx.env.host.wakeSeq(ctx.host, f.path) : 0;
  return withIf(ctx, i, {
    fds: s.fds.map((x) => (x === f ? { ...x, seen, pending: false } : x)),
    ...rxPatch(ctx, s, { waitError: 0 }),
  });
}

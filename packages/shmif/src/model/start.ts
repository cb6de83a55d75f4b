/**
 * The transmitter `shmif_start` (if_shmem.c 485-553) as pure steps: take the queue, per
 * packet lock the bus, `shm_last = nextpktoff(shm_last)`, write the 12-byte header and the
 * frame (a write that reaches the end of the data area sets `wrap`, and then `shm_gen++`),
 * unlock; after the loop, one wake-up `pwrite` if anything was written.
 *
 * The bus operations are `@kspec/shared-memory`'s (`shmifNextpktoff`, `shmifBuswrite`). A
 * packet is one mbuf or an mbuf chain: the header carries the chain's total length, and each
 * segment is written by its own `shmif_buswrite` (528-532), so its own `shmif_advancefirst` and
 * its own `KASSERT(len < BUSMEM_DATASIZE/2)`: how a frame is cut into mbufs changes which
 * frames a write evicts (`shm_first`) and whether the assertion holds. `KASSERT(pktwrote ==
 * pktsize)` (533) holds by construction.
 *
 * Departure: `sp_sec`/`sp_usec` come from the environment's `uptime` (default 0).
 *
 * @module
 */
import {
  SHMIF_MAGIC,
  SHMIF_PKTHDR_SIZE,
  encodePkthdr,
  getLast,
  getMagic,
  incrementGen,
  setLast,
  shmifBuswrite,
  shmifNextpktoff,
} from '@kspec/shared-memory';
import { ETHER_MAX_FRAME, IFF_OACTIVE } from '../constants.js';
import type { FrameBytes, FrameChain, ShmifContext, ShmifPacket, Softc } from '../context.js';
import { NO_PATCH, busWrite, isMapped, mappedPath, scOf, withIf } from './common.js';
import { ghostCount, ghostWrite } from './ghost.js';
import { isBusLockFree, lockBus, pwriteWakeup, unlockBus } from './lifecycle.js';

/** A patch of the transmitter's locals (updated in place for a live host, like `withIf`). */
function txPatch(ctx: ShmifContext, s: Softc, patch: Partial<Softc['tx']>): Partial<Softc> {
  if (ctx.env.host.live) {
    Object.assign(s.tx, patch);
    return NO_PATCH;
  }
  return { tx: { ...s.tx, ...patch } };
}

function asBytes(f: FrameBytes): Uint8Array {
  return f instanceof Uint8Array ? f : Uint8Array.from(f);
}

function isChain(f: FrameBytes | FrameChain): f is FrameChain {
  return !(f instanceof Uint8Array) && !Array.isArray(f);
}

/** The packet `ether_output` queues for a frame: one mbuf, or the chain's segments. */
function asPacket(f: FrameBytes | FrameChain): ShmifPacket {
  return isChain(f) ? f.segments.map(asBytes) : asBytes(f as FrameBytes);
}

/**
 * `pktsize`: the sum of `m_len` over the chain (lines 509-512).
 * @category Model
 */
export function packetSize(p: ShmifPacket): number {
  if (p instanceof Uint8Array) return p.length;
  let n = 0;
  for (const m of p) n += m.length;
  return n;
}

/**
 * The bytes of a packet as they follow its header on the bus (the chain's segments in order).
 * @category Model
 */
export function packetBytes(p: ShmifPacket): Uint8Array {
  if (p instanceof Uint8Array) return p;
  const out = new Uint8Array(packetSize(p));
  let off = 0;
  for (const m of p) {
    out.set(m, off);
    off += m.length;
  }
  return out;
}

/**
 * `ether_output` enqueued `frames` on `if_snd` and called `if_start` (outside the seed); then
 * `shmif_start` entry: `busmem = sc_busmem` (490), `IFF_OACTIVE` (498).
 * @category Model
 */
export function startBegin(
  ctx: ShmifContext,
  i: number,
  frames: readonly (FrameBytes | FrameChain)[],
): ShmifContext {
  const s = scOf(ctx, i);
  return withIf(ghostCount(ctx, `output${i}`), i, {
    snd: [...s.snd, ...frames.map(asPacket)],
    flags: s.flags | IFF_OACTIVE,
    tx: { busmem: s.busmem, m0: null, wrote: false, wrap: false, sec: 0, usec: 0, off: 0, runAt: null },
  });
}

/** `IF_DEQUEUE` found nothing: the loop ends (504-507). @category Model */
export function isSndEmpty(ctx: ShmifContext, i: number): boolean {
  return scOf(ctx, i).snd.length === 0;
}

/**
 * After the loop (547-552): clear `IFF_OACTIVE`; if anything was written, the wake-up
 * `pwrite` on `sc_memfd` (read now, so a closed descriptor is `EBADF` and wakes nobody).
 * @category Model
 */
export function startFinish(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const next = withIf(ctx, i, { flags: s.flags & ~IFF_OACTIVE });
  return s.tx.wrote ? pwriteWakeup(next, i, s.memfd) : next;
}

/** `KASSERT(pktsize <= ETHERMTU + ETHER_HDR_LEN)` (513) would fail for the next packet. @category Model */
export function isNextPacketTooBig(ctx: ShmifContext, i: number): boolean {
  const p = scOf(ctx, i).snd[0];
  return p !== undefined && packetSize(p) > ETHER_MAX_FRAME;
}

/** The transmitter's `busmem` is no longer mapped: its next access faults. @category Model */
export function isTxBusUnmapped(ctx: ShmifContext, i: number): boolean {
  const s = scOf(ctx, i);
  return !isMapped(ctx, i, s.tx.busmem);
}

/** The transmitter can take the bus lock now. @category Model */
export function canTxLock(ctx: ShmifContext, i: number): boolean {
  return isBusLockFree(ctx, mappedPath(ctx, i, scOf(ctx, i).tx.busmem));
}

/**
 * `IF_DEQUEUE(&ifp->if_snd, m0)`, the header's `getmicrouptime` (515-518) and
 * `shmif_lockbus(busmem)` (504-520), in the C order: the clock is read before the lock.
 * @category Model
 */
export function dequeueAndLock(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const m0 = s.snd[0] ?? null;
  const path = mappedPath(ctx, i, s.tx.busmem)!;
  const { sec, usec } = ctx.env.uptime?.() ?? { sec: 0, usec: 0 };
  if (ctx.env.host.live) {
    // live host: the queue and the locals are updated in place (see withIf)
    (s.snd as ShmifPacket[]).shift();
    Object.assign(s.tx, { m0, wrap: false, sec, usec });
    return lockBus(ctx, path);
  }
  return lockBus(withIf(ctx, i, { snd: s.snd.slice(1), tx: { ...s.tx, m0, wrap: false, sec, usec } }), path);
}

/** `KASSERT(busmem->shm_magic == SHMIF_MAGIC)` (521) fails. @category Model */
export function isTxMagicBad(ctx: ShmifContext, i: number): boolean {
  const s = scOf(ctx, i);
  return ctx.env.host.read(ctx.host, mappedPath(ctx, i, s.tx.busmem)!, getMagic) !== SHMIF_MAGIC;
}

const HDR = new Uint8Array(SHMIF_PKTHDR_SIZE);

/**
 * `shm_last = shmif_nextpktoff(busmem, shm_last)`, then `buswrite` of the header and of each
 * mbuf of the chain from there (522-532); `wrap` set by any of the writes.
 * @category Model
 */
export function writePacket(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const path = mappedPath(ctx, i, s.tx.busmem)!;
  const m0 = s.tx.m0!;
  const { sec, usec } = s.tx;
  const r = busWrite(ctx, path, i, (mem) => {
    const last = shmifNextpktoff(mem, getLast(mem));
    setLast(mem, last);
    const wrap = { wrap: false };
    encodePkthdr({ len: packetSize(m0), sec, usec }, HDR);
    let dataoff = shmifBuswrite(mem, last, HDR, SHMIF_PKTHDR_SIZE, wrap);
    if (m0 instanceof Uint8Array) {
      shmifBuswrite(mem, dataoff, m0, m0.length, wrap);
    } else {
      // for (m = m0; m != NULL; m = m->m_next) dataoff = shmif_buswrite(..., m->m_len, &wrap)
      for (const m of m0) dataoff = shmifBuswrite(mem, dataoff, m, m.length, wrap);
    }
    return { last, wrap: wrap.wrap };
  });
  if (r.value === undefined) return r.ctx;
  const next = withIf(r.ctx, i, txPatch(r.ctx, s, { wrap: r.value.wrap, off: r.value.last }));
  return next.ghost === null ? next : ghostWrite(next, path, i, r.value.last, packetBytes(m0));
}

/** `if (wrap) shm_gen++`, `shmif_unlockbus`, `m_freem(m0)`, `wrote = true` (534-541). @category Model */
export function genAndUnlock(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  const path = mappedPath(ctx, i, s.tx.busmem)!;
  let next = ctx;
  if (s.tx.wrap) next = busWrite(next, path, i, incrementGen).ctx;
  next = unlockBus(next, i, path);
  return withIf(next, i, txPatch(next, s, { m0: null, wrote: true }));
}

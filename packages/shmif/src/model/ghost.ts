/**
 * Check-only bookkeeping (the `ghost` object of the context): the bus's write history and
 * each receiver's view of it, so the invariants can state "delivered in bus order", "every
 * skipped frame was an overrun", "never a torn frame", "never its own frame". The machines
 * call these from their actions; with `ghost === null` (live use) they do nothing.
 *
 * A frame is identified by where it was written and by its bytes: the checker's frames are
 * all distinct (sender and sequence number in the Ethernet header), so a read that matches
 * no intact write read bytes nobody wrote as one frame (a torn frame, or the zero-length
 * phantom at offset 0 of a fresh bus).
 *
 * @module
 */
import { SHMIF_PKTHDR_SIZE } from '@kspec/shared-memory';
import type { GhostRx, ShmifContext, ShmifGhost } from '../context.js';
import { toHex } from './common.js';

/** A fresh ghost following bus file `path`, for `n` interfaces. @category Ghost */
export function createGhost(path: string, n: number): ShmifGhost {
  const rx: GhostRx = {
    lastReadSeq: -1,
    lastDeliveredSeq: -1,
    overrunSinceRead: false,
    readSeq: -1,
  };
  return {
    path,
    writes: [],
    rx: Array.from({ length: n }, () => rx),
    tornDelivered: false,
    outOfOrderDelivered: false,
    silentLoss: false,
    ownDelivered: false,
    copyoutOverflow: false,
    counts: {},
  };
}

/** Counts one call of entry point `key` (e.g. `output0`). @internal */
export function ghostCount(ctx: ShmifContext, key: string): ShmifContext {
  const g = ctx.ghost;
  if (g === null) return ctx;
  return { ...ctx, ghost: { ...g, counts: { ...g.counts, [key]: (g.counts[key] ?? 0) + 1 } } };
}

function withRx(g: ShmifGhost, i: number, patch: Partial<GhostRx>): ShmifGhost {
  const rx = g.rx.slice();
  rx[i] = { ...g.rx[i]!, ...patch };
  return { ...g, rx };
}

function overlaps(a: number, alen: number, b: number, blen: number, size: number): boolean {
  for (const k of [-size, 0, size]) {
    const b0 = b + k;
    if (a < b0 + blen && b0 < a + alen) return true;
  }
  return false;
}

/**
 * The reader position was set to `shm_last` (`initbackend` 234-235, `shmif_init` 385-386):
 * the next frame expected is the newest one on the bus.
 * @internal
 */
export function ghostReaderReset(ctx: ShmifContext, i: number, path: string): ShmifContext {
  const g = ctx.ghost;
  if (g === null || g.path !== path || g.rx[i] === undefined) return ctx;
  const n = g.writes.length;
  return { ...ctx, ghost: withRx(g, i, { lastReadSeq: n === 0 ? -1 : n - 2, overrunSinceRead: false }) };
}

/** Interface `from` wrote a frame (header at `off`, payload `frame`). @internal */
export function ghostWrite(
  ctx: ShmifContext,
  path: string,
  from: number,
  off: number,
  frame: Uint8Array,
): ShmifContext {
  const g = ctx.ghost;
  if (g === null || g.path !== path) return ctx;
  const size = ctx.env.host.dataSize;
  const span = SHMIF_PKTHDR_SIZE + frame.length;
  const writes = g.writes.map((w) =>
    !w.overwritten && overlaps(off, span, w.off, SHMIF_PKTHDR_SIZE + w.len, size)
      ? { ...w, overwritten: true }
      : w,
  );
  writes.push({ seq: g.writes.length, from, off, len: frame.length, hex: toHex(frame), overwritten: false });
  return { ...ctx, ghost: { ...g, writes } };
}

/** Receiver `i` resynchronised after an overrun (lines 660-669). @internal */
export function ghostOverrun(ctx: ShmifContext, i: number, path: string): ShmifContext {
  const g = ctx.ghost;
  if (g === null || g.path !== path || g.rx[i] === undefined) return ctx;
  return { ...ctx, ghost: withRx(g, i, { overrunSinceRead: true }) };
}

/**
 * Receiver `i` read a frame of `len` bytes whose header was at `off` (lines 679-683):
 * identify it, and flag a gap in bus order not preceded by an overrun resync.
 * @internal
 */
export function ghostRead(
  ctx: ShmifContext,
  i: number,
  path: string,
  off: number,
  bytes: Uint8Array,
): ShmifContext {
  const g = ctx.ghost;
  if (g === null || g.path !== path || g.rx[i] === undefined) return ctx;
  const hex = toHex(bytes);
  const w = g.writes.find((x) => !x.overwritten && x.off === off && x.len === bytes.length && x.hex === hex);
  const rx = g.rx[i]!;
  if (w === undefined) return { ...ctx, ghost: withRx(g, i, { readSeq: -1 }) };
  const gap = w.seq > rx.lastReadSeq + 1 && !rx.overrunSinceRead;
  return {
    ...ctx,
    ghost: {
      ...withRx(g, i, { readSeq: w.seq, lastReadSeq: w.seq, overrunSinceRead: false }),
      silentLoss: g.silentLoss || gap,
    },
  };
}

/** Receiver `i` passed the frame in its mbuf up (`if_input`, line 704). @internal */
export function ghostDeliver(ctx: ShmifContext, i: number): ShmifContext {
  const g = ctx.ghost;
  if (g === null || g.rx[i] === undefined) return ctx;
  const rx = g.rx[i]!;
  const seq = rx.readSeq;
  const torn = seq < 0;
  const outOfOrder = !torn && seq <= rx.lastDeliveredSeq;
  const own = !torn && g.writes[seq]!.from === i;
  return {
    ...ctx,
    ghost: {
      ...withRx(g, i, {
        lastDeliveredSeq: torn ? rx.lastDeliveredSeq : Math.max(seq, rx.lastDeliveredSeq),
      }),
      tornDelivered: g.tornDelivered || torn,
      outOfOrderDelivered: g.outOfOrderDelivered || outOfOrder,
      ownDelivered: g.ownDelivered || own,
    },
  };
}

/** `SIOCGLINKSTR` wrote past the caller's buffer (line 423-424). @internal */
export function ghostCopyoutOverflow(ctx: ShmifContext): ShmifContext {
  const g = ctx.ghost;
  if (g === null || g.copyoutOverflow) return ctx;
  return { ...ctx, ghost: { ...g, copyoutOverflow: true } };
}

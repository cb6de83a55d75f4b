/**
 * The bus side of the shmif receiver (`shmif_rcv`, if_shmem.c rev 1.33 lines 611-716, and
 * `stillvalid_p`, 574-609; facts.md 1.6): the reader position (`sc_nextpacket`,
 * `sc_devgen`), the "need more data?" test, the overrun check and resync, and the read of
 * one frame under the bus lock. The kthread around it (ifnet flags, mbufs, `if_input`, the
 * own-address filter) is `@kspec/shmif`'s.
 *
 * `sc_devgen` and `shm_gen` are `uint64_t` in C; here both are exact 64-bit values
 * ({@link U64}: two u32 halves, wrapping at 2^64 as C does; compared with the bus words in
 * place). `stillvalid_p`'s `unsigned gendiff` is their difference truncated to 32 bits, as in
 * C: a reader exactly 2^32 generations behind looks current.
 *
 * Two readers are offered, chosen by {@link ShmifReaderVariant}:
 * - `'faithful'`: exactly the seed, defects included (docs/findings.md SHMIF-BUS-1..3);
 * - `'corrected'`: the seed with the deviations listed in {@link SHMIF_READER_CORRECTIONS},
 *   all in one place ({@link correctedDevgenAfterResync} and the checks it names).
 *
 * @module
 */
import { shmifBusread, shmifBusreadPkthdr, shmifNextpktoff } from './busops.js';
import type { PkthdrOut, WrapFlag } from './busops.js';
import { kassert } from './errors.js';
import { ETHER_HDR_LEN, SHMIF_MAGIC, SHMIF_MAX_FRAME, getFirst, getLast, getMagic } from './layout.js';
import type { ShmifMem } from './layout.js';
import { shmifLockbus, shmifUnlockbus } from './lock.js';
import type { LockOptions } from './lock.js';
import {
  genCompare,
  genEquals,
  genIsZero,
  genLow32Diff,
  getGenU64,
  u64Decrement,
  u64Increment,
  type U64,
} from './u64.js';

/**
 * A receiver's position on the bus: `sc_nextpacket` and `sc_devgen` of `struct shmif_sc`.
 * Mutable: the receive functions update it as `shmif_rcv` updates the softc.
 * @category Shmif receiver
 */
export interface ShmifReaderPosition {
  /** `sc_nextpacket`: offset of the next packet header to read. */
  nextpacket: number;
  /** `sc_devgen` (u64): the bus generation the reader believes `nextpacket` belongs to. */
  devgen: U64;
}

/**
 * Which receive protocol to run: the seed's, or the corrected one.
 * @category Shmif receiver
 */
export type ShmifReaderVariant = 'faithful' | 'corrected';

/**
 * The corrected reader's deviations from the seed, each tied to the finding it fixes. This is
 * the one place they are stated; the code paths that implement them test `variant ===
 * 'corrected'` and cite these ids.
 * @category Shmif receiver
 */
export const SHMIF_READER_CORRECTIONS = Object.freeze({
  'SHMIF-BUS-1':
    'skip frames shorter than ETHER_HDR_LEN (the zero-length phantom frame at offset 0 of a fresh bus), ' +
    'as later if_shmem.c revisions do (facts.md 1.9)',
  'SHMIF-BUS-2':
    'at attach (initbackend, shmif_init) start with sc_devgen = shm_gen - 1 instead of shm_gen when the newest ' +
    'frame wraps (nextpktoff(shm_last) <= shm_last): its header lies in the lap before the wrap it caused',
  'SHMIF-BUS-3':
    'on resync, sc_devgen = shm_gen - 1 when the oldest frame lies in the lap before the last wrap ' +
    '(shm_first >= nextpktoff(shm_last), the test stillvalid_p itself uses) instead of when shm_first > shm_last',
} as const);

/**
 * `shm_gen` as a JS number: exact below 2^53 only, so for display and tests; the receive
 * protocol uses the exact {@link U64} ({@link getGenU64}, {@link genCompare}).
 * @category Shmif receiver
 */
export function getGenNumber(mem: ShmifMem): number {
  return (mem.words[3] as number) * 0x100000000 + (mem.words[2] as number);
}

/**
 * The reader position `initbackend` (lines 234-235, under the bus lock) and `shmif_init`
 * (385-386, without it) set: `sc_nextpacket = shm_last`, `sc_devgen = shm_gen`. The corrected
 * reader takes `shm_gen - 1` when the newest frame wraps (SHMIF-BUS-2). Call with the bus lock
 * held (or on a quiet bus).
 * @category Shmif receiver
 */
export function shmifReaderStart(
  mem: ShmifMem,
  variant: ShmifReaderVariant = 'faithful',
): ShmifReaderPosition {
  const last = getLast(mem);
  const gen = getGenU64(mem);
  if (variant === 'corrected' && shmifNextpktoff(mem, last) <= last) {
    // SHMIF-BUS-2: the newest frame's header is in the lap before the wrap it caused.
    return { nextpacket: last, devgen: u64Decrement(gen) };
  }
  return { nextpacket: last, devgen: gen };
}

/**
 * The "need more data?" test of `shmif_rcv` (lines 646-648): the reader is at the end of the
 * newest frame in the bus's generation.
 * @category Shmif receiver
 */
export function shmifRcvNeedsData(mem: ShmifMem, pos: ShmifReaderPosition): boolean {
  return genEquals(mem, pos.devgen) && shmifNextpktoff(mem, getLast(mem)) === pos.nextpacket;
}

/**
 * `stillvalid_p` (lines 580-608): is the reader's `sc_nextpacket` still inside the intact
 * data `[shm_first, nextpktoff(shm_last)]`, normalised onto a two-lap span by generation?
 * @category Shmif receiver
 */
export function shmifStillvalidP(mem: ShmifMem, pos: ShmifReaderPosition): boolean {
  const size = mem.dataSize;
  const first = getFirst(mem);
  const last = getLast(mem);
  // unsigned gendiff = shm_gen - sc_devgen: the u64 difference truncated to 32 bits
  const gendiff = genLow32Diff(mem, pos.devgen);
  kassert(first !== last, 'stillvalid_p', 'busmem->shm_first != busmem->shm_last', first);

  /* normalize onto a 2x busmem chunk */
  let devoff = pos.nextpacket;
  let lastoff = shmifNextpktoff(mem, last);

  /* trivial case */
  if (gendiff > 1) return false;

  /* Normalize onto 2x busmem chunk */
  if (first >= lastoff) {
    lastoff += size;
    if (gendiff === 0) devoff += size;
  } else {
    if (gendiff !== 0) return false;
  }
  return devoff >= first && devoff <= lastoff;
}

/**
 * The `sc_devgen` a resync gives (lines 662-666 and SHMIF-BUS-3): the seed uses
 * `shm_first > shm_last ? shm_gen - 1 : shm_gen`; the corrected reader asks whether the
 * oldest frame is in the previous lap, `shm_first >= nextpktoff(shm_last)`.
 * @category Shmif receiver
 */
export function correctedDevgenAfterResync(mem: ShmifMem, variant: ShmifReaderVariant): U64 {
  const gen = getGenU64(mem);
  const first = getFirst(mem);
  const last = getLast(mem);
  if (variant === 'corrected') {
    // SHMIF-BUS-3
    return first >= shmifNextpktoff(mem, last) ? u64Decrement(gen) : gen;
  }
  return first > last ? u64Decrement(gen) : gen;
}

/**
 * One frame a receive step took: its packet header fields, where its header was, whether the
 * step resynchronised after an overrun, and whether the read wrapped.
 * @category Shmif receiver
 */
export interface ShmifRcvFrame {
  /** `sp_len`: payload bytes, copied to the start of the caller's buffer. */
  readonly len: number;
  readonly sec: number;
  readonly usec: number;
  /** Offset of the header read. */
  readonly offset: number;
  /** True when `stillvalid_p` failed and the reader restarted at `shm_first` (an overrun). */
  readonly overrun: boolean;
  readonly wrapped: boolean;
  /** Corrected reader only: the frame was shorter than `ETHER_HDR_LEN` and is not delivered (SHMIF-BUS-1). */
  readonly skipped: boolean;
}

// The `struct shmif_pkthdr sp` and `bool wrap` locals of `shmif_rcv` (one receive at a time per
// thread), and what the last locked read found: the result object is built after the unlock, so
// that no allocation (and no garbage collection it may start) happens while the bus is locked.
const SP: PkthdrOut = { len: 0, sec: 0, usec: 0 };
const WRAP: WrapFlag = { wrap: false };
const READ = { offset: 0, overrun: false };

/** The body of {@link shmifRcvReadLocked}, leaving its findings in `SP`, `WRAP` and `READ`. */
function rcvReadLocked(
  mem: ShmifMem,
  pos: ShmifReaderPosition,
  dest: Uint8Array,
  variant: ShmifReaderVariant,
): void {
  let nextpkt: number;
  let overrun = false;
  if (shmifStillvalidP(mem, pos)) {
    nextpkt = pos.nextpacket;
  } else {
    kassert(!genIsZero(mem), 'shmif_rcv', 'busmem->shm_gen > 0');
    nextpkt = getFirst(mem);
    pos.devgen = correctedDevgenAfterResync(mem, variant);
    overrun = true;
  }

  kassert(
    !(nextpkt > getLast(mem) && genEquals(mem, pos.devgen)),
    'shmif_rcv',
    '!(nextpkt > busmem->shm_last && sc->sc_devgen == busmem->shm_gen)',
    nextpkt,
  );

  const offset = nextpkt;
  const wrap = WRAP;
  wrap.wrap = false;
  nextpkt = shmifBusreadPkthdr(mem, nextpkt, wrap, SP);
  const len = SP.len;
  kassert(len <= SHMIF_MAX_FRAME, 'shmif_rcv', 'sp.sp_len <= ETHERMTU + ETHER_HDR_LEN', offset);
  nextpkt = shmifBusread(mem, dest, nextpkt, len, wrap);
  pos.nextpacket = nextpkt;
  READ.offset = offset;
  READ.overrun = overrun;
}

/** The frame record of the last {@link rcvReadLocked}. */
function lastFrame(variant: ShmifReaderVariant): ShmifRcvFrame {
  const len = SP.len;
  return {
    len,
    sec: SP.sec,
    usec: SP.usec,
    offset: READ.offset,
    overrun: READ.overrun,
    wrapped: WRAP.wrap,
    // SHMIF-BUS-1 (corrected only): a frame too short to be Ethernet is not passed up.
    skipped: variant === 'corrected' && len < ETHER_HDR_LEN,
  };
}

/**
 * The locked part of one `shmif_rcv` iteration after the "need more data?" test (lines
 * 658-688): check validity or resync, read the header and the payload into `dest`, advance
 * `sc_nextpacket`. The caller holds the bus lock and applies `sc_devgen++` after unlocking
 * when `wrapped` (line 691-694, {@link u64Increment}) — {@link shmifRcvStep} does all of it.
 * @category Shmif receiver
 */
export function shmifRcvReadLocked(
  mem: ShmifMem,
  pos: ShmifReaderPosition,
  dest: Uint8Array,
  variant: ShmifReaderVariant = 'faithful',
): ShmifRcvFrame {
  rcvReadLocked(mem, pos, dest, variant);
  return lastFrame(variant);
}

/**
 * Options of {@link shmifRcvStep}.
 * @category Shmif receiver
 */
export interface ShmifRcvOptions {
  readonly variant?: ShmifReaderVariant;
  readonly lock?: LockOptions;
}

/**
 * One iteration of the `shmif_rcv` loop body on the bus (lines 641-694): lock; assert magic
 * and `shm_gen >= sc_devgen`; if there is no new data unlock and return `null` (the caller
 * then waits for a wake-up); else read one frame into `dest`, unlock, and `sc_devgen++` if
 * the read wrapped.
 * @category Shmif receiver
 */
export function shmifRcvStep(
  mem: ShmifMem,
  pos: ShmifReaderPosition,
  dest: Uint8Array,
  options: ShmifRcvOptions = {},
): ShmifRcvFrame | null {
  shmifLockbus(mem, options.lock);
  kassert(getMagic(mem) === SHMIF_MAGIC, 'shmif_rcv', 'busmem->shm_magic == SHMIF_MAGIC');
  kassert(genCompare(mem, pos.devgen) >= 0, 'shmif_rcv', 'busmem->shm_gen >= sc->sc_devgen');
  if (shmifRcvNeedsData(mem, pos)) {
    shmifUnlockbus(mem);
    return null;
  }
  const variant = options.variant ?? 'faithful';
  rcvReadLocked(mem, pos, dest, variant);
  shmifUnlockbus(mem);
  if (WRAP.wrap) pos.devgen = u64Increment(pos.devgen);
  return lastFrame(variant);
}

/**
 * The bus side of attaching and sending in if_shmem.c rev 1.33: the part of `initbackend`
 * that checks and initialises the bus (lines 212-245) and the per-packet body of
 * `shmif_start` (lines 511-541). The interface around them (ifnet flags, the send queue,
 * mbufs, the receiver thread) is `@kspec/shmif`'s; these functions are what it and the
 * stress test share.
 *
 * Where C departs from evident intent: `initbackend` accepts a magic of 0 (fresh file) and
 * initialises it, rejects any other non-magic value with `ENOEXEC`, but never looks at
 * `shm_version` (only `shmif_dumpbus` does). A `KASSERT` that fires while the bus lock is
 * held throws with the lock still held: like a panicking holder in C, it wedges the bus.
 *
 * @module
 */
import { shmifBuswrite, shmifBuswritePkthdr, shmifNextpktoff } from './busops.js';
import type { WrapFlag } from './busops.js';
import { ENOEXEC, ShmifError, kassert } from './errors.js';
import { shmifLockbus, shmifUnlockbus } from './lock.js';
import type { LockOptions } from './lock.js';
import {
  SHMIF_MAGIC,
  SHMIF_MAX_FRAME,
  getGen,
  getLast,
  getMagic,
  incrementGen,
  setFirst,
  setLast,
  setMagic,
} from './layout.js';
import type { ShmifMem } from './layout.js';

/**
 * What `initbackend` leaves in the softc when the bus is accepted: the reader position
 * `sc_nextpacket = shm_last`, `sc_devgen = shm_gen`.
 * @category Shmif bus
 */
export interface ShmifAttachResult {
  /** 0 on success, `ENOEXEC` (8) when the bus is not magical. */
  readonly error: number;
  readonly nextpacket: number;
  readonly devgen: bigint;
}

/**
 * The bus part of `initbackend` (if_shmem.c 212-245): `ENOEXEC` if `shm_magic` is neither 0
 * nor `SHMIF_MAGIC`; else, under the bus lock, initialise a fresh bus (`shm_magic`,
 * `shm_first = BUSMEM_DATASIZE`) and read the reader's start position.
 * @category Shmif bus
 */
export function shmifInitbackendBus(mem: ShmifMem, lock: LockOptions = {}): ShmifAttachResult {
  const magic = getMagic(mem);
  if (magic !== 0 && magic !== SHMIF_MAGIC) {
    return { error: ENOEXEC, nextpacket: 0, devgen: 0n };
  }
  shmifLockbus(mem, lock);
  /* we're first? initialize bus */
  if (getMagic(mem) === 0) {
    setMagic(mem, SHMIF_MAGIC);
    setFirst(mem, mem.dataSize);
  }
  const nextpacket = getLast(mem);
  const devgen = getGen(mem);
  shmifUnlockbus(mem);
  return { error: 0, nextpacket, devgen };
}

/**
 * The same as {@link shmifInitbackendBus} but throwing a `notMagical` {@link ShmifError}
 * (errno `ENOEXEC`) instead of returning the error.
 * @category Shmif bus
 */
export function shmifAttachBus(mem: ShmifMem, lock: LockOptions = {}): ShmifAttachResult {
  const r = shmifInitbackendBus(mem, lock);
  if (r.error !== 0) {
    throw new ShmifError(
      'notMagical',
      `initbackend: bus is not magical (shm_magic 0x${getMagic(mem).toString(16)}, want 0x${SHMIF_MAGIC.toString(16)})`,
      { errno: ENOEXEC, offset: 0 },
    );
  }
  return r;
}

/**
 * What one packet write did: where its header went, where it ended, and whether it wrapped
 * (and so incremented `shm_gen`).
 * @category Shmif bus
 */
export interface ShmifWriteResult {
  /** The new `shm_last`: the offset of this packet's header. */
  readonly offset: number;
  /** The offset just after the packet. */
  readonly end: number;
  readonly wrapped: boolean;
}

// The `wrap` local of `shmif_start` (reset per packet; a thread runs one write at a time), and
// where the last locked write put its packet: the result object is built after the unlock, so
// that no allocation (and no garbage collection it may start) happens while the bus is locked.
const WRAP: WrapFlag = { wrap: false };
const WROTE = { offset: 0, end: 0 };

/** The body of {@link shmifWritePacketLocked}, leaving its findings in `WRAP` and `WROTE`. */
function writePacketLocked(mem: ShmifMem, segments: readonly Uint8Array[], sec: number, usec: number): void {
  const n = segments.length;
  let pktsize = 0;
  for (let i = 0; i < n; i++) pktsize += (segments[i] as Uint8Array).length;
  kassert(pktsize <= SHMIF_MAX_FRAME, 'shmif_start', 'pktsize <= ETHERMTU + ETHER_HDR_LEN');
  kassert(getMagic(mem) === SHMIF_MAGIC, 'shmif_start', 'busmem->shm_magic == SHMIF_MAGIC');
  const last = shmifNextpktoff(mem, getLast(mem));
  setLast(mem, last);
  const wrap = WRAP;
  wrap.wrap = false;
  let dataoff = shmifBuswritePkthdr(mem, last, pktsize, sec, usec, wrap);
  for (let i = 0; i < n; i++) {
    const s = segments[i] as Uint8Array;
    dataoff = shmifBuswrite(mem, dataoff, s, s.length, wrap);
  }
  if (wrap.wrap) incrementGen(mem);
  WROTE.offset = last;
  WROTE.end = dataoff;
}

/**
 * The locked middle of `shmif_start` for one packet (lines 520-537), the caller holding the
 * bus lock: `KASSERT(shm_magic == SHMIF_MAGIC)`, `shm_last = nextpktoff(shm_last)`, write the
 * header then each segment, `shm_gen++` if any write wrapped. `segments` stand for the
 * mbuf chain.
 * @category Shmif bus
 */
export function shmifWritePacketLocked(
  mem: ShmifMem,
  segments: readonly Uint8Array[],
  sec: number,
  usec: number,
): ShmifWriteResult {
  writePacketLocked(mem, segments, sec, usec);
  return { offset: WROTE.offset, end: WROTE.end, wrapped: WRAP.wrap };
}

/**
 * One packet of `shmif_start` (lines 511-541) with its locking: lock, write, unlock. The
 * wake-up after the send loop is separate ({@link shmifDowakeup}), as in C.
 * @category Shmif bus
 */
export function shmifSendPacket(
  mem: ShmifMem,
  frame: Uint8Array | readonly Uint8Array[],
  sec: number,
  usec: number,
  lock?: LockOptions,
): ShmifWriteResult {
  const segments = frame instanceof Uint8Array ? [frame] : frame;
  let pktsize = 0;
  for (let i = 0; i < segments.length; i++) pktsize += (segments[i] as Uint8Array).length;
  kassert(pktsize <= SHMIF_MAX_FRAME, 'shmif_start', 'pktsize <= ETHERMTU + ETHER_HDR_LEN');
  shmifLockbus(mem, lock);
  writePacketLocked(mem, segments, sec, usec);
  shmifUnlockbus(mem);
  return { offset: WROTE.offset, end: WROTE.end, wrapped: WRAP.wrap };
}

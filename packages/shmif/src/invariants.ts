/**
 * The named properties of the shmif models, each a one-line claim over a machine snapshot.
 * The first is the type-shape invariant; the rest are the guarantees issue 7 asks of the
 * faithful model (a violation is a finding, recorded in `findings.ts`).
 *
 * Most properties read the `ghost` (check-only history kept by the machines' actions); the
 * resource property reads the softc of an interface that has gone.
 *
 * @module
 */
import type { Invariant } from '@kspec/spec-kit';
import { src } from '@kspec/spec-kit';
import { SEED } from './constants.js';
import type { ShmifContext } from './context.js';

/** What the properties read of a snapshot of any shmif machine. @category Invariants */
export interface ShmifSnapshot {
  readonly value: unknown;
  readonly status: string;
  readonly context: ShmifContext;
}

function ghostFlag(
  s: ShmifSnapshot,
  f: 'tornDelivered' | 'outOfOrderDelivered' | 'silentLoss' | 'ownDelivered' | 'copyoutOverflow',
): boolean {
  return s.context.ghost?.[f] === true;
}

/** The `ifnet` region's state name, when the machine has one. @internal */
export function ifnetState(s: ShmifSnapshot): string | undefined {
  const v = s.value as unknown;
  if (typeof v !== 'object' || v === null) return undefined;
  const k = (v as { kernel?: Record<string, unknown> }).kernel;
  const r = k?.['ifnet'];
  if (r === undefined) return undefined;
  return typeof r === 'string' ? r : Object.keys(r as object)[0];
}

/**
 * `contextWellFormed`: every reader/writer offset lies in `[0, DATASIZE]`, every interface's
 * mappings and descriptors name distinct ids, and a kernel that stopped records why.
 * @category Invariants
 */
export const contextWellFormed: Invariant<ShmifSnapshot> = {
  name: 'contextWellFormed',
  statement:
    'Offsets lie in [0, DATASIZE], descriptors and mappings are distinct, and a panicked kernel records its cause.',
  holds: (s) => {
    const c = s.context;
    const size = c.env.host.dataSize;
    if ((s.value === 'panicked') !== (c.panic !== null)) return false;
    return c.ifs.every(
      (x) =>
        x.nextpacket >= 0 &&
        x.nextpacket <= size &&
        x.rx.nextpkt >= 0 &&
        x.rx.nextpkt <= size &&
        new Set(x.fds.map((f) => f.fd)).size === x.fds.length &&
        new Set(x.maps.map((mm) => mm.id)).size === x.maps.length,
    );
  },
};

/** A `KASSERT` site with an invariant of its own. @internal */
interface KassertSite {
  readonly name: string;
  readonly fn: string;
  readonly line: number;
  readonly statement: string;
}

const KASSERT_SITES: readonly KassertSite[] = [
  {
    name: 'rcvGenNeverBehindDevgen',
    fn: 'shmif_rcv',
    line: 643,
    statement: 'KASSERT(busmem->shm_gen >= sc->sc_devgen) of shmif_rcv never fails.',
  },
  {
    name: 'stillvalidFirstDiffersFromLast',
    fn: 'stillvalid_p',
    line: 586,
    statement: 'KASSERT(busmem->shm_first != busmem->shm_last) of stillvalid_p never fails.',
  },
  {
    name: 'rcvResyncOnlyAfterWrap',
    fn: 'shmif_rcv',
    line: 661,
    statement: 'KASSERT(busmem->shm_gen > 0) of the overrun resync never fails.',
  },
  {
    name: 'rcvReadPointerNotAheadOfLast',
    fn: 'shmif_rcv',
    line: 675,
    statement:
      'KASSERT(!(nextpkt > busmem->shm_last && sc->sc_devgen == busmem->shm_gen)) of shmif_rcv never fails.',
  },
  {
    name: 'rcvFrameLengthWithinMtu',
    fn: 'shmif_rcv',
    line: 681,
    statement:
      'KASSERT(sp.sp_len <= ETHERMTU + ETHER_HDR_LEN) of shmif_rcv never fails: every header read is a frame header.',
  },
];

function isSite(s: ShmifSnapshot, site: KassertSite): boolean {
  const p = s.context.panic;
  return p !== null && p.kind === 'kassert' && p.fn === site.fn && p.lines[0] === site.line;
}

function kassertInvariant(site: KassertSite): Invariant<ShmifSnapshot> {
  return {
    name: site.name,
    statement: site.statement,
    holds: (s) => !isSite(s, site),
    source: src(SEED, site.fn, site.line),
  };
}

/**
 * One invariant per `KASSERT` of the receiver the checker reaches: 643, 586, 661, 675-676,
 * 681 (each named after its claim).
 * @category Invariants
 */
export const RCV_KASSERT_INVARIANTS: readonly Invariant<ShmifSnapshot>[] =
  KASSERT_SITES.map(kassertInvariant);

/**
 * `busOperationsAssertionsHold`: no `KASSERT` of `shmif_busops.c` fails (`sp_len <
 * BUSMEM_DATASIZE` in `shmif_nextpktoff`, `len < BUSMEM_DATASIZE/2 && off <= BUSMEM_DATASIZE`
 * in `shmif_busread`/`shmif_buswrite`).
 * @category Invariants
 */
export const busOperationsAssertionsHold: Invariant<ShmifSnapshot> = {
  name: 'busOperationsAssertionsHold',
  statement:
    'No KASSERT of shmif_busops.c fails (frame lengths below DATASIZE, offsets within the data area).',
  holds: (s) => {
    const p = s.context.panic;
    return !(p !== null && p.kind === 'kassert' && p.lines[0] === 0);
  },
};

/**
 * `noKassertFails`: no other `KASSERT` of if_shmem.c fails (`shmif_unlockbus` 142,
 * `shmif_clone` 336, `shmif_init` 380, `shmif_start` 513 and 521, `shmif_rcv` 642).
 * @category Invariants
 */
export const noKassertFails: Invariant<ShmifSnapshot> = {
  name: 'noKassertFails',
  statement: 'No other KASSERT of if_shmem.c fails (unlock, clone, init, start, the magic checks).',
  holds: (s) => {
    const p = s.context.panic;
    if (p === null || p.kind !== 'kassert' || p.lines[0] === 0) return true;
    return KASSERT_SITES.some((k) => isSite(s, k));
  },
};

/**
 * `neverReadsOutsideDataArea`: every bus access goes through a live mapping of the bus (no
 * access through a stale `busmem` after `finibackend` unmapped it) and stays in the data area
 * (an offset outside it is a `KASSERT` of the bus operations, reported by `noKassertFails`).
 * @category Invariants
 */
export const neverReadsOutsideDataArea: Invariant<ShmifSnapshot> = {
  name: 'neverReadsOutsideDataArea',
  statement: 'The receiver and the transmitter only touch the bus through a live mapping of its data area.',
  holds: (s) => s.context.panic?.kind !== 'segv',
  source: src(SEED, 'shmif_rcv', 628, 689),
};

/**
 * `neverDeliversTornFrame`: every frame passed up is, byte for byte, a frame some interface
 * wrote and that was intact when read.
 * @category Invariants
 */
export const neverDeliversTornFrame: Invariant<ShmifSnapshot> = {
  name: 'neverDeliversTornFrame',
  statement:
    'Every frame passed up is byte for byte a frame some interface wrote to the bus and that was intact when read.',
  holds: (s) => !ghostFlag(s, 'tornDelivered'),
  source: src(SEED, 'shmif_rcv', 678, 707),
};

/**
 * `deliversInBusOrder`: the frames a receiver passes up have strictly increasing bus order
 * (no frame twice, none out of order).
 * @category Invariants
 */
export const deliversInBusOrder: Invariant<ShmifSnapshot> = {
  name: 'deliversInBusOrder',
  statement: 'A receiver passes frames up in the order they were written, each at most once.',
  holds: (s) => !ghostFlag(s, 'outOfOrderDelivered'),
};

/**
 * `everyOverwrittenFrameIsAnOverrun`: when a receiver skips frames in bus order, it went
 * through the overrun resync since its previous read (the frames were overwritten before it
 * read them, and it counted that).
 * @category Invariants
 */
export const everyOverwrittenFrameIsAnOverrun: Invariant<ShmifSnapshot> = {
  name: 'everyOverwrittenFrameIsAnOverrun',
  statement:
    'A receiver that skips frames in bus order has resynchronised after an overrun since its previous read.',
  holds: (s) => !ghostFlag(s, 'silentLoss'),
  source: src(SEED, 'stillvalid_p', 579, 608),
};

/**
 * `neverDeliversOwnFrames`: a receiver never passes up a frame its own interface wrote.
 * @category Invariants
 */
export const neverDeliversOwnFrames: Invariant<ShmifSnapshot> = {
  name: 'neverDeliversOwnFrames',
  statement: 'A receiver never passes up a frame its own interface wrote.',
  holds: (s) => !ghostFlag(s, 'ownDelivered'),
  source: src(SEED, 'shmif_rcv', 700, 707),
};

/**
 * `destroyLeavesNothingBehind`: once an interface is gone (destroyed, or its create failed),
 * no receiver thread runs for it and it holds no bus mapping and no host descriptor.
 * @category Invariants
 */
export const destroyLeavesNothingBehind: Invariant<ShmifSnapshot> = {
  name: 'destroyLeavesNothingBehind',
  statement:
    'An interface that is gone (destroyed, or create failed) leaves no receiver thread, no bus mapping and no descriptor.',
  holds: (s) => {
    const st = ifnetState(s);
    if (st !== 'destroyed' && st !== 'createFailed') return true;
    const i = s.context.ifs.length - 1;
    const x = s.context.ifs[i]!;
    return x.fds.length === 0 && x.maps.length === 0 && x.lwp !== 'running' && !x.rcvl;
  },
  source: src(SEED, 'shmif_unclone', 341, 370),
};

/**
 * `copyoutWithinCallerBuffer`: `SIOCGLINKSTR` never writes more than the caller's `ifd_len`.
 * @category Invariants
 */
export const copyoutWithinCallerBuffer: Invariant<ShmifSnapshot> = {
  name: 'copyoutWithinCallerBuffer',
  statement: "SIOCGLINKSTR writes at most the caller's ifd_len bytes to ifd_data.",
  holds: (s) => !ghostFlag(s, 'copyoutOverflow'),
  source: src(SEED, 'shmif_ioctl', 404, 425),
};

/**
 * Every invariant, the type-shape one first.
 * @category Invariants
 */
export const SHMIF_INVARIANTS: readonly Invariant<ShmifSnapshot>[] = [
  contextWellFormed,
  noKassertFails,
  ...RCV_KASSERT_INVARIANTS,
  busOperationsAssertionsHold,
  neverReadsOutsideDataArea,
  neverDeliversTornFrame,
  deliversInBusOrder,
  everyOverwrittenFrameIsAnOverrun,
  neverDeliversOwnFrames,
  destroyLeavesNothingBehind,
  copyoutWithinCallerBuffer,
];

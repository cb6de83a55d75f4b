/**
 * The seed defects the checker finds in the faithful model of if_shmem.c rev 1.33, each with
 * the seed lines responsible, the invariant it violates, the shortest trace (from the check
 * model named in `check.ts`) and what is known of an upstream fix. Pinned by
 * `findings.test.ts`; recorded in the package README and docs/findings.md.
 *
 * "Verified" upstream facts were read in NetBSD/src `if_shmem.c` rev 1.63.2.2 (2016) and in
 * facts.md 1.9; "recalled" ones were not re-read here.
 *
 * @module
 */
import type { Finding } from '@kspec/spec-kit';
import { src } from '@kspec/spec-kit';
import type { EventObject } from 'xstate';
import { SEED } from './constants.js';
import { RECORDED_TRACES } from './traces.js';

function trace(id: string): readonly EventObject[] {
  return RECORDED_TRACES[id] ?? [];
}

/**
 * The findings, by id.
 * @category Findings
 */
export const SHMIF_FINDINGS: readonly Finding[] = [
  {
    id: 'SHMIF-1',
    title: 'A receiver attached to a fresh bus passes up the zero-length phantom frame at offset 0',
    invariant: 'neverDeliversTornFrame',
    seed: [
      src(SEED, 'initbackend', 234, 235),
      src(SEED, 'shmif_init', 385, 386),
      src(SEED, 'shmif_rcv', 679, 707),
    ],
    summary:
      'On a bus nobody has written, shm_last is 0 and the 12 bytes at offset 0 are zero: initbackend and shmif_init ' +
      'start the reader there (nextpacket = shm_last), and shmif_rcv reads that all-zero header as a frame of ' +
      'sp_len 0 and passes up an empty mbuf (its source address is whatever the fresh cluster held, not ours). ' +
      'No writer ever sent it. Model: shmif.freshBus.',
    trace: trace('SHMIF-1'),
    upstreamFix:
      'Later revisions skip frames with sp_len < ETHER_HDR_LEN ("This is hit at least for the first frame on a new bus"), ' +
      'verified in if_shmem.c 1.63.2.2 and facts.md 1.9.',
  },
  {
    id: 'SHMIF-2',
    title: 'Down and up again re-delivers the newest frame',
    invariant: 'deliversInBusOrder',
    seed: [src(SEED, 'shmif_init', 384, 389), src(SEED, 'initbackend', 234, 235)],
    summary:
      'shmif_init sets sc_nextpacket = shm_last, the header of the newest frame, not the end of it. A receiver that has ' +
      'already passed that frame up reads and delivers it again after ifconfig down / up (and on first attach it ' +
      'delivers a frame sent before it came up). Model: shmif.downUp (no wrap involved).',
    trace: trace('SHMIF-2'),
    upstreamFix:
      'None known: if_shmem.c 1.63.2.2 still sets sc_nextpacket = shm_last in shmif_init (verified).',
  },
  {
    id: 'SHMIF-3',
    title:
      'Attaching right after a wrap puts sc_devgen one lap ahead; stillvalid_p then trusts an overwritten position',
    invariant: 'rcvReadPointerNotAheadOfLast',
    seed: [
      src(SEED, 'initbackend', 234, 235),
      src(SEED, 'shmif_init', 385, 386),
      src(SEED, 'stillvalid_p', 579, 608),
    ],
    summary:
      'When the newest frame reached the end of the data area, the writer has already counted the wrap in shm_gen, ' +
      'but the frame itself (at shm_last) lies in the previous lap. Starting the reader at (shm_last, shm_gen) gives ' +
      'a position whose generation is one too high. After the next frames overwrite it, stillvalid_p sees gendiff 0 ' +
      'and a linear valid span containing the stale position, declares it valid, and KASSERT(!(nextpkt > shm_last && ' +
      'sc_devgen == shm_gen)) fires (line 675). Without DIAGNOSTIC the receiver reads from the middle of a frame. ' +
      'Model: shmif.attachAfterWrap. Same root cause as @kspec/shared-memory SHMIF-BUS-2.',
    trace: trace('SHMIF-3'),
    upstreamFix: 'None known: 1.63.2.2 keeps the same start position (verified).',
  },
  {
    id: 'SHMIF-4',
    title: 'The overrun resync picks the wrong generation and re-delivers the same frames',
    invariant: 'deliversInBusOrder',
    seed: [src(SEED, 'shmif_rcv', 660, 669), src(SEED, 'stillvalid_p', 597, 607)],
    summary:
      'After an overrun the receiver restarts at shm_first with sc_devgen = shm_gen - 1 only if shm_first > shm_last. ' +
      'stillvalid_p, however, treats the valid data as wrapped whenever shm_first >= nextpktoff(shm_last). When the ' +
      'newest frame ends exactly at (or wraps over) the end of the data area, first <= last but the data wraps: the ' +
      'resync sets sc_devgen = shm_gen, stillvalid_p rejects the position again at the next frame, and the receiver ' +
      'resyncs to shm_first and delivers the same frames again, in a loop until new data arrives. ' +
      'Model: shmif.overrunResync. Same root cause as @kspec/shared-memory SHMIF-BUS-3.',
    trace: trace('SHMIF-4'),
    upstreamFix: 'None known: 1.63.2.2 has the same resync rule (verified).',
  },
  {
    id: 'SHMIF-5',
    title: 'The same resync rule skips intact frames without an overrun',
    invariant: 'everyOverwrittenFrameIsAnOverrun',
    seed: [
      src(SEED, 'shmif_rcv', 660, 669),
      src(SEED, 'shmif_rcv', 691, 695),
      src(SEED, 'stillvalid_p', 597, 607),
    ],
    summary:
      'With sc_devgen off by one after a resync (SHMIF-4), a later stillvalid_p accepts a position that is a lap old ' +
      'or rejects one that is current; the receiver then jumps over frames that were still intact, with no overrun ' +
      'recorded for them. Model: shmif.overrunResync.',
    trace: trace('SHMIF-5'),
    upstreamFix: 'None known (as SHMIF-4).',
  },
  {
    id: 'SHMIF-6',
    title: 'shmif_init races the receiver thread still inside its loop: sc_devgen overtakes shm_gen',
    invariant: 'rcvGenNeverBehindDevgen',
    seed: [
      src(SEED, 'shmif_stop', 560, 569),
      src(SEED, 'shmif_init', 382, 389),
      src(SEED, 'shmif_rcv', 643, 695),
    ],
    summary:
      'shmif_stop only clears IFF_RUNNING and wakes the bus; it does not wait for the receiver to leave its loop. If ' +
      'the interface comes up again meanwhile, shmif_init rewrites sc_nextpacket/sc_devgen under sc_mtx, which the ' +
      'receiver does not take: the receiver finishes the read it had positioned in the old generation, and its ' +
      'sc_devgen++ on wrap (line 692) lands on the generation shmif_init just copied from shm_gen. The next ' +
      'iteration fails KASSERT(busmem->shm_gen >= sc->sc_devgen) (line 643). Model: shmif.downUpWrap; the race ' +
      'remains when the SHMIF-2/3 start position is corrected.',
    trace: trace('SHMIF-6'),
    upstreamFix: 'None known: 1.63.2.2 has the same stop/init/receiver protocol (verified).',
  },
  {
    id: 'SHMIF-7',
    title: 'Destroying a running interface unmaps the bus under the receiver thread',
    invariant: 'neverReadsOutsideDataArea',
    seed: [
      src(SEED, 'shmif_unclone', 346, 357),
      src(SEED, 'finibackend', 271, 273),
      src(SEED, 'shmif_rcv', 628, 641),
    ],
    summary:
      'shmif_unclone stops the interface, then finibackend unmaps the bus and closes its descriptors, and only then ' +
      'marks the softc dying and joins the receiver. A receiver that passed its IFF_RUNNING check (line 630) before ' +
      'the stop goes on to shmif_lockbus(busmem) on memory that is no longer mapped: the rump kernel faults (and a ' +
      'fault while holding the bus lock would wedge every other interface on the bus). Model: shmif.destroyRace.',
    trace: trace('SHMIF-7'),
    upstreamFix:
      'Still present in 1.63.2.2 (verified). Later NetBSD moved finibackend after kthread_join in shmif_unclone, with a ' +
      'comment about close racing kevent in the kthread (recalled, not verified here).',
  },
  {
    id: 'SHMIF-8',
    title: 'SIOCSLINKSTR IFLINKSTR_UNSET unmaps the bus under the receiver thread',
    invariant: 'neverReadsOutsideDataArea',
    seed: [
      src(SEED, 'shmif_ioctl', 426, 436),
      src(SEED, 'finibackend', 258, 276),
      src(SEED, 'shmif_rcv', 628, 641),
    ],
    summary:
      'SIOCSLINKSTR only checks IFF_UP. Right after ifconfig down the receiver may still be inside its loop (SHMIF-6); ' +
      'unsetting the link string then runs finibackend, which unmaps the bus the receiver is about to lock. ' +
      'Model: shmif.unsetRace.',
    trace: trace('SHMIF-8'),
    upstreamFix: 'None known: 1.63.2.2 has the same ioctl (verified).',
  },
  {
    id: 'SHMIF-9',
    title: 'rump_shmif_create leaks the bus file descriptor when initbackend fails',
    invariant: 'destroyLeavesNothingBehind',
    seed: [
      src(SEED, 'rump_shmif_create', 303, 307),
      src(SEED, 'finibackend', 262, 263),
      src(SEED, 'initbackend', 214, 219),
    ],
    summary:
      'When initbackend fails (a bus that is not magical: ENOEXEC; or the write-watch set-up fails), create calls ' +
      'shmif_unclone, whose finibackend returns at once because sc_backfile is not set yet, and returns the error: ' +
      'the memfd opened at line 286 is never closed (the allocif failure path at 295-297 and SIOCSLINKSTR at 467 do ' +
      'close it). Model: shmif.lifecycle.',
    trace: trace('SHMIF-9'),
    upstreamFix: 'None known: 1.63.2.2 has the same create error path (verified).',
  },
  {
    id: 'SHMIF-10',
    title: "SIOCGLINKSTR copies the whole path whatever the caller's ifd_len",
    invariant: 'copyoutWithinCallerBuffer',
    seed: [src(SEED, 'shmif_ioctl', 412, 412), src(SEED, 'shmif_ioctl', 423, 424)],
    summary:
      'Line 412 overwrites ifd_len with sc_backfilelen before the copy, so MIN(sc_backfilelen, ifd_len) is always ' +
      'sc_backfilelen: a caller that passes a shorter buffer gets the whole path written past its end (ifconfig ' +
      'asks for the length first, so it is not affected). Model: shmif.lifecycle.',
    trace: trace('SHMIF-10'),
    upstreamFix: 'None known: 1.63.2.2 has the same code (verified).',
  },
];

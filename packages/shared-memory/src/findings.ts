/**
 * The seed defects found in the shmif receive protocol by the schedule explorer
 * (`bus/explore.ts`), as spec-kit `Finding`s, and the package manifest that carries them.
 * docs/findings.md has the prose; `bus/receiver.test.ts` pins each shortest schedule.
 *
 * @module
 */
import { src } from '@kspec/spec-kit';
import type { Finding, SubsystemManifest } from '@kspec/spec-kit';

const SEED = 'netbsd-rump-if_shmem.c' as const;

/**
 * SHMIF-BUS-1..4.
 * @category Findings
 */
export const SHMIF_BUS_FINDINGS: readonly Finding[] = Object.freeze([
  {
    id: 'SHMIF-BUS-1',
    title: 'The zero-length phantom frame at offset 0 of a fresh bus is delivered',
    invariant: 'deliversOnlyWrittenFrames',
    seed: [src(SEED, 'initbackend', 234, 235), src(SEED, 'shmif_rcv', 678, 705)],
    summary:
      'A reader attached to a fresh bus starts at shm_last = 0, where the all-zero header the first writer skipped ' +
      '(nextpktoff(0) = 12) reads as a frame of length 0; shmif_rcv passes it up with m_len 0.',
    trace: [{ type: 'attach' }, { type: 'read' }],
    upstreamFix: 'later if_shmem.c ignores frames shorter than ETHER_HDR_LEN (facts.md 1.9)',
  },
  {
    id: 'SHMIF-BUS-2',
    title: 'Attaching while the newest frame wraps gives the reader a generation one too new',
    invariant: 'deliversOnlyWrittenFrames',
    seed: [
      src(SEED, 'initbackend', 234, 235),
      src(SEED, 'shmif_init', 385, 386),
      src(SEED, 'stillvalid_p', 580, 608),
    ],
    summary:
      'sc_nextpacket = shm_last, sc_devgen = shm_gen: when the newest frame wraps, its header lies in the lap before the ' +
      'wrap it caused, so once the writer passes the offset stillvalid_p still accepts it and the reader takes the middle ' +
      'of another frame for a header (KASSERT at 675 with DIAGNOSTIC).',
    trace: [
      { type: 'write', len: 14 },
      { type: 'write', len: 14 },
      { type: 'attach' },
      { type: 'write', len: 14 },
      { type: 'write', len: 14 },
      { type: 'read' },
    ],
  },
  {
    id: 'SHMIF-BUS-3',
    title: 'Resync after an overrun takes the wrong generation when the newest frame wraps',
    invariant: 'deliversEachFrameOnce',
    seed: [src(SEED, 'shmif_rcv', 660, 666)],
    summary:
      'sc_devgen = shm_first > shm_last ? shm_gen - 1 : shm_gen is wrong when the newest frame wraps: the frames from ' +
      'shm_first to the end belong to the previous lap. The reader then delivers the same frame on every iteration, ' +
      'skips frames without an overrun, or trips the KASSERT at 675.',
    trace: [
      { type: 'attach' },
      { type: 'write', len: 14 },
      { type: 'write', len: 14 },
      { type: 'read' },
      { type: 'read' },
    ],
  },
  {
    id: 'SHMIF-BUS-4',
    title: 'shm_gen wraps at 2^64 and KASSERT(shm_gen >= sc_devgen) fails in every attached reader',
    invariant: 'rcvGenNeverBehindDevgen',
    seed: [
      src(SEED, 'shmif_start', 534, 536),
      src(SEED, 'shmif_rcv', 641, 643),
      src(SEED, 'initbackend', 234, 235),
    ],
    summary:
      'shm_gen and sc_devgen are uint64_t and shm_gen++ wraps from 2^64 - 1 to 0, but shmif_rcv compares them as ' +
      'plain integers: the first frame that wraps the bus after that makes shm_gen smaller than the generation of ' +
      'every reader attached before it, and KASSERT(busmem->shm_gen >= sc->sc_devgen) at 643 fires in each of them ' +
      '(stillvalid_p itself works modulo 2^32 and would not mind). 2^64 laps of the ring are out of reach by ' +
      'traffic, but initbackend accepts a bus file with any shm_gen. Trace: on a bus whose shm_gen is 2^64 - 1 ' +
      '(exploreReaderSchedules / replayReaderSchedule with initialGen), attach, two writes of which the second ' +
      'reaches the end of a 64-byte ring, read.',
    trace: [{ type: 'attach' }, { type: 'write', len: 14 }, { type: 'write', len: 14 }, { type: 'read' }],
    upstreamFix: 'none known (the same comparison is in NetBSD-current)',
  },
]);

/**
 * The package manifest (an infrastructure package: no machines of its own; it carries the bus
 * findings so the docs and the orchestrator find them).
 * @category Findings
 */
export const manifest: SubsystemManifest = Object.freeze({
  package: '@kspec/shared-memory',
  name: 'shared-memory',
  title: 'Shared memory: page pool, Genode range allocator, the shmif bus',
  machines: [],
  models: [],
  invariants: [],
  findings: SHMIF_BUS_FINDINGS,
});

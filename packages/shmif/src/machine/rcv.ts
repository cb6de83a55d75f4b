/**
 * The `rcv` region: the receiver kernel thread `shmif_rcv` (if_shmem.c 610-716), created by
 * `allocif` (186-189) when `rump_threads` is set.
 *
 * Atomic steps (`rcv.step`), split where another thread can interleave:
 * 1. `reup`: the `cv_wait` until `IFF_RUNNING` or `sc_dying` (622-626), then
 *    `busmem = sc_busmem` (628);
 * 2. the `IFF_RUNNING` check of the loop (630, read without a lock) and the mbuf (633-636);
 *    when not running: free the mbuf and either exit (dying) or go back to `reup` (709-715);
 * 3. lock the bus (641), the `KASSERT`s (642-643), "need more data?" (646-648) → unlock and
 *    wait; else `stillvalid_p` or the overrun resync (658-669);
 * 4. (lock still held) `KASSERT` 675-676, read header and payload (679-683), store
 *    `sc_nextpacket` and unlock (688-689) — split from 3 because `shmif_init` writes
 *    `sc_nextpacket`/`sc_devgen` under `sc_mtx` only, and `finibackend` can unmap meanwhile;
 * 5. `sc_devgen++` on wrap (691-695) and pass the frame up unless it is our own (697-707);
 * and the wait on the write watch (651-655), which returns once a wake-up write happened
 * since the last one (`EV_CLEAR`) or at once with an error when the kqueue was closed.
 *
 * Every `KASSERT` is a guarded transition to `panicked`; an access through a `busmem` that is
 * no longer mapped is a fault (also `panicked`, kind `segv`).
 *
 * @module
 */
import { act, ev, gd, kassert, source, segvAt, type RegionConfig } from './util.js';

/**
 * The receiver region of interface `i`.
 * @category Machines
 */
export function rcvRegion(i: number): RegionConfig {
  const p = { i };
  const a = (type: string) => act(type, p);
  const G = (type: string) => gd(type, p);
  const step = ev('rcv.step');
  const F = 'shmif_rcv';
  // live use: run the loop until it blocks (model/run.ts), then route to the state it ended in
  const run = (at: string) => ({
    target: 'routing',
    actions: act('rcvRun', { i, at }),
    meta: source(F, 610, 716),
  });
  return {
    initial: 'notSpawned',
    meta: source(F, 610, 716),
    states: {
      notSpawned: {
        meta: source('allocif', 186, 192),
        always: { guard: G('isReceiverSpawned'), target: 'reup', meta: source('allocif', 187, 189) },
      },
      reup: {
        meta: source(F, 622, 626),
        on: {
          [ev('rcv.run')]: run('reup'),
          [step]: {
            guard: G('isRunningOrDying'),
            target: 'loopCheck',
            actions: a('captureBusmem'),
            meta: source(F, 622, 628),
          },
        },
      },
      loopCheck: {
        meta: source(F, 630, 639),
        on: {
          [ev('rcv.run')]: run('loopCheck'),
          [step]: [
            { guard: G('isRunning'), target: 'locking', actions: a('allocMbuf'), meta: source(F, 630, 639) },
            {
              guard: G('isDying'),
              target: 'exited',
              actions: [a('freeMbuf'), a('kthreadExit')],
              meta: source(F, 709, 715),
            },
            { target: 'reup', actions: a('freeMbuf'), meta: source(F, 709, 713) },
          ],
        },
      },
      locking: {
        meta: source(F, 641),
        on: {
          [ev('rcv.run')]: run('locking'),
          [step]: [
            {
              guard: G('isRxBusUnmapped'),
              target: '#panicked',
              actions: segvAt(i, F, 'shmif_lockbus(busmem)', 641),
              meta: source(F, 641),
            },
            { guard: G('canRxLock'), target: 'checking', actions: a('rxLock'), meta: source(F, 641) },
          ],
        },
      },
      checking: {
        meta: source(F, 642, 669),
        always: [
          {
            guard: G('isRxMagicBad'),
            target: '#panicked',
            actions: kassert(i, F, 'busmem->shm_magic == SHMIF_MAGIC', 642),
            meta: source(F, 642),
          },
          {
            guard: G('isGenBehindDevgen'),
            target: '#panicked',
            actions: kassert(i, F, 'busmem->shm_gen >= sc->sc_devgen', 643),
            meta: source(F, 643),
          },
          {
            guard: G('isNextpktoffOfLastBad'),
            target: '#panicked',
            actions: a('nextpktoffPanic'),
            meta: source(F, 646, 648),
          },
          {
            guard: G('needsMoreData'),
            target: 'waitingForWrite',
            actions: a('rxUnlock'),
            meta: source(F, 645, 649),
          },
          {
            guard: G('isFirstEqualToLast'),
            target: '#panicked',
            actions: kassert(i, 'stillvalid_p', 'busmem->shm_first != busmem->shm_last', 586),
            meta: source('stillvalid_p', 586),
          },
          {
            guard: G('isStillValid'),
            target: 'validated',
            actions: a('takeNextpacket'),
            meta: source(F, 658, 659),
          },
          {
            guard: G('isGenZero'),
            target: '#panicked',
            actions: kassert(i, F, 'busmem->shm_gen > 0', 661),
            meta: source(F, 660, 661),
          },
          { target: 'validated', actions: a('resyncToFirst'), meta: source(F, 660, 669) },
        ],
      },
      waitingForWrite: {
        meta: source(F, 650, 655),
        always: { guard: G('hasPanicked'), target: '#panicked', meta: source('shmif_unlockbus', 142) },
        on: {
          [ev('rcv.run')]: run('waitingForWrite'),
          [step]: {
            guard: G('isWatchReady'),
            target: 'loopCheck',
            actions: a('consumeWatch'),
            meta: source(F, 651, 655),
          },
        },
      },
      validated: {
        meta: source(F, 671, 676),
        on: {
          [ev('rcv.run')]: run('validated'),
          [step]: [
            {
              guard: G('isRxBusUnmapped'),
              target: '#panicked',
              actions: segvAt(i, F, 'busmem->shm_last', 675),
              meta: source(F, 675, 676),
            },
            {
              guard: G('isReadPointerAhead'),
              target: '#panicked',
              actions: kassert(
                i,
                F,
                '!(nextpkt > busmem->shm_last && sc->sc_devgen == busmem->shm_gen)',
                675,
                676,
              ),
              meta: source(F, 671, 676),
            },
            { target: 'readingHeader', actions: a('readHeader'), meta: source(F, 678, 680) },
          ],
        },
      },
      readingHeader: {
        meta: source(F, 679, 681),
        always: [
          { guard: G('hasPanicked'), target: '#panicked', meta: source(F, 679, 680) },
          {
            guard: G('isSpLenTooBig'),
            target: '#panicked',
            actions: kassert(i, F, 'sp.sp_len <= ETHERMTU + ETHER_HDR_LEN', 681),
            meta: source(F, 681),
          },
          { target: 'readingPayload', actions: a('readPayload'), meta: source(F, 682, 683) },
        ],
      },
      readingPayload: {
        meta: source(F, 682, 689),
        always: [
          { guard: G('hasPanicked'), target: '#panicked', meta: source(F, 682, 683) },
          { target: 'unlocked', actions: a('storeNextpacketAndUnlock'), meta: source(F, 688, 689) },
        ],
      },
      unlocked: {
        meta: source(F, 691, 707),
        always: { guard: G('hasPanicked'), target: '#panicked', meta: source(F, 689) },
        on: {
          [ev('rcv.run')]: run('unlocked'),
          [step]: [
            {
              guard: G('isOwnFrame'),
              target: 'loopCheck',
              actions: a('afterRead'),
              meta: source(F, 691, 702),
            },
            {
              target: 'loopCheck',
              actions: [a('afterRead'), a('ifInput'), a('passUp')],
              meta: source(F, 691, 707),
            },
          ],
        },
      },
      exited: { type: 'final', meta: source(F, 715) },
      routing: {
        meta: source(F, 610, 716),
        always: [
          ...(
            ['reup', 'loopCheck', 'locking', 'waitingForWrite', 'validated', 'unlocked', 'exited'] as const
          ).map((at) => ({
            guard: gd('isRcvRunAt', { i, at }),
            target: at,
            meta: source(F, 610, 716),
          })),
          { target: '#panicked', meta: source(F, 639, 689) },
        ],
      },
    },
  };
}

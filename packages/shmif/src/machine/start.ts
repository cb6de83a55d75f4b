/**
 * The `tx` region: the transmitter `shmif_start` (if_shmem.c 485-553) of one interface, as
 * the thread that called `if_start`. `if.output` stands for `ether_output` enqueueing frames
 * and calling `if_start` (outside the seed; callers are serialised by the kernel lock, so a
 * new output waits until the loop has finished).
 *
 * Atomic steps (`tx.step`): take the next packet and the bus lock; then, with the lock held,
 * advance `shm_last` and write header and frame (one step, eventless inside); then
 * `shm_gen++` on wrap and unlock (a separate step: `shmif_init` of another interface reads
 * `shm_last`/`shm_gen` without the lock and can run in between); at the end of the queue,
 * clear `IFF_OACTIVE` and send the one wake-up.
 *
 * @module
 */
import { act, ev, gd, kassert, source, segvAt, type RegionConfig } from './util.js';

/**
 * The transmitter region of interface `i`. `prefix` names its events (`''` for the
 * interface's own, `'peer.'` for the peer writer of a check system).
 * @category Machines
 */
export function startRegion(i: number, prefix = ''): RegionConfig {
  const p = { i };
  const a = (type: string) => act(type, p);
  const G = (type: string) => gd(type, p);
  const step = ev(`${prefix}tx.step`);
  // live use: run the loop until the queue is empty (model/run.ts), then route to where it ended
  const run = (at: string) => ({
    target: 'routing',
    actions: act('txRun', { i, at }),
    meta: source('shmif_start', 486, 553),
  });
  return {
    initial: 'idle',
    meta: source('shmif_start', 486, 553),
    states: {
      idle: {
        meta: source('shmif_start', 486, 498),
        on: {
          [ev(`${prefix}if.output`)]: {
            target: 'dequeueing',
            actions: a('startBegin'),
            meta: source('shmif_start', 486, 498),
          },
        },
      },
      dequeueing: {
        meta: source('shmif_start', 500, 520),
        on: {
          [ev(`${prefix}tx.run`)]: run('dequeueing'),
          [step]: [
            {
              guard: G('isSndEmpty'),
              target: 'idle',
              actions: a('startFinish'),
              meta: source('shmif_start', 504, 552),
            },
            {
              guard: G('isNextPacketTooBig'),
              target: '#panicked',
              actions: kassert(i, 'shmif_start', 'pktsize <= ETHERMTU + ETHER_HDR_LEN', 513),
              meta: source('shmif_start', 509, 513),
            },
            {
              guard: G('isTxBusUnmapped'),
              target: '#panicked',
              actions: segvAt(i, 'shmif_start', 'shmif_lockbus(busmem)', 520),
              meta: source('shmif_start', 520),
            },
            {
              guard: G('canTxLock'),
              target: 'checkingMagic',
              actions: a('dequeueAndLock'),
              meta: source('shmif_start', 504, 520),
            },
          ],
        },
      },
      checkingMagic: {
        meta: source('shmif_start', 521),
        always: [
          {
            guard: G('isTxMagicBad'),
            target: '#panicked',
            actions: kassert(i, 'shmif_start', 'busmem->shm_magic == SHMIF_MAGIC', 521),
            meta: source('shmif_start', 521),
          },
          { target: 'written', actions: a('writePacket'), meta: source('shmif_start', 522, 533) },
        ],
      },
      written: {
        meta: source('shmif_start', 533, 538),
        always: { guard: G('hasPanicked'), target: '#panicked', meta: source('shmif_start', 522, 532) },
        on: {
          [ev(`${prefix}tx.run`)]: run('written'),
          [step]: { target: 'dequeueing', actions: a('genAndUnlock'), meta: source('shmif_start', 534, 541) },
        },
      },
      routing: {
        meta: source('shmif_start', 486, 553),
        always: [
          ...(['idle', 'dequeueing', 'written'] as const).map((at) => ({
            guard: gd('isTxRunAt', { i, at }),
            target: at,
            meta: source('shmif_start', 486, 553),
          })),
          { target: '#panicked', meta: source('shmif_start', 513, 538) },
        ],
      },
    },
  };
}

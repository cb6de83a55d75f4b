/**
 * The shmif statecharts. Every machine has the same shape: a parallel `kernel` state whose
 * regions are threads of control of one rump kernel (the entry-point caller `ifnet`, the
 * transmitter `tx`, the receiver thread `rcv`), and a final `panicked` state that a failed
 * `KASSERT` or a fault takes the whole kernel to.
 *
 * - {@link shmifInterfaceMachine}: one interface, all three threads (what the facade runs);
 * - {@link shmifIfnetMachine}, {@link shmifStartMachine}, {@link shmifRcvMachine}: each
 *   thread on its own (for the docs, and to drive one thread in tests);
 * - {@link shmifBusSystemMachine}: the checker's system — a peer interface's transmitter
 *   (interface 0, events `peer.*`) and a full interface 1 on the same bus.
 *
 * Atomic steps are events (`ifnet.step`, `tx.step`, `rcv.step`, `peer.tx.step`); eventless
 * transitions inside a step run together. The facade's driver sends steps as a scheduler
 * would; the checker tries every order.
 *
 * @module
 */
import type { ShmifContext } from '../context.js';
import { ifnetRegion } from './ifnet.js';
import { rcvRegion } from './rcv.js';
import { shmifSetup } from './setup.js';
import { startRegion } from './start.js';
import { source, type RegionConfig } from './util.js';

function build(id: string, description: string, regions: Record<string, RegionConfig>) {
  const config = {
    id,
    description,
    initial: 'kernel',
    context: ({ input }: { input: { context: ShmifContext } }) => input.context,
    meta: source('shmif_sc', 78, 97),
    on: {
      'host.fault': { actions: 'setFaults', meta: source('initbackend', 208, 251) },
    },
    states: {
      kernel: {
        type: 'parallel',
        meta: source('shmif_sc', 78, 97),
        always: { guard: 'hasPanicked', target: 'panicked', meta: source('shmif_unlockbus', 142) },
        states: regions,
      },
      panicked: { id: 'panicked', type: 'final', meta: source('shmif_rcv', 639, 681) },
    },
  };
  // The region configs are plain data; the conformance helper checks every guard and action name.
  return shmifSetup.createMachine(config as unknown as Parameters<typeof shmifSetup.createMachine>[0]);
}

/**
 * One shmif interface: entry points, transmitter and receiver thread over interface 0.
 * @category Machines
 */
export const shmifInterfaceMachine = build(
  'shmifInterface',
  'One rump shmif interface (if_shmem.c rev 1.33): its entry points, the transmitter shmif_start and the receiver thread shmif_rcv.',
  { ifnet: ifnetRegion(0), tx: startRegion(0), rcv: rcvRegion(0) },
);

/**
 * The entry points of interface 0 alone (no transmitter or receiver region).
 * @category Machines
 */
export const shmifIfnetMachine = build(
  'shmifIfnet',
  'The shmif interface lifecycle: rump_shmif_create / shmif_clone, allocif, initbackend, the SIOC[GS]LINKSTR ioctls, shmif_init, shmif_stop, shmif_unclone.',
  { ifnet: ifnetRegion(0) },
);

/**
 * The transmitter `shmif_start` of interface 0 alone.
 * @category Machines
 */
export const shmifStartMachine = build(
  'shmifStart',
  'The shmif transmitter shmif_start: per packet lock, advance shm_last, write header and frame, shm_gen++ on wrap, unlock; one wake-up at the end.',
  { tx: startRegion(0) },
);

/**
 * The receiver thread `shmif_rcv` of interface 0 alone.
 * @category Machines
 */
export const shmifRcvMachine = build(
  'shmifRcv',
  'The shmif receiver thread shmif_rcv: reup wait, lock, need-more-data wait, stillvalid_p or overrun resync, read, unlock, drop own frames, deliver.',
  { rcv: rcvRegion(0) },
);

/**
 * The checker's system: the transmitter of a peer interface 0 (events `peer.if.output`,
 * `peer.tx.step`) and all of interface 1 (entry points, transmitter, receiver) on one bus.
 * @category Machines
 */
export const shmifBusSystemMachine = build(
  'shmifBusSystem',
  'A peer writer and one full shmif interface on one bus: the interleavings of writers, the receiver thread and the entry points (stop, unset, destroy).',
  { peerTx: startRegion(0, 'peer.'), ifnet: ifnetRegion(1), tx: startRegion(1), rcv: rcvRegion(1) },
);

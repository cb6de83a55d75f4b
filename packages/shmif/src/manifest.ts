/**
 * The `SubsystemManifest` of `@kspec/shmif`: its machines (for export and docs), its check
 * models, invariants and findings.
 *
 * @module
 */
import type { SubsystemManifest } from '@kspec/spec-kit';
import { SHMIF_MODELS, SHMIF_SCENARIOS, lifecycleContext } from './check.js';
import { SEED } from './constants.js';
import { SHMIF_FINDINGS } from './findings.js';
import { createShmifContext } from './init.js';
import { SHMIF_INVARIANTS } from './invariants.js';
import {
  shmifBusSystemMachine,
  shmifIfnetMachine,
  shmifInterfaceMachine,
  shmifRcvMachine,
  shmifStartMachine,
} from './machine/machines.js';
import { imageHostPort } from './ports.js';
import { scenarioContext } from './scenario.js';

const viewerInput = () => ({ context: lifecycleContext() });

/**
 * What `@kspec/shmif` publishes.
 * @category Manifest
 */
export const manifest: SubsystemManifest = {
  package: '@kspec/shmif',
  name: 'shmif',
  title: 'NetBSD rump shmif: interface lifecycle, transmitter and receiver (if_shmem.c rev 1.33)',
  seed: SEED,
  machines: [
    {
      name: 'shmifInterface',
      machine: shmifInterfaceMachine,
      description:
        'One shmif interface: rump_shmif_create / shmif_clone, initbackend, the SIOC[GS]LINKSTR ioctls, shmif_init, shmif_stop and shmif_unclone (region ifnet), the transmitter shmif_start (tx) and the receiver thread shmif_rcv (rcv).',
      input: viewerInput(),
      sampleEvents: [
        { type: 'if.create', path: '/shmbus' },
        { type: 'ifnet.step' },
        { type: 'if.up' },
        { type: 'rcv.step' },
        { type: 'if.output', frames: [[255, 255, 255, 255, 255, 255, 178, 160, 1, 2, 3, 4, 8, 0]] },
        { type: 'tx.step' },
        { type: 'if.destroy' },
      ],
    },
    {
      name: 'shmifIfnet',
      machine: shmifIfnetMachine,
      description:
        'The entry points of a shmif interface on their own: create/clone, initbackend, ioctls, init, stop, unclone.',
      input: viewerInput(),
      sampleEvents: [{ type: 'if.create', path: '/shmbus' }, { type: 'ifnet.step' }],
    },
    {
      name: 'shmifStart',
      machine: shmifStartMachine,
      description:
        'The transmitter shmif_start: dequeue, lock, advance shm_last, write header and frame, shm_gen++ on wrap, unlock; one wake-up.',
      input: { context: scenarioContext(SHMIF_SCENARIOS.steadyState) },
    },
    {
      name: 'shmifRcv',
      machine: shmifRcvMachine,
      description:
        'The receiver thread shmif_rcv: reup wait, lock, need-more-data wait, stillvalid_p or overrun resync, read, unlock, own-frame drop, delivery.',
      input: { context: createShmifContext({ host: imageHostPort({ dataSize: 64 }) }) },
    },
    {
      name: 'shmifBusSystem',
      machine: shmifBusSystemMachine,
      description: 'The checked system: a peer transmitter and one full interface on one small bus.',
      input: { context: scenarioContext(SHMIF_SCENARIOS.steadyState) },
    },
  ],
  models: SHMIF_MODELS,
  invariants: SHMIF_INVARIANTS,
  findings: SHMIF_FINDINGS,
};

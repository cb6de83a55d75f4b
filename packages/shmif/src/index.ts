/**
 * `@kspec/shmif`: NetBSD rump's shmif interface (`if_shmem.c` rev 1.33) as XState
 * statecharts.
 *
 * @packageDocumentation
 */
export * from './constants.js';
export { createUnitArena, vmemXalloc, vmemXfree, isUnitTaken } from './units.js';
export type { UnitArena, XallocResult } from './units.js';
export {
  seededRandomness,
  cryptoRandomness,
  imageHostPort,
  sharedHostPort,
  hostWithBuses,
  EMPTY_HOST,
} from './ports.js';
export type {
  RandomnessPort,
  HostState,
  ShmifHostPort,
  ImageHostOptions,
  SharedHostOptions,
  SharedHostPort,
} from './ports.js';
export { createShmifContext } from './init.js';
export type { ShmifContextOptions } from './init.js';
export {
  shmifInterfaceMachine,
  shmifIfnetMachine,
  shmifStartMachine,
  shmifRcvMachine,
  shmifBusSystemMachine,
} from './machine/machines.js';
export { shmifSetup } from './machine/setup.js';
export type { ShmifInput, IfParams, PanicParams, ReturnParams } from './machine/setup.js';

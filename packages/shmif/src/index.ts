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
export type { ShmifInput, IfParams, PanicParams, ReturnParams, RunParams } from './machine/setup.js';
export { ShmifKernel, ShmifInterface, ShmifErrnoError, ShmifPanicError } from './device.js';
export type { ShmifKernelOptions, GlinkstrResult } from './device.js';
export { Driver, rcvReady, txReady } from './driver.js';
export type { DriverOptions, InterfaceActor, IdleHook } from './driver.js';
export {
  EthernetFrame,
  BusPath,
  SlinkstrRequest,
  GlinkstrRequest,
  SendOptions,
  decodeOrThrow,
} from './codecs.js';
export type {
  ShmifContext,
  ShmifEvent,
  ShmifEventType,
  ShmifEnv,
  ShmifFaults,
  ShmifGhost,
  GhostWrite,
  GhostRx,
  Softc,
  HostFd,
  BusMapping,
  TxLocals,
  RxLocals,
  AttachLocals,
  EntryResult,
  KernelState,
  PanicInfo,
  FrameBytes,
  FrameChain,
  ShmifPacket,
} from './context.js';
export {
  SHMIF_INVARIANTS,
  RCV_KASSERT_INVARIANTS,
  contextWellFormed,
  noKassertFails,
  busOperationsAssertionsHold,
  neverReadsOutsideDataArea,
  neverDeliversTornFrame,
  deliversInBusOrder,
  everyOverwrittenFrameIsAnOverrun,
  neverDeliversOwnFrames,
  destroyLeavesNothingBehind,
  copyoutWithinCallerBuffer,
} from './invariants.js';
export type { ShmifSnapshot } from './invariants.js';
export { SHMIF_FINDINGS } from './findings.js';
export {
  SHMIF_MODELS,
  SHMIF_SCENARIOS,
  STEADY_STATE_PASSES,
  shmifBusModels,
  shmifLifecycleModel,
  lifecycleAlphabet,
  lifecycleContext,
  FOREIGN_FILE,
} from './check.js';
export type { ShmifCheckModel } from './check.js';
export {
  SCENARIO_BUS,
  scenarioAlphabet,
  scenarioContext,
  scenarioFrame,
  projectShmifContext,
  encodeShmifContext,
} from './scenario.js';
export type { BusScenario } from './scenario.js';
export { manifest } from './manifest.js';

/**
 * `@kspec/xen-evtchn`: Xen's `/dev/xen/evtchn` (Linux drivers/xen/evtchn.c) as checked XState
 * statecharts: the per-file device (ioctls with the C's errno precedence, the notification
 * ring, read/write/poll, restriction, release) and the lifecycle of each bound event channel,
 * with a hypervisor and irq layer to run it against, a facade with the file_operations names,
 * named invariants, check models and the seed defects they find.
 *
 * @packageDocumentation
 */
import type { SubsystemManifest } from '@kspec/spec-kit';
import { evtchnBindingMachine, evtchnDeviceMachine, SEED } from './machine.js';
import { evtchnInvariants } from './invariants.js';
import { evtchnFindings } from './findings.js';
import { evtchnCheckModels } from './check-models.js';

export { evtchnDeviceMachine, evtchnBindingMachine, SEED } from './machine.js';
export type { EvtchnBindingContext, EvtchnBindingEvent } from './machine.js';
export type {
  BindKind,
  EvtchnContext,
  EvtchnEvent,
  EvtchnEventType,
  EvtchnGhost,
  EvtchnInput,
  EvtchnResult,
  IrqThread,
  PendingBind,
  ReaderThread,
  UserArg,
} from './context.js';
export {
  PAGE_SIZE,
  EVTCHN_PORT_BYTES,
  UNRESTRICTED_DOMID,
  DOMID_FIRST_RESERVED,
  DOMID_SELF,
  EVTCHN_2L_NR_CHANNELS,
  EVTCHN_FIRST_RING_SIZE,
  EPOLL,
  EMPTY_RING,
  u32,
  evtchnRingOffset,
  evtchnRingOccupancy,
  evtchnRingDraft,
  evtchnRingQueued,
  evtchnResizeTarget,
  evtchnResizeRing,
  evtchnPushOutcome,
  evtchnInterruptPushInPlace,
  evtchnInterruptPush,
  evtchnRoundCount,
  evtchnReadChunks,
  evtchnReadCopy,
  evtchnReadFault,
  evtchnPollMask,
  evtchnResetRing,
  evtchnPortsToBytes,
  evtchnBytesToPorts,
  findEvtchn,
  addEvtchn,
  delEvtchn,
  setEvtchnEnabled,
} from './model.js';
export type {
  EvtchnRing,
  MutableEvtchnRing,
  ProdSnapshot,
  PushOutcome,
  ReadChunks,
  ReadCopy,
  ReadFault,
  UserEvtchn,
  AddEvtchnResult,
  DelEvtchnResult,
} from './model.js';
export {
  RB_NIL,
  EMPTY_EVTCHN_RBTREE,
  rbAddEvtchn,
  rbEraseEvtchn,
  rbEraseUnlinked,
  rbInOrder,
  rbShape,
  rbCheck,
  rbReleaseOrder,
} from './rbtree.js';
export type { EvtchnRbNode, EvtchnRbNodes, EvtchnRbTree } from './rbtree.js';
export {
  FAULT_OPS,
  createEvtchnEnv,
  armFault,
  armPortReuse,
  takeFault,
  offerRemotePort,
  inMemoryHypervisor,
  inMemoryIrqLayer,
} from './ports.js';
export type {
  FaultOp,
  Fault,
  HvChannel,
  RemoteDomain,
  HypervisorState,
  IrqBinding,
  IrqLayerState,
  EvtchnEnv,
  EvtchnEnvOptions,
  PortResult,
  Hypervisor,
  IrqLayer,
} from './ports.js';
export {
  U32,
  U16,
  SizeT,
  UserBytes,
  BindVirqArg,
  BindInterdomainArg,
  BindUnboundPortArg,
  PortArg,
  RestrictDomidArg,
  EvtchnDecodeError,
  decodeOrThrow,
  strictPartial,
  EVTCHN_IOCTL,
  evtchnIoctlCmd,
  evtchnIoctlEvent,
} from './codecs.js';
export type { EvtchnIoctlName, IoctlArch } from './codecs.js';
export { EvtchnDevice, EvtchnReleasedError, EvtchnWouldBlockError, openEvtchn } from './device.js';
export type { EvtchnOpenOptions, EvtchnReadOptions, EvtchnReadResult, EvtchnBindingActor } from './device.js';
export { evtchnInvariants } from './invariants.js';
export type { EvtchnSnapshot } from './invariants.js';
export { evtchnFindings } from './findings.js';
export { evtchnAlphabet, evtchnProject, evtchnEncode } from './check-space.js';
export type { EvtchnScope } from './check-space.js';
export {
  evtchnDeviceCheckModel,
  evtchnOverflowCheckModel,
  evtchnIrqBindFailureCheckModel,
  evtchnAllocFailureCheckModel,
  evtchnRefcountFailureCheckModel,
  evtchnPortReuseCheckModel,
  evtchnRaceCheckModel,
  evtchnReadFaultCheckModel,
  evtchnCheckModels,
} from './check-models.js';

/**
 * What this package contributes to kspec: its seed, machines, check models, invariants and
 * findings.
 * @category Manifest
 */
export const manifest: SubsystemManifest = {
  package: '@kspec/xen-evtchn',
  name: 'xen-evtchn',
  title: 'Xen /dev/xen/evtchn',
  seed: SEED,
  machines: [
    {
      name: 'evtchnDevice',
      machine: evtchnDeviceMachine,
      description:
        'One open /dev/xen/evtchn file: ioctls under bind_mutex (with evtchn_bind_to_user step by step), the reader under ring_cons_mutex and the interrupt handler under ring_prod_lock as parallel regions.',
      input: { nonblock: true },
      sampleEvents: [
        { type: 'ioctl.bindUnboundPort', arg: { remoteDomain: 1 } },
        { type: 'hv.raise', port: 1 },
        { type: 'irq.interrupt', port: 1 },
        { type: 'read', count: 4 },
        { type: 'read.copy' },
        { type: 'write', count: 4, ports: [1] },
      ],
    },
    {
      name: 'evtchnBinding',
      machine: evtchnBindingMachine,
      description:
        'One bound event channel: enabled, disabled by its interrupt (queued, masked awaiting late EOI), re-enabled by write(), unbound.',
      input: { port: 1 },
    },
  ],
  // Monitor<S, E>.observe is contravariant in E, so typed models need a widening cast here.
  models: evtchnCheckModels as unknown as SubsystemManifest['models'],
  invariants: evtchnInvariants,
  findings: evtchnFindings,
};

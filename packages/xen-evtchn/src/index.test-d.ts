// Pins the public API's types (checked by `tsc -p tsconfig.test.json`).
import type { SubsystemManifest } from '@kspec/spec-kit';
import type { Actor } from 'xstate';
import {
  manifest,
  openEvtchn,
  evtchnBindingMachine,
  evtchnIoctlCmd,
  type evtchnDeviceMachine,
  type evtchnReadChunks,
  type EvtchnDevice,
  type EvtchnEvent,
  type EvtchnReadResult,
  type EvtchnIoctlName,
  type FaultOp,
  type ReadChunks,
  EvtchnReleasedError,
  type rbReleaseOrder,
  type EvtchnRbTree,
  type EvtchnReadOptions,
  type EvtchnContext,
} from './index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T => true as T;

const m: SubsystemManifest = manifest;
const dev: EvtchnDevice = openEvtchn({ nonblock: true });
assertType<Equal<ReturnType<EvtchnDevice['ioctl']>, number>>();
assertType<Equal<ReturnType<EvtchnDevice['read']>, EvtchnReadResult>>();
assertType<Equal<ReturnType<EvtchnDevice['readWait']>, Promise<EvtchnReadResult>>>();
assertType<Equal<ReturnType<typeof evtchnReadChunks>, ReadChunks>>();
assertType<
  Equal<
    EvtchnIoctlName,
    'BIND_VIRQ' | 'BIND_INTERDOMAIN' | 'BIND_UNBOUND_PORT' | 'UNBIND' | 'NOTIFY' | 'RESET' | 'RESTRICT_DOMID'
  >
>();
assertType<Equal<Extract<EvtchnEvent, { type: 'ioctl.bindVirq' }>['arg'], { virq: number } | null>>();
const a: Actor<typeof evtchnDeviceMachine> = dev.actor;
assertType<Equal<EvtchnContext['rbtree'], EvtchnRbTree>>();
assertType<Equal<ReturnType<typeof rbReleaseOrder>, number[]>>();
assertType<Equal<EvtchnReadOptions, { readonly faultAt?: number }>>();
assertType<Equal<Parameters<EvtchnDevice['read']>, [count: number, options?: EvtchnReadOptions]>>();
const released: Error = new EvtchnReleasedError('read', false);
assertType<Equal<EvtchnReleasedError['errno'], number>>();
const op: FaultOp = 'request_irq';
// @ts-expect-error unknown fault operations are rejected
const bad: FaultOp = 'open';
// @ts-expect-error ioctl takes a numeric command
dev.ioctl('BIND_VIRQ');
// @ts-expect-error unknown options are rejected at compile time too
openEvtchn({ bogus: 1 });
void [m, a, op, bad, released, evtchnBindingMachine, evtchnIoctlCmd('RESET')];

// Pins the public API's types (checked by `tsc -p tsconfig.test.json`).
import type { SubsystemManifest } from '@kspec/spec-kit';
import type { Actor } from 'xstate';
import {
  type cmmGetMpp,
  loadCmm,
  manifest,
  type cmmMachine,
  type CmmEvent,
  type CmmGetMppResult,
  type CmmModule,
  type CmmState,
  type FaultOp,
  type RaceHook,
  type TickResult,
} from './index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T => true as T;

const m: SubsystemManifest = manifest;
const cmm: CmmModule = loadCmm({ params: { min_mem_mb: 0 } });
assertType<Equal<ReturnType<CmmModule['init']>, number>>();
assertType<Equal<ReturnType<CmmModule['tick']>, TickResult>>();
assertType<Equal<ReturnType<CmmModule['oom']>, { readonly rc: number; readonly freed: number } | null>>();
assertType<Equal<ReturnType<CmmModule['reboot']>, number | null>>();
assertType<Equal<ReturnType<CmmModule['writeParam']>, number>>();
assertType<Equal<ReturnType<CmmModule['sysfsRead']>, string | number>>();
assertType<Equal<CmmState['threadPtr'], 'null' | 'task' | 'errptr'>>();
assertType<Equal<ReturnType<typeof cmmGetMpp>, CmmGetMppResult>>();
assertType<Equal<CmmGetMppResult['target'], bigint | null>>();
assertType<
  Equal<
    Extract<CmmEvent, { type: 'memory.notify' }>['action'],
    'ONLINE' | 'GOING_OFFLINE' | 'OFFLINE' | 'GOING_ONLINE' | 'CANCEL_ONLINE' | 'CANCEL_OFFLINE'
  >
>();
const a: Actor<typeof cmmMachine> = cmm.actor;
const hook: RaceHook = { at: 'allocating', iteration: 1, run: (c) => void c.oom() };
const op: FaultOp = 'H_PAGE_INIT.loaned';
// @ts-expect-error unknown fault operations are rejected
const bad: FaultOp = 'H_ENTER';
// @ts-expect-error the sysfs attribute names are checked
cmm.sysfsRead('loaned_mb');
void [m, a, hook, op, bad];

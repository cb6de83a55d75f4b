// Pins the public API's types (checked by `tsc -p tsconfig.test.json`).
import type { SubsystemManifest } from '@kspec/spec-kit';
import type { Actor } from 'xstate';
import type { classifyCoreFault } from './index.js';
import {
  manifest,
  createPlatform,
  SMALL_KIP,
  SMALL_BOOT_INFO,
  type corePagerMachine,
  type CorePager,
  type CorePlatform,
  type CoreFaultClassification,
  type FaultResult,
  type PagerOutcome,
  type PlatformAllocators,
  type MapItem,
} from './index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T => true as T;

const m: SubsystemManifest = manifest;
const p: CorePlatform = createPlatform(SMALL_KIP, SMALL_BOOT_INFO);
const pager: CorePager | null = p.pager;
assertType<Equal<ReturnType<CorePager['fault']>, FaultResult>>();
assertType<Equal<ReturnType<typeof classifyCoreFault>, CoreFaultClassification>>();
assertType<
  Equal<
    FaultResult['reply'] extends infer R ? (R extends { words: infer W } ? W : never) : never,
    readonly [number, number, number]
  >
>();
assertType<
  Equal<
    keyof PlatformAllocators,
    'ramAlloc' | 'ioMemAlloc' | 'ioPortAlloc' | 'irqAlloc' | 'regionAlloc' | 'coreAddressRanges'
  >
>();
assertType<Equal<MapItem, readonly [number, number]>>();
const a: Actor<typeof corePagerMachine> | undefined = pager?.actor;
const o: PagerOutcome = 'mapped';
// @ts-expect-error not an outcome
const bad: PagerOutcome = 'served';
// @ts-expect-error fault needs an address
pager?.fault({ from: 'core.ep', ip: 1 });
void [m, a, o, bad];

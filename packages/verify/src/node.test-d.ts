// Type-level tests pinning the Node API of @kspec/verify/node: threads, Redis, disk spilling.
import { expectTypeOf } from 'vitest';
import { explore, type CheckReport, type ConfigCheck, type VisitedStore } from './index.js';
import {
  checkConfigParallel,
  checkConfigRedis,
  diskSpill,
  exploreParallel,
  exploreRedis,
  loadModel,
  runRedisWorker,
  stopRedisWorkers,
  type ModelSource,
  type ParallelOptions,
  type RedisOptions,
} from './node.js';
import type { CheckModel } from './system.js';
import type { counterMachine } from './fixtures.test-helpers.js';
import type { MachineCheckModel } from '@kspec/spec-kit';

declare const source: ModelSource;
expectTypeOf(exploreParallel(source, { workers: 2 })).toEqualTypeOf<Promise<CheckReport>>();
expectTypeOf(checkConfigParallel(source, 'fast', { workers: 2 })).toEqualTypeOf<Promise<ConfigCheck>>();
expectTypeOf(exploreRedis(source, { url: 'redis://127.0.0.1:6379' })).toEqualTypeOf<Promise<CheckReport>>();
expectTypeOf(checkConfigRedis(source, 'fast', { url: 'redis://x' })).toEqualTypeOf<Promise<ConfigCheck>>();
expectTypeOf(runRedisWorker({ url: 'redis://x' })).toEqualTypeOf<Promise<void>>();
expectTypeOf(stopRedisWorkers('redis://x')).toEqualTypeOf<Promise<void>>();
expectTypeOf(loadModel(source)).toEqualTypeOf<Promise<CheckModel>>();
expectTypeOf<ParallelOptions['workers']>().toEqualTypeOf<number | undefined>();
expectTypeOf<RedisOptions['partitions']>().toEqualTypeOf<number | undefined>();
expectTypeOf(diskSpill({ memoryStates: 1000 })).toEqualTypeOf<VisitedStore>();
declare const model: MachineCheckModel<typeof counterMachine>;
expectTypeOf(explore(model, { visited: diskSpill() })).toEqualTypeOf<CheckReport>();

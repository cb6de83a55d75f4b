/**
 * `@kspec/verify/node`: the parts of `@kspec/verify` that need Node: the progress display of
 * long explorations, exploration on worker threads ({@link exploreParallel}) and over Redis
 * ({@link exploreRedis}, {@link runRedisWorker}). The main entry stays browser-safe.
 *
 * @module @kspec/verify/node
 */
export { progressPrinter } from './progress.js';
export type { ProgressPrinter, ProgressStream } from './progress.js';
export { exploreParallel } from './parallel/threads.js';
export type { ParallelOptions } from './parallel/threads.js';
export { checkConfigParallel } from './parallel/check-parallel.js';
export { loadModel } from './parallel/model-source.js';
export type { ModelSource } from './parallel/model-source.js';
export { exploreRedis, stopRedisWorkers } from './redis/coordinator.js';
export type { RedisOptions } from './redis/coordinator.js';
export { runRedisWorker } from './redis/worker.js';
export type { RedisWorkerOptions } from './redis/worker.js';
export { checkConfigRedis } from './redis/check-redis.js';
export { diskSpill } from './parallel/spill.js';
export type { DiskSpillOptions } from './parallel/spill.js';
export { startLocalRedis } from './redis/local-server.js';
export type { LocalRedis } from './redis/local-server.js';

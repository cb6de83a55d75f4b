/**
 * `@kspec/shared-memory/node`: the Node-only part of shared memory. Bus files on disk, and the
 * bus stress run with writers and readers in worker threads. The main entry stays
 * browser-safe (the bus itself runs on any `SharedArrayBuffer` or WebAssembly memory).
 *
 * @packageDocumentation
 */
export { loadBusFile, saveBusFile } from './bus/file-io.js';
export { runBusStress, startStressWorker } from './stress/run.js';
export type { BusStressOptions, BusStressResult } from './stress/run.js';
export type { StressWorkerData } from './stress/stress-worker.js';

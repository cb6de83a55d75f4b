/**
 * Worker-thread entry of the bus stress test and benchmark: `workerData` says whether this
 * thread writes or reads; the result is posted back. Start it with the `@kspec/source`
 * condition and tsx (`execArgv: ['--conditions=@kspec/source', '--import', 'tsx']`) from
 * sources, or as `dist/stress/stress-worker.js` after a build.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ShmifBus } from '../bus/bus.js';
import type { LockOptions } from '../bus/lock.js';
import type { SharedWasmMemory } from '../bus/fastcopy.js';
import { attachStressReader, runStressWriter } from './stress.js';
import type { StressReaderParams, StressWriterParams } from './stress.js';

/**
 * What the stress worker is told.
 * @category Stress
 */
export type StressWorkerData =
  | {
      role: 'writer';
      bus: SharedArrayBuffer | SharedWasmMemory;
      dataSize: number;
      ctl: SharedArrayBuffer;
      lock: LockOptions;
      params: StressWriterParams;
    }
  | {
      role: 'reader';
      bus: SharedArrayBuffer | SharedWasmMemory;
      dataSize: number;
      ctl: SharedArrayBuffer;
      lock: LockOptions;
      params: StressReaderParams;
    }
  /** Takes the bus lock and exits holding it: a lock holder that dies (if_shmem.c 109-112). */
  | {
      role: 'lockAndExit';
      bus: SharedArrayBuffer | SharedWasmMemory;
      dataSize: number;
      ctl: SharedArrayBuffer;
      lock: LockOptions;
    };

if (parentPort !== null && workerData !== null && typeof workerData === 'object' && 'role' in workerData) {
  const d = workerData as StressWorkerData;
  const bus = ShmifBus.fromBuffer(d.bus, { dataSize: d.dataSize, lock: d.lock });
  const ctl = new Int32Array(d.ctl);
  const port = parentPort;
  try {
    if (d.role === 'lockAndExit') {
      bus.lockbus();
      port.postMessage({ ok: true, locked: bus.lock });
      process.exit(0);
    } else if (d.role === 'writer') {
      const t0 = performance.now();
      const r = runStressWriter(bus, d.params, ctl);
      port.postMessage({ ok: true, ...r, ms: performance.now() - t0 });
    } else {
      const run = attachStressReader(bus, d.params, ctl);
      port.postMessage({ attached: true });
      const t0 = performance.now();
      const r = run();
      port.postMessage({ ok: true, ...r, ms: performance.now() - t0 });
    }
  } catch (e) {
    port.postMessage({ ok: false, error: (e as Error).message });
  }
}

/**
 * Runs the bus stress test with real worker threads: `writers` writer threads and `readers`
 * reader threads on one `SharedArrayBuffer` bus. Readers attach first; writers start together
 * once every reader is attached. Resolves with each thread's result.
 *
 * From sources (vitest, tsx) the workers run `stress-worker.ts` through tsx with the
 * `@kspec/source` condition; from a build they run `stress-worker.js` directly.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ShmifBus } from '../bus/bus.js';
import type { LockOptions } from '../bus/lock.js';
import type { ShmifReaderVariant } from '../bus/receiver.js';
import { CTL_BYTES, CTL_READERS_ATTACHED, CTL_START } from './stress.js';
import type { StressReaderResult } from './stress.js';
import type { StressWorkerData } from './stress-worker.js';

/**
 * Options of {@link runBusStress}.
 * @category Stress
 */
export interface BusStressOptions {
  readonly writers: number;
  readonly readers: number;
  readonly countPerWriter: number;
  readonly minLen: number;
  readonly maxLen: number;
  readonly dataSize?: number;
  readonly variant: ShmifReaderVariant;
  readonly batch?: number;
  /** Lock options for every thread (a watchdog `timeoutMs` turns a wedged bus into an error). */
  readonly lock?: LockOptions;
  /** Kill everything and reject after this long (default 120 s). */
  readonly timeoutMs?: number;
}

/**
 * What a stress run gives back.
 * @category Stress
 */
export interface BusStressResult {
  readonly writers: readonly { frames: number; bytes: number; ms: number }[];
  readonly readers: readonly (StressReaderResult & { ms: number })[];
  /** Wall time from the start flag to the last thread's result. */
  readonly ms: number;
  readonly gen: bigint;
}

const fromSource = import.meta.url.endsWith('.ts');

/**
 * Starts a stress worker.
 * @category Stress
 */
export function startStressWorker(data: StressWorkerData): Worker {
  if (!fromSource) return new Worker(new URL('./stress-worker.js', import.meta.url), { workerData: data });
  // Node 20 does not apply loader hooks given as `--import tsx` in a worker's execArgv to the
  // worker's entry module, so a tiny bootstrap registers tsx and then imports the entry.
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL('./stress-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: data, execArgv: ['--conditions=@kspec/source'] });
}

/**
 * Runs writers and readers in worker threads on one bus (see the module header).
 * @category Stress
 */
export async function runBusStress(o: BusStressOptions): Promise<BusStressResult> {
  const bus = ShmifBus.create({
    ...(o.dataSize === undefined ? {} : { dataSize: o.dataSize }),
    ...(o.lock ? { lock: o.lock } : {}),
  });
  bus.attach();
  const ctlBuf = new SharedArrayBuffer(CTL_BYTES);
  const ctl = new Int32Array(ctlBuf);
  const lock = o.lock ?? {};
  const workers: Worker[] = [];
  const finish = (w: Worker): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      w.on('message', (m: Record<string, unknown>) => {
        if (m['attached'] === true) return;
        if (m['ok'] === true) resolve(m);
        else reject(new Error(`stress worker: ${String(m['error'])}`));
      });
      w.on('error', reject);
      w.on('exit', (code) => reject(new Error(`stress worker exited with ${code} before reporting`)));
    });
  const readerDone: Promise<Record<string, unknown>>[] = [];
  for (let i = 0; i < o.readers; i++) {
    const w = startStressWorker({
      role: 'reader',
      bus: bus.shareable,
      dataSize: bus.dataSize,
      ctl: ctlBuf,
      lock,
      params: {
        writers: o.writers,
        countPerWriter: o.countPerWriter,
        minLen: o.minLen,
        maxLen: o.maxLen,
        variant: o.variant,
      },
    });
    workers.push(w);
    readerDone.push(finish(w));
  }
  const timeout = o.timeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`stress run did not finish within ${timeout} ms`)), timeout);
  });
  try {
    // Wait until every reader has attached (without blocking the event loop).
    while (Atomics.load(ctl, CTL_READERS_ATTACHED) < o.readers) {
      await Promise.race([new Promise((r) => setTimeout(r, 5)), guard]);
    }
    const writerDone: Promise<Record<string, unknown>>[] = [];
    for (let i = 0; i < o.writers; i++) {
      const w = startStressWorker({
        role: 'writer',
        bus: bus.shareable,
        dataSize: bus.dataSize,
        ctl: ctlBuf,
        lock,
        params: {
          writer: i,
          count: o.countPerWriter,
          minLen: o.minLen,
          maxLen: o.maxLen,
          batch: o.batch ?? 16,
        },
      });
      workers.push(w);
      writerDone.push(finish(w));
    }
    const t0 = performance.now();
    Atomics.store(ctl, CTL_START, 1);
    Atomics.notify(ctl, CTL_START);
    const [ws, rs] = await Promise.race([
      Promise.all([Promise.all(writerDone), Promise.all(readerDone)]),
      guard,
    ]);
    return {
      writers: ws as unknown as BusStressResult['writers'],
      readers: rs as unknown as BusStressResult['readers'],
      ms: performance.now() - t0,
      gen: bus.gen,
    };
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

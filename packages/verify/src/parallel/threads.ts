/**
 * {@link exploreParallel}: breadth-first exploration across worker threads, level by level.
 *
 * The coordinator (the calling thread) starts `workers` threads that each import the model by
 * its {@link ModelSource}. The visited set is one table of 64-bit fingerprints in a
 * SharedArrayBuffer (`shared-table.ts`) that every thread inserts into lock-free; a thread
 * keeps the new states whose insert it won as its share of the next level. After each level
 * the coordinator evens out the shares: a thread with more than its part gives states away as
 * paths, which the receiver replays (`expander.ts`). Levels are barriers, so every state is
 * reached at its BFS depth, and the verdicts, state counts, depths and counterexample lengths
 * are those of `explore`; which one of several equally short counterexamples is shown
 * may differ (the merge keeps the smallest path, see `merge.ts`).
 *
 * Not covered: liveness monitors and sleep-set reduction (refused), key canonicity sampling and
 * exact keys (threads always keep fingerprints; run `explore` to check a key), disk
 * spilling (the shared table is sized for `maxStates` in memory).
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  DEFAULT_MAX_STATES,
  DEFAULT_TIME_BUDGET_MS,
  UNBOUNDED,
  positiveInt,
  selectInvariants,
  type ExploreOptions,
} from '../explore-options.js';
import { OptionsError, VerifyError } from '../errors.js';
import type { CheckReport, StopReason } from '../report.js';
import { systemOf } from '../system.js';
import { Expander } from './expander.js';
import { ResultMerger } from './merge.js';
import { loadModel, type ModelSource } from './model-source.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { STOP, SharedFingerprintTable } from './shared-table.js';

/**
 * Options of {@link exploreParallel}: the bounds and checks of `explore`, and the
 * number of worker threads.
 * @category Parallel
 */
export interface ParallelOptions extends Pick<
  ExploreOptions,
  'maxStates' | 'maxDepth' | 'timeBudgetMs' | 'invariants' | 'deadlock' | 'onProgress' | 'compiled'
> {
  /** Worker threads (default: every core, `os.availableParallelism()`). */
  readonly workers?: number;
}

/** Threads left over from earlier runs, reused (unreferenced, so they never keep the process alive). */
const idle: ThreadHandle[] = [];

/** A worker thread and its pending reply. */
class ThreadHandle {
  private waiting: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  constructor(readonly worker: Worker) {
    worker.on('message', (m: FromWorker) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (m.t === 'error') {
        const e = new VerifyError(`worker thread: ${m.message}`);
        e.stack = m.stack;
        this.fail(e, w);
      } else w?.resolve(m);
    });
    worker.on('error', (err) => this.fail(err, this.waiting));
    worker.on('exit', (code) => {
      if (code !== 0) this.fail(new VerifyError(`worker thread exited with code ${code}`), this.waiting);
    });
  }
  get failed(): boolean {
    return this.failure !== undefined;
  }
  private fail(e: Error, w: { reject: (e: Error) => void } | undefined): void {
    this.failure ??= e;
    this.waiting = undefined;
    w?.reject(e);
  }
  ask(msg: ToWorker, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage(msg, transfer);
    });
  }
}

/** The worker entry: the TypeScript source under the source condition, else the build. */
function spawn(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // sources (tests, tsx): register tsx's loader in the thread, then import the TypeScript entry
    const entry = new URL('./thread-worker.ts', here).href;
    return new Worker(
      `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
      { eval: true, execArgv: ['--conditions=@kspec/source'] },
    );
  }
  return new Worker(new URL('./thread-worker.js', here));
}

/** Moves states from threads above the mean share to threads below it. */
async function balance(threads: ThreadHandle[], sizes: number[]): Promise<void> {
  const total = sizes.reduce((a, b) => a + b, 0);
  const target = Math.ceil(total / threads.length);
  if (Math.max(...sizes) <= target * 1.1 + 4) return;
  const want = sizes.map((s) => Math.max(0, target - s));
  const gives: { to: number[]; counts: number[] }[] = sizes.map(() => ({ to: [], counts: [] }));
  sizes.forEach((s, from) => {
    let surplus = s - target;
    for (let to = 0; surplus > 0 && to < sizes.length; to++) {
      const n = Math.min(surplus, want[to]!);
      if (n <= 0) continue;
      gives[from]!.to.push(to);
      gives[from]!.counts.push(n);
      want[to]! -= n;
      surplus -= n;
    }
  });
  const received: Int32Array[][] = threads.map(() => []);
  await Promise.all(
    threads.map(async (t, i) => {
      if (gives[i]!.to.length === 0) return;
      const r = await t.ask({ t: 'give', ...gives[i]! });
      if (r.t !== 'gave') throw new VerifyError(`worker thread answered ${r.t} to give`);
      for (const p of r.parts) received[p.to]!.push(p.paths);
    }),
  );
  await Promise.all(
    threads.map(async (t, i) => {
      if (received[i]!.length === 0) return;
      const r = await t.ask(
        { t: 'adopt', parts: received[i]! },
        received[i]!.map((p) => p.buffer as ArrayBuffer),
      );
      if (r.t === 'adopted') sizes[i] = r.size;
    }),
  );
  gives.forEach((g, i) => (sizes[i]! -= g.counts.reduce((a, b) => a + b, 0)));
}

/**
 * Explores the model named by `source` breadth first on `workers` threads and returns the
 * same report as `explore` would (verdict, states, depth, counterexample lengths; the
 * keys are always 64-bit fingerprints). Node only (`@kspec/verify/node`).
 *
 * @example
 * ```ts
 * const report = await exploreParallel(
 *   { module: '@kspec/xen-evtchn', model: 'xen-evtchn/device' },
 *   { workers: 2, maxStates: 200_000, maxDepth: 9 },
 * );
 * ```
 * @category Parallel
 */
export async function exploreParallel(
  source: ModelSource,
  options: ParallelOptions = {},
): Promise<CheckReport> {
  const started = performance.now();
  const workers = positiveInt('workers', options.workers, availableParallelism());
  const maxStates = positiveInt('maxStates', options.maxStates, DEFAULT_MAX_STATES);
  const maxDepth = positiveInt('maxDepth', options.maxDepth, UNBOUNDED);
  const timeBudgetMs = positiveInt('timeBudgetMs', options.timeBudgetMs, DEFAULT_TIME_BUDGET_MS);
  const model = await loadModel(source);
  const sys = systemOf(model, { compiled: options.compiled });
  if ((options as ExploreOptions).reduce)
    throw new OptionsError('exploreParallel does not do sleep-set reduction');
  const invariants = selectInvariants(sys, options.invariants);
  const ex = new Expander(sys, invariants, options.deadlock ?? true);
  const table = SharedFingerprintTable.create(maxStates);
  const threads = Array.from({ length: workers }, () => idle.pop() ?? new ThreadHandle(spawn()));
  for (const t of threads) t.worker.ref();
  const merger = new ResultMerger(sys.sentinels.length);
  const engine = threads.map(() => ({ compiled: 0, xstate: 0 }));
  let depth = 0;
  let depthCut = false;
  const timer = setTimeout(() => table.requestStop(STOP.timeBudget), timeBudgetMs);
  const ticker = options.onProgress
    ? setInterval(() => {
        const seconds = (performance.now() - started) / 1000;
        options.onProgress!({
          model: sys.name,
          states: table.count,
          edges: merger.edges,
          depth,
          frontier: sizes.reduce((a, b) => a + b, 0),
          seconds,
          statesPerSecond: table.count / seconds,
        });
      }, 250)
    : undefined;
  const sizes = threads.map(() => 0);
  let clean = false;
  try {
    await Promise.all(
      threads.map((t) =>
        t.ask({
          t: 'init',
          source,
          buffer: table.buffer,
          maxStates,
          invariants: options.invariants,
          deadlock: options.deadlock ?? true,
          compiled: options.compiled,
        }),
      ),
    );
    const seeded = await threads[0]!.ask({ t: 'seed' });
    if (seeded.t !== 'level') throw new VerifyError(`worker thread answered ${seeded.t} to seed`);
    merger.add(-1, seeded.result);
    sizes[0] = seeded.size;
    while (sizes.some((s) => s > 0) && table.stop === STOP.none) {
      if (depth >= maxDepth) {
        depthCut = true;
        break;
      }
      await balance(threads, sizes);
      const replies = await Promise.all(threads.map((t) => t.ask({ t: 'expand' })));
      replies.forEach((r, i) => {
        if (r.t !== 'level') throw new VerifyError(`worker thread answered ${r.t} to expand`);
        merger.add(depth, r.result);
        sizes[i] = r.size;
        engine[i] = r.engine;
      });
      if (table.stop !== STOP.none) break;
      if (sizes.some((s) => s > 0)) depth++;
    }
    clean = true;
  } finally {
    clearTimeout(timer);
    if (ticker) clearInterval(ticker);
    for (const t of threads) {
      if (!clean || t.failed) void t.worker.terminate();
      else {
        // kept for the next run (starting a thread and importing the model costs more than a small check)
        t.worker.unref();
        idle.push(t);
      }
    }
  }
  const stopCode = table.stop;
  const stopped: StopReason | undefined =
    stopCode === STOP.maxStates ? 'maxStates' : stopCode === STOP.timeBudget ? 'timeBudget' : undefined;
  const states = table.count;
  const report = merger.report(sys, invariants, ex, {
    states,
    depth,
    depthCut,
    stopped,
    started,
    bounds: { maxStates, maxDepth, timeBudgetMs },
    storeBytesPerState: states ? table.buffer.byteLength / states : 0,
    observed: table.observedCollisionProbability(),
    engine: engine.reduce((a, b) => ({ compiled: a.compiled + b.compiled, xstate: a.xstate + b.xstate })),
  });
  if (options.onProgress) {
    options.onProgress({
      model: sys.name,
      states,
      edges: report.edges,
      depth,
      frontier: 0,
      seconds: report.seconds,
      statesPerSecond: report.statesPerSecond,
    });
  }
  return report;
}

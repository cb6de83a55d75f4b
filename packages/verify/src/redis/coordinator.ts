/**
 * {@link exploreRedis}: the coordinator of a distributed run (`kspec check --redis URL`). It
 * publishes the job (model source, bounds, partitions), seeds the initial state, and drives
 * the BFS level by level: a level is finished when every partition's queue of that level is
 * empty and no claim is open (termination detection: no work queued, no worker busy); then
 * it opens the next. Meanwhile it re-queues expired claims (a worker that died), watches the
 * state budget and the time budget. At the end it reads the counts, coverage and findings
 * from the partitions, rebuilds each counterexample from the parent pointers in the visited
 * hashes, and prints the same report as a local run.
 *
 * Not covered: several coordinators on one Redis at once (one job at a time), liveness
 * monitors and sleep-set reduction (refused, as with threads).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_MAX_STATES,
  DEFAULT_TIME_BUDGET_MS,
  UNBOUNDED,
  positiveInt,
  selectInvariants,
  type ExploreOptions,
} from '../explore-options.js';
import { ModelError } from '../errors.js';
import type { CheckReport, StopReason } from '../report.js';
import { systemOf } from '../system.js';
import { Expander, emptyResult, type FoundViolation } from '../parallel/expander.js';
import { ResultMerger } from '../parallel/merge.js';
import { loadModel, type ModelSource } from '../parallel/model-source.js';
import {
  JOB_KEY,
  SHUTDOWN_KEY,
  fpHex,
  fpLo,
  levelKey,
  partitionOf,
  partitionPrefix,
  type RedisJob,
} from './layout.js';
import { RedisConn } from './scripts.js';

/**
 * Options of {@link exploreRedis}.
 * @category Distributed
 */
export interface RedisOptions extends Pick<
  ExploreOptions,
  'maxStates' | 'maxDepth' | 'timeBudgetMs' | 'invariants' | 'deadlock' | 'onProgress' | 'compiled'
> {
  /** `redis://host:port`. */
  readonly url: string;
  /** Partitions of the frontier and the visited set (default 16). */
  readonly partitions?: number;
  /** A claim not completed within this many ms is re-queued (default 30,000). */
  readonly claimTimeoutMs?: number;
  /** Ask every worker to exit when the run is over. */
  readonly stopWorkers?: boolean;
  /** Called with the number of expired claims put back on their queues (a worker died or stalled). */
  readonly onRequeue?: (claims: number) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How often the coordinator looks at the queues (each look is 3 commands per partition). */
const POLL_MS = 15;

/** Sums one integer per partition (pipelined). */
async function sum(conn: RedisConn, cmds: (readonly string[])[]): Promise<number[]> {
  const r = await Promise.all(cmds.map((c) => conn.cmd<unknown>(c)));
  return r.map((x) => Number(x ?? 0));
}

/**
 * Explores the model named by `source` with the workers attached to the Redis at `url`
 * (started with `kspec check --redis URL --worker`, or {@link runRedisWorker}) and returns
 * the report `explore` would give (verdict, states, depth, counterexample lengths).
 * @category Distributed
 */
export async function exploreRedis(source: ModelSource, options: RedisOptions): Promise<CheckReport> {
  const started = performance.now();
  const maxStates = positiveInt('maxStates', options.maxStates, DEFAULT_MAX_STATES);
  const maxDepth = positiveInt('maxDepth', options.maxDepth, UNBOUNDED);
  const timeBudgetMs = positiveInt('timeBudgetMs', options.timeBudgetMs, DEFAULT_TIME_BUDGET_MS);
  const P = positiveInt('partitions', options.partitions, 16);
  const claimTimeoutMs = positiveInt('claimTimeoutMs', options.claimTimeoutMs, 30_000);
  const sys = systemOf(await loadModel(source), { compiled: options.compiled });
  const invariants = selectInvariants(sys, options.invariants);
  const ex = new Expander(sys, invariants, options.deadlock ?? true);
  const merger = new ResultMerger(sys.sentinels.length);
  const conn = await RedisConn.open(options.url);
  const id = randomUUID().slice(0, 12);
  const pre = Array.from({ length: P }, (_, p) => partitionPrefix(id, p));
  const job: RedisJob = {
    id,
    source: { module: source.module, model: source.model },
    partitions: P,
    claimTimeoutMs,
    invariants: options.invariants,
    deadlock: options.deadlock ?? true,
    compiled: options.compiled,
    maxDepth: maxDepth === UNBOUNDED ? Number.MAX_SAFE_INTEGER : maxDepth,
  };
  let stopped: StopReason | undefined;
  let depthCut = false;
  let depth = 0;
  let states = 0;
  try {
    await conn.cmd(['DEL', SHUTDOWN_KEY]);
    const init = ex.initial();
    const r0 = ex.take();
    // the initial state's checks are the level-0 workers' (they check every state they claim)
    merger.add(
      -1,
      init ? { ...r0, violations: [], sentinels: emptyResult(sys.sentinels.length).sentinels } : r0,
    );
    if (init) {
      ex.fingerprint(init.state);
      const h = fpHex(ex.key.hi, ex.key.lo);
      const q = pre[partitionOf(ex.key.lo, P)]!;
      await conn.run('INSERT', [`${q}visited`, `${q}q:0`, `${q}n`], [h, '-', `${h}|`]);
      await conn.cmd(['SET', JOB_KEY, JSON.stringify(job)]);
      const deadline = started + timeBudgetMs;
      let lastReclaim = 0;
      let lastProgress = performance.now();
      for (let level = 0; ; level++) {
        await conn.cmd(['SET', levelKey(id), String(level)]);
        // wait until the level is done: no queued item, no open claim
        for (;;) {
          const [queued, open, counts] = await Promise.all([
            sum(
              conn,
              pre.map((k) => ['LLEN', `${k}q:${level}`]),
            ),
            sum(
              conn,
              pre.map((k) => ['ZCARD', `${k}claims`]),
            ),
            sum(
              conn,
              pre.map((k) => ['GET', `${k}n`]),
            ),
          ]);
          states = counts.reduce((a, b) => a + b, 0);
          const now = performance.now();
          if (states >= maxStates) stopped = 'maxStates';
          else if (now > deadline) stopped = 'timeBudget';
          if (stopped) break;
          if (options.onProgress && now - lastProgress >= 250) {
            lastProgress = now;
            const seconds = (now - started) / 1000;
            const frontier = queued.reduce((a, b) => a + b, 0);
            options.onProgress({
              model: sys.name,
              states,
              edges: 0,
              depth,
              frontier,
              seconds,
              statesPerSecond: states / seconds,
            });
          }
          if (queued.every((x) => x === 0) && open.every((x) => x === 0)) break;
          if (now - lastReclaim > Math.min(1000, claimTimeoutMs / 2)) {
            lastReclaim = now;
            const back = await Promise.all(
              pre.map((k) =>
                conn.run<number>('RECLAIM', [`${k}claims`, `${k}claimed`, `${k}q:${level}`], []),
              ),
            );
            const n = back.reduce((a, b) => a + Number(b), 0);
            if (n > 0) options.onRequeue?.(n);
          }
          await sleep(POLL_MS);
        }
        if (stopped) break;
        const ok = (
          await sum(
            conn,
            pre.map((k) => ['HGET', `${k}stats`, `ok:${level}`]),
          )
        ).reduce((a, b) => a + b, 0);
        if (ok === 0) break; // nothing at this level to expand: the last level is level - 1
        depth = level;
        if (level >= maxDepth) {
          depthCut = true;
          break;
        }
      }
    }
    await conn.cmd(['SET', levelKey(id), 'done']);
    await conn.cmd(['DEL', JOB_KEY]);
    if (stopped) {
      // a budget ran out mid-level: let the batches in hand finish before the keys go
      const until = performance.now() + claimTimeoutMs;
      while (performance.now() < until) {
        const open = await sum(
          conn,
          pre.map((k) => ['ZCARD', `${k}claims`]),
        );
        if (open.every((x) => x === 0)) break;
        await sleep(5);
      }
    }
    const report = await collect(conn, pre);
    if (stopped === 'maxStates') states = Math.min(states, maxStates);
    return merger.report(sys, invariants, ex, {
      states,
      depth,
      depthCut,
      stopped,
      started,
      bounds: { maxStates, maxDepth, timeBudgetMs },
      storeBytesPerState: 0,
      engine: report.engine,
    });

    /** Reads the partitions' counts and findings into the merger; rebuilds traces. */
    async function collect(
      c: RedisConn,
      ks: string[],
    ): Promise<{ engine: { compiled: number; xstate: number } }> {
      const engine = { compiled: 0, xstate: 0 };
      for (const k of ks) {
        const stats = await c.cmd<string[]>(['HGETALL', `${k}stats`]);
        const m = new Map<string, number>();
        for (let i = 0; i + 1 < stats.length; i += 2) m.set(stats[i]!, Number(stats[i + 1]));
        engine.compiled += m.get('compiled') ?? 0;
        engine.xstate += m.get('xstate') ?? 0;
        const covered = (await c.cmd<string[]>(['SMEMBERS', `${k}covered`])).map(Number);
        const r = emptyResult(sys.sentinels.length);
        r.edges = m.get('edges') ?? 0;
        r.generated = m.get('generated') ?? 0;
        r.covered = covered;
        merger.add(-1, r);
        const found = await c.cmd<string[]>(['LRANGE', `${k}found`, '0', '-1']);
        for (const f of found) {
          const j = JSON.parse(f) as {
            level: number;
            v?: FoundViolation;
            fp?: string;
            sentinel?: number;
            path?: number[];
          };
          const lr = emptyResult(sys.sentinels.length);
          if (j.v) lr.violations.push(j.fp ? { ...j.v, path: await pathOf(c, j.fp, j.v.path.length) } : j.v);
          if (j.sentinel !== undefined) lr.sentinels[j.sentinel] = j.path;
          merger.add(j.level, lr);
        }
      }
      return { engine };
    }

    /** The path to a state read back through the parent pointers. */
    async function pathOf(c: RedisConn, fp: string, expected: number): Promise<number[]> {
      const out: number[] = [];
      for (let h = fp; ;) {
        const ptr = await c.cmd<string | null>(['HGET', `${pre[partitionOf(fpLo(h), P)]}visited`, h]);
        if (ptr === null) throw new ModelError(`distributed run: no parent pointer for state ${h}`);
        if (ptr === '-') break;
        const [parent, pos] = ptr.split(':');
        out.push(Number(pos));
        h = parent!;
      }
      out.reverse();
      if (out.length !== expected)
        throw new ModelError(
          `distributed run: the parent pointers give a path of ${out.length} steps, the queue ${expected}`,
        );
      return out;
    }
  } finally {
    await cleanup(conn, id, options.stopWorkers ?? false);
  }
}

/** Deletes the job's keys; sets the shutdown key when asked. */
async function cleanup(conn: RedisConn, id: string, stopWorkers: boolean): Promise<void> {
  try {
    let cursor = '0';
    do {
      const [next, keys] = await conn.cmd<[string, string[]]>([
        'SCAN',
        cursor,
        'MATCH',
        `kspec:{${id}.*`,
        'COUNT',
        '1000',
      ]);
      cursor = next;
      if (keys.length) await Promise.all(keys.map((k) => conn.cmd(['UNLINK', k])));
    } while (cursor !== '0');
    await conn.cmd(['DEL', levelKey(id)]);
    if (stopWorkers) await conn.cmd(['SET', SHUTDOWN_KEY, '1']);
  } finally {
    await conn.close();
  }
}

/**
 * Asks every worker attached to the Redis at `url` to exit (they finish the batch in hand).
 * @category Distributed
 */
export async function stopRedisWorkers(url: string): Promise<void> {
  const conn = await RedisConn.open(url);
  try {
    await conn.cmd(['SET', SHUTDOWN_KEY, '1']);
  } finally {
    await conn.close();
  }
}

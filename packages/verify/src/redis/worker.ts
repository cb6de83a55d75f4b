/**
 * {@link runRedisWorker}: one worker process of a distributed run (`kspec check --redis URL
 * --worker`). It waits for a job, imports the job's model by module specifier and name, and
 * then, level by level, claims batches of states from the partitions' queues (starting at a
 * random partition), replays each from its path, checks it (invariants, sentinels), expands
 * it, inserts the successors into their partitions (fingerprint, parent pointer and item in
 * one script, `layout.ts`), and completes the claim with what it counted and found. A worker
 * may join or leave at any time: it holds nothing the others need (a claim it does not
 * complete is re-queued by the coordinator after the job's claim timeout).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { EventObject } from 'xstate';
import { selectInvariants } from '../explore-options.js';
import { systemOf } from '../system.js';
import { Expander, PrefixReplayer, comparePaths } from '../parallel/expander.js';
import { loadModel } from '../parallel/model-source.js';
import {
  JOB_KEY,
  SHUTDOWN_KEY,
  fpHex,
  levelKey,
  partitionOf,
  partitionPrefix,
  type RedisJob,
} from './layout.js';
import { RedisConn } from './scripts.js';

/**
 * Options of {@link runRedisWorker}.
 * @category Distributed
 */
export interface RedisWorkerOptions {
  /** `redis://host:port`. */
  readonly url: string;
  /** States claimed at once (default 64). */
  readonly batch?: number;
  /** Stops the worker (it finishes the batch in hand first; an unfinished claim is re-queued anyway). */
  readonly signal?: AbortSignal;
  /** Log lines (job started, job done). */
  readonly log?: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The loaded job. */
interface Loaded {
  readonly job: RedisJob;
  readonly ex: Expander<unknown, EventObject>;
  readonly replayer: PrefixReplayer<unknown, EventObject>;
  /** Properties this worker has reported (in a completed claim): one report each is enough. */
  readonly reported: Set<string>;
}

async function load(job: RedisJob): Promise<Loaded> {
  const sys = systemOf(await loadModel(job.source), { compiled: job.compiled });
  const ex = new Expander(sys, selectInvariants(sys, job.invariants), job.deadlock);
  return { job, ex, replayer: new PrefixReplayer(ex), reported: new Set() };
}

/** Expands one claimed batch; returns false when the claim was no longer live. */
async function work(
  conn: RedisConn,
  l: Loaded,
  p: number,
  level: number,
  items: string[],
  claim: string,
): Promise<boolean> {
  const { job, ex } = l;
  const P = job.partitions;
  const out: string[][] = Array.from({ length: P }, () => []);
  const found: string[] = [];
  const before = ex.sys.engineCounts();
  let ok = 0;
  const expand = level < job.maxDepth;
  // parse, then replay in path order: neighbours share their prefixes
  const parsed = items.map((item) => {
    const bar = item.indexOf('|');
    const rest = item.slice(bar + 1);
    return { fp: item.slice(0, bar), path: rest === '' ? [] : rest.split('.').map(Number) };
  });
  parsed.sort((a, b) => comparePaths(a.path, b.path));
  for (const { fp, path } of parsed) {
    const state = l.replayer.state(path);
    if (!ex.check(state, path)) continue;
    ok++;
    if (!expand) continue;
    ex.expand({ state, path }, (_next, pos) => {
      const h = fpHex(ex.key.hi, ex.key.lo);
      out[partitionOf(ex.key.lo, P)]!.push(
        h,
        `${fp}:${pos}`,
        `${h}|${path.length ? `${path.join('.')}.${pos}` : pos}`,
      );
      return true;
    });
  }
  const r = ex.take();
  const tags = new Set<string>();
  for (const v of r.violations) {
    const tag = `${v.kind}:${v.name}`;
    if (l.reported.has(tag) || tags.has(tag)) continue;
    tags.add(tag);
    found.push(JSON.stringify({ level, v, fp: fpOfPath(items, v.path) }));
  }
  r.sentinels.forEach((path, i) => {
    if (path) found.push(JSON.stringify({ level, sentinel: i, path }));
  });
  const next = partitionPrefixes(job.id, P);
  await Promise.all(
    out.map((args, q) =>
      args.length
        ? conn.run('INSERT', [`${next[q]}visited`, `${next[q]}q:${level + 1}`, `${next[q]}n`], args)
        : undefined,
    ),
  );
  const after = ex.sys.engineCounts();
  const pre = partitionPrefix(job.id, p);
  const live = await conn.run<number>(
    'COMPLETE',
    [`${pre}claims`, `${pre}claimed`, `${pre}stats`, `${pre}covered`, `${pre}found`],
    [
      claim,
      level,
      r.edges,
      r.generated,
      after.compiled - before.compiled,
      after.xstate - before.xstate,
      ok,
      r.covered.join(','),
      ...found,
    ],
  );
  if (live === 1) for (const t of tags) l.reported.add(t);
  return live === 1;
}

/** The fingerprint of the item whose path is `path` (violations name the state by it). */
function fpOfPath(items: readonly string[], path: readonly number[]): string | undefined {
  const want = `|${path.join('.')}`;
  const hit = items.find((i) => i.endsWith(want) && i.length - want.length === 16);
  return hit?.slice(0, 16);
}

const prefixCache = new Map<string, string[]>();
function partitionPrefixes(job: string, P: number): string[] {
  let ps = prefixCache.get(job);
  if (!ps) prefixCache.set(job, (ps = Array.from({ length: P }, (_, p) => partitionPrefix(job, p))));
  return ps;
}

/**
 * Runs a worker until `signal` aborts or the coordinator sets the shutdown key: takes the
 * published job, explores its levels, waits for the next job.
 * @category Distributed
 */
export async function runRedisWorker(options: RedisWorkerOptions): Promise<void> {
  const conn = await RedisConn.open(options.url);
  const batch = options.batch ?? 64;
  const id = randomUUID();
  let loaded: Loaded | undefined;
  let claims = 0;
  try {
    while (!options.signal?.aborted) {
      const [jobJson, shutdown] = await Promise.all([
        conn.cmd<string | null>(['GET', JOB_KEY]),
        conn.cmd<string | null>(['GET', SHUTDOWN_KEY]),
      ]);
      if (shutdown) break;
      if (!jobJson) {
        await sleep(50);
        continue;
      }
      const job = JSON.parse(jobJson) as RedisJob;
      if (loaded?.job.id !== job.id) {
        loaded = await load(job);
        options.log?.(`kspec worker ${id.slice(0, 8)}: job ${job.id} (${job.source.model})`);
      }
      const levelText = await conn.cmd<string | null>(['GET', levelKey(job.id)]);
      if (levelText === null || levelText === 'done') {
        await sleep(20);
        continue;
      }
      const level = Number(levelText);
      let any = false;
      const start = Math.floor(Math.random() * job.partitions);
      for (let k = 0; k < job.partitions && !options.signal?.aborted; k++) {
        const p = (start + k) % job.partitions;
        const pre = partitionPrefix(job.id, p);
        const claim = `${id}:${claims++}`;
        const items = await conn.run<string[]>(
          'CLAIM',
          [`${pre}q:${level}`, `${pre}claims`, `${pre}claimed`],
          [batch, job.claimTimeoutMs, claim],
        );
        if (!items || items.length === 0) continue;
        any = true;
        await work(conn, loaded, p, level, items, claim);
        break; // re-read the level: it may have moved on
      }
      if (!any) await sleep(5);
    }
  } finally {
    await conn.close();
  }
}

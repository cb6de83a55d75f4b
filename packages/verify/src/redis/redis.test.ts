/**
 * Distributed exploration against a real `redis-server` (a free loopback port, its own temp
 * directory, no persistence) with workers in this process: the same reports as `explore` on
 * the fixture models; budgets stop it as they stop `explore`; a claim abandoned by a "dead"
 * worker (taken and never completed) is re-queued after the timeout and nothing is lost;
 * bad options are refused by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explore } from '../explore.js';
import { essence, fixturesModule, models } from '../parallel/models.test-helpers.js';
import { exploreRedis } from './coordinator.js';
import { JOB_KEY, levelKey, partitionPrefix, type RedisJob } from './layout.js';
import { RedisConn } from './scripts.js';
import { startLocalRedis, type LocalRedis } from './local-server.js';
import { runRedisWorker } from './worker.js';

let redis: LocalRedis;
let url = '';

beforeAll(async () => {
  redis = await startLocalRedis();
  url = redis.url;
});

afterAll(() => redis.stop());

/** Runs `f` with `n` workers in this process. */
async function withWorkers<T>(n: number, f: () => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const ws = Array.from({ length: n }, () => runRedisWorker({ url, signal: ac.signal, batch: 16 }));
  try {
    return await f();
  } finally {
    ac.abort();
    await Promise.all(ws);
  }
}

const plain = models.filter((m) => !m.monitors?.length);

describe('exploreRedis', () => {
  it.each(plain.map((m) => m.name))(
    '%s: the report of explore, with 2 workers',
    async (name) => {
      const model = plain.find((m) => m.name === name)!;
      const one = explore(model as never);
      const dist = await withWorkers(2, () =>
        exploreRedis({ module: fixturesModule, model: name }, { url, partitions: 5 }),
      );
      expect(essence(dist)).toEqual(essence(one));
    },
    60_000,
  );

  it('stops at the depth bound and at maxStates as explore does', async () => {
    const src = { module: fixturesModule, model: 'grid40' };
    const grid = models.find((m) => m.name === 'grid40')!;
    const shallow = await withWorkers(2, () => exploreRedis(src, { url, maxDepth: 9 }));
    expect(essence(shallow)).toEqual(essence(explore(grid as never, { maxDepth: 9 })));
    expect(shallow.depthBounded).toBe(true);
    const capped = await withWorkers(2, () => exploreRedis(src, { url, maxStates: 100 }));
    expect(capped.complete).toBe(false);
    expect(capped.stoppedBy).toBe('maxStates');
    expect(capped.states).toBe(100);
  }, 60_000);

  it('re-queues a claim that a worker took and never completed; the report is unchanged', async () => {
    const model = models.find((m) => m.name === 'grid40')!;
    const one = explore(model as never);
    const requeued: number[] = [];
    const run = exploreRedis(
      { module: fixturesModule, model: 'grid40' },
      { url, partitions: 3, claimTimeoutMs: 300, onRequeue: (n) => requeued.push(n) },
    );
    // a worker that dies right after claiming: take the initial state's batch and go away
    const dead = await RedisConn.open(url);
    let taken: string[] = [];
    try {
      for (let i = 0; i < 200 && taken.length === 0; i++) {
        const jobJson = await dead.cmd<string | null>(['GET', JOB_KEY]);
        const job = jobJson ? (JSON.parse(jobJson) as RedisJob) : undefined;
        if (job && (await dead.cmd<string | null>(['GET', levelKey(job.id)])) === '0') {
          for (let p = 0; p < job.partitions && taken.length === 0; p++) {
            const pre = partitionPrefix(job.id, p);
            taken = await dead.run<string[]>(
              'CLAIM',
              [`${pre}q:0`, `${pre}claims`, `${pre}claimed`],
              [64, job.claimTimeoutMs, 'dead-worker:0'],
            );
          }
        }
        if (taken.length === 0) await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await dead.close();
    }
    expect(taken).toHaveLength(1); // the initial state
    const dist = await withWorkers(2, () => run);
    expect(requeued.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(essence(dist)).toEqual(essence(one));
  }, 60_000);

  it('refuses monitors and bad options by name', async () => {
    const withMonitor = models.find((m) => m.monitors?.length)!;
    await expect(exploreRedis({ module: fixturesModule, model: withMonitor.name }, { url })).rejects.toThrow(
      /liveness monitors/,
    );
    await expect(
      exploreRedis({ module: fixturesModule, model: 'abba' }, { url, partitions: 0 }),
    ).rejects.toThrow(/partitions must be a positive integer/);
  });
});

/**
 * distributed (issue 15): states explored per second by the three ways to run the checker, in
 * one run, on the xen-evtchn device model to depth 16 (28,358 states): the one-process
 * explorer (`explore`), worker threads (`exploreParallel`, 1 and 2 threads), and a Redis
 * deployment (a `redis-server` on a free loopback port, no persistence, with 2 and 4 worker
 * processes `kspec check --redis URL --worker`, the coordinator in this process).
 *
 * Rates are wall-clock (the work runs in other threads and processes), each path interleaved
 * round by round with the others (harness/measure.ts). Targets: parallel efficiency (speedup
 * of 2 threads over 1, divided by 2) >= 0.7; the threads' work efficiency (CPU of 1 thread /
 * CPU of 2 threads, for the same space: what the partitioning itself costs, whatever the
 * neighbours' load) is given beside it. The Redis overhead per state is the extra worker time
 * a state costs over Redis: 2 workers / (Redis 2 rate) - 1 / (1 thread rate).
 *
 * Run: npm run bench -- distributed
 * Environment: BENCH_DEPTH (default 16; smoke 6).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MachineCheckModel } from '@kspec/spec-kit';
import { explore } from '@kspec/verify';
import { exploreParallel, exploreRedis, startLocalRedis, stopRedisWorkers } from '@kspec/verify/node';
import { manifest } from '@kspec/xen-evtchn';
import { atLeast, cpuMs, interleave, row, stat } from './harness/measure.js';
import { defineBench, type BenchContext, type BenchOutput } from './harness/types.js';

const SOURCE = { module: '@kspec/xen-evtchn', model: 'xen-evtchn/device' };
const kspecBin = fileURLToPath(new URL('../../apps/orchestrator/bin/kspec.js', import.meta.url));

/** A redis-server with `workers` worker processes attached. */
async function deployment(workers: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const redis = await startLocalRedis();
  const url = redis.url;
  const procs: ChildProcess[] = Array.from({ length: workers }, () =>
    spawn(process.execPath, [kspecBin, 'check', '--redis', url, '--worker'], {
      stdio: 'ignore',
      detached: true,
    }),
  );
  return {
    url,
    async stop() {
      await stopRedisWorkers(url).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      for (const p of procs) {
        try {
          process.kill(-p.pid!, 'SIGKILL');
        } catch {
          // exited
        }
      }
      redis.stop();
    },
  };
}

async function main(ctx: BenchContext): Promise<BenchOutput> {
  const depth = Number(process.env['BENCH_DEPTH'] ?? (ctx.smoke ? 6 : 16));
  const bounds = { maxDepth: depth, maxStates: 2_000_000 };
  const model = manifest.models.find((m) => m.name === SOURCE.model) as MachineCheckModel;
  const expected = explore(model, bounds).states;
  const check = (states: number, how: string): number => {
    if (states !== expected) throw new Error(`${how}: ${states} states, the one-process run ${expected}`);
    return states;
  };
  // without redis-server (not root, not installed) the Redis rows are reported as not measured
  let r2: Awaited<ReturnType<typeof deployment>> | undefined;
  let r4: Awaited<ReturnType<typeof deployment>> | undefined;
  let noRedis: string | undefined;
  try {
    r2 = await deployment(2);
    r4 = await deployment(4);
  } catch (err) {
    noRedis = (err as Error).message;
    ctx.log(`Redis not measured: ${noRedis}`);
  }
  const cpu = new Map<string, number[]>([
    ['threads1', []],
    ['threads2', []],
  ]);
  const timedCpu = async (name: string, f: () => Promise<number>): Promise<number> => {
    const c0 = cpuMs();
    const n = await f();
    cpu.get(name)!.push((cpuMs() - c0) / n);
    return n;
  };
  try {
    const redisPaths =
      r2 && r4
        ? [
            {
              name: 'redis2',
              run: async () =>
                check((await exploreRedis(SOURCE, { ...bounds, url: r2!.url })).states, 'Redis, 2 workers'),
            },
            {
              name: 'redis4',
              run: async () =>
                check((await exploreRedis(SOURCE, { ...bounds, url: r4!.url })).states, 'Redis, 4 workers'),
            },
          ]
        : [];
    const rates = await interleave(
      [
        { name: 'process', run: () => check(explore(model, bounds).states, 'explore') },
        {
          name: 'threads1',
          run: () =>
            timedCpu('threads1', async () =>
              check((await exploreParallel(SOURCE, { ...bounds, workers: 1 })).states, '1 thread'),
            ),
        },
        {
          name: 'threads2',
          run: () =>
            timedCpu('threads2', async () =>
              check((await exploreParallel(SOURCE, { ...bounds, workers: 2 })).states, '2 threads'),
            ),
        },
        ...redisPaths,
      ],
      { rounds: ctx.rounds, ms: ctx.smoke ? 1 : 1 },
    );
    const w = (n: string) => rates.get(n)?.wall ?? null;
    const one = w('threads1')!;
    const two = w('threads2')!;
    const speedup = two.median / one.median;
    const cpu1 = stat(cpu.get('threads1')!);
    const cpu2 = stat(cpu.get('threads2')!);
    const r2rate = w('redis2');
    const overheadUs = r2rate ? (2 / r2rate.median - 1 / one.median) * 1e6 : null;
    ctx.log(
      `states ${expected}, speedup 2 threads ${speedup.toFixed(2)}, Redis overhead ${overheadUs === null ? 'not measured' : `${overheadUs.toFixed(0)} us/state`}`,
    );
    const label = `xen-evtchn device, depth ${depth}, ${expected} states`;
    return {
      rows: [
        row({
          metric: `states/s, 1 thread (${label})`,
          unit: 'states/s',
          kspec: one,
          baseline: w('process')!,
          baselineName: 'explore() in process',
          note: 'wall clock',
        }),
        row({
          metric: 'states/s, 2 threads',
          unit: 'states/s',
          kspec: two,
          baseline: one,
          baselineName: '1 thread',
          note: 'wall clock; speedup',
        }),
        row({
          metric: 'parallel efficiency, 2 threads (speedup / 2)',
          unit: '',
          kspec: speedup / 2,
          target: atLeast(0.7, 'value'),
          note: 'wall clock on a shared 2-core machine',
        }),
        row({
          metric: 'work efficiency, 2 threads (CPU per state: 1 thread / 2 threads)',
          unit: '',
          kspec: cpu1.median / cpu2.median,
          target: atLeast(0.7, 'value'),
          note: 'CPU of every thread of this process',
        }),
        row({
          metric: 'states/s, Redis, 2 worker processes',
          unit: 'states/s',
          kspec: w('redis2'),
          baseline: one,
          baselineName: '1 thread',
          note: noRedis ? `not measured: ${noRedis}` : 'wall clock',
        }),
        row({
          metric: 'states/s, Redis, 4 worker processes',
          unit: 'states/s',
          kspec: w('redis4'),
          baseline: one,
          baselineName: '1 thread',
          note: 'wall clock; 4 processes on 2 cores',
        }),
        row({
          metric: 'Redis overhead per state (2 workers / rate - 1 / 1-thread rate)',
          unit: 'µs/state',
          kspec: overheadUs,
        }),
      ],
      details: { depth, states: expected, cpuMsPerState: { threads1: cpu1, threads2: cpu2 } },
    };
  } finally {
    await r2?.stop();
    await r4?.stop();
  }
}

export default defineBench({
  name: 'distributed',
  title: 'the checker on 1 and 2 threads and over Redis with 2 and 4 worker processes',
  needs: ['redis-server'],
  run: main,
});

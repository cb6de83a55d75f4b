/**
 * The three ways to run `kspec check` give the same reports: in process, on worker threads
 * (`--workers 2`, on every check configuration of every package), and over a real Redis
 * (`redis-server` on a free loopback port, no persistence) with three worker processes
 * (`kspec check --redis URL --worker`), including a run where one worker is killed mid-run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MachineCheckModel } from '@kspec/spec-kit';
import { checkConfig, type CheckReport } from '@kspec/verify';
import {
  checkConfigParallel,
  checkConfigRedis,
  exploreRedis,
  startLocalRedis,
  stopRedisWorkers,
  type LocalRedis,
} from '@kspec/verify/node';
import { workspaceManifests } from '../src/commands/models.js';
import { captureIo } from './helpers.js';

const manifests = await workspaceManifests(captureIo().io);
const all = manifests.flatMap((m) =>
  (m.models as readonly MachineCheckModel[]).flatMap((model) =>
    model.configs.map((c) => ({ pkg: m.package, model, config: c.name })),
  ),
);

/** What must agree between two runs of one configuration. */
function essence(r: CheckReport): unknown {
  return {
    verdict: r.verdict,
    complete: r.complete,
    states: r.states,
    edges: r.edges,
    depth: r.depth,
    depthBounded: r.depthBounded,
    violations: r.violations
      .map((v) => ({ kind: v.kind, name: v.name, trace: v.trace.length, findingId: v.findingId }))
      .sort((a, b) => `${a.kind}:${a.name}`.localeCompare(`${b.kind}:${b.name}`)),
    sentinels: r.sentinels.map((s) => ({ name: s.name, reached: s.reached, trace: s.trace?.length })),
    covered: r.coverage.covered,
  };
}

/** The configuration of `pkg` expecting `verdict` with the fewest states (those without a count last). */
function smallest(pkg: string, verdict: 'pass' | 'findings'): readonly [string, string, string] {
  const expected = (a: (typeof all)[number]) => a.model.configs.find((c) => c.name === a.config)!.expect;
  const candidates = all
    .filter((a) => a.pkg === pkg && expected(a).verdict === verdict)
    .sort((a, b) => (expected(a).states ?? Infinity) - (expected(b).states ?? Infinity));
  const a = candidates[0];
  if (!a) throw new Error(`${pkg} has no configuration expecting ${verdict}`);
  return [pkg, a.model.name, a.config];
}

const deadlockOf = (model: MachineCheckModel, name: string): boolean =>
  (model.configs.find((c) => c.name === name) as { deadlock?: boolean } | undefined)?.deadlock ?? true;

describe('kspec check --workers 2', () => {
  it('gives the in-process report on every check configuration of every package', async () => {
    expect(all.length).toBeGreaterThan(40);
    for (const { pkg, model, config } of all) {
      const deadlock = deadlockOf(model, config);
      const one = checkConfig(model, config, { deadlock });
      const two = await checkConfigParallel({ module: pkg, model: model.name }, config, {
        deadlock,
        workers: 2,
      });
      expect({ config, ...(essence(two.report) as object) }).toEqual({
        config,
        ...(essence(one.report) as object),
      });
      expect(two.ok).toBe(one.ok);
    }
  }, 240_000);
});

const kspecBin = fileURLToPath(new URL('../bin/kspec.js', import.meta.url));

describe('kspec check --redis (1 coordinator, 3 worker processes)', () => {
  let redis: LocalRedis;
  let url = '';
  const workers: ChildProcess[] = [];
  const startWorker = (): ChildProcess => {
    // its own process group, so a kill reaches the node process under the bin shim too
    const w = spawn(process.execPath, [kspecBin, 'check', '--redis', url, '--worker'], {
      stdio: 'ignore',
      detached: true,
    });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    redis = await startLocalRedis();
    url = redis.url;
    for (let i = 0; i < 3; i++) startWorker();
  });

  afterAll(async () => {
    await stopRedisWorkers(url).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    for (const w of workers) {
      try {
        process.kill(-w.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
    redis.stop();
  });

  const picked = [
    ['@kspec/xen-evtchn', 'xen-evtchn/device', 'fast'],
    ['@kspec/xen-evtchn', 'xen-evtchn/irq-vs-read', 'lostWakeup'],
    ['@kspec/shmif', 'shmif.steadyState', 'steadyStatePasses'],
    ['@kspec/shmif', 'shmif.overrunResync', 'SHMIF-4'],
    // and for every other package its smallest passing configuration and its smallest one
    // that exhibits a finding (by the state counts the configurations expect)
    ...['@kspec/cmm', '@kspec/core-pager', '@kspec/usb-gadget'].flatMap((pkg) =>
      (['pass', 'findings'] as const).map((verdict) => smallest(pkg, verdict)),
    ),
  ] as const;

  it.each(picked)(
    '%s %s / %s gives the in-process report',
    async (pkg, name, config) => {
      const model = all.find((a) => a.model.name === name)!.model;
      const deadlock = deadlockOf(model, config);
      const one = checkConfig(model, config, { deadlock });
      const dist = await checkConfigRedis({ module: pkg, model: name }, config, { url, deadlock });
      expect(essence(dist.report)).toEqual(essence(one.report));
      expect(dist.ok).toBe(true);
    },
    120_000,
  );

  it('loses nothing when a worker is killed mid-run (its claims are re-queued)', async () => {
    const model = all.find((a) => a.model.name === 'shmif.steadyState')!.model;
    const one = checkConfig(model, 'steadyStatePasses', { deadlock: false });
    const victim = workers[0]!;
    let killed = false;
    const dist = await exploreRedis(
      { module: '@kspec/shmif', model: 'shmif.steadyState' },
      {
        url,
        deadlock: false,
        maxStates: 100_000,
        claimTimeoutMs: 1_000,
        onProgress: (p) => {
          if (!killed && p.states > 1_000) {
            killed = true;
            process.kill(-victim.pid!, 'SIGKILL');
          }
        },
      },
    );
    expect(killed).toBe(true);
    expect(essence(dist)).toEqual(essence(one.report));
    startWorker();
  }, 120_000);
});

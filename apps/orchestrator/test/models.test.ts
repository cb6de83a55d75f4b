/**
 * `kspec export`, `kspec check` and `kspec paths` over the workspace's manifests (discovered
 * by `@kspec/statecharts`, so every subsystem package with a manifest takes part).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { src, type MachineCheckModel, type SubsystemManifest } from '@kspec/spec-kit';
import {
  checkCommand,
  exportCommand,
  findModel,
  pathsCommand,
  workspaceManifests,
} from '../src/commands/models.js';
import { DEFAULT_DRIVERS } from '../src/drivers/index.js';
import { UsageError } from '../src/errors.js';
import { captureIo, tmpDir } from './helpers.js';

const manifests = await workspaceManifests(captureIo().io);

/** A one-counter machine whose invariant `belowTwo` breaks after two ticks. */
function counterManifest(finding: boolean): SubsystemManifest {
  const S = { source: src('linux-xen-evtchn.c', 'test', 1) };
  const machine = setup({
    types: {} as { context: { n: number }; events: { type: 'tick' } },
    actions: { bump: assign({ n: ({ context }) => context.n + 1 }) },
  }).createMachine({
    id: 'counter',
    context: { n: 0 },
    initial: 'on',
    meta: S,
    states: { on: { meta: S, on: { tick: { actions: 'bump', meta: S } } } },
  });
  const belowTwo = {
    name: 'belowTwo',
    statement: 'n < 2',
    holds: (s: { context: { n: number } }) => s.context.n < 2,
  };
  return {
    package: '@kspec/test',
    name: 'test',
    title: 'test',
    machines: [{ name: 'counter', machine, description: 'a counter' }],
    models: [
      {
        kind: 'machine',
        name: 'counter',
        machine,
        alphabet: () => [{ type: 'tick' }],
        project: (s: { context: { n: number } }) => s.context.n,
        invariants: [belowTwo],
        findings: finding
          ? [
              {
                id: 'TEST-1',
                title: 'n reaches 2',
                invariant: 'belowTwo',
                seed: [src('linux-xen-evtchn.c', 'test', 1)],
                summary: '',
              },
            ]
          : [],
        configs: [
          {
            name: 'small',
            description: '',
            bounds: { maxDepth: 4 },
            expect: finding ? { verdict: 'findings', findings: ['TEST-1'] } : { verdict: 'pass' },
          },
        ],
      },
    ],
    invariants: [belowTwo],
    findings: [],
  } as unknown as SubsystemManifest;
}

describe('the workspace manifests', () => {
  it('include every subsystem the orchestrator has a driver for, under the same names', () => {
    for (const d of DEFAULT_DRIVERS) {
      const m = manifests.find((x) => x.name === d.subsystem);
      expect(m, d.subsystem).toBeDefined();
      expect(m!.package).toBe(d.package);
    }
  });
});

describe('kspec export', () => {
  it('writes every format asked for, per package and machine', async () => {
    const out = tmpDir();
    const cap = captureIo();
    expect(await exportCommand({ out, format: 'scxml,mmd' }, cap.io)).toBe(0);
    for (const m of manifests) {
      for (const c of m.machines) {
        expect(existsSync(join(out, m.name, `${c.name}.scxml`)), `${m.name}/${c.name}`).toBe(true);
        expect(readFileSync(join(out, m.name, `${c.name}.mmd`), 'utf8')).toContain('stateDiagram-v2');
      }
    }
    expect(cap.text()).toMatch(/kspec export: \d+ machine\(s\) of \d+ package\(s\) \(scxml, mmd\)/);
  });

  it('names an unknown format as bad input', async () => {
    await expect(exportCommand({ out: tmpDir(), format: 'svg,png' }, captureIo().io)).rejects.toThrow(
      UsageError,
    );
  });
});

describe('kspec check', () => {
  it('runs every named configuration of every model of a package, with its verdict', async () => {
    const cap = captureIo();
    const m = manifests.find((x) => x.name === 'xen-evtchn')!;
    const r = await checkCommand('xen-evtchn', { json: true }, cap.io, manifests);
    const configs = m.models.flatMap((model) => model.configs.map((c) => `${model.name}/${c.name}`));
    expect(r.entries.map((e) => `${e.model}/${e.config}`)).toEqual(configs);
    // exit status 1 exactly when some configuration does not meet its expectations
    expect(r.code).toBe(r.entries.every((e) => e.ok) ? 0 : 1);
    for (const e of r.entries) expect(e.ok).toBe(e.problems.length === 0);
    const json = JSON.parse(cap.text()) as { ok: boolean; entries: unknown[] };
    expect(json.ok).toBe(r.code === 0);
    expect(json.entries.length).toBe(configs.length);
  });

  it('exits 1 on a violation that is not a recorded finding, 0 when it is one', async () => {
    const failing = await checkCommand('test', { json: true }, captureIo().io, [counterManifest(false)]);
    expect(failing.code).toBe(1);
    expect(failing.entries[0]!.problems.join('\n')).toContain('belowTwo');
    const known = await checkCommand('all', {}, captureIo().io, [counterManifest(true)]);
    expect(known.code).toBe(0);
    expect(known.entries[0]!.report.violations[0]!.findingId).toBe('TEST-1');
    // bounds from the command line: every configuration with those bounds, failing only on unrecorded violations
    const cap = captureIo();
    const bounded = await checkCommand('test', { depth: 1, json: true }, cap.io, [counterManifest(false)]);
    expect(bounded.code).toBe(0);
    expect(JSON.parse(cap.text())).toMatchObject({
      ok: true,
      entries: [{ config: 'small (command-line bounds)', ok: true }],
    });
  });

  it('with command-line bounds, each configuration keeps the invariants it checks', async () => {
    const m = counterManifest(false);
    const model = m.models[0] as MachineCheckModel;
    const onlyNone = { ...model.configs[0]!, name: 'none', invariants: [] as string[] };
    const withBoth = { ...m, models: [{ ...model, configs: [model.configs[0]!, onlyNone] }] };
    const r = await checkCommand('test', { depth: 3, json: true }, captureIo().io, [withBoth]);
    expect(r.code).toBe(1);
    expect(r.entries.map((e) => [e.config, e.ok])).toEqual([
      ['small (command-line bounds)', false],
      ['none (command-line bounds)', true],
    ]);
    expect(r.entries[0]!.problems.join('\n')).toContain('belowTwo');
    expect(r.entries[0]!.report.depth).toBeLessThanOrEqual(3);
  });
});

describe('kspec check and deadlocks', () => {
  /** The counter with an empty alphabet: its initial state enables nothing (a deadlock). */
  function stuck(configDeadlock?: boolean): SubsystemManifest {
    const m = counterManifest(false);
    const model = m.models[0]!;
    const config = {
      ...model.configs[0]!,
      ...(configDeadlock === undefined ? {} : { deadlock: configDeadlock }),
    };
    return {
      ...m,
      models: [{ ...model, alphabet: () => [], configs: [config] }],
    } as unknown as SubsystemManifest;
  }

  it('reports a deadlock by default; --no-deadlock, or a configuration saying deadlock: false, turns it off', async () => {
    const d = await checkCommand('test', {}, captureIo().io, [stuck()]);
    expect(d.code).toBe(1);
    expect(d.entries[0]!.problems.join('\n')).toContain('deadlock');
    expect((await checkCommand('test', { deadlock: false }, captureIo().io, [stuck()])).code).toBe(0);
    expect((await checkCommand('test', {}, captureIo().io, [stuck(false)])).code).toBe(0);
  });
});

describe('kspec paths', () => {
  it('prints transition-covering test paths of a model as JSON', async () => {
    const cap = captureIo();
    expect(await pathsCommand('test/counter', {}, cap.io, [counterManifest(false)])).toBe(0);
    const suite = JSON.parse(cap.text()) as {
      package: string;
      paths: { events: { type: string }[] }[];
      covered: string[];
    };
    expect(suite.package).toBe('@kspec/test');
    expect(suite.covered.length).toBe(1);
    expect(suite.paths[0]!.events[0]).toEqual({ type: 'tick' });
  });

  it('finds models by chart name in the workspace, and names the known ones otherwise', () => {
    expect(findModel(manifests, 'evtchnDevice').manifest.name).toBe('xen-evtchn');
    expect(findModel(manifests, 'xen-evtchn/evtchnDevice').model).toBe(
      findModel(manifests, 'evtchnDevice').model,
    );
    expect(findModel(manifests, '@kspec/xen-evtchn/evtchnDevice').model).toBe(
      findModel(manifests, 'evtchnDevice').model,
    );
    expect(() => findModel(manifests, 'nope')).toThrow(
      /no check model or chart 'nope' \(check models: .*xen-evtchn\/.*; charts: .*xen-evtchn\/evtchnBinding/,
    );
  });

  it('gives a chart without a check model of its own one over its events (package/chart, as the message offers)', async () => {
    expect(
      manifests.find((m) => m.name === 'xen-evtchn')!.models.some((m) => m.machine.id === 'evtchnBinding'),
    ).toBe(false);
    for (const name of ['xen-evtchn/evtchnBinding', '@kspec/xen-evtchn/evtchnBinding', 'evtchnBinding']) {
      const found = findModel(manifests, name);
      expect(found.model.name).toBe('xen-evtchn/evtchnBinding (chart events)');
      expect(found.model.invariants).toEqual([]);
    }
    const cap = captureIo();
    expect(await pathsCommand('xen-evtchn/evtchnBinding', {}, cap.io, manifests)).toBe(0);
    const suite = JSON.parse(cap.text()) as { paths: { events: { type: string }[] }[]; covered: string[] };
    expect(suite.paths.length).toBeGreaterThan(0);
    expect(suite.covered.length).toBeGreaterThan(3);
  });
});

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args.js';
import { parseFormats } from './export-all.js';
import { exportManifests } from './export-files.js';
import { checkManifest } from './check-manifest.js';
import { discoverManifests } from './discover.js';
import { manifest } from './fixtures/index.js';
import { repoRoot } from './test-support/all-machines.js';

const dir = mkdtempSync(join(tmpdir(), 'kspec-statecharts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exportManifests', () => {
  it('writes <out>/<package>/<machine>.<ext> for every machine and an index', async () => {
    const index = await exportManifests([manifest], dir);
    expect(readdirSync(join(dir, 'fixtures')).sort()).toEqual(
      ['fixtureBalloon', 'fixtureGadget']
        .flatMap((m) => ['dot', 'json', 'mmd', 'scxml', 'svg'].map((e) => `${m}.${e}`))
        .sort(),
    );
    const written = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    expect(written).toEqual(JSON.parse(JSON.stringify(index)));
    expect(index.packages[0]!.machines.map((m) => m.name)).toEqual(['fixtureBalloon', 'fixtureGadget']);
  });

  it('writes only the formats asked for', async () => {
    const out = join(dir, 'some');
    await exportManifests([manifest], out, parseFormats('dot,scxml'));
    expect(readdirSync(join(out, 'fixtures')).sort()).toEqual([
      'fixtureBalloon.dot',
      'fixtureBalloon.scxml',
      'fixtureGadget.dot',
      'fixtureGadget.scxml',
    ]);
  });
});

describe('command line and discovery', () => {
  it('parses --out and --format, refusing unknown formats and arguments', () => {
    expect(parseCliArgs(['--out', 'docs/statecharts'])).toEqual({
      out: 'docs/statecharts',
      formats: ['svg', 'scxml', 'dot', 'mmd', 'json'],
    });
    expect(parseCliArgs(['--out=x', '--format', 'svg,dot']).formats).toEqual(['svg', 'dot']);
    expect(() => parseCliArgs(['--out', 'x', '--format', 'svg,png'])).toThrow(/unknown format 'png'/);
    expect(() => parseCliArgs(['--format', 'svg'])).toThrow(/required option '--out <dir>' not specified/);
    expect(() => parseCliArgs(['--out', 'x', '--verbose'])).toThrow(/unknown option '--verbose'/);
    expect(() => parseCliArgs(['--out', 'x', 'extra'])).toThrow(/too many arguments/);
    expect(parseCliArgs(['--out', 'x', '--formats', 'json', '--root', 'r'])).toEqual({
      out: 'x',
      formats: ['json'],
      root: 'r',
    });
  });

  it('discovers manifests by importing workspace packages, and checks their shape', async () => {
    const seen: string[] = [];
    const found = await discoverManifests(repoRoot, {
      importer: async (name) => {
        seen.push(name);
        return name === '@kspec/spec-kit' ? { manifest } : {};
      },
    });
    expect(seen).toContain('@kspec/spec-kit');
    expect(seen).not.toContain('@kspec/statecharts');
    expect(found.map((f) => f.packageName)).toEqual(['@kspec/spec-kit']);
    expect(() =>
      checkManifest({ ...manifest, machines: [{ name: 'x', machine: {} }] }, '@kspec/demo'),
    ).toThrow(/@kspec\/demo: manifest \.machines\[0\] \('x'\)\.machine is not an XState machine/);
    expect(() => checkManifest({ ...manifest, name: 'a/b' }, '@kspec/demo')).toThrow(/not directory-safe/);
  });
});

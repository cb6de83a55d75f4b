/**
 * The built site shows every machine: the fixtures plus every machine of every workspace
 * package that exports a manifest (discovered, so new packages are covered without a change
 * here). Each page has its diagram, one table row per transition with a seed link that
 * resolves to an excerpt on the same page showing the seed's own lines, and its exports.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { seedLineIs, upstreamUrl, type SourceRef } from '@kspec/spec-kit';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeChart } from '@kspec/statecharts';
import { discoverManifests, findRepoRoot } from '@kspec/statecharts/node';
import { manifest as fixtureManifest } from '@kspec/statecharts/fixtures';
import type { SiteSource } from './build.js';
import { buildSite } from './build.js';
import { machinePage } from './page.js';
import { SeedReader, seedAnchor } from './seeds.js';

const root = findRepoRoot(import.meta.dirname);
const out = mkdtempSync(join(tmpdir(), 'kspec-site-'));
const sources: SiteSource[] = [
  { specifier: '@kspec/statecharts/fixtures', manifest: fixtureManifest },
  ...(await discoverManifests(root)).map((f) => ({ specifier: f.packageName, manifest: f.manifest })),
];
const machines = sources.flatMap((s) =>
  s.manifest.machines.map((entry) => ({
    manifest: s.manifest,
    entry,
    label: `${s.manifest.name}/${entry.name}`,
  })),
);

let seedsDir: string | undefined;
beforeAll(async () => {
  seedsDir = (await buildSite({ root, out, sources })).seedsDir;
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('docs site', () => {
  it('the index lists every machine and links to the API', () => {
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    expect(index).toContain('href="../api/index.html"');
    for (const m of machines) expect(index).toContain(`href="${m.manifest.name}/${m.entry.name}.html"`);
  });

  it.each(machines)(
    '$label: page with diagram, viewer bundle, transitions, seed excerpts and exports',
    ({ manifest, entry }) => {
      const html = readFileSync(join(out, manifest.name, `${entry.name}.html`), 'utf8');
      const graph = describeChart(entry.machine);
      expect(html).toContain('<svg ');
      expect(html).toContain(`src="../assets/${manifest.name}.viewer.js"`);
      expect(existsSync(join(out, 'assets', `${manifest.name}.viewer.js`))).toBe(true);
      for (const ext of ['svg', 'scxml', 'dot', 'mmd', 'json'])
        expect(existsSync(join(out, manifest.name, `${entry.name}.${ext}`))).toBe(true);
      // one row per transition
      const rows = html.match(/<tr id="t-[^"]*" data-transition-id=/g) ?? [];
      expect(rows.length).toBe(graph.edges.length);
      // every seed link on the page resolves to an excerpt on the page
      const links = [...html.matchAll(/href="#(seed-[^"]+)"/g)].map((m) => m[1]!);
      expect(links.length).toBeGreaterThan(0);
      for (const anchor of new Set(links)) expect(html).toContain(`id="${anchor}"`);
      for (const inv of manifest.invariants)
        expect(html.includes(inv.name) || manifest.models.length > 0).toBe(true);
    },
  );

  it('every seed reference links upstream at its revision and line; excerpts, when shown, are the indexed lines', () => {
    const ref = describeChart(fixtureManifest.machines[0]!.machine).edges[0]!.source!;
    const html = readFileSync(join(out, 'fixtures', 'fixtureBalloon.html'), 'utf8');
    const block = html.slice(html.indexOf(`id="${seedAnchor(ref)}"`));
    expect(block).toContain(`href="${upstreamUrl(ref)}"`);
    if (seedsDir === undefined) {
      // a clone without seeds: links only, and the page says how to get the lines
      expect(block).toMatch(/^[^]*?No local seed directory is configured \(set KSPEC_SEEDS/);
    } else {
      const shown = [
        ...block.slice(0, block.indexOf('</pre>')).matchAll(/<span class="ln">(\d+)<\/span>([^\n<]*)/g),
      ];
      expect(shown.map((m) => Number(m[1]))).toEqual(
        Array.from({ length: ref.lines[1] - ref.lines[0] + 1 }, (_, i) => ref.lines[0] + i),
      );
      const unescape = (t: string) =>
        t
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&amp;/g, '&');
      for (const m of shown) expect(seedLineIs(ref.file, Number(m[1]), unescape(m[2]!))).toBe(true);
    }
  });

  it('without a seed directory a page links every reference upstream and shows no seed text', () => {
    const { manifest, entry } = machines.find((m) => m.manifest.name === 'xen-evtchn')!;
    const html = machinePage({
      manifest,
      entry,
      graph: describeChart(entry.machine),
      svg: '<svg></svg>',
      notes: [],
      files: [],
      seeds: new SeedReader(undefined),
      viewerScript: 'x.js',
    });
    const refs = [...html.matchAll(/href="#(seed-[^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    expect(html).not.toContain('<span class="ln">');
    const ref: SourceRef = { file: 'linux-xen-evtchn.c', fn: 'evtchn_ioctl', lines: [429, 597] };
    expect(upstreamUrl(ref)).toMatch(/^https:\/\/github.com\/openbmc\/linux\/blob\/2a598d0b\//);
    const links = [...html.matchAll(/<a class="upstream" href="([^"]+)"/g)].map((m) => m[1]!);
    expect(new Set(links).size).toBeGreaterThan(5);
    for (const l of links)
      expect(l).toMatch(
        /^https:\/\/github\.com\/openbmc\/linux\/blob\/2a598d0b\/drivers\/xen\/evtchn\.c#L\d+$/,
      );
  });

  it('findings and invariants of the manifest are on the page', () => {
    const html = readFileSync(join(out, 'fixtures', 'fixtureBalloon.html'), 'utf8');
    expect(html).toContain('id="finding-FIXTURE-1"');
    expect(html).toContain('id="inv-freedNeverNegative"');
  });

  it('a machine that publishes appendix sections (the usb-gadget descriptor dumps) shows each of them on its page', () => {
    const withAppendix = machines.filter((m) => (m.entry.appendix ?? []).length > 0);
    expect(withAppendix.map((m) => m.label)).toContain('usb-gadget/gEther');
    const esc = (t: string) =>
      t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    for (const { manifest, entry } of withAppendix) {
      const html = readFileSync(join(out, manifest.name, `${entry.name}.html`), 'utf8');
      for (const a of entry.appendix!) {
        expect(html).toContain(`id="appendix-${a.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}"`);
        expect(html).toContain(esc(a.text));
      }
    }
  });
});

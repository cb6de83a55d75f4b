/**
 * Export and render time of every machine (fixtures plus every discovered manifest machine),
 * format by format side by side, and the whole docs site build (bundles, exports, pages),
 * against the target of under 30 s for the whole site on this 2-core machine.
 *
 * Run: npm run bench -- statecharts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { SubsystemManifest } from '@kspec/spec-kit';
import { loadGraphviz, renderDotToSvg, toDot, toMermaid, toScxml, toXStateJson } from '@kspec/statecharts';
import { discoverManifests, findRepoRoot } from '@kspec/statecharts/node';
import { manifest as fixtureManifest } from '@kspec/statecharts/fixtures';
import { buildSite } from '../docs/src/build.js';
import { atMost, row, stat } from './harness/measure.js';
import { defineBench, type BenchContext, type BenchOutput, type Row } from './harness/types.js';

async function main(ctx: BenchContext): Promise<BenchOutput> {
  const root = findRepoRoot(import.meta.dirname);
  const found = await discoverManifests(root);
  const manifests: { specifier: string; manifest: SubsystemManifest }[] = [
    { specifier: '@kspec/statecharts/fixtures', manifest: fixtureManifest },
    ...found.map((f) => ({ specifier: f.packageName, manifest: f.manifest })),
  ];

  function time<T>(fn: () => T, reps: number): { ms: number; value: T } {
    let value = fn();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) value = fn();
    return { ms: (performance.now() - t0) / reps, value };
  }

  const t0 = performance.now();
  await loadGraphviz();
  const wasmLoadMs = performance.now() - t0;

  const out = (s: string): void => ctx.log(s);
  const rows: Row[] = [];
  const svgMs: number[] = [];
  const dotMs: number[] = [];
  out(`Graphviz WASM load: ${wasmLoadMs.toFixed(1)} ms (once per process)`);
  out('');
  out(
    'machine                               states  edges   scxml ms   dot ms  mmd ms  json ms  svg ms  svg/dot',
  );
  for (const { manifest } of manifests) {
    for (const entry of manifest.machines) {
      const reps = ctx.smoke ? 2 : 20;
      const scxml = time(() => toScxml(entry.machine), reps).ms;
      const dot = time(() => toDot(entry.machine), reps);
      const mmd = time(() => toMermaid(entry.machine), reps).ms;
      const json = time(() => toXStateJson(entry.machine), reps).ms;
      await renderDotToSvg(dot.value); // warm-up
      const s0 = performance.now();
      for (let i = 0; i < 5; i++) await renderDotToSvg(dot.value);
      const svg = (performance.now() - s0) / 5;
      svgMs.push(svg);
      dotMs.push(dot.ms);
      const states = (dot.value.match(/id="state:/g) ?? []).length;
      const edges = (dot.value.match(/id="edge:/g) ?? []).length;
      out(
        `${`${manifest.name}/${entry.name}`.padEnd(38)}${String(states).padStart(6)}${String(edges).padStart(7)}${scxml.toFixed(2).padStart(11)}${dot.ms.toFixed(2).padStart(9)}${mmd.toFixed(2).padStart(8)}${json.toFixed(2).padStart(9)}${svg.toFixed(1).padStart(8)}${(svg / dot.ms).toFixed(0).padStart(8)}x`,
      );
    }
  }

  const siteRounds: number[] = [];
  let summary!: Awaited<ReturnType<typeof buildSite>>;
  for (let r = 0; r < (ctx.smoke ? 1 : ctx.rounds); r++) {
    const site = mkdtempSync(join(tmpdir(), 'kspec-bench-site-'));
    const b0 = performance.now();
    summary = await buildSite({ root, out: site, sources: manifests });
    siteRounds.push(performance.now() - b0);
    rmSync(site, { recursive: true, force: true });
  }
  const siteMs = stat(siteRounds).median;
  rows.push(
    row({
      metric: `docs site build (${summary.pages.length} machine pages), s`,
      unit: 's',
      kspec: stat(siteRounds.map((x) => x / 1000)),
      target: atMost(30, 'value'),
    }),
    row({
      metric: 'SVG render (Graphviz WASM) vs DOT export, per machine, median',
      unit: 'ms',
      kspec: stat(svgMs),
      baseline: stat(dotMs),
      baselineName: 'DOT text',
    }),
  );
  out('');
  out(
    `docs site (${summary.pages.length} machine pages): ${(siteMs / 1000).toFixed(2)} s total = viewer bundles ${(summary.timings.bundleMs / 1000).toFixed(2)} s + exports ${(summary.timings.exportMs / 1000).toFixed(2)} s + pages; target < 30 s: ${siteMs < 30_000 ? 'met' : 'MISSED'}`,
  );

  // typedoc is the other half of `npm run docs` (it needs built packages; measured when they are)
  const api = mkdtempSync(join(tmpdir(), 'kspec-bench-api-'));
  const a0 = performance.now();
  // not in a smoke run: typedoc alone takes most of half a minute
  const r = ctx.smoke
    ? { status: null }
    : spawnSync('npx', ['typedoc', '--out', api, '--logLevel', 'Error'], { cwd: root, encoding: 'utf8' });
  const apiMs = performance.now() - a0;
  rmSync(api, { recursive: true, force: true });
  if (r.status === 0)
    rows.push(
      row({
        metric: 'docs site + typedoc API, s',
        unit: 's',
        kspec: (siteMs + apiMs) / 1000,
        target: atMost(30, 'value'),
      }),
    );
  out(
    r.status === 0
      ? `typedoc API: ${(apiMs / 1000).toFixed(2)} s; site + API: ${((siteMs + apiMs) / 1000).toFixed(2)} s (target < 30 s: ${siteMs + apiMs < 30_000 ? 'met' : 'MISSED'})`
      : `typedoc API: not measured (exit ${r.status}: build the packages first, npm run build)`,
  );

  return { rows };
}

export default defineBench({
  name: 'statecharts',
  title: 'export and render of every machine; the docs site build',
  run: main,
});

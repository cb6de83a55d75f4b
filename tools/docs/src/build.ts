/**
 * Builds the docs site: `<out>/index.html` (every package and machine, a link to the TypeDoc
 * API in `<out>/../api`), one page per machine at `<out>/<package>/<machine>.html` with its
 * exports beside it, and a viewer bundle per package in `<out>/assets`. Static files only:
 * the site works from `file://` or any static server.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SubsystemManifest } from '@kspec/spec-kit';
import { describeChart, exportMachine } from '@kspec/statecharts';
import { checkOutputDirectory, writeFileAtomic } from '@kspec/statecharts/node';
import { bundleViewer } from './bundle.js';
import { esc, frame, SITE_CSS } from './html.js';
import { machinePage } from './page.js';
import { SeedReader } from './seeds.js';

/** One manifest to publish and the module specifier the viewer bundle imports it from. */
export interface SiteSource {
  readonly specifier: string;
  readonly manifest: SubsystemManifest;
}

/** Options of {@link buildSite}. */
export interface BuildSiteOptions {
  /** The repository root (module resolution for the bundles). */
  readonly root: string;
  readonly out: string;
  readonly sources: readonly SiteSource[];
  /**
   * A local seed directory for the excerpts; default: `$KSPEC_SEEDS` or the workplace default
   * (see `resolveSeedDir`), and links only when there is none.
   */
  readonly seedsDir?: string;
}

/** What was built. */
export interface SiteSummary {
  readonly pages: readonly { readonly manifest: string; readonly machine: string; readonly path: string }[];
  readonly timings: { readonly bundleMs: number; readonly exportMs: number; readonly totalMs: number };
  /** The local seed directory the excerpts came from, if any. */
  readonly seedsDir: string | undefined;
}

/** Builds the site (see the module notes). */
export async function buildSite(options: BuildSiteOptions): Promise<SiteSummary> {
  const t0 = performance.now();
  const seeds = SeedReader.resolve(options.seedsDir);
  checkOutputDirectory('--out', options.out);
  mkdirSync(join(options.out, 'assets'), { recursive: true });
  writeFileAtomic(join(options.out, 'assets', 'site.css'), SITE_CSS, '--out');
  let bundleMs = 0;
  let exportMs = 0;
  const pages: { manifest: string; machine: string; path: string }[] = [];
  const cards: string[] = [];
  for (const { specifier, manifest } of options.sources) {
    // a package without machines (shared memory: infrastructure with invariants) has no page
    if (manifest.machines.length === 0) continue;
    const b0 = performance.now();
    const script = await bundleViewer(specifier, options.root);
    writeFileAtomic(join(options.out, 'assets', `${manifest.name}.viewer.js`), script, '--out');
    bundleMs += performance.now() - b0;
    const dir = join(options.out, manifest.name);
    mkdirSync(dir, { recursive: true });
    const items: string[] = [];
    for (const entry of manifest.machines) {
      const e0 = performance.now();
      const exported = await exportMachine(entry);
      exportMs += performance.now() - e0;
      const files: string[] = [];
      for (const [ext, text] of Object.entries(exported.files)) {
        writeFileAtomic(join(dir, `${entry.name}.${ext}`), text, '--out');
        files.push(`${entry.name}.${ext}`);
      }
      const graph = describeChart(entry.machine);
      const html = machinePage({
        manifest,
        entry,
        graph,
        svg: exported.files.svg ?? '',
        notes: exported.notes,
        files,
        seeds,
        viewerScript: `../assets/${manifest.name}.viewer.js`,
      });
      const path = `${manifest.name}/${entry.name}.html`;
      writeFileAtomic(join(options.out, path), html, '--out');
      pages.push({ manifest: manifest.name, machine: entry.name, path });
      items.push(
        `<li><a href="${esc(path)}">${esc(entry.name)}</a> <span class="muted">(${graph.states.size} states, ${graph.edges.length} transitions)</span><br>${esc(entry.description)}</li>`,
      );
    }
    cards.push(`<div class="card"><h2>${esc(manifest.title)}</h2>
<p class="muted"><code>${esc(manifest.package)}</code>${manifest.seed ? ` · seed <code>${esc(manifest.seed)}</code>` : ''} · ${manifest.invariants.length} invariants · ${manifest.findings.length} findings</p>
<ul>${items.join('\n')}</ul></div>`);
  }
  const index = frame(
    'Statecharts',
    `<h1>kspec statecharts</h1>
<p>Every machine of every kspec package: its diagram, a viewer that runs it in the page, its transitions with the seed lines they model, its invariants and findings. The TypeScript API is in the <a href="../api/index.html">API reference</a>.</p>
<div class="cards">${cards.join('\n') || '<p>No package exports a manifest yet.</p>'}</div>`,
    0,
  );
  writeFileAtomic(join(options.out, 'index.html'), index, '--out');
  return { pages, timings: { bundleMs, exportMs, totalMs: performance.now() - t0 }, seedsDir: seeds.dir };
}

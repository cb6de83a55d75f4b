#!/usr/bin/env node
/**
 * `npm run docs` runs this after building the packages and TypeDoc:
 *
 * ```sh
 * node tools/docs/dist/cli.js [--out docs/site] [--root .]
 * ```
 *
 * It publishes every manifest that a workspace package exports (discovered like the
 * exporter does) and prints where the site is.
 *
 * @module
 */
import { resolve } from 'node:path';
import { discoverManifests, findRepoRoot } from '@kspec/statecharts';
import { buildSite } from './build.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let out = 'docs/site';
  let root: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out' && argv[i + 1]) out = argv[++i]!;
    else if (a === '--root' && argv[i + 1]) root = argv[++i]!;
    else {
      console.error(
        `kspec-docs-site: unknown argument '${a}'\nusage: kspec-docs-site [--out DIR] [--root DIR]`,
      );
      process.exit(2);
    }
  }
  const repo = root ? resolve(root) : findRepoRoot();
  const found = await discoverManifests(repo, {
    onSkip: (name, reason) => console.warn(`kspec-docs-site: skipping ${name}: ${reason}`),
  });
  const summary = await buildSite({
    root: repo,
    out: resolve(repo, out),
    sources: found.map((f) => ({ specifier: f.packageName, manifest: f.manifest })),
  });
  console.log(
    `kspec-docs-site: ${summary.pages.length} machine pages in ${resolve(repo, out)} (${Math.round(summary.timings.totalMs)} ms; open index.html)`,
  );
}

main().catch((err: unknown) => {
  console.error(`kspec-docs-site: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});

#!/usr/bin/env node
/**
 * `npm run docs` runs this after building the packages and TypeDoc:
 *
 * ```sh
 * node tools/docs/dist/cli.js [--out docs/site] [--root .] [--seeds DIR]
 * ```
 *
 * It publishes every manifest that a workspace package exports (discovered like the
 * exporter does) and prints where the site is. A `--out` that cannot be made or written is
 * exit 2 before any work; every file is written whole (a temporary file renamed). Seed references link upstream; with a local
 * seed directory (`--seeds DIR` or `$KSPEC_SEEDS`) the pages also show the cited lines.
 *
 * @module
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import {
  OutputPathError,
  checkOutputDirectory,
  discoverManifests,
  findRepoRoot,
} from '@kspec/statecharts/node';
import { buildSite } from './build.js';

async function main(): Promise<void> {
  const program = new Command('kspec-docs-site')
    .description('Build the kspec docs site: one page per machine beside the TypeDoc API.')
    .option('--out <dir>', 'where to write the site', 'docs/site')
    .option('--root <dir>', 'the repository root (default: found from the working directory)')
    .option('--seeds <dir>', 'a local seed directory for the excerpts (default: $KSPEC_SEEDS)')
    .showHelpAfterError()
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .parse();
  const { out, root, seeds } = program.opts<{ out: string; root?: string; seeds?: string }>();
  const repo = root ? resolve(root) : findRepoRoot();
  // before any work: the site's directory exists or can be made, by this user
  checkOutputDirectory('--out', resolve(repo, out));
  const found = await discoverManifests(repo, {
    onSkip: (name, reason) => console.warn(`kspec-docs-site: skipping ${name}: ${reason}`),
  });
  const summary = await buildSite({
    root: repo,
    out: resolve(repo, out),
    sources: found.map((f) => ({ specifier: f.packageName, manifest: f.manifest })),
    ...(seeds === undefined ? {} : { seedsDir: seeds }),
  });
  console.log(
    `kspec-docs-site: ${summary.pages.length} machine pages in ${resolve(repo, out)} (${Math.round(summary.timings.totalMs)} ms; ${summary.seedsDir ? `seed excerpts from ${summary.seedsDir}` : 'upstream seed links only: no local seed directory'}; open index.html)`,
  );
}

main().catch((err: unknown) => {
  if (err instanceof OutputPathError) {
    console.error(`kspec-docs-site: ${err.message}`);
    process.exit(2);
  }
  console.error(`kspec-docs-site: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});

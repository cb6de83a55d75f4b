#!/usr/bin/env node
/**
 * The exporter's command line (`kspec export` of the orchestrator does the same):
 *
 * ```sh
 * node packages/statecharts/dist/cli.js --out docs/statecharts [--format svg,scxml,dot,mmd,json] [--root .]
 * ```
 *
 * It discovers every workspace package that exports a `manifest` and writes
 * `<out>/<package>/<machine>.<ext>` for every machine. Exit status 2 on bad arguments or an
 * output directory that cannot be made or written (checked before any work), 1 on a failed
 * export (the message names the package, machine and state node). Every file is written whole
 * (a temporary file renamed), so a failure leaves the files as they were.
 *
 * @module
 */
import { resolve } from 'node:path';
import { discoverManifests, findRepoRoot } from './discover.js';
import type { CliArgs } from './cli-args.js';
import { exporterProgram, parseCliArgs } from './cli-args.js';
import { exportManifests } from './export-files.js';
import { OutputPathError, checkOutputDirectory } from './outputs.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(exporterProgram().helpInformation());
    return;
  }
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (err) {
    console.error(`kspec-statecharts: ${(err as Error).message}\n${exporterProgram().helpInformation()}`);
    process.exit(2);
  }
  const out = resolve(args.out);
  checkOutputDirectory('--out', out);
  const root = args.root ? resolve(args.root) : findRepoRoot();
  const found = await discoverManifests(root, {
    onSkip: (name, reason) => console.warn(`kspec-statecharts: skipping ${name}: ${reason}`),
  });
  const index = await exportManifests(
    found.map((f) => f.manifest),
    out,
    args.formats,
  );
  const machines = index.packages.reduce((n, p) => n + p.machines.length, 0);
  console.log(
    `kspec-statecharts: ${machines} machine${machines === 1 ? '' : 's'} of ${index.packages.length} package${index.packages.length === 1 ? '' : 's'} exported (${args.formats.join(', ')}) to ${out}`,
  );
  if (index.packages.length === 0)
    console.log('kspec-statecharts: no workspace package exports a manifest yet');
}

main().catch((err: unknown) => {
  console.error(`kspec-statecharts: ${(err as Error).message}`);
  process.exit(err instanceof OutputPathError ? 2 : 1);
});

/**
 * Runs one benchmark file in this process (the runner starts one process per file): imports
 * it, checks its default export has the declared shape, provides the system tools it declares
 * in `needs` (tools/scripts/system-deps.mjs: apt-get as root, as the tests' pretest does; a
 * benchmark whose tool could not be installed reports that baseline as not measured), runs it
 * and writes its title and output as JSON to the file named by `--out`. Progress goes to
 * stderr.
 *
 *   node --conditions=@kspec/source --import tsx tools/bench/harness/child.ts <file> --out <json> [--smoke]
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchContext, BenchSpec } from './types.js';

/** Node's arguments for running a TypeScript file of the repository from its sources. */
export const TS_NODE_ARGS: readonly string[] = [
  '--conditions=@kspec/source',
  '--import',
  'tsx',
  '--expose-gc',
];

/** Why a module's default export is not a benchmark, or undefined. */
export function specProblem(spec: unknown): string | undefined {
  if (typeof spec !== 'object' || spec === null)
    return 'its default export is not an object (use defineBench)';
  const s = spec as Partial<BenchSpec>;
  if (typeof s.name !== 'string' || s.name === '') return 'defineBench needs a name';
  if (typeof s.title !== 'string') return 'defineBench needs a title';
  if (typeof s.run !== 'function') return 'defineBench needs run(ctx)';
  if (s.needs !== undefined && !Array.isArray(s.needs)) return 'needs must be an array of command names';
  return undefined;
}

/** The context for a run. */
export function benchContext(smoke: boolean): BenchContext {
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? (smoke ? 1 : 5));
  const roundMs = Number(process.env['BENCH_MS'] ?? (smoke ? 50 : 500));
  return { smoke, rounds, roundMs, log: (line) => process.stderr.write(`  ${line}\n`) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args[0];
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1] : undefined;
  if (!file || !out) throw new Error('usage: child.ts <file.bench.ts> --out <result.json> [--smoke]');
  const mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  const problem = specProblem(mod.default);
  if (problem) throw new Error(`${file}: ${problem}`);
  const spec = mod.default as BenchSpec;
  if (spec.needs?.length) {
    const deps = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'system-deps.mjs');
    const r = spawnSync(process.execPath, [deps, '--bench', ...spec.needs], { stdio: ['ignore', 2, 2] });
    if (r.status !== 0) process.stderr.write(`  ${spec.needs.join(', ')}: not available\n`);
  }
  const output = await spec.run(benchContext(args.includes('--smoke')));
  writeFileSync(out, JSON.stringify({ title: spec.title, output }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    // worker threads or handles a benchmark left open must not keep the process alive
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

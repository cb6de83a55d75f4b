/**
 * `npm run bench`: every `tools/bench/*.bench.ts` in its own process, one after another (the
 * machine is small and shared: benchmarks must not compete with each other), then one table
 * on stdout, the run's JSON (commit, Node version, CPU count and load) under the git-ignored
 * `tools/bench/results/`, and the offline HTML page `docs/bench/index.html` beside the docs
 * site.
 *
 *   npm run bench [-- --smoke] [-- <name> ...]
 *
 * `--smoke`: tiny sizes and one round, for CI (a benchmark that crashes fails the run; a
 * target that is not met never does). Names pick benchmarks by file name. A benchmark's
 * declared `needs` (system tools such as `spin`) are installed by its process first, the way
 * the tests' pretest does (`child.ts`).
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TS_NODE_ARGS } from './child.js';
import { suitePage } from './page.js';
import { suiteTable } from './table.js';
import type { BenchOutput, SuiteResult } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const benchDir = join(here, '..');
const root = join(benchDir, '..', '..');

/** The benchmark files, sorted. */
export function benchFiles(dir = benchDir): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort()
    .map((f) => join(dir, f));
}

function git(args: string[]): string {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const only = args.filter((a) => !a.startsWith('--'));
  // names match the file's base name, not its directory (a checkout may sit under any path)
  const files = benchFiles().filter((f) => only.length === 0 || only.some((o) => basename(f).includes(o)));
  const start = loadavg();
  const tmp = mkdtempSync(join(tmpdir(), 'kspec-bench-'));
  const benches: SuiteResult['benches'][number][] = [];
  for (const file of files) {
    const name = file
      .split('/')
      .pop()!
      .replace(/\.bench\.ts$/, '');
    process.stderr.write(`\n### ${name}\n`);
    const out = join(tmp, `${name}.json`);
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [...TS_NODE_ARGS, join(here, 'child.ts'), file, '--out', out, ...(smoke ? ['--smoke'] : [])],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: process.env },
    );
    const seconds = (performance.now() - t0) / 1000;
    if (r.status === 0) {
      const { title, output } = JSON.parse(readFileSync(out, 'utf8')) as {
        title: string;
        output: BenchOutput;
      };
      benches.push({ name, title, seconds, ok: true, output });
    } else {
      benches.push({ name, title: name, seconds, ok: false, error: `exit ${r.status ?? r.signal}` });
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  const result: SuiteResult = {
    commit: git(['rev-parse', 'HEAD']),
    dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverage: { start, end: loadavg() },
    smoke,
    benches,
  };
  const table = suiteTable(result);
  console.log(`\n${table}`);
  const results = join(benchDir, 'results');
  mkdirSync(results, { recursive: true });
  const stamp = result.date.replace(/[:.]/g, '-');
  const json = JSON.stringify(result, null, 2);
  writeFileSync(join(results, `run-${stamp}${smoke ? '-smoke' : ''}.json`), json);
  writeFileSync(join(results, smoke ? 'latest-smoke.json' : 'latest.json'), json);
  writeFileSync(join(results, smoke ? 'latest-smoke.txt' : 'latest.txt'), `${table}\n`);
  const pageDir = join(root, 'docs', 'bench');
  mkdirSync(pageDir, { recursive: true });
  writeFileSync(join(pageDir, 'index.html'), suitePage(result));
  console.log(
    `\nresults: ${join(results, smoke ? 'latest-smoke.json' : 'latest.json')}; page: ${join(pageDir, 'index.html')}`,
  );
  return benches.some((b) => !b.ok) ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

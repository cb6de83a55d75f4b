/**
 * The commands over the subsystem packages' manifests: `kspec export` (every machine to SVG,
 * SCXML, DOT, Mermaid and JSON through `@kspec/statecharts`), `kspec check` (every named check
 * configuration of every check model through `@kspec/verify`) and `kspec paths` (transition-
 * covering test paths of one check model). Packages are found by `@kspec/statecharts`'s
 * manifest discovery, so a new subsystem package joins without changes here.
 *
 * @module
 */
import { resolve } from 'node:path';
import type { MachineCheckModel, SubsystemManifest } from '@kspec/spec-kit';
import type { PendingOutput } from '@kspec/statecharts/node';
import { parseFormats } from '@kspec/statecharts';
import {
  checkOutputDirectory,
  discoverInstalledManifests,
  discoverManifests,
  exportManifests,
  reserveOutputs,
} from '@kspec/statecharts/node';
import {
  chartCheckModel,
  checkConfig,
  explore,
  formatReport,
  testPaths,
  type CheckReport,
  type ConfigCheck,
  type Progress,
} from '@kspec/verify';
import {
  checkConfigParallel,
  checkConfigRedis,
  exploreParallel,
  exploreRedis,
  progressPrinter,
  runRedisWorker,
  stopRedisWorkers,
} from '@kspec/verify/node';
import { availableParallelism } from 'node:os';
import { EXIT, UsageError } from '../errors.js';
import type { CommandIo } from '../io.js';
import { PACKAGE_DIR, kspecWorkspaceRoot } from '../paths.js';

/**
 * The manifests of the kspec packages: the workspace's when the CLI runs in the kspec
 * repository, else those of the kspec packages installed beside it under `node_modules`
 * (skipped packages are reported on stderr).
 * @category CLI
 */
export async function workspaceManifests(io: CommandIo): Promise<SubsystemManifest[]> {
  const onSkip = (name: string, reason: string): void => io.err(`kspec: skipping ${name}: ${reason}`);
  const root = kspecWorkspaceRoot();
  const found = root
    ? await discoverManifests(root, { onSkip })
    : await discoverInstalledManifests(PACKAGE_DIR, { onSkip });
  return found.map((f) => f.manifest);
}

/**
 * Options of `kspec export`.
 * @category CLI
 */
export interface ExportCommandOptions {
  readonly out: string;
  readonly format: string;
}

/**
 * `kspec export`: writes `<out>/<package>/<machine>.<ext>` for every machine of every manifest.
 * @category CLI
 */
export async function exportCommand(
  o: ExportCommandOptions,
  io: CommandIo,
  manifests?: readonly SubsystemManifest[],
): Promise<number> {
  let formats;
  try {
    formats = parseFormats(o.format);
  } catch (err) {
    throw new UsageError(`--format ${o.format}: ${(err as Error).message}`);
  }
  const out = resolve(o.out);
  checkOutputDirectory('--out', o.out);
  const all = manifests ?? (await workspaceManifests(io));
  const index = await exportManifests(all, out, formats, '--out');
  const machines = index.packages.reduce((n, p) => n + p.machines.length, 0);
  io.out(
    `kspec export: ${machines} machine(s) of ${index.packages.length} package(s) (${formats.join(', ')}) written to ${out}`,
  );
  return EXIT.ok;
}

/**
 * Picks manifests by name (`all`, the manifest name, or the npm name).
 * @category CLI
 */
export function selectManifests(all: readonly SubsystemManifest[], which: string): SubsystemManifest[] {
  if (which === 'all') return [...all];
  const m = all.filter((x) => x.name === which || x.package === which);
  if (m.length === 0) {
    throw new UsageError(
      `no package '${which}' with a manifest (known: all, ${all.map((x) => x.name).join(', ')})`,
    );
  }
  return m;
}

/**
 * Options of `kspec check`.
 * @category CLI
 */
export interface CheckCommandOptions {
  readonly maxStates?: number;
  readonly depth?: number;
  readonly json?: boolean;
  /**
   * Report deadlocks (default true; `--no-deadlock` turns it off). A configuration may also say
   * `deadlock: false` itself (a field spec-kit's `CheckConfig` does not declare yet).
   */
  readonly deadlock?: boolean;
  /** List the transitions never taken (per check and per machine); default: counts only. */
  readonly verbose?: boolean;
  /**
   * Worker threads per check (`all`: every core). Default 1: the in-process explorer, since
   * every shipped configuration finishes in about a second there and threads cost more to
   * start than they save (see packages/verify/README.md).
   */
  readonly workers?: number | 'all';
  /** Coordinate a distributed run on this Redis (`redis://host:port`); workers do the exploring. */
  readonly redis?: string;
  /** With `redis`: run as a worker instead (until the coordinator stops the workers, or a signal). */
  readonly worker?: boolean;
  /** With `redis` (coordinator): ask the workers to exit when the checks are done. */
  readonly stopWorkers?: boolean;
  /** With `redis` (coordinator): re-queue a claim after this many ms (default 30,000). */
  readonly claimTimeout?: number;
}

/**
 * One line of `kspec check`'s result.
 * @category CLI
 */
export interface CheckEntry {
  readonly package: string;
  readonly model: string;
  /** The configuration checked; `<name> (command-line bounds)` with --max-states/--depth. */
  readonly config: string;
  readonly ok: boolean;
  /** Why not ok: violations that are not recorded findings, or expectations of the config that failed. */
  readonly problems: readonly string[];
  readonly report: CheckReport;
}

/**
 * `kspec check`: every named configuration of every check model of the selected packages,
 * compared with its expectations; with `--max-states`/`--depth`, every configuration with those
 * bounds in place of its own (its other bounds, invariants and deadlock rule kept), failing
 * only on violations that are not recorded findings.
 * @category CLI
 */
export async function checkCommand(
  which: string,
  o: CheckCommandOptions,
  io: CommandIo,
  manifests?: readonly SubsystemManifest[],
): Promise<{ code: number; entries: CheckEntry[] }> {
  const selected = selectManifests(manifests ?? (await workspaceManifests(io)), which);
  const entries: CheckEntry[] = [];
  const progress = progressPrinter(
    o.json ? { isTTY: false, write: () => true } : (io.progressStream ?? process.stderr),
  );
  const override = o.maxStates !== undefined || o.depth !== undefined;
  for (const m of selected) {
    for (const model of m.models as readonly MachineCheckModel[]) {
      if (override) {
        // Each configuration keeps what it checks (its invariants, its deadlock rule) and the
        // bounds the command line does not give; its expected counts no longer apply, so only
        // violations that are not recorded findings fail it.
        for (const config of model.configs) {
          const deadlock =
            o.deadlock === false ? false : ((config as { readonly deadlock?: boolean }).deadlock ?? true);
          const report = await runExplore(m.package, model, o, {
            deadlock,
            ...(config.invariants ? { invariants: config.invariants } : {}),
            ...config.bounds,
            ...(o.maxStates !== undefined ? { maxStates: o.maxStates } : {}),
            ...(o.depth !== undefined ? { maxDepth: o.depth } : {}),
            onProgress: progress.onProgress,
          });
          progress.end();
          const problems = report.violations
            .filter((v) => !v.findingId)
            .map((v) => `${v.kind} ${v.name}: ${v.message}`);
          entries.push({
            package: m.name,
            model: model.name,
            config: `${config.name} (command-line bounds)`,
            ok: problems.length === 0,
            problems,
            report,
          });
        }
      } else {
        for (const config of model.configs) {
          const deadlock =
            o.deadlock === false ? false : ((config as { readonly deadlock?: boolean }).deadlock ?? true);
          const cc = await runConfig(m.package, model, config.name, o, {
            deadlock,
            onProgress: progress.onProgress,
          });
          progress.end();
          entries.push({
            package: m.name,
            model: model.name,
            config: config.name,
            ok: cc.ok,
            problems: cc.mismatches,
            report: cc.report,
          });
        }
      }
    }
  }
  if (o.redis !== undefined && o.stopWorkers) await stopRedisWorkers(o.redis);
  const failed = entries.filter((e) => !e.ok);
  if (o.json) {
    io.out(JSON.stringify({ ok: failed.length === 0, entries }, null, 2));
  } else {
    for (const e of entries) {
      io.out(`== ${e.model} / ${e.config}: ${e.ok ? 'OK' : 'FAILED'}`);
      io.out(formatReport(e.report, { uncovered: o.verbose ? 'list' : 'count' }));
      for (const p of e.problems) io.out(`  problem: ${p}`);
      io.out('');
    }
    for (const line of coverageSummary(selected, entries, o.verbose ?? false)) io.out(line);
    const findings = [
      ...new Set(
        entries.flatMap((e) => e.report.violations.flatMap((v) => (v.findingId ? [v.findingId] : []))),
      ),
    ];
    io.out(
      `kspec check: ${entries.length} check(s) of ${selected.length} package(s): ${entries.length - failed.length} ok, ${failed.length} failed` +
        (findings.length ? `; recorded findings exhibited: ${findings.join(', ')}` : ''),
    );
  }
  return { code: failed.length ? EXIT.failure : EXIT.ok, entries };
}

/** The threads to use: `--workers` (`all`: every core), default 1. */
function threadCount(o: CheckCommandOptions): number {
  return o.workers === 'all' ? availableParallelism() : (o.workers ?? 1);
}

/** One exploration with the command line's bounds: in process, on threads, or over Redis. */
async function runExplore(
  pkg: string,
  model: MachineCheckModel,
  o: CheckCommandOptions,
  options: {
    deadlock: boolean;
    invariants?: readonly string[];
    maxStates?: number;
    maxDepth?: number;
    timeBudgetMs?: number;
    onProgress: (p: Progress) => void;
  },
): Promise<CheckReport> {
  const source = { module: pkg, model: model.name };
  if (o.redis !== undefined)
    return exploreRedis(source, {
      url: o.redis,
      ...options,
      ...(o.claimTimeout !== undefined ? { claimTimeoutMs: o.claimTimeout } : {}),
    });
  const workers = threadCount(o);
  return workers > 1 ? exploreParallel(source, { ...options, workers }) : explore(model, options);
}

/** One configuration: in process, on worker threads, or as the coordinator of a Redis run. */
async function runConfig(
  pkg: string,
  model: MachineCheckModel,
  configName: string,
  o: CheckCommandOptions,
  options: { deadlock: boolean; onProgress: (p: Progress) => void },
): Promise<ConfigCheck> {
  const source = { module: pkg, model: model.name };
  if (o.redis !== undefined) {
    return checkConfigRedis(source, configName, {
      url: o.redis,
      ...options,
      ...(o.claimTimeout !== undefined ? { claimTimeoutMs: o.claimTimeout } : {}),
    });
  }
  const workers = threadCount(o);
  if (workers > 1) return checkConfigParallel(source, configName, { ...options, workers });
  return checkConfig(model, configName, options);
}

/**
 * `kspec check --redis URL --worker`: a worker process of distributed runs, until the
 * coordinator stops the workers or the process gets SIGINT/SIGTERM.
 * @category CLI
 */
export async function redisWorkerCommand(url: string, io: CommandIo): Promise<number> {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await runRedisWorker({ url, signal: ac.signal, log: (l) => io.err(l) });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return EXIT.ok;
}

/**
 * The coverage of each machine over all the checks that explored it: a transition counts as
 * taken when any of them took it. One line per machine, and with `verbose` the transitions
 * none of them took.
 * @category CLI
 */
export function coverageSummary(
  manifests: readonly SubsystemManifest[],
  entries: readonly CheckEntry[],
  verbose: boolean,
): string[] {
  const byMachine = new Map<string, { checks: number; covered: Set<string>; all: Set<string> }>();
  for (const e of entries) {
    const manifest = manifests.find((m) => m.name === e.package);
    const model = (manifest?.models as readonly MachineCheckModel[] | undefined)?.find(
      (x) => x.name === e.model,
    );
    const chart = manifest?.machines.find((c) => c.machine === model?.machine)?.name ?? e.model;
    const key = `${e.package}/${chart}`;
    const acc = byMachine.get(key) ?? { checks: 0, covered: new Set<string>(), all: new Set<string>() };
    acc.checks++;
    e.report.coverage.covered.forEach((t) => (acc.covered.add(t), acc.all.add(t)));
    e.report.coverage.uncovered.forEach((t) => acc.all.add(t));
    byMachine.set(key, acc);
  }
  const lines = ['coverage per machine (a transition counts when any check took it):'];
  for (const [machine, acc] of byMachine) {
    const never = [...acc.all].filter((t) => !acc.covered.has(t));
    lines.push(
      `  ${machine}: ${acc.covered.size}/${acc.all.size} transitions taken in ${acc.checks} check(s)` +
        (never.length ? `, ${never.length} never taken${verbose ? ':' : ''}` : ''),
    );
    if (verbose) for (const t of never) lines.push(`    never taken: ${t}`);
  }
  if (!verbose && byMachine.size > 0) lines.push('  (--verbose lists the transitions never taken)');
  lines.push('');
  return lines;
}

/**
 * Options of `kspec paths`.
 * @category CLI
 */
export interface PathsCommandOptions {
  readonly maxStates?: number;
  readonly depth?: number;
  readonly out?: string;
}

/**
 * The name of a check model qualified by its package (`xen-evtchn/device`), without repeating
 * a package prefix the model name already has.
 * @category CLI
 */
export function qualifiedModelName(manifest: SubsystemManifest, model: MachineCheckModel): string {
  return model.name.startsWith(`${manifest.name}/`) ? model.name : `${manifest.name}/${model.name}`;
}

/** The names a chart answers to: `<package>/<chart>` and `<npm name>/<chart>`. */
function chartNames(manifest: SubsystemManifest, chart: string): string[] {
  return [`${manifest.name}/${chart}`, `${manifest.package}/${chart}`];
}

/**
 * Finds a check model by its name (`xen-evtchn/device`, or `<package>/<name>`), or by the
 * name of the chart it explores (`evtchnDevice`, `xen-evtchn/evtchnDevice`,
 * `@kspec/xen-evtchn/evtchnDevice`): then the first model of that chart in the manifest (the
 * package's main model); a chart without a check model gets one over its own events and the
 * manifest's sample events (`chartCheckModel`).
 * @category CLI
 */
export function findModel(
  all: readonly SubsystemManifest[],
  name: string,
): { manifest: SubsystemManifest; model: MachineCheckModel } {
  const models = all.flatMap((manifest) =>
    (manifest.models as readonly MachineCheckModel[]).map((model) => ({ manifest, model })),
  );
  const byName = models.filter(
    ({ manifest, model }) => model.name === name || qualifiedModelName(manifest, model) === name,
  );
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new UsageError(
      `'${name}' names ${byName.length} check models: ${byName.map((h) => qualifiedModelName(h.manifest, h.model)).join(', ')}`,
    );
  }
  const byChart = models.filter(({ manifest, model }) =>
    manifest.machines.some(
      (c) => c.machine === model.machine && (c.name === name || chartNames(manifest, c.name).includes(name)),
    ),
  );
  if (byChart.length > 0) return byChart[0]!;
  // a chart without a check model of its own: a model over its events and sample events
  const charts = all.flatMap((manifest) =>
    manifest.machines
      .filter((c) => c.name === name || chartNames(manifest, c.name).includes(name))
      .map((entry) => ({ manifest, entry })),
  );
  if (charts.length === 1) {
    const { manifest, entry } = charts[0]!;
    return { manifest, model: chartCheckModel(entry, `${manifest.name}/${entry.name} (chart events)`) };
  }
  if (charts.length > 1) {
    throw new UsageError(
      `'${name}' names ${charts.length} charts: ${charts.map((c) => `${c.manifest.name}/${c.entry.name}`).join(', ')}`,
    );
  }
  const known = models.map((h) => qualifiedModelName(h.manifest, h.model));
  const chartList = all.flatMap((m) => m.machines.map((c) => `${m.name}/${c.name}`));
  throw new UsageError(
    `no check model or chart '${name}' (check models: ${known.join(', ') || 'none'}; charts: ${chartList.join(', ') || 'none'})`,
  );
}

/**
 * `kspec paths <machine>`: transition-covering test paths of a check model as JSON, within
 * the bounds of its first check configuration unless --max-states/--depth are given.
 * @category CLI
 */
export async function pathsCommand(
  name: string,
  o: PathsCommandOptions,
  io: CommandIo,
  manifests?: readonly SubsystemManifest[],
): Promise<number> {
  const outputs = reserveOutputs(o.out !== undefined ? [{ flag: '-o', path: o.out }] : []);
  try {
    const { manifest, model } = findModel(manifests ?? (await workspaceManifests(io)), name);
    return writePaths(manifest, model, o, io, outputs.get('-o'));
  } finally {
    outputs.discardAll();
  }
}

function writePaths(
  manifest: SubsystemManifest,
  model: MachineCheckModel,
  o: PathsCommandOptions,
  io: CommandIo,
  out: PendingOutput | undefined,
): number {
  const bounds = model.configs[0]?.bounds ?? {};
  const maxStates = o.maxStates ?? bounds.maxStates;
  const maxDepth = o.depth ?? bounds.maxDepth;
  const suite = testPaths(model, {
    ...(maxStates !== undefined ? { maxStates } : {}),
    ...(maxDepth !== undefined ? { maxDepth } : {}),
  });
  const json = JSON.stringify({ package: manifest.package, ...suite }, null, 2);
  if (out !== undefined) {
    out.write(`${json}\n`);
    out.commit();
    io.err(
      `kspec paths: ${suite.paths.length} path(s) covering ${suite.covered.length} transition(s) of ${qualifiedModelName(manifest, model)}` +
        `${suite.uncovered.length ? ` (${suite.uncovered.length} not reached)` : ''} written to ${o.out}`,
    );
  } else {
    io.out(json);
  }
  return EXIT.ok;
}

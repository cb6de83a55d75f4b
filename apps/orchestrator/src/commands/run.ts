/**
 * `kspec run [scenario.json]`: decodes the scenario (the built-in default when none is
 * given), checks every output path before anything starts, runs it, and writes the summary
 * (text or `--json`), the trace, the HTML report and the bus file.
 *
 * Exit status: 0 when every check holds or only recorded findings fail, 1 when a check fails
 * or the run breaks, 2 for bad input (then nothing is written).
 *
 * @module
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AnyScenarioDriver, PlotSpec } from '../driver.js';
import { DEFAULT_DRIVERS } from '../drivers/index.js';
import { runScenario, type RunResult } from '../engine.js';
import { EXIT, UsageError } from '../errors.js';
import type { CommandIo } from '../io.js';
import { DEFAULT_SCENARIO_FILE } from '../paths.js';
import { runProgress } from '../progress.js';
import { renderHtmlReport } from '../report/html.js';
import { loadScenario } from '../scenario.js';
import { formatRunSummary, runSummaryJson } from '../summary.js';

/**
 * Options of `kspec run`.
 * @category CLI
 */
export interface RunCommandOptions {
  readonly seed?: number;
  readonly trace?: string;
  readonly report?: string;
  readonly busFile?: string;
  readonly workers?: number;
  readonly json?: boolean;
  readonly drivers?: readonly AnyScenarioDriver[];
}

/** Checks that an output file can be created: its directory exists and it is not a directory. */
function checkOutput(flag: string, path: string | undefined): void {
  if (path === undefined) return;
  const abs = resolve(path);
  if (existsSync(abs) && statSync(abs).isDirectory()) throw new UsageError(`${flag} ${path}: is a directory`);
  const dir = dirname(abs);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`${flag} ${path}: directory ${dir} does not exist`);
}

/**
 * Runs `kspec run`; returns the exit status and the result (when the run happened).
 * @category CLI
 */
export async function runCommand(
  scenarioPath: string | undefined,
  o: RunCommandOptions,
  io: CommandIo,
): Promise<{ code: number; result?: RunResult }> {
  const drivers = o.drivers ?? DEFAULT_DRIVERS;
  const scenario = loadScenario(scenarioPath ?? DEFAULT_SCENARIO_FILE, drivers);
  checkOutput('--trace', o.trace);
  checkOutput('--report', o.report);
  checkOutput('--bus-file', o.busFile);
  const outs = [o.trace, o.report, o.busFile]
    .filter((p): p is string => p !== undefined)
    .map((p) => resolve(p));
  if (new Set(outs).size !== outs.length)
    throw new UsageError('--trace, --report and --bus-file must name different files');

  const progress = runProgress(`kspec run ${scenario.name}`, !o.json, io.progressStream);
  let result: RunResult;
  try {
    result = await runScenario(scenario, {
      drivers,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.trace !== undefined ? { traceFile: o.trace } : {}),
      ...(o.busFile !== undefined ? { busFile: o.busFile } : {}),
      workers: o.workers ?? 0,
      onProgress: progress.update,
    });
  } finally {
    progress.stop();
  }
  if (o.report !== undefined) {
    const plots: Record<string, readonly PlotSpec[]> = {};
    for (const d of drivers) plots[d.subsystem] = d.plots;
    writeFileSync(o.report, renderHtmlReport(result, plots));
  }
  if (o.json) {
    io.out(JSON.stringify(runSummaryJson(result), null, 2));
  } else {
    io.out(formatRunSummary(result));
    if (o.trace !== undefined) io.out(`trace written to ${o.trace}`);
    if (o.report !== undefined) io.out(`report written to ${o.report}`);
  }
  return { code: result.verdict === 'failed' ? EXIT.failure : EXIT.ok, result };
}

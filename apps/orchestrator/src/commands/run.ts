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
import { reserveOutputs, type ReservedOutputs } from '@kspec/statecharts/node';
import type { AnyScenarioDriver, PlotSpec } from '../driver.js';
import { DEFAULT_DRIVERS } from '../drivers/index.js';
import { runScenario, type RunResult } from '../engine.js';
import { EXIT, RunInterrupted } from '../errors.js';
import type { CommandIo } from '../io.js';
import { DEFAULT_SCENARIO_FILE } from '../paths.js';
import { checkScenarioPlan } from '../plan.js';
import { runProgress } from '../progress.js';
import { renderHtmlReport } from '../report/html.js';
import { loadScenario } from '../scenario.js';
import { formatRunSummary, runSummaryJson } from '../summary.js';
import { fileTraceSink } from '../trace.js';

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
  /** Stops the run (the CLI aborts it on SIGINT): exit 130. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `kspec run`; returns the exit status and the result (when the run happened).
 *
 * Order: the scenario is decoded and its plan checked, the bus file checked, then every
 * output (`--trace`, `--report`, `--bus-file`) is reserved ({@link @kspec/statecharts!reserveOutputs | reserveOutputs}: none may
 * be the scenario or another output; each must be creatable) before the run starts. The
 * outputs are written into temporary files and renamed into place only when the run
 * ended; a failure leaves every file as it was. Interrupted, the trace is closed on a line
 * boundary and kept; the report and the bus file are not written.
 * @category CLI
 */
export async function runCommand(
  scenarioPath: string | undefined,
  o: RunCommandOptions,
  io: CommandIo,
): Promise<{ code: number; result?: RunResult }> {
  const drivers = o.drivers ?? DEFAULT_DRIVERS;
  const file = scenarioPath ?? DEFAULT_SCENARIO_FILE;
  const scenario = loadScenario(file, drivers);
  const workers = o.workers ?? 0;
  checkScenarioPlan(scenario, drivers, { workers });
  const specs = [
    { flag: '--trace', path: o.trace },
    { flag: '--report', path: o.report },
    { flag: '--bus-file', path: o.busFile },
  ].filter((x): x is { flag: string; path: string } => x.path !== undefined);
  const outputs: ReservedOutputs = reserveOutputs(specs, [{ flag: 'scenario', path: file }]);
  const trace = outputs.get('--trace');
  const progress = runProgress(`kspec run ${scenario.name}`, { bar: !o.json }, io);
  let result: RunResult;
  try {
    try {
      result = await runScenario(scenario, {
        drivers,
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(trace ? { traceSink: fileTraceSink(trace) } : {}),
        ...(o.busFile !== undefined ? { busFile: o.busFile } : {}),
        ...(outputs.get('--bus-file') ? { busOutput: outputs.get('--bus-file')! } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        workers,
        onProgress: progress.update,
      });
    } finally {
      progress.stop();
    }
    // a run without the bus (no shmif subsystem) leaves the bus file as it was
    if (result.busFile === null) outputs.get('--bus-file')?.discard();
    if (o.report !== undefined) {
      const plots: Record<string, readonly PlotSpec[]> = {};
      for (const d of drivers) plots[d.subsystem] = d.plots;
      outputs.get('--report')!.write(renderHtmlReport(result, plots));
    }
    outputs.commitAll();
  } catch (err) {
    if (err instanceof RunInterrupted) {
      trace?.commit();
      outputs.discardAll();
      io.err(
        `kspec run: interrupted: ${err.message}` +
          (trace
            ? `; the trace ${trace.path} holds the ${err.traceLines ?? 0} whole line(s) written so far`
            : '') +
          (o.report !== undefined || o.busFile !== undefined
            ? `; ${[o.report !== undefined ? `the report ${o.report}` : '', o.busFile !== undefined ? `the bus file ${o.busFile}` : ''].filter(Boolean).join(' and ')} left as they were`
            : ''),
      );
      return { code: EXIT.interrupted };
    }
    outputs.discardAll();
    throw err;
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

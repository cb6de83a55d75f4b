/**
 * Runs a named check configuration of a model (bounds, invariants) and compares the result
 * with the configuration's `expect` (verdict, findings, state count, depth), as TLC does with a
 * model's `.cfg` and expected results.
 *
 * @module
 */
import type { CheckConfig } from '@kspec/spec-kit';
import { OptionsError } from './errors.js';
import { explore, type ExploreOptions } from './explore.js';
import type { CheckReport } from './report.js';
import type { CheckModel } from './system.js';

/**
 * The outcome of {@link checkConfig}: `ok` when the report matches every expectation.
 * @category Exploration
 */
export interface ConfigCheck {
  readonly config: string;
  readonly ok: boolean;
  /** One line per expectation that did not hold. */
  readonly mismatches: readonly string[];
  readonly report: CheckReport;
}

/**
 * Runs the model's configuration `configName` and compares the report with its `expect`:
 * - `verdict`: `pass` needs no violation and every sentinel reached; `findings` needs only
 *   known findings (violations whose property names a Finding of the model);
 * - `findings`: the finding ids exhibited must be exactly these (none for `pass`);
 * - `states`: the space must be explored completely and have exactly this many states;
 * - `depth`: the BFS depth must be exactly this.
 * The configuration's `deadlock` flag applies unless `options.deadlock` is given.
 * `options` may add exploration options (progress, deadlock) but not change the bounds.
 * @category Exploration
 */
export function checkConfig(
  model: CheckModel,
  configName: string,
  options: Omit<ExploreOptions, 'maxStates' | 'maxDepth' | 'timeBudgetMs' | 'invariants'> = {},
): ConfigCheck {
  const config = findConfig(model, configName);
  const report = explore(model, configOptions(config, options));
  return { config: config.name, ...configMismatches(config, report), report };
}

/**
 * The configuration `configName` of `model`, or an {@link OptionsError} naming the ones it has.
 * @internal
 */
export function findConfig(model: CheckModel, configName: string): CheckConfig {
  const configs: readonly CheckConfig[] = model?.configs ?? [];
  const config = configs.find((c) => c.name === configName);
  if (!config) {
    throw new OptionsError(
      `model '${String(model?.name)}' has no check config '${configName}' (it has: ${configs.map((c) => c.name).join(', ') || 'none'})`,
    );
  }
  return config;
}

/**
 * The exploration options of a configuration: its deadlock flag (unless `options` says),
 * then `options`, then its bounds and invariants.
 * @internal
 */
export function configOptions<O extends object>(config: CheckConfig, options: O): O & ExploreOptions {
  return {
    ...(config.deadlock !== undefined ? { deadlock: config.deadlock } : {}),
    ...options,
    ...config.bounds,
    ...(config.invariants ? { invariants: config.invariants } : {}),
  };
}

/**
 * How a report departs from a configuration's `expect` (see {@link checkConfig}).
 * @internal
 */
export function configMismatches(
  config: CheckConfig,
  report: CheckReport,
): { ok: boolean; mismatches: string[] } {
  const mismatches: string[] = [];
  const { expect } = config;
  if (report.verdict !== expect.verdict) {
    const why = report.violations
      .filter((v) => !v.findingId)
      .map((v) => `${v.kind} ${v.name}`)
      .concat(report.sentinels.filter((s) => !s.reached).map((s) => `sentinel ${s.name} not reached`));
    mismatches.push(
      `verdict: expected ${expect.verdict}, got ${report.verdict}${why.length ? ` (${why.join('; ')})` : ''}`,
    );
  }
  const exhibited = [...new Set(report.violations.flatMap((v) => (v.findingId ? [v.findingId] : [])))].sort();
  const wanted = [...new Set(expect.findings ?? [])].sort();
  if (JSON.stringify(exhibited) !== JSON.stringify(wanted)) {
    mismatches.push(`findings: expected [${wanted.join(', ')}], got [${exhibited.join(', ')}]`);
  }
  if (expect.states !== undefined) {
    if (!report.complete)
      mismatches.push(
        `states: expected ${expect.states}, but the space was not exhausted (stopped by ${report.stoppedBy})`,
      );
    else if (report.states !== expect.states)
      mismatches.push(`states: expected ${expect.states}, got ${report.states}`);
  }
  if (expect.depth !== undefined && report.depth !== expect.depth) {
    mismatches.push(`depth: expected ${expect.depth}, got ${report.depth}`);
  }
  return { ok: mismatches.length === 0, mismatches };
}

/**
 * The check of a decoded scenario's plan before a run starts: every signal a driver listens
 * to must be emitted by a driver of the same scenario (a reference to a signal nobody sends
 * would leave that subsystem idle), and every driver's own {@link ScenarioDriver.checkPlan}
 * must find nothing that keeps its plan from making progress. Problems are reported like
 * decode errors, by JSON path, and the run does not start (exit 2).
 *
 * @module
 */
import { ScenarioError, pathStep, quoteKey, type ScenarioIssue } from './codec.js';
import type { AnyScenarioDriver, PlanContext } from './driver.js';
import type { Scenario } from './scenario.js';

/**
 * Options of {@link checkScenarioPlan}.
 * @category Scenarios
 */
export interface PlanCheckOptions {
  /** Worker threads of the run (default 0). */
  readonly workers?: number;
}

/**
 * Throws a {@link ScenarioError} naming every reason the scenario's plan cannot work.
 * @category Scenarios
 */
export function checkScenarioPlan(
  scenario: Scenario,
  drivers: readonly AnyScenarioDriver[],
  options: PlanCheckOptions = {},
): void {
  const inScenario = drivers.filter((d) => scenario.subsystems.has(d.subsystem));
  const signals = new Map<string, string>();
  for (const d of inScenario) for (const s of d.emits ?? []) signals.set(s, d.subsystem);
  const registered = new Map<string, string>();
  for (const d of drivers) for (const s of d.emits ?? []) registered.set(s, d.subsystem);
  const context: PlanContext = { maxTicks: scenario.maxTicks, workers: options.workers ?? 0, signals };
  const issues: ScenarioIssue[] = [];
  const add = (subsystem: string, path: string, message: string): void => {
    const full = `$.subsystems${pathStep(subsystem)}${path === '$' ? '' : path.slice(1)}`;
    issues.push({ path: full, expected: message, got: '' });
  };
  for (const d of inScenario) {
    const config = scenario.subsystems.get(d.subsystem);
    for (const ref of d.listensTo?.(config) ?? []) {
      if (signals.has(ref.signal)) continue;
      const from = registered.get(ref.signal);
      const known = [...registered.keys()];
      add(
        d.subsystem,
        ref.path,
        from === undefined
          ? `no driver emits the signal ${quoteKey(ref.signal)} (signals: ${known.join(', ') || 'none'})`
          : `the signal ${quoteKey(ref.signal)} comes from ${from}, which this scenario does not run`,
      );
    }
    for (const i of d.checkPlan?.(config, context) ?? []) add(d.subsystem, i.path, i.message);
  }
  if (issues.length === 0) return;
  throw new ScenarioError(
    `${scenario.source}: cannot work\n${issues.map((i) => `  at ${i.path}: ${i.expected}`).join('\n')}`,
    issues,
  );
}

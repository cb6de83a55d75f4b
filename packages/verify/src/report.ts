/**
 * The typed, JSON-serialisable result of one exploration ({@link CheckReport}) and its
 * readable text rendering ({@link formatReport}).
 *
 * A report carries no snapshots and no functions: traces are plain event objects, states are
 * shown as their state value and projected context, so `JSON.stringify(report)` is the JSON
 * export.
 *
 * @module
 */
import type { EventObject } from 'xstate';
import type { KeyStats } from './visited.js';
import type { PhaseTimes } from './phases.js';

/**
 * What kind of property a violation breaks.
 * - `invariant`: a named invariant is false in a reachable state.
 * - `deadlock`: a reachable non-final state where no event of the alphabet is enabled.
 * - `liveness`: a reachable cycle on which a monitor stays in a hot state (a lasso).
 * - `error`: a guard, action, alphabet, projection or invariant threw.
 * @category Reports
 */
export type ViolationKind = 'invariant' | 'deadlock' | 'liveness' | 'error';

/**
 * A reachable state as shown in reports: the state value and the projected context (the part
 * that forms the state key), plus monitor states when monitors are checked.
 * @category Reports
 */
export interface StateView {
  readonly value: unknown;
  readonly projected: unknown;
  readonly monitors?: Readonly<Record<string, string>>;
}

/**
 * One violated property with its shortest counterexample.
 * @category Reports
 */
export interface Violation {
  readonly kind: ViolationKind;
  /** Invariant or monitor name; `deadlock` for deadlocks; for errors, what threw. */
  readonly name: string;
  /** The property in prose (the invariant's or monitor's statement), or the error message. */
  readonly message: string;
  /** Events from the initial state to the violating state (for liveness: stem then cycle). */
  readonly trace: readonly EventObject[];
  /** For liveness: the stem reaching the cycle and the cycle that stays hot. */
  readonly lasso?: { readonly stem: readonly EventObject[]; readonly cycle: readonly EventObject[] };
  /** The violating state (for liveness, the state where the cycle starts). */
  readonly state?: StateView;
  /** Id of the model's Finding that names this property: a known seed defect, not a failure. */
  readonly findingId?: string;
}

/**
 * A reachability property and whether exploration reached it.
 * @category Reports
 */
export interface SentinelResult {
  readonly name: string;
  readonly statement: string;
  readonly reached: boolean;
  /** Shortest trace to the first state that satisfies it. */
  readonly trace?: readonly EventObject[];
}

/**
 * Which chart transitions (ids of spec-kit `listTransitions`) were taken at least once.
 * For compositions, ids are prefixed with the actor name and a colon.
 * @category Reports
 */
export interface Coverage {
  readonly covered: readonly string[];
  readonly uncovered: readonly string[];
}

/**
 * Why exploration stopped before exhausting the space (`undefined` when complete).
 * @category Reports
 */
export type StopReason = 'maxStates' | 'timeBudget';

/**
 * The result of one exploration.
 * @category Reports
 */
export interface CheckReport {
  /** The model's name. */
  readonly model: string;
  /** `pass` (no violation), `findings` (only known findings), `fail` (anything else). */
  readonly verdict: 'pass' | 'findings' | 'fail';
  /** True when every state reachable within maxDepth was explored (not cut by maxStates or time). */
  readonly complete: boolean;
  readonly stoppedBy?: StopReason;
  /** True when states at maxDepth were left unexpanded (the space may go deeper). */
  readonly depthBounded: boolean;
  /** Distinct states (with monitors: distinct product states). */
  readonly states: number;
  /** Transitions computed (alphabet events applied), enabled or not. */
  readonly edges: number;
  /** Greatest BFS depth reached. */
  readonly depth: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  readonly violations: readonly Violation[];
  readonly sentinels: readonly SentinelResult[];
  readonly coverage: Coverage;
  /** Invariants checked (names). */
  readonly invariants: readonly string[];
  /** The bounds in force. */
  readonly bounds: { readonly maxStates: number; readonly maxDepth: number; readonly timeBudgetMs: number };
  /** How edges were computed: `compiled` edges replayed from the transition cache, `xstate` edges by xstate. */
  readonly engine: { readonly compiled: number; readonly xstate: number };
  /** How the visited set held the keys, their size, and the collision accounting. */
  readonly keys: KeyStats;
  /** With `reduce`: the independent actors and the steps the sleep sets skipped. */
  readonly reduction?: { readonly independent: readonly string[]; readonly skippedSteps: number };
  /** With `profile`: milliseconds of wall time by phase of the search. */
  readonly phases?: PhaseTimes;
}

function traceText(trace: readonly EventObject[]): string {
  if (trace.length === 0) return '(initial state)';
  return trace.map((e, i) => `${String(i + 1).padStart(4)}. ${JSON.stringify(e)}`).join('\n');
}

/**
 * Options of {@link formatReport}.
 * @category Reports
 */
export interface FormatReportOptions {
  /** List every transition never taken (`list`, the default) or only count them (`count`). */
  readonly uncovered?: 'list' | 'count';
}

/**
 * Renders a report as readable text: a summary line, each violation with its trace, the
 * sentinels, and the coverage with the uncovered transitions.
 * @category Reports
 */
export function formatReport(report: CheckReport, options: FormatReportOptions = {}): string {
  const lines: string[] = [];
  const verdict = report.verdict.toUpperCase();
  lines.push(
    `${report.model}: ${verdict} — ${report.states} states, ${report.edges} edges, depth ${report.depth}, ` +
      `${report.seconds.toFixed(2)} s (${Math.round(report.statesPerSecond)} states/s)` +
      (report.complete
        ? report.depthBounded
          ? `, complete within depth ${report.bounds.maxDepth}`
          : ', complete'
        : `, INCOMPLETE (stopped by ${report.stoppedBy ?? '?'})`),
  );
  for (const v of report.violations) {
    const tag = v.findingId ? `known finding ${v.findingId}` : 'FAILURE';
    lines.push('', `[${v.kind}] ${v.name} (${tag}): ${v.message}`);
    if (v.lasso) {
      lines.push(`  stem (${v.lasso.stem.length} events):`, indent(traceText(v.lasso.stem)));
      lines.push(`  cycle staying hot (${v.lasso.cycle.length} events):`, indent(traceText(v.lasso.cycle)));
    } else {
      lines.push(`  trace (${v.trace.length} events):`, indent(traceText(v.trace)));
    }
    if (v.state) lines.push(`  state: ${JSON.stringify(v.state)}`);
  }
  if (report.sentinels.length) {
    lines.push('', 'sentinels:');
    for (const s of report.sentinels) {
      lines.push(
        `  ${s.reached ? 'reached    ' : 'NOT REACHED'} ${s.name}` +
          (s.reached && s.trace ? ` (depth ${s.trace.length})` : '') +
          `: ${s.statement}`,
      );
    }
  }
  const { covered, uncovered } = report.coverage;
  const total = covered.length + uncovered.length;
  if (options.uncovered === 'count') {
    lines.push(
      '',
      `coverage: ${covered.length}/${total} transitions taken (${uncovered.length} never taken)`,
    );
  } else {
    lines.push('', `coverage: ${covered.length}/${total} transitions taken`);
    for (const id of uncovered) lines.push(`  never taken: ${id}`);
  }
  return lines.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

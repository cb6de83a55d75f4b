/**
 * Transition-covering test paths: event sequences from the initial state that together take
 * every chart transition reachable within the bounds. Integrators replay them against their own
 * implementation (each path is plain JSON: the events, the transitions it covers and the state
 * it ends in).
 *
 * Construction: exploration records, for each chart transition, a shortest trace that takes it
 * (the path to the first state where it was taken, plus the event). Traces are then taken
 * longest first, each one kept only if it covers a transition no kept path covers yet; the
 * transitions a kept path covers are computed by stepping it again. Every transition covered by
 * exploration is thus covered by some path, and no path is a prefix of another kept one.
 *
 * @module
 */
import type { EventObject } from 'xstate';
import { exploreInternal, type ExploreOptions } from './explore.js';
import type { StateView } from './report.js';
import { systemOf, type CheckModel } from './system.js';

/**
 * One test path.
 * @category Test paths
 */
export interface TestPath {
  /** Events from the initial state (for compositions: `{ type, actor, event }` steps). */
  readonly events: readonly EventObject[];
  /** Transition ids (spec-kit `listTransitions`) this path takes. */
  readonly covers: readonly string[];
  /** The state the path ends in. */
  readonly final: StateView;
}

/**
 * Test paths for a model, JSON-exportable.
 * @category Test paths
 */
export interface TestPathSuite {
  readonly model: string;
  readonly paths: readonly TestPath[];
  /** Transitions covered by the paths (all reachable within the bounds). */
  readonly covered: readonly string[];
  /** Transitions no path takes (unreachable within the bounds, or never enabled). */
  readonly uncovered: readonly string[];
  /** False when exploration was cut by maxStates or time (some reachable transitions may be missing). */
  readonly complete: boolean;
}

/**
 * Computes event sequences covering every chart transition reachable within the bounds.
 * Invariant violations do not stop it (violating states are not expanded, as in explore).
 *
 * @example
 * ```ts
 * const suite = testPaths(model, { maxDepth: 20 });
 * writeFileSync('paths.json', JSON.stringify(suite, null, 2));
 * ```
 * @category Test paths
 */
export function testPaths(
  model: CheckModel,
  options: Omit<ExploreOptions, 'recordFirstTaken'> = {},
): TestPathSuite {
  const { report, internals } = exploreInternal(model, { ...options, recordFirstTaken: true });
  const sys = systemOf(model, { compiled: options.compiled });
  const ids = sys.transitionIds;
  const candidates = [...internals.firstTaken.entries()].sort(
    (a, b) => b[1].length - a[1].length || a[0] - b[0],
  );
  const done = new Set<number>();
  const paths: TestPath[] = [];
  for (const [t, events] of candidates) {
    if (done.has(t)) continue;
    const covers = new Set<number>();
    const init = sys.initial();
    init.taken.forEach((x) => covers.add(x));
    let state = init.next;
    for (const e of events) {
      const r = sys.step(state, e);
      r.taken.forEach((x) => covers.add(x));
      state = r.next;
    }
    covers.forEach((x) => done.add(x));
    paths.push({
      events,
      covers: [...covers].sort((a, b) => a - b).map((i) => ids[i]!),
      final: sys.view(state),
    });
  }
  return {
    model: sys.name,
    paths,
    covered: ids.filter((_, i) => done.has(i)),
    uncovered: ids.filter((_, i) => !done.has(i)),
    complete: report.complete,
  };
}

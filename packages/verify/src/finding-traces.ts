/**
 * The shortest trace of every recorded finding of a set of models: what a package's
 * `test/record-traces.ts` writes into its `src/traces.ts`, so that its tests can replay the
 * traces on live actors without exploring again (and check they are still the shortest).
 *
 * @module
 */
import type { EventObject } from 'xstate';
import { explore, type ExploreOptions } from './explore.js';
import { ModelError } from './errors.js';
import type { CheckModel } from './system.js';

/**
 * For each finding of each model, the shortest trace to a violation of its invariant
 * (breadth-first, so shortest in events), exploring with only that invariant. Throws a
 * {@link ModelError} naming the model and finding when a finding is not reached within
 * `bounds`.
 * @category Checking
 */
export function findingTraces(
  models: readonly CheckModel[],
  bounds: Pick<ExploreOptions, 'maxStates' | 'maxDepth' | 'deadlock'> = {},
): Record<string, readonly EventObject[]> {
  const out: Record<string, readonly EventObject[]> = {};
  for (const model of models) {
    for (const f of model.findings ?? []) {
      const r = explore(model, { deadlock: false, ...bounds, invariants: [f.invariant] });
      const v = r.violations.find((x) => x.name === f.invariant);
      if (!v) {
        throw new ModelError(
          `model '${model.name}': finding ${f.id} (${f.invariant}) not reached in ${r.states} states`,
        );
      }
      out[f.id] = v.trace;
    }
  }
  return out;
}

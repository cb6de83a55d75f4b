/**
 * Breadth-first exploration of a model's reachable states within bounds, checking invariants
 * on every reached state, sentinels (reachability), deadlocks and liveness monitors, and
 * recording which chart transitions were taken.
 *
 * Store: states are numbered in BFS order; a visited set from canonical key to number
 * (`visited.ts`: 64-bit fingerprints, or fingerprints and the keys' bytes in exact mode) and
 * two growable `Int32Array`s (parent number, event number) form the parent-pointer tree, so
 * a shortest counterexample is read back from any state. Only the current BFS level and the
 * next keep their snapshots (`frontier.ts`); everything older is its key and two integers.
 *
 * Definitions (also in the README):
 * - An event of the alphabet is ENABLED in a state when the machine selects at least one
 *   transition for it (an xstate microstep with a non-empty transition set, even a targetless
 *   one), or when the step changes the state key. A disabled event is a stutter: it is not an
 *   edge of the state graph and monitors do not observe it.
 * - A DEADLOCK is a reachable state whose status is not `done` (for a composition: not every
 *   actor done) and in which no event of the alphabet is enabled (an empty alphabet included).
 *   States left unexpanded because of the depth bound are not checked.
 * - A LIVENESS violation is a reachable cycle of enabled steps of the product (state x monitor
 *   states) on which a monitor stays in a hot state on every state, or a reachable state with
 *   no enabled event, or a final state, where a monitor is hot. No fairness is assumed.
 * - A state that violates an invariant is reported (once per invariant, at the shortest
 *   depth) and not expanded, as TLC does; exploration continues elsewhere.
 *
 * @module
 */
import type { EventObject } from 'xstate';
import type { Monitor } from '@kspec/spec-kit';
import { NonCanonicalKeyError, ModelError } from './errors.js';
import {
  DEFAULT_MAX_STATES,
  DEFAULT_TIME_BUDGET_MS,
  UNBOUNDED,
  keyMode,
  positiveInt,
  selectInvariants,
  type ExploreInternals,
  type ExploreOptions,
  type VisitedStoreFactory,
} from './explore-options.js';
import type { CheckReport, SentinelResult, StateView, StopReason, Violation } from './report.js';
import { StepError, describe } from './stepper.js';
import { systemOf, type CheckModel, type System } from './system.js';
import { findHotCycles } from './liveness.js';
import { KeyBuffer } from './key.js';
import { visitedSet } from './visited.js';
import { GrowInt32, behaviourDifference, type Entry } from './canonical.js';
import { PhaseClock } from './phases.js';
import { EventTable, MonitorStates } from './interning.js';

export type { ExploreInternals, ExploreOptions, Progress } from './explore-options.js';

/**
 * Canonicity sampling: the first SAMPLE_FIRST duplicate hits are compared with the snapshot
 * held under their key, then one in SAMPLE_EVERY (a power of two). Each comparison costs two
 * JSON fingerprints of whole snapshots and, when they differ, a step of both on every event.
 */
const SAMPLE_FIRST = 200;
const SAMPLE_EVERY = 1024;

/**
 * Explores `model` breadth first within the bounds and returns the report. Throws only for bad
 * input ({@link ModelError}, {@link OptionsError}, {@link NonCanonicalKeyError}); property
 * violations and model code that throws are reported as violations.
 *
 * @example
 * ```ts
 * const report = explore(counterModel, { maxStates: 10_000 });
 * console.log(formatReport(report));
 * ```
 * @category Exploration
 */
export function explore(model: CheckModel, options: ExploreOptions = {}): CheckReport {
  return exploreInternal(model, options).report;
}

/** @internal */
export function exploreInternal(
  model: CheckModel,
  options: ExploreOptions = {},
): { report: CheckReport; internals: ExploreInternals } {
  const maxStates = positiveInt('maxStates', options.maxStates, DEFAULT_MAX_STATES);
  const maxDepth = positiveInt('maxDepth', options.maxDepth, UNBOUNDED);
  const timeBudgetMs = positiveInt('timeBudgetMs', options.timeBudgetMs, DEFAULT_TIME_BUDGET_MS);
  const sys = systemOf(model, { compiled: options.compiled, crossCheck: options.crossCheck });
  return run(sys, { ...options, maxStates, maxDepth, timeBudgetMs });
}

function run<S, E extends EventObject>(
  sys: System<S, E>,
  options: ExploreOptions & { maxStates: number; maxDepth: number; timeBudgetMs: number },
): { report: CheckReport; internals: ExploreInternals } {
  const started = performance.now();
  const { maxStates, maxDepth, timeBudgetMs } = options;
  const clock = options.profile === true ? new PhaseClock() : undefined;
  if (clock) sys = clock.system(sys);
  const invariants = selectInvariants(sys, options.invariants);
  const checkDeadlock = options.deadlock ?? true;
  const checkKeys = options.checkKeys ?? true;
  const monitors = sys.monitors;
  const mons = new MonitorStates(sys.name, monitors);

  // the store
  const mode = keyMode(options.stateKeys ?? (options.visited ? 'fingerprint' : undefined), maxStates);
  const bits = options.fingerprintBits ?? 64;
  const store = options.visited
    ? (options.visited as VisitedStoreFactory).create(mode, bits)
    : visitedSet(mode, bits);
  const index = clock ? clock.visitedSet(store) : store;
  let generated = 0;
  let sampledCollisions = 0;
  const digest = mode === 'fingerprint';
  const kb = new KeyBuffer(digest); // the key of the successor being looked up
  const skb = new KeyBuffer(digest); // the key of the state being expanded (stutter checks)
  const kA = new KeyBuffer(digest);
  const kB = new KeyBuffer(digest);
  const parent = new GrowInt32();
  const via = new GrowInt32();
  const levelStart: number[] = [0];
  const eventIds = new EventTable();
  const traceTo = (id: number): EventObject[] => {
    const out: EventObject[] = [];
    while (id > 0) {
      out.push(eventIds.list[via.get(id)]!);
      id = parent.get(id);
    }
    return out.reverse();
  };
  const covered = new Uint8Array(sys.transitionIds.length);
  const firstTaken = new Map<number, EventObject[]>();
  const violations: Violation[] = [];
  const reported = new Set<string>();
  const sentinelHit: (EventObject[] | undefined)[] = sys.sentinels.map(() => undefined);
  let sentinelsLeft = sys.sentinels.length;
  const hotEdges: { from: number[]; to: number[]; ev: number[] }[] = monitors.map(() => ({
    from: [],
    to: [],
    ev: [],
  }));
  const findingFor = (name: string): string | undefined => sys.findings.find((f) => f.invariant === name)?.id;

  /** Writes the key of (state, monitor states) into `w` and hashes it. */
  const keyOfUntimed = (state: S, mon: readonly number[], w: KeyBuffer): KeyBuffer => {
    w.reset();
    sys.encode(state, w);
    for (let i = 0; i < mon.length; i++) w.uvar(mon[i]!);
    w.hash();
    return w;
  };
  const keyOf = clock ? clock.keys(keyOfUntimed) : keyOfUntimed;
  const viewOf = (state: S, mon: readonly number[]): StateView => {
    const v = sys.view(state);
    if (!mon.length) return v;
    return { ...v, monitors: Object.fromEntries(monitors.map((m, i) => [m.name, mons.name(i, mon[i]!)])) };
  };
  const report = (v: Violation): void => {
    const tag = `${v.kind}:${v.name}`;
    if (reported.has(tag)) return;
    reported.add(tag);
    violations.push({ ...v, ...(findingFor(v.name) ? { findingId: findingFor(v.name) } : {}) });
  };
  const markTaken = (taken: readonly number[], from: number, event: EventObject | undefined): void => {
    for (let i = 0; i < taken.length; i++) {
      const t = taken[i]!;
      if (covered[t] === 0) {
        covered[t] = 1;
        if (options.recordFirstTaken) firstTaken.set(t, event ? [...traceTo(from), event] : []);
      }
    }
  };

  /** Checks invariants and sentinels on a new state; returns false when an invariant fails. */
  const traceOf = (id: number, extra: EventObject | undefined): EventObject[] =>
    extra ? [...traceTo(id), extra] : traceTo(id);
  const checkState = (id: number, state: S, mon: readonly number[], extra?: EventObject): boolean => {
    let ok = true;
    for (const inv of invariants) {
      let holds: boolean;
      try {
        holds = inv.holds(state) === true;
      } catch (err) {
        report({
          kind: 'error',
          name: inv.name,
          message: `invariant '${inv.name}' threw: ${describe(err)}`,
          trace: traceOf(id, extra),
          state: viewOf(state, mon),
        });
        ok = false;
        continue;
      }
      if (!holds) {
        report({
          kind: 'invariant',
          name: inv.name,
          message: inv.statement,
          trace: traceOf(id, extra),
          state: viewOf(state, mon),
        });
        ok = false;
      }
    }
    if (sentinelsLeft > 0) {
      for (let i = 0; i < sys.sentinels.length; i++) {
        const s = sys.sentinels[i]!;
        if (sentinelHit[i]) continue;
        let hit = false;
        try {
          hit = s.reached(state) === true;
        } catch (err) {
          report({
            kind: 'error',
            name: s.name,
            message: `sentinel '${s.name}' threw: ${describe(err)}`,
            trace: traceOf(id, extra),
          });
        }
        if (hit) {
          sentinelHit[i] = traceOf(id, extra);
          sentinelsLeft--;
        }
      }
    }
    return ok;
  };

  /** A state where the run ends (final, or nothing enabled) with a monitor still hot. */
  const reportStuckHot = (id: number, state: S, mon: readonly number[], where: string): void => {
    for (let i = 0; i < monitors.length; i++) {
      if (mons.hot(i, mon[i]!)) {
        const t = traceTo(id);
        report({
          kind: 'liveness',
          name: monitors[i]!.name,
          message: `${monitors[i]!.statement} (ends in hot state '${mons.name(i, mon[i]!)}' ${where})`,
          trace: t,
          lasso: { stem: t, cycle: [] },
          state: viewOf(state, mon),
        });
      }
    }
  };

  // sleep sets (partial-order reduction)
  const reduce = options.reduce === true && sys.independent.length > 0 && monitors.length === 0;
  let skipped = 0;
  // initial state
  let init: { next: S; taken: readonly number[] };
  try {
    init = sys.initial();
  } catch (err) {
    if (err instanceof StepError) {
      return finish(undefined, false, 0, 0, [
        { kind: 'error', name: 'initial', message: err.message, trace: [] },
      ]);
    }
    throw err;
  }
  const mon0 = monitors.map(() => 0);
  index.find(keyOf(init.next, mon0, kb));
  index.add(kb);
  parent.set(0, 0);
  via.set(0, 0);
  markTaken(init.taken, 0, undefined);
  let current: Entry<S>[] = checkState(0, init.next, mon0)
    ? [{ id: 0, state: init.next, mon: mon0, mode: 0 }]
    : [];
  let next: Entry<S>[] = [];
  let depth = 0;
  let edges = 0;
  let stopped: StopReason | undefined;
  let depthCut = false;
  let expansions = 0;
  let lastProgress = started;
  let dupChecks = 0;
  const deadline = started + timeBudgetMs;

  const sameBehaviour = (a: S, b: S, monA: readonly number[]): string | undefined =>
    behaviourDifference(
      sys,
      invariants,
      a,
      b,
      (x) => keyOf(x, monA, kA),
      (x) => keyOf(x, monA, kB),
    );

  outer: while (current.length > 0) {
    if (depth >= maxDepth) {
      depthCut = true;
      break;
    }
    const nextStart = index.size;
    for (let ci = 0; ci < current.length; ci++) {
      const entry = current[ci];
      if (entry === undefined) continue; // a state that violated an invariant: not expanded
      if ((++expansions & 255) === 0) {
        const now = performance.now();
        if (now > deadline) {
          stopped = 'timeBudget';
          break outer;
        }
        if (options.onProgress && now - lastProgress >= 250) {
          lastProgress = now;
          const seconds = (now - started) / 1000;
          options.onProgress({
            model: sys.name,
            states: index.size,
            edges,
            depth,
            frontier: current.length - ci + next.length,
            seconds,
            statesPerSecond: index.size / seconds,
          });
        }
      }
      const { state, mon, id } = entry;
      if (sys.isFinal(state)) {
        if (monitors.length) reportStuckHot(id, state, mon, 'in a final state');
        continue;
      }
      let events: readonly E[];
      try {
        events = sys.events(state);
      } catch (err) {
        if (err instanceof ModelError) throw err;
        report({
          kind: 'error',
          name: 'alphabet',
          message: `alphabet threw: ${describe(err)}`,
          trace: traceTo(id),
          state: viewOf(state, mon),
        });
        continue;
      }
      let stateKeyed = false;
      let enabled = 0;
      let asleep: E[] | undefined;
      for (const event of events) {
        const group = reduce ? sys.groupOf(event) : 0;
        if (group < entry.mode) {
          // asleep: this step commutes with the one that led here, and the other order is explored
          (asleep ??= []).push(event);
          skipped++;
          continue;
        }
        edges++;
        let r: { next: S; taken: readonly number[]; accepted: boolean };
        try {
          r = sys.step(state, event);
        } catch (err) {
          if (!(err instanceof StepError)) throw err;
          enabled++;
          report({
            kind: 'error',
            name: 'step',
            message: err.message,
            trace: [...traceTo(id), event],
            state: viewOf(state, mon),
          });
          continue;
        }
        let nmon = mon;
        let keyed = false;
        if (!r.accepted) {
          if (r.next === state) continue; // stutter: nothing selected, nothing changed
          if (!stateKeyed) {
            keyOf(state, mon, skb);
            stateKeyed = true;
          }
          keyOf(r.next, mon, kb);
          keyed = true;
          if (kb.equals(skb)) continue; // stutter
        }
        enabled++;
        if (r.taken.length) markTaken(r.taken, id, event);
        if (monitors.length) {
          const arr = new Array<number>(monitors.length);
          for (let i = 0; i < monitors.length; i++) {
            let ms: string;
            try {
              ms = monitors[i]!.observe(mons.name(i, mon[i]!), event, r.next);
            } catch (err) {
              report({
                kind: 'error',
                name: monitors[i]!.name,
                message: `monitor '${monitors[i]!.name}' threw: ${describe(err)}`,
                trace: [...traceTo(id), event],
              });
              ms = mons.name(i, mon[i]!);
            }
            arr[i] = mons.intern(i, ms);
          }
          nmon = arr;
          keyed = false;
        }
        generated++;
        let nid: number;
        if (r.next === state && nmon === mon) {
          nid = id; // a self-loop: the step gave back the very snapshot (no key needed)
        } else {
          if (!keyed) keyOf(r.next, nmon, kb);
          nid = index.find(kb);
        }
        if (nid < 0) {
          if (index.size >= maxStates) {
            stopped = 'maxStates';
            break outer;
          }
          nid = index.add(kb);
          parent.set(nid, id);
          via.set(nid, eventIds.intern(event));
          if (checkState(nid, r.next, nmon))
            next[nid - nextStart] = { id: nid, state: r.next, mon: nmon, mode: group };
        } else if (checkKeys || reduce) {
          if (reduce && nid >= nextStart) {
            // another arrival at the same depth: the state's sleep set is the intersection
            const held = next[nid - nextStart];
            if (held && group < held.mode) held.mode = group;
          }
          if (checkKeys && nid >= levelStart[depth]!) {
            // sample: is the state we hold under this key really the same state?
            dupChecks++;
            if (dupChecks <= SAMPLE_FIRST || (dupChecks & (SAMPLE_EVERY - 1)) === 0) {
              const held = nid >= nextStart ? next[nid - nextStart] : current[nid - levelStart[depth]!];
              if (held && held.id === nid && !sys.same(held.state, r.next)) {
                const nk = kb.hex();
                // fingerprint mode: a different key under the same fingerprint is a collision, not a bad projection
                const sameKey = keyOf(held.state, held.mon, kA).equals(kb);
                if (!sameKey) sampledCollisions++;
                const diff = sameKey ? sameBehaviour(held.state, r.next, nmon) : undefined;
                if (diff !== undefined) {
                  throw new NonCanonicalKeyError(
                    `model '${sys.name}': state key ${nk} is not canonical: two snapshots share it but behave ` +
                      `differently (${diff}). The projection drops something that matters; reached by ` +
                      `${JSON.stringify(traceTo(nid))} and by ${JSON.stringify([...traceTo(id), event])}`,
                    nk,
                    diff,
                  );
                }
              }
            }
          }
        }
        if (monitors.length) {
          for (let i = 0; i < monitors.length; i++) {
            if (mons.hot(i, mon[i]!) && mons.hot(i, nmon[i]!)) {
              const h = hotEdges[i]!;
              h.from.push(id);
              h.to.push(nid);
              h.ev.push(eventIds.intern(event));
            }
          }
        }
      }
      if (enabled === 0 && asleep) {
        // only asleep steps left: the state is not a deadlock if one of them is enabled
        for (const event of asleep) {
          try {
            const r = sys.step(state, event);
            if (r.accepted || (r.next !== state && !keyOf(r.next, mon, kb).equals(keyOf(state, mon, skb)))) {
              enabled++;
              break;
            }
          } catch (err) {
            if (!(err instanceof StepError)) throw err;
            enabled++;
            break;
          }
        }
      }
      if (enabled === 0) {
        if (checkDeadlock) {
          report({
            kind: 'deadlock',
            name: 'deadlock',
            message: 'no event of the alphabet is enabled in this non-final state',
            trace: traceTo(id),
            state: viewOf(state, mon),
          });
        }
        if (monitors.length) reportStuckHot(id, state, mon, 'with no enabled event');
      }
    }
    current = next;
    next = [];
    if (current.length > 0) {
      depth++;
      levelStart.push(nextStart);
    }
  }

  // liveness: hot cycles
  if (monitors.length) {
    monitors.forEach((m: Monitor<S, E>, i) => {
      const h = hotEdges[i]!;
      if (h.from.length === 0) return;
      const lasso = findHotCycles(h.from, h.to, h.ev);
      if (!lasso) return;
      const stem = traceTo(lasso.start);
      const cycle = lasso.cycle.map((e) => eventIds.list[e]!);
      report({
        kind: 'liveness',
        name: m.name,
        message: `${m.statement} (a reachable cycle stays in hot monitor states)`,
        trace: [...stem, ...cycle],
        lasso: { stem, cycle },
      });
    });
  }
  if (options.onProgress) {
    const seconds = (performance.now() - started) / 1000;
    options.onProgress({
      model: sys.name,
      states: index.size,
      edges,
      depth: levelStart.length - 1,
      frontier: 0,
      seconds,
      statesPerSecond: seconds > 0 ? index.size / seconds : 0,
    });
  }
  return finish(stopped, depthCut, levelStart.length - 1, edges, violations);

  function finish(
    stoppedBy: StopReason | undefined,
    depthBounded: boolean,
    depthReached: number,
    edgeCount: number,
    vs: Violation[],
  ): { report: CheckReport; internals: ExploreInternals } {
    const seconds = (performance.now() - started) / 1000;
    const sentinels: SentinelResult[] = sys.sentinels.map((s, i) => ({
      name: s.name,
      statement: s.statement,
      reached: sentinelHit[i] !== undefined,
      ...(sentinelHit[i] ? { trace: sentinelHit[i] } : {}),
    }));
    const failing = vs.some((v) => !v.findingId) || sentinels.some((s) => !s.reached);
    const verdict = failing ? 'fail' : vs.length ? 'findings' : 'pass';
    const ids = sys.transitionIds;
    return {
      report: {
        model: sys.name,
        verdict,
        complete: stoppedBy === undefined,
        ...(stoppedBy ? { stoppedBy } : {}),
        depthBounded,
        states: Math.max(index.size, 1),
        edges: edgeCount,
        depth: depthReached,
        seconds,
        statesPerSecond: seconds > 0 ? index.size / seconds : 0,
        violations: vs,
        sentinels,
        coverage: {
          covered: ids.filter((_, i) => covered[i] === 1),
          uncovered: ids.filter((_, i) => covered[i] === 0),
        },
        invariants: invariants.map((i) => i.name),
        bounds: { maxStates, maxDepth, timeBudgetMs },
        engine: sys.engineCounts(),
        keys: { ...index.stats(generated), sampledCollisions },
        ...(reduce ? { reduction: { independent: sys.independent, skippedSteps: skipped } } : {}),
        ...(clock ? { phases: clock.times(seconds * 1000) } : {}),
      },
      internals: { firstTaken },
    };
  }
}

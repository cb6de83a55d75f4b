/**
 * The options of an exploration ({@link ExploreOptions}), its progress reports
 * ({@link Progress}), and their checking: budgets, the state-key mode, the invariants chosen.
 *
 * @module
 */
import type { EventObject } from 'xstate';
import type { Invariant } from '@kspec/spec-kit';
import { ModelError, OptionsError } from './errors.js';
import type { System } from './system.js';
import type { VisitedSet } from './visited.js';

/**
 * Where an exploration keeps its visited set, when not in memory: made by `diskSpill` of
 * `@kspec/verify/node` (fingerprints spilled to a sorted file over a memory budget). Opaque.
 * @category Exploration
 */
export interface VisitedStore {
  readonly kind: 'visited-store';
}

/** @internal What a {@link VisitedStore} is inside: the factory of the run's visited set. */
export interface VisitedStoreFactory extends VisitedStore {
  create(mode: 'exact' | 'fingerprint', bits: number): VisitedSet;
}

/**
 * Progress of a running exploration, as given to {@link ExploreOptions.onProgress}.
 * @category Exploration
 */
export interface Progress {
  readonly model: string;
  readonly states: number;
  readonly edges: number;
  readonly depth: number;
  /** States waiting in the current and next BFS level. */
  readonly frontier: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
}

/**
 * Options of {@link explore}.
 * @category Exploration
 */
export interface ExploreOptions {
  /** Stop after this many distinct states (default 1,000,000). */
  readonly maxStates?: number;
  /** Do not expand states at this depth (default: unbounded). */
  readonly maxDepth?: number;
  /** Stop after this many milliseconds (default 300,000). */
  readonly timeBudgetMs?: number;
  /** Names of the invariants to check (default: all of the model's). */
  readonly invariants?: readonly string[];
  /** Report deadlocks (default true). */
  readonly deadlock?: boolean;
  /** Called about four times a second with the progress. */
  readonly onProgress?: (progress: Progress) => void;
  /** Use the transition cache (default true). */
  readonly compiled?: boolean;
  /** Recompute every step with xstate's public `transition()` and throw on a difference (slow; for tests). */
  readonly crossCheck?: boolean;
  /** Sample duplicate keys to check that the state key is canonical (default true). */
  readonly checkKeys?: boolean;
  /** Also record the first (state, event) that took each chart transition (for test paths). */
  readonly recordFirstTaken?: boolean;
  /**
   * How the visited set holds keys: `exact` (every key's bytes, compared on a fingerprint
   * match), `fingerprint` (64-bit fingerprints only, as TLC; collisions are estimated in the
   * report), or `auto` (default: exact when `maxStates` is at most 250,000).
   */
  readonly stateKeys?: 'auto' | 'exact' | 'fingerprint';
  /** Keep only this many low bits of each fingerprint (default 64; for tests of the collision accounting). */
  readonly fingerprintBits?: number;
  /**
   * Partial-order reduction by sleep sets for compositions whose actors declare footprints
   * (default false): interleavings of independent actors are explored in one canonical order.
   * Every state is still reached at its depth, so verdicts, state counts, depths and the length
   * of every counterexample are those of the full search; only redundant edges are skipped.
   * Ignored with monitors. See the README.
   */
  readonly reduce?: boolean;
  /**
   * Another visited store: `diskSpill({ memoryStates })` from `@kspec/verify/node` keeps at most
   * that many fingerprints in memory and the rest in a sorted file (TLC's disk fingerprint
   * set). Implies `stateKeys: 'fingerprint'` unless given.
   */
  readonly visited?: VisitedStore;
  /**
   * Time each phase of the search (alphabet, steps, keys, visited set, invariants) and report
   * it as `phases` (default false; the timers slow the run somewhat).
   */
  readonly profile?: boolean;
}

/** `auto` state keys are exact up to this `maxStates`. */
export const EXACT_UP_TO = 250_000;

/** @internal Extra results for testPaths. */
export interface ExploreInternals {
  readonly firstTaken: Map<number, EventObject[]>;
}

export const DEFAULT_MAX_STATES = 1_000_000;
export const DEFAULT_TIME_BUDGET_MS = 300_000;
export const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/** @internal A positive integer option, or its default. */
export function positiveInt(name: string, value: unknown, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new OptionsError(
      `${name} must be a positive integer, got ${String(value)} (a zero or negative budget explores nothing)`,
    );
  }
  return value;
}

/** @internal The visited set's mode for a run. */
export function keyMode(stateKeys: ExploreOptions['stateKeys'], maxStates: number): 'exact' | 'fingerprint' {
  if (stateKeys === 'exact' || stateKeys === 'fingerprint') return stateKeys;
  if (stateKeys === undefined || stateKeys === 'auto')
    return maxStates <= EXACT_UP_TO ? 'exact' : 'fingerprint';
  throw new OptionsError(`stateKeys must be 'auto', 'exact' or 'fingerprint', got ${String(stateKeys)}`);
}

/** @internal The invariants an exploration checks. */
export function selectInvariants<S, E extends EventObject>(
  sys: System<S, E>,
  names: readonly string[] | undefined,
): readonly Invariant<S>[] {
  for (const inv of sys.invariants) {
    if (typeof inv?.holds !== 'function' || typeof inv.name !== 'string')
      throw new ModelError(`model '${sys.name}': every invariant needs a name and a holds() function`);
  }
  if (names === undefined) return sys.invariants;
  return names.map((n) => {
    const inv = sys.invariants.find((i) => i.name === n);
    if (!inv) {
      throw new OptionsError(
        `model '${sys.name}' has no invariant '${n}' (it has: ${sys.invariants.map((i) => i.name).join(', ') || 'none'})`,
      );
    }
    return inv;
  });
}

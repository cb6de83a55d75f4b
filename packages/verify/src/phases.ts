/**
 * Where an exploration's time goes (`explore(model, { profile: true })`): the wall time of
 * each phase of the search, measured by wrapping the model's system and the visited set in
 * timers, so the search itself is unchanged. Phases: the alphabet, the steps (the model's
 * guards and assignments through the transition cache, or xstate), the state keys (encoding
 * and hashing), the visited set, the invariants and sentinels; `other` is the rest (the
 * search's own bookkeeping, the timers themselves, garbage collection not inside a phase).
 * Nested work (the canonicity sampling steps and keys states again) counts in its own phase.
 *
 * The timers cost about two `performance.now()` calls a phase entry (tens of nanoseconds
 * each), so a profiled run is somewhat slower than a plain one; compare phases within a run.
 *
 * @module
 */
import type { EventObject } from 'xstate';
import type { System } from './system.js';
import type { VisitedSet } from './visited.js';
import type { KeyBuffer } from './key.js';

/**
 * Milliseconds of wall time by phase of one exploration (`profile: true`).
 * @category Exploration
 */
export interface PhaseTimes {
  readonly alphabetMs: number;
  readonly stepMs: number;
  readonly keyMs: number;
  readonly visitedMs: number;
  readonly invariantMs: number;
  /** Everything else: the search's bookkeeping, the timers, garbage collection outside a phase. */
  readonly otherMs: number;
}

type Phase = 'alphabet' | 'step' | 'key' | 'visited' | 'invariant';

/** @internal The running totals. */
export class PhaseClock {
  alphabet = 0;
  step = 0;
  key = 0;
  visited = 0;
  invariant = 0;

  /** The totals, `other` being what `totalMs` leaves. */
  times(totalMs: number): PhaseTimes {
    const inPhases = this.alphabet + this.step + this.key + this.visited + this.invariant;
    return {
      alphabetMs: this.alphabet,
      stepMs: this.step,
      keyMs: this.key,
      visitedMs: this.visited,
      invariantMs: this.invariant,
      otherMs: Math.max(0, totalMs - inPhases),
    };
  }

  /** `f` with its wall time added to `phase`. */
  private timed<A extends unknown[], R>(phase: Phase, f: (...args: A) => R): (...args: A) => R {
    return (...args: A) => {
      const t = performance.now();
      try {
        return f(...args);
      } finally {
        this[phase] += performance.now() - t;
      }
    };
  }

  /** `sys` with its alphabet, steps, invariants and sentinels timed. */
  system<S, E extends EventObject>(sys: System<S, E>): System<S, E> {
    return {
      ...sys,
      invariants: sys.invariants.map((i) => ({ ...i, holds: this.timed('invariant', (s: S) => i.holds(s)) })),
      sentinels: sys.sentinels.map((x) => ({
        ...x,
        reached: this.timed('invariant', (s: S) => x.reached(s)),
      })),
      events: this.timed('alphabet', (s: S) => sys.events(s)),
      step: this.timed('step', (s: S, e: E) => sys.step(s, e)),
    };
  }

  /** `index` with its lookups and insertions timed. */
  visitedSet(index: VisitedSet): VisitedSet {
    return {
      get size() {
        return index.size;
      },
      find: this.timed('visited', (k: KeyBuffer) => index.find(k)),
      add: this.timed('visited', (k: KeyBuffer) => index.add(k)),
      stats: (generated: number) => index.stats(generated),
    };
  }

  /** `keyOf` timed. */
  keys<A extends unknown[], R>(keyOf: (...args: A) => R): (...args: A) => R {
    return this.timed('key', keyOf);
  }
}

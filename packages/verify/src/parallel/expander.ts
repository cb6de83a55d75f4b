/**
 * The unit of work the parallel and distributed explorers share: expanding one state of a BFS
 * level (its alphabet, each step, the stutter rule, deadlock and final states, coverage) and
 * checking a newly reached state (invariants, sentinels), with the same definitions as
 * `explore.ts` (see its module notes), written against the same {@link System}.
 *
 * What differs from the one-process explorer: a state travels between workers (threads or
 * machines) not as a snapshot but as its PATH, the positions of its events in the alphabets
 * along one shortest run from the initial state (`replay` rebuilds the snapshot; models are
 * pure, so the snapshot is the same). A violation is recorded as a path, and whoever assembles
 * the report replays it into events and a state view. The path of a state is its parent's
 * path plus one position: a parent pointer carried along.
 *
 * Not covered here: liveness monitors, sleep-set reduction, key canonicity sampling and
 * first-taken paths (the callers refuse the first two and skip the others; see the README).
 *
 * @module
 */
import type { EventObject } from 'xstate';
import type { Invariant } from '@kspec/spec-kit';
import { ModelError } from '../errors.js';
import { KeyBuffer } from '../key.js';
import type { ViolationKind } from '../report.js';
import { StepError, describe } from '../stepper.js';
import type { System } from '../system.js';

/**
 * A violation as a worker records it: a path instead of events and a state.
 * @internal
 */
export interface FoundViolation {
  readonly kind: ViolationKind;
  readonly name: string;
  readonly message: string;
  /** Alphabet positions from the initial state to the state the report shows. */
  readonly path: readonly number[];
  /** One more step after `path` (a step that threw): its alphabet position. */
  readonly extra?: number;
  /** Whether the report shows the state at `path`. */
  readonly withState: boolean;
}

/** @internal A state of the current or next level held by a worker. */
export interface PathEntry<S> {
  readonly state: S;
  readonly path: readonly number[];
}

/** @internal What a level's work found; merged by the coordinator. */
export interface LevelResult {
  edges: number;
  generated: number;
  /** Transition indices newly covered. */
  covered: number[];
  violations: FoundViolation[];
  /** Per sentinel, the path of the first state found that satisfies it. */
  sentinels: (readonly number[] | undefined)[];
}

/** @internal Lexicographic order of paths (a prefix first): replaying in this order shares prefixes. */
export function comparePaths(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** @internal An empty {@link LevelResult} for `sentinels` sentinels. */
export function emptyResult(sentinels: number): LevelResult {
  return {
    edges: 0,
    generated: 0,
    covered: [],
    violations: [],
    sentinels: new Array<undefined>(sentinels).fill(undefined),
  };
}

/**
 * Expands and checks states of one system.
 * @internal
 */
export class Expander<S, E extends EventObject> {
  readonly key = new KeyBuffer(true);
  private readonly skb = new KeyBuffer(true);
  private readonly covered: Uint8Array;
  private readonly sentinelDone: boolean[];
  result: LevelResult;

  constructor(
    readonly sys: System<S, E>,
    private readonly invariants: readonly Invariant<S>[],
    private readonly deadlock: boolean,
  ) {
    if (sys.monitors.length)
      throw new ModelError(
        `model '${sys.name}': parallel and distributed runs do not check liveness monitors`,
      );
    this.covered = new Uint8Array(sys.transitionIds.length);
    this.sentinelDone = sys.sentinels.map(() => false);
    this.result = emptyResult(sys.sentinels.length);
  }

  /** Hands over what was found since the last call. */
  take(): LevelResult {
    const r = this.result;
    this.result = emptyResult(this.sys.sentinels.length);
    return r;
  }

  /** The fingerprint of `state` into {@link key} (`key.hi`, `key.lo`). */
  fingerprint(state: S, w: KeyBuffer = this.key): KeyBuffer {
    w.reset();
    this.sys.encode(state, w);
    w.hash();
    return w;
  }

  /** The initial state (checked), or undefined when it could not be built (reported). */
  initial(): { state: S; ok: boolean } | undefined {
    let init: { next: S; taken: readonly number[] };
    try {
      init = this.sys.initial();
    } catch (err) {
      if (!(err instanceof StepError)) throw err;
      this.result.violations.push({
        kind: 'error',
        name: 'initial',
        message: err.message,
        path: [],
        withState: false,
      });
      return undefined;
    }
    this.markTaken(init.taken);
    return { state: init.next, ok: this.check(init.next, []) };
  }

  private markTaken(taken: readonly number[]): void {
    for (const t of taken) {
      if (this.covered[t] === 0) {
        this.covered[t] = 1;
        this.result.covered.push(t);
      }
    }
  }

  /** Invariants and sentinels of a newly reached state; false when an invariant fails. */
  check(state: S, path: readonly number[]): boolean {
    let ok = true;
    const out = this.result.violations;
    for (const inv of this.invariants) {
      let holds: boolean;
      try {
        holds = inv.holds(state) === true;
      } catch (err) {
        out.push({
          kind: 'error',
          name: inv.name,
          message: `invariant '${inv.name}' threw: ${describe(err)}`,
          path,
          withState: true,
        });
        ok = false;
        continue;
      }
      if (!holds) {
        out.push({ kind: 'invariant', name: inv.name, message: inv.statement, path, withState: true });
        ok = false;
      }
    }
    const sentinels = this.sys.sentinels;
    for (let i = 0; i < sentinels.length; i++) {
      if (this.sentinelDone[i]) continue;
      const s = sentinels[i]!;
      let hit = false;
      try {
        hit = s.reached(state) === true;
      } catch (err) {
        out.push({
          kind: 'error',
          name: s.name,
          message: `sentinel '${s.name}' threw: ${describe(err)}`,
          path,
          withState: false,
        });
      }
      if (hit) {
        this.sentinelDone[i] = true;
        this.result.sentinels[i] = path;
      }
    }
    return ok;
  }

  /**
   * Expands `entry`: calls `emit(next, position)` for each enabled step, with the successor's
   * fingerprint in {@link key}; stops early when `emit` returns false (a budget ran out) and
   * then returns false.
   */
  expand(entry: PathEntry<S>, emit: (next: S, position: number) => boolean): boolean {
    const { sys } = this;
    const { state, path } = entry;
    const out = this.result;
    if (sys.isFinal(state)) return true;
    let events: readonly E[];
    try {
      events = sys.events(state);
    } catch (err) {
      if (err instanceof ModelError) throw err;
      out.violations.push({
        kind: 'error',
        name: 'alphabet',
        message: `alphabet threw: ${describe(err)}`,
        path,
        withState: true,
      });
      return true;
    }
    let stateKeyed = false;
    let enabled = 0;
    for (let pos = 0; pos < events.length; pos++) {
      const event = events[pos]!;
      out.edges++;
      let r: { next: S; taken: readonly number[]; accepted: boolean };
      try {
        r = sys.step(state, event);
      } catch (err) {
        if (!(err instanceof StepError)) throw err;
        enabled++;
        out.violations.push({
          kind: 'error',
          name: 'step',
          message: err.message,
          path,
          extra: pos,
          withState: true,
        });
        continue;
      }
      let keyed = false;
      if (!r.accepted) {
        if (r.next === state) continue; // stutter
        if (!stateKeyed) {
          this.fingerprint(state, this.skb);
          stateKeyed = true;
        }
        this.fingerprint(r.next);
        keyed = true;
        if (this.key.equals(this.skb)) continue; // stutter
      }
      enabled++;
      if (r.taken.length) this.markTaken(r.taken);
      if (!keyed) this.fingerprint(r.next);
      out.generated++;
      if (!emit(r.next, pos)) return false;
    }
    if (enabled === 0 && this.deadlock) {
      out.violations.push({
        kind: 'deadlock',
        name: 'deadlock',
        message: 'no event of the alphabet is enabled in this non-final state',
        path,
        withState: true,
      });
    }
    return true;
  }

  /** Rebuilds the state at `path` and the events taken (throws ModelError if the path is stale). */
  replay(path: readonly number[], from?: { state: S; depth: number }): { state: S; events: E[] } {
    let state = from ? from.state : this.sys.initial().next;
    const events: E[] = [];
    for (let i = from ? from.depth : 0; i < path.length; i++) {
      const evs = this.sys.events(state);
      const e = evs[path[i]!];
      if (e === undefined)
        throw new ModelError(`model '${this.sys.name}': replay of path ${path.join(',')} fails at step ${i}`);
      events.push(e);
      state = this.sys.step(state, e).next;
    }
    return { state, events };
  }
}

/**
 * Rebuilds many states from their paths, reusing the states along the previous path's common
 * prefix (consecutive paths of one level often share most of it).
 * @internal
 */
export class PrefixReplayer<S, E extends EventObject> {
  private stack: S[] = [];
  private last: readonly number[] = [];
  constructor(private readonly ex: Expander<S, E>) {}

  state(path: readonly number[]): S {
    const sys = this.ex.sys;
    if (this.stack.length === 0) this.stack.push(sys.initial().next);
    let common = 0;
    while (common < path.length && common < this.last.length && path[common] === this.last[common]) common++;
    this.stack.length = common + 1;
    let s: S = this.stack[common] as S;
    for (let i = common; i < path.length; i++) {
      const e = sys.events(s)[path[i]!];
      if (e === undefined) throw new ModelError(`model '${sys.name}': stale path ${path.join(',')}`);
      s = sys.step(s, e).next;
      this.stack.push(s);
    }
    this.last = path;
    return s;
  }
}

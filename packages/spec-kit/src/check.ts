/**
 * The vocabulary shared by subsystem packages and the checker (`@kspec/verify`): named
 * invariants, bounded event alphabets, sentinels, liveness monitors, findings and named
 * check configurations. Subsystem packages describe what to check with these plain types and
 * need no runtime dependency on the checker; the checker consumes them.
 *
 * Naming: an invariant's `name` is the same string in code, check configs, docs and
 * findings (camelCase, e.g. `ringOccupancyWithinSize`).
 *
 * @module
 */
import type { AnyStateMachine, EventFromLogic, EventObject, InputFrom, SnapshotFrom } from 'xstate';
import type { SourceRef } from './source.js';

/**
 * A named claim that must hold in every reachable state.
 * @category Checking
 */
export interface Invariant<S> {
  /** Stable identifier (camelCase), used in configs, reports, docs and findings. */
  readonly name: string;
  /** The claim in one line of prose. */
  readonly statement: string;
  /** True when the claim holds in `state`. Must be pure and must not throw. */
  readonly holds: (state: S) => boolean;
  /** Seed lines the claim is about, when it concerns particular code. */
  readonly source?: SourceRef;
}

/**
 * The bounded event alphabet: the events the checker may send in a given state. Bounds (how
 * many ports, which payloads) live here and in check configs, never in the machine.
 * @category Checking
 */
export type Alphabet<S, E extends EventObject = EventObject> = (state: S) => readonly E[];

/**
 * A state or predicate that must be reachable (a reachability property). An unreached
 * sentinel is reported.
 * @category Checking
 */
export interface Sentinel<S> {
  readonly name: string;
  readonly statement: string;
  readonly reached: (state: S) => boolean;
}

/**
 * A liveness monitor in the style of P's spec machines: it observes every step (the event
 * taken and the state reached) and moves between named monitor states. A reachable cycle of
 * the product on which the monitor stays in a hot state is a liveness violation.
 * @category Checking
 */
export interface Monitor<S, E extends EventObject = EventObject> {
  readonly name: string;
  readonly statement: string;
  /** Initial monitor state. */
  readonly initial: string;
  /** Monitor states that must eventually be left ("something still owed"). */
  readonly hot: readonly string[];
  /**
   * Observes one step: the monitor state before, the event sent and the state reached.
   * (Declared as a method so a monitor over a model's own event type is assignable where any
   * monitor is expected.)
   */
  observe(monitorState: string, event: E, next: S): string;
}

/**
 * A recorded defect of a seed: a faithful model violates a named invariant. The checker
 * reports violations of invariants that have a finding as findings, not failures.
 * @category Checking
 */
export interface Finding {
  /** Stable id, e.g. `EVTCHN-1`. */
  readonly id: string;
  readonly title: string;
  /** The invariant (or monitor) name the faithful model violates. */
  readonly invariant: string;
  /** The seed lines responsible. */
  readonly seed: readonly SourceRef[];
  /** What happens, in prose. */
  readonly summary: string;
  /** The shortest trace that shows it, as events from the initial state (when recorded). */
  readonly trace?: readonly EventObject[];
  /** Upstream commit or discussion that fixed it, when known. */
  readonly upstreamFix?: string;
}

/**
 * Bounds for one exploration.
 * @category Checking
 */
export interface CheckBounds {
  readonly maxStates?: number;
  readonly maxDepth?: number;
  readonly timeBudgetMs?: number;
}

/**
 * A named check configuration kept beside a machine (like a TLC `.cfg`): bounds, which
 * invariants apply, and the expected verdict, state count and depth.
 * @category Checking
 */
export interface CheckConfig {
  readonly name: string;
  readonly description: string;
  readonly bounds: CheckBounds;
  /** Invariant names to check; all of the model's when omitted. */
  readonly invariants?: readonly string[];
  /**
   * Whether a reachable state where the alphabet enables nothing counts as a deadlock
   * (default true). Set it false only where the bounded alphabet legitimately runs out (a
   * scenario's budget is spent and every thread sleeps), and say so in `description`.
   */
  readonly deadlock?: boolean;
  readonly expect: {
    readonly verdict: 'pass' | 'findings';
    /** Finding ids this configuration must exhibit (verdict `findings`). */
    readonly findings?: readonly string[];
    /** Expected distinct states when the space is explored completely within the bounds. */
    readonly states?: number;
    /** Expected depth of the explored space. */
    readonly depth?: number;
  };
}

/**
 * Where a model's {@link MachineCheckModel.encode} writes the canonical binary key of a
 * snapshot (implemented by the checker). Every write is self-delimiting (numbers as varints
 * or tagged doubles, strings and byte arrays with their length), so a key is canonical as
 * long as what an encoder writes next depends only on what it has written so far (write a
 * list's length before its items).
 * @category Checking
 */
export interface KeyWriter {
  /** A number (integers as zig-zag varints; others as tagged IEEE doubles; -0 as 0). */
  num(n: number): void;
  /** A boolean. */
  bool(b: boolean): void;
  /** A string (its UTF-8 bytes with their length). */
  str(s: string): void;
  /** Bytes with their length. */
  bytes(b: Uint8Array): void;
  /** `null` or a number. */
  numOrNull(n: number | null): void;
  /**
   * Any JSON-like value (objects by their own enumerable keys in order, skipping what
   * `JSON.stringify` skips; byte arrays as bytes): two values get equal bytes exactly when
   * their JSON is equal, except that NaN and the infinities stay apart from `null`.
   */
  value(v: unknown): void;
  /**
   * Writes `write(obj, this)` once per object identity and replays the same bytes when the
   * same object is met again: parts of a context that a step did not change keep their
   * identity, so a key costs only what changed. `obj` must be immutable and `write` a pure
   * function of it (use one function object per kind of part).
   */
  memo<T extends object>(obj: T, write: (obj: T, w: KeyWriter) => void): void;
}

/**
 * Everything the checker needs to explore one XState machine: the machine and its input,
 * the alphabet, a projection of the snapshot that forms the canonical state key together
 * with the state value, the properties, the known findings and the named configurations.
 * @category Checking
 */
export interface MachineCheckModel<TLogic extends AnyStateMachine = AnyStateMachine> {
  readonly kind: 'machine';
  readonly name: string;
  readonly machine: TLogic;
  readonly input?: InputFrom<TLogic>;
  readonly alphabet: Alphabet<SnapshotFrom<TLogic>, EventFromLogic<TLogic>>;
  /**
   * The part of the snapshot's context that identifies a state (with the state value).
   * Must be canonical: two snapshots with equal projections behave the same. Defaults to the
   * whole context.
   */
  readonly project?: (snapshot: SnapshotFrom<TLogic>) => unknown;
  /**
   * The same identification as {@link project}, written as compact binary (the checker's fast
   * path): two snapshots must get equal bytes exactly when their projections are equal (the
   * state value is added by the checker). Without it the checker keys on the JSON of
   * `project`. The tests of a model that has both pin that they agree.
   */
  readonly encode?: (snapshot: SnapshotFrom<TLogic>, w: KeyWriter) => void;
  readonly invariants: readonly Invariant<SnapshotFrom<TLogic>>[];
  readonly sentinels?: readonly Sentinel<SnapshotFrom<TLogic>>[];
  readonly monitors?: readonly Monitor<SnapshotFrom<TLogic>, EventFromLogic<TLogic>>[];
  /** Known seed defects this model exhibits. */
  readonly findings?: readonly Finding[];
  readonly configs: readonly CheckConfig[];
}

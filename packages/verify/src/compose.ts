/**
 * Compositions: several actors (each an XState machine) sharing state, explored by choosing
 * which actor steps next, so that every interleaving the C code allows is reachable (a kernel
 * thread and a notifier, a writer and a receiver on a bus, an interrupt handler and a reader on
 * a ring).
 *
 * The shape follows how the C code shares memory. Each actor runs one machine; one step of an
 * actor is one event of its alphabet, i.e. one atomic step of that thread (a load, a store, a
 * lock acquisition). Shared memory is a plain JSON-serialisable value held by the composition:
 * - an actor READS shared memory through its alphabet, which sees the shared value and may put
 *   what it reads into the event's payload (`{ type: 'load', value: shared.counter }`);
 * - an actor WRITES shared memory through its `write` function, called after each of its steps
 *   with its new snapshot, returning the new shared value (e.g. copying `context.pendingStore`
 *   to `shared.counter`).
 * The composition holds every actor's snapshot itself and steps it with the pure transition:
 * with xstate's pure API, spawned children do not process events sent to them (actions are
 * deferred), so actors are members of the composition, not children of a parent machine.
 *
 * A single machine with parallel regions (one region per thread, atomic steps as events) is
 * the other way to model concurrency; it needs no composition.
 *
 * Not covered: message queues between actors (model them in shared memory), `sendTo`/`raise`
 * across actors (deferred actions are dropped, as in the pure API), fairness.
 *
 * @module
 */
import type { AnyMachineSnapshot, AnyStateMachine, EventObject, InputFrom, SnapshotFrom } from 'xstate';
import type { CheckConfig, Finding, Invariant, KeyWriter, Monitor, Sentinel } from '@kspec/spec-kit';
import { ModelError } from './errors.js';

/**
 * The machines of a composition, by actor name.
 * @category Compositions
 */
export type ActorMachines = Record<string, AnyStateMachine>;

/**
 * The state of a composition: the shared memory and every actor's snapshot.
 * @category Compositions
 */
export interface ComposedState<Shared = unknown, A extends ActorMachines = ActorMachines> {
  readonly shared: Shared;
  readonly actors: { readonly [K in keyof A]: SnapshotFrom<A[K]> };
}

/**
 * One step of a composition: actor `actor` takes `event`. `type` is `<actor>.<event type>`,
 * so a composed trace is a list of ordinary event objects.
 * @category Compositions
 */
export interface ComposedEvent {
  readonly type: string;
  readonly actor: string;
  readonly event: EventObject;
}

/**
 * What an actor's alphabet and write function see: its own snapshot, the shared memory and
 * every actor's snapshot.
 * @category Compositions
 */
export interface ActorView<Shared, A extends ActorMachines, K extends keyof A> {
  readonly self: SnapshotFrom<A[K]>;
  readonly shared: Shared;
  readonly actors: ComposedState<Shared, A>['actors'];
}

/**
 * One actor of a composition.
 * @category Compositions
 */
export interface CompositionMember<Shared, A extends ActorMachines, K extends keyof A> {
  readonly machine: A[K];
  readonly input?: InputFrom<A[K]>;
  /** The events this actor may take now (one atomic step each); reads of shared memory go in payloads. */
  readonly alphabet: (view: ActorView<Shared, A, K>) => readonly EventObject[];
  /** The part of this actor's snapshot that forms the key with its state value (default: context). */
  readonly project?: (snapshot: SnapshotFrom<A[K]>) => unknown;
  /**
   * The shared fields (top-level keys of the shared object) this actor's alphabet and write
   * read or write. Declared by every actor, it lets `explore(model, { reduce: true })` skip
   * redundant interleavings of an actor whose footprint no other actor touches (see the
   * README's "Partial-order reduction"). The contract: the actor reads and writes only these
   * fields and its own snapshot, and no other actor's alphabet or write reads its snapshot.
   * Writes outside the footprint are checked on every step (a `ModelError`).
   */
  readonly footprint?: readonly string[];
  /** The same identification as `project` as compact binary (see spec-kit `MachineCheckModel.encode`). */
  readonly encode?: (snapshot: SnapshotFrom<A[K]>, w: KeyWriter) => void;
  /**
   * Writes of one step to shared memory: called after each step of this actor with its new
   * snapshot (`self`), the snapshot before (`before`) and the event; returns the new shared
   * value (return `shared` unchanged when the step writes nothing). Must be pure.
   */
  readonly write?: (
    step: ActorView<Shared, A, K> & { readonly before: SnapshotFrom<A[K]>; readonly event: EventObject },
  ) => Shared;
}

/**
 * What `compose` takes: the actors, the initial shared memory, and the properties over the
 * composed state.
 * @category Compositions
 */
export interface CompositionSpec<Shared, A extends ActorMachines> {
  readonly name: string;
  /** Initial shared memory (plain data, JSON-serialisable). */
  readonly shared: Shared;
  readonly actors: { readonly [K in keyof A]: CompositionMember<Shared, A, K> };
  /** The part of shared memory that forms the key (default: all of it). */
  readonly projectShared?: (shared: Shared) => unknown;
  /** The same identification as `projectShared`, as compact binary. */
  readonly encodeShared?: (shared: Shared, w: KeyWriter) => void;
  readonly invariants: readonly Invariant<ComposedState<Shared, A>>[];
  readonly sentinels?: readonly Sentinel<ComposedState<Shared, A>>[];
  readonly monitors?: readonly Monitor<ComposedState<Shared, A>, ComposedEvent>[];
  readonly findings?: readonly Finding[];
  readonly configs?: readonly CheckConfig[];
}

/**
 * A composition ready for {@link explore}, {@link checkConfig}, {@link replay} and
 * {@link testPaths}.
 * @category Compositions
 */
export interface CompositionCheckModel<
  Shared = unknown,
  A extends ActorMachines = ActorMachines,
> extends CompositionSpec<Shared, A> {
  readonly kind: 'composition';
  /** Actor names in the order the scheduler tries them. */
  readonly actorNames: readonly (keyof A & string)[];
  readonly configs: readonly CheckConfig[];
}

/**
 * Builds a composition of actors sharing memory, checking its shape.
 *
 * @example
 * ```ts
 * const race = compose({
 *   name: 'lostUpdate',
 *   shared: { counter: 0 },
 *   actors: {
 *     a: { machine: incrementer, alphabet: ({ shared }) => [{ type: 'load', value: shared.counter }, { type: 'store' }],
 *          write: ({ shared, self, event }) => event.type === 'store' ? { counter: self.context.tmp + 1 } : shared },
 *     b: { ... },
 *   },
 *   invariants: [],
 * });
 * explore(race);
 * ```
 * @category Compositions
 */
export function compose<Shared, A extends ActorMachines>(
  spec: CompositionSpec<Shared, A>,
): CompositionCheckModel<Shared, A> {
  if (typeof spec !== 'object' || spec === null) throw new ModelError('compose: expected a composition spec');
  if (typeof spec.name !== 'string' || spec.name === '')
    throw new ModelError('compose: name must be a non-empty string');
  const names = Object.keys(spec.actors ?? {});
  if (names.length === 0) throw new ModelError(`compose '${spec.name}': needs at least one actor`);
  for (const n of names) {
    if (n.includes(':'))
      throw new ModelError(`compose '${spec.name}': actor name '${n}' must not contain ':'`);
    const m = (spec.actors as Record<string, CompositionMember<Shared, A, string>>)[n]!;
    if (typeof m?.alphabet !== 'function')
      throw new ModelError(`compose '${spec.name}': actor '${n}' has no alphabet function`);
    if (typeof (m.machine as { transition?: unknown })?.transition !== 'function')
      throw new ModelError(`compose '${spec.name}': actor '${n}' has no XState machine`);
  }
  try {
    JSON.stringify(spec.shared);
  } catch (err) {
    throw new ModelError(`compose '${spec.name}': shared memory must be JSON-serialisable (${String(err)})`);
  }
  return {
    ...spec,
    kind: 'composition',
    actorNames: names as (keyof A & string)[],
    configs: spec.configs ?? [],
  };
}

/** @internal A composition's actor snapshots, untyped. */
export type AnyComposedState = ComposedState<unknown, ActorMachines> & {
  readonly actors: Readonly<Record<string, AnyMachineSnapshot>>;
};

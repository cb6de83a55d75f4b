/**
 * Replays a trace (a counterexample, a sentinel trace, a test path) on LIVE actors created with
 * xstate's `createActor`, independently of the pure stepping the checker uses, and returns the
 * state reached. Tests use it to show that a counterexample reaches the same violating state.
 *
 * For a composition, every actor is a live actor and the composition's `write` functions update
 * shared memory from the live snapshots after each step, as during exploration.
 *
 * Live actors execute the machine's actions for real (ports, logging); invoked actors and
 * timers start as they would in production but have no time to run, since the trace is sent
 * synchronously and the actors are stopped at the end.
 *
 * @module
 */
import {
  createActor,
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type EventObject,
  type SnapshotFrom,
} from 'xstate';
import type { MachineCheckModel } from '@kspec/spec-kit';
import type { ActorMachines, ComposedEvent, ComposedState, CompositionCheckModel } from './compose.js';
import { ModelError } from './errors.js';
import type { CheckModel } from './system.js';

function live(machine: AnyStateMachine, input: unknown): AnyActorRef {
  const actor = createActor(machine, { input } as never);
  // an error inside the live actor ends up in its snapshot (status 'error'), not thrown later
  actor.subscribe({ error: () => {} });
  actor.start();
  return actor;
}

/**
 * Replays `trace` from the initial state on live actors and returns the final snapshot (for
 * a machine model) or composed state (for a composition). A step that puts an actor into
 * status `error` stops the replay there; the returned snapshot shows the error.
 *
 * @example
 * ```ts
 * const report = explore(model);
 * const v = report.violations[0]!;
 * const snapshot = replay(model, v.trace);
 * expect(model.invariants.find((i) => i.name === v.name)!.holds(snapshot)).toBe(false);
 * ```
 * @category Replay
 */
export function replay<T extends AnyStateMachine>(
  model: MachineCheckModel<T>,
  trace: readonly EventObject[],
): SnapshotFrom<T>;
export function replay<Shared, A extends ActorMachines>(
  model: CompositionCheckModel<Shared, A>,
  trace: readonly EventObject[],
): ComposedState<Shared, A>;
export function replay(model: CheckModel, trace: readonly EventObject[]): unknown;
export function replay(model: CheckModel, trace: readonly EventObject[]): unknown {
  if (!Array.isArray(trace)) throw new ModelError('replay: trace must be an array of events');
  if (model.kind === 'machine') {
    const actor = live(model.machine, model.input);
    try {
      for (const event of trace) {
        if ((actor.getSnapshot() as AnyMachineSnapshot).status !== 'active') break;
        actor.send(event);
      }
      return actor.getSnapshot();
    } finally {
      actor.stop();
    }
  }
  if (model.kind !== 'composition')
    throw new ModelError(`replay: unknown model kind '${String((model as { kind?: unknown }).kind)}'`);
  const comp = model as CompositionCheckModel;
  const actors = new Map<string, AnyActorRef>();
  for (const n of comp.actorNames) {
    const m = (comp.actors as Record<string, { machine: AnyStateMachine; input?: unknown }>)[n]!;
    actors.set(n, live(m.machine, m.input));
  }
  const snapshots = (): Record<string, AnyMachineSnapshot> =>
    Object.fromEntries([...actors].map(([n, a]) => [n, a.getSnapshot() as AnyMachineSnapshot]));
  let shared = comp.shared;
  try {
    for (const item of trace as readonly ComposedEvent[]) {
      const actor = typeof item?.actor === 'string' ? actors.get(item.actor) : undefined;
      if (!actor || typeof item.event !== 'object') {
        throw new ModelError(
          `replay '${comp.name}': ${JSON.stringify(item)} is not a step of this composition ({ actor, event })`,
        );
      }
      const before = actor.getSnapshot() as AnyMachineSnapshot;
      if (before.status !== 'active') break;
      actor.send(item.event);
      const member = (comp.actors as Record<string, { write?: (v: unknown) => unknown }>)[item.actor]!;
      if (member.write) {
        shared = member.write({
          self: actor.getSnapshot(),
          before,
          event: item.event,
          shared,
          actors: snapshots(),
        });
      }
    }
    return { shared, actors: snapshots() };
  } finally {
    for (const a of actors.values()) a.stop();
  }
}

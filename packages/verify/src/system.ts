/**
 * One interface over the two kinds of model the checker explores: a single machine
 * (spec-kit `MachineCheckModel`) and a composition of actors ({@link CompositionCheckModel}).
 * Exploration, replay and test paths are written once against {@link System}.
 *
 * State keys are canonical bytes (`key.ts`): the chart configuration (indices of the active
 * atomic states), the status when not active, then the model's `encode` of the snapshot or,
 * without one, the JSON of its `project`; for compositions, the shared memory's encoding
 * followed by each actor's key. Keys never contain the whole snapshot.
 *
 * @module
 */
import type { AnyMachineSnapshot, AnyStateMachine, AnyStateNode, EventObject } from 'xstate';
import type {
  CheckConfig,
  Finding,
  Invariant,
  KeyWriter,
  MachineCheckModel,
  Monitor,
  Sentinel,
} from '@kspec/spec-kit';
import { listStateNodes } from '@kspec/spec-kit';
import type { AnyComposedState, ComposedEvent, CompositionCheckModel } from './compose.js';
import { ModelError } from './errors.js';
import type { KeyBuffer } from './key.js';
import { MachineStepper, StepError, describe, type StepperOptions } from './stepper.js';
import type { StateView } from './report.js';
import { sameValue } from './canonical.js';

/**
 * A model the checker accepts: a spec-kit machine model or a composition.
 * @category Exploration
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CheckModel = MachineCheckModel<any> | CompositionCheckModel<any, any>;

/** @internal */
export interface Step<S> {
  readonly next: S;
  readonly taken: readonly number[];
  readonly accepted: boolean;
}

/** @internal The checker's view of a model. */
export interface System<S, E extends EventObject> {
  readonly name: string;
  readonly transitionIds: readonly string[];
  readonly invariants: readonly Invariant<S>[];
  readonly sentinels: readonly Sentinel<S>[];
  readonly monitors: readonly Monitor<S, E>[];
  readonly findings: readonly Finding[];
  readonly configs: readonly CheckConfig[];
  initial(): Step<S>;
  /** The alphabet in `state`, validated; throws ModelError on an unknown or malformed event. */
  events(state: S): readonly E[];
  /** Throws StepError when model code throws. */
  step(state: S, event: E): Step<S>;
  /** Writes the canonical key of `state` into `w` (appending). */
  encode(state: S, w: KeyBuffer): void;
  /** JSON of everything observable (state value, whole context, children), for canonicity checks. */
  fingerprint(state: S): string;
  /**
   * Whether two states are observably the same (what {@link fingerprint} sees), compared
   * structurally without building the JSON; true implies equal fingerprints.
   */
  same(a: S, b: S): boolean;
  isFinal(state: S): boolean;
  view(state: S): StateView;
  /**
   * Sleep-set groups (compositions with footprints): the actors whose footprints no other
   * actor touches, in order, each its own group; every other actor in the last group. Empty
   * when nothing can be reduced.
   */
  readonly independent: readonly string[];
  /** The group of an event: the index of its actor in `independent`, else `independent.length`. */
  groupOf(event: E): number;
  engineCounts(): { compiled: number; xstate: number };
}

const STATUS: Record<string, number> = { active: 0, done: 1, error: 2, stopped: 3 };

class KeyMaker {
  private readonly byNodes = new WeakMap<object, Uint8Array>();
  private readonly atomicIndex = new Map<AnyStateNode, number>();
  constructor(
    private readonly who: string,
    machine: AnyStateMachine,
    private readonly project: ((s: AnyMachineSnapshot) => unknown) | undefined,
    private readonly encoder: ((s: AnyMachineSnapshot, w: KeyWriter) => void) | undefined,
  ) {
    let i = 0;
    for (const n of listStateNodes(machine) as AnyStateNode[]) {
      if (Object.keys(n.states).length === 0) this.atomicIndex.set(n, i++);
    }
  }
  /** The configuration's bytes: the count and the indices of the active atomic states. */
  private configuration(s: AnyMachineSnapshot): Uint8Array {
    const nodes = (s as unknown as { _nodes: AnyStateNode[] })._nodes;
    let b = this.byNodes.get(nodes);
    if (b !== undefined) return b;
    const ix = nodes.flatMap((n) => {
      const i = this.atomicIndex.get(n);
      return i === undefined ? [] : [i];
    });
    ix.sort((a, c) => a - c);
    const out: number[] = [];
    const push = (v: number) => {
      while (v >= 0x80) {
        out.push((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      out.push(v);
    };
    push(ix.length);
    ix.forEach(push);
    b = Uint8Array.from(out);
    this.byNodes.set(nodes, b);
    return b;
  }
  projected(s: AnyMachineSnapshot): unknown {
    if (!this.project) return s.context;
    try {
      return this.project(s);
    } catch (err) {
      throw new ModelError(
        `${this.who}: project threw in state ${JSON.stringify(s.value)}: ${describe(err)}`,
      );
    }
  }
  encode(s: AnyMachineSnapshot, w: KeyBuffer): void {
    w.raw(this.configuration(s));
    w.byte(STATUS[s.status] ?? 4);
    if (this.encoder) {
      try {
        this.encoder(s, w);
      } catch (err) {
        throw new ModelError(
          `${this.who}: encode threw in state ${JSON.stringify(s.value)}: ${describe(err)}`,
        );
      }
      return;
    }
    const p = this.projected(s);
    w.str(p === undefined ? '' : (JSON.stringify(p) ?? ''));
  }
}

/** Alphabet arrays already validated (alphabets often return one constant array; they must not mutate it). */
const validated = new WeakMap<object, MachineStepper>();

function checkEvents(
  who: string,
  stepper: MachineStepper,
  state: AnyMachineSnapshot,
  events: unknown,
): EventObject[] {
  if (typeof events === 'object' && events !== null && validated.get(events) === stepper) {
    return events as EventObject[];
  }
  if (!Array.isArray(events)) {
    throw new ModelError(
      `${who}: the alphabet must return an array of events (state ${JSON.stringify(state.value)})`,
    );
  }
  for (const e of events as unknown[]) {
    if (typeof e !== 'object' || e === null || typeof (e as { type?: unknown }).type !== 'string') {
      throw new ModelError(
        `${who}: the alphabet yielded ${JSON.stringify(e)}, not an event object with a string type (state ${JSON.stringify(state.value)})`,
      );
    }
    const type = (e as EventObject).type;
    if (!stepper.knowsEvent(type)) {
      throw new ModelError(
        `${who}: the alphabet yielded event '${type}', which machine '${stepper.machine.id}' does not know ` +
          `(no transition of the chart names it; state ${JSON.stringify(state.value)})`,
      );
    }
  }
  validated.set(events, stepper);
  return events as EventObject[];
}

function fingerprintOf(s: AnyMachineSnapshot): string {
  return JSON.stringify([s.value, s.context, s.status, Object.keys(s.children ?? {})]);
}

/** {@link fingerprintOf} equality, structurally (configurations compared by their node arrays first). */
function sameSnapshot(a: AnyMachineSnapshot, b: AnyMachineSnapshot): boolean {
  if (a === b) return true;
  return (
    a.status === b.status &&
    sameValue(a.context, b.context) &&
    ((a as unknown as { _nodes: unknown })._nodes === (b as unknown as { _nodes: unknown })._nodes ||
      sameValue(a.value, b.value)) &&
    sameValue(Object.keys(a.children ?? {}), Object.keys(b.children ?? {}))
  );
}

function modelCommon(
  model: { name?: unknown; invariants?: unknown; configs?: unknown },
  what: string,
): string {
  if (typeof model !== 'object' || model === null) throw new ModelError(`expected a ${what} model`);
  if (typeof model.name !== 'string' || model.name === '')
    throw new ModelError(`the ${what} model has no name`);
  if (!Array.isArray(model.invariants))
    throw new ModelError(`model '${model.name}': invariants must be an array`);
  if (model.configs !== undefined && !Array.isArray(model.configs))
    throw new ModelError(`model '${model.name}': configs must be an array`);
  return model.name;
}

/** @internal */
export function machineSystem(
  model: MachineCheckModel,
  options: StepperOptions = {},
): System<AnyMachineSnapshot, EventObject> {
  const name = modelCommon(model, 'machine');
  if (typeof model.alphabet !== 'function')
    throw new ModelError(`model '${name}': alphabet must be a function`);
  const stepper = new MachineStepper(model.machine, model.input, options);
  const keys = new KeyMaker(`model '${name}'`, model.machine, model.project as never, model.encode as never);
  return {
    name,
    transitionIds: stepper.transitionIds,
    invariants: model.invariants,
    sentinels: model.sentinels ?? [],
    monitors: (model.monitors ?? []) as readonly Monitor<AnyMachineSnapshot, EventObject>[],
    findings: model.findings ?? [],
    configs: model.configs ?? [],
    initial: () => stepper.initial(),
    events: (s) => checkEvents(`model '${name}'`, stepper, s, model.alphabet(s as never)),
    step: (s, e) => stepper.step(s, e),
    encode: (s, w) => keys.encode(s, w),
    fingerprint: fingerprintOf,
    same: sameSnapshot,
    isFinal: (s) => s.status === 'done',
    view: (s) => ({ value: s.value, projected: keys.projected(s) }),
    independent: [],
    groupOf: () => 0,
    engineCounts: () => ({ compiled: stepper.compiledSteps, xstate: stepper.xstateSteps }),
  };
}

/** @internal */
export function compositionSystem(
  model: CompositionCheckModel,
  options: StepperOptions = {},
): System<AnyComposedState, ComposedEvent> {
  const name = modelCommon(model, 'composition');
  if (model.kind !== 'composition' || !Array.isArray(model.actorNames))
    throw new ModelError(`model '${name}': build compositions with compose(...)`);
  const names = model.actorNames as readonly string[];
  const members = names.map((n) => {
    const m = (
      model.actors as Record<
        string,
        { machine: AnyStateMachine; input?: unknown; project?: unknown; encode?: unknown }
      >
    )[n]!;
    return {
      name: n,
      spec: m as unknown as {
        alphabet: (v: unknown) => readonly EventObject[];
        write?: (v: unknown) => unknown;
      },
      stepper: new MachineStepper(m.machine, m.input, options),
      keys: new KeyMaker(
        `composition '${name}', actor '${n}'`,
        m.machine,
        m.project as never,
        m.encode as never,
      ),
      offset: 0,
    };
  });
  const transitionIds: string[] = [];
  for (const m of members) {
    m.offset = transitionIds.length;
    for (const id of m.stepper.transitionIds) transitionIds.push(`${m.name}:${id}`);
  }
  const projectShared = model.projectShared as ((s: unknown) => unknown) | undefined;
  const encodeShared = model.encodeShared as ((s: unknown, w: KeyWriter) => void) | undefined;
  const sharedKey = (shared: unknown, w: KeyBuffer): void => {
    if (encodeShared) encodeShared(shared, w);
    else w.str(JSON.stringify(projectShared ? projectShared(shared) : shared) ?? '');
  };
  const composedType = new Map<string, Map<string, string>>();
  const typeOf = (actor: string, t: string): string => {
    let m = composedType.get(actor);
    if (!m) composedType.set(actor, (m = new Map()));
    let s = m.get(t);
    if (s === undefined) m.set(t, (s = `${actor}.${t}`));
    return s;
  };
  const byName = new Map(members.map((m) => [m.name, m]));
  // sleep-set groups: an actor is independent when every actor declares a footprint and no
  // other footprint shares a field with its own
  const footprints = names.map(
    (n) => (model.actors as Record<string, { footprint?: readonly string[] }>)[n]!.footprint,
  );
  const declared = footprints.every((f) => Array.isArray(f));
  const independent = declared
    ? names.filter((n, i) =>
        footprints.every((f, j) => j === i || !f!.some((k) => footprints[i]!.includes(k))),
      )
    : [];
  const groupByActor = new Map(
    names.map((n) => [n, independent.includes(n) ? independent.indexOf(n) : independent.length]),
  );
  const footprintOf = new Map(names.map((n, i) => [n, footprints[i] ? new Set(footprints[i]) : undefined]));
  const checkFootprint = (actor: string, before: unknown, after: unknown): void => {
    const fp = footprintOf.get(actor);
    if (
      !fp ||
      before === after ||
      typeof before !== 'object' ||
      typeof after !== 'object' ||
      !before ||
      !after
    )
      return;
    const a = before as Record<string, unknown>;
    const b = after as Record<string, unknown>;
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (a[k] !== b[k] && !fp.has(k))
        throw new ModelError(
          `composition '${name}': actor '${actor}' wrote shared field '${k}', which is not in its footprint [${[...fp].join(', ')}]`,
        );
    }
  };
  return {
    name,
    transitionIds,
    invariants: model.invariants as readonly Invariant<AnyComposedState>[],
    sentinels: (model.sentinels ?? []) as readonly Sentinel<AnyComposedState>[],
    monitors: (model.monitors ?? []) as readonly Monitor<AnyComposedState, ComposedEvent>[],
    findings: model.findings ?? [],
    configs: model.configs ?? [],
    initial: () => {
      const actors: Record<string, AnyMachineSnapshot> = {};
      const taken: number[] = [];
      for (const m of members) {
        const r = m.stepper.initial();
        actors[m.name] = r.next;
        for (const t of r.taken) taken.push(m.offset + t);
      }
      return { next: { shared: model.shared, actors }, taken, accepted: true };
    },
    events: (s) => {
      const out: ComposedEvent[] = [];
      for (const m of members) {
        const self = s.actors[m.name]!;
        if (self.status !== 'active') continue;
        const evs = checkEvents(
          `composition '${name}', actor '${m.name}'`,
          m.stepper,
          self,
          m.spec.alphabet({ self, shared: s.shared, actors: s.actors }),
        );
        for (const e of evs) out.push({ type: typeOf(m.name, e.type), actor: m.name, event: e });
      }
      return out;
    },
    step: (s, ce) => {
      const m = byName.get(ce.actor);
      if (!m) throw new ModelError(`composition '${name}': no actor '${ce.actor}'`);
      const before = s.actors[m.name]!;
      const r = m.stepper.step(before, ce.event);
      const actors = { ...s.actors, [m.name]: r.next };
      let shared = s.shared;
      if (m.spec.write) {
        try {
          shared = m.spec.write({ self: r.next, before, event: ce.event, shared: s.shared, actors });
        } catch (err) {
          throw new StepError(
            `actor '${m.name}' write after ${JSON.stringify(ce.event)}: ${describe(err)}`,
            err,
          );
        }
      }
      checkFootprint(m.name, s.shared, shared);
      const taken = r.taken.map((t) => m.offset + t);
      return { next: { shared, actors }, taken, accepted: r.accepted || shared !== s.shared };
    },
    encode: (s, w) => {
      sharedKey(s.shared, w);
      for (const m of members) m.keys.encode(s.actors[m.name]!, w);
    },
    fingerprint: (s) => JSON.stringify([s.shared, ...members.map((m) => fingerprintOf(s.actors[m.name]!))]),
    same: (a, b) =>
      sameValue(a.shared, b.shared) &&
      members.every((m) => sameSnapshot(a.actors[m.name]!, b.actors[m.name]!)),
    isFinal: (s) => members.every((m) => s.actors[m.name]!.status === 'done'),
    view: (s) => ({
      value: Object.fromEntries(members.map((m) => [m.name, s.actors[m.name]!.value])),
      projected: {
        shared: projectShared ? projectShared(s.shared) : s.shared,
        ...Object.fromEntries(members.map((m) => [m.name, m.keys.projected(s.actors[m.name]!)])),
      },
    }),
    independent,
    groupOf: (ce) => groupByActor.get(ce.actor) ?? independent.length,
    engineCounts: () => ({
      compiled: members.reduce((a, m) => a + m.stepper.compiledSteps, 0),
      xstate: members.reduce((a, m) => a + m.stepper.xstateSteps, 0),
    }),
  };
}

/** @internal */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function systemOf(model: CheckModel, options: StepperOptions = {}): System<any, any> {
  if (typeof model !== 'object' || model === null) throw new ModelError('expected a check model');
  if ((model as { kind?: unknown }).kind === 'composition')
    return compositionSystem(model as CompositionCheckModel, options);
  if ((model as { kind?: unknown }).kind === 'machine')
    return machineSystem(model as MachineCheckModel, options);
  throw new ModelError(
    `model '${String((model as { name?: unknown }).name)}': kind must be 'machine' (a spec-kit MachineCheckModel) or 'composition' (from compose())`,
  );
}

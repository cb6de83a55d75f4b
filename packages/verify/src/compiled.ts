/**
 * The transition cache: a faster path for the pure step, learned from xstate itself.
 *
 * What decides an xstate macrostep, for a machine whose guards and actions are all named in
 * `setup()` with static params, is: the configuration (the set of active state nodes), the
 * event, and the outcomes of the guards evaluated along the way. Everything else (which
 * transitions are selected, conflicts between regions, exit and entry order, eventless
 * transitions, history, the resulting configuration) is a function of those. The cache runs
 * xstate once per new combination with the machine's named guards and assign actions
 * instrumented (the implementations object is swapped for the duration of that one
 * synchronous call and restored), and records the run as a trie of operations:
 * `guard(name, params) -> true | false` branches and `assign(name, params)` steps, ending in a
 * leaf holding the resulting configuration (a template snapshot), the chart transitions taken
 * and whether the event was accepted. A later step from the same configuration with the same
 * event type walks the trie, calling the real guard implementations and applying the real
 * assignments to the running context exactly as xstate's `resolveAssign` does
 * (`Object.assign({}, context, partial)`), and builds the next snapshot from the template
 * with the new context. Any path not seen before is learned by running xstate again.
 *
 * A `raise()` of a constant event without a delay is replayable: xstate processes it in the
 * same macrostep, and the guards and assignments it leads to are recorded with the event they
 * saw, so the trie replays them with that event. Reaching a top-level final state (status
 * `done`) is replayable when the machine has no `output`.
 *
 * A leaf is marked ineligible (always computed by xstate) when the run did anything the trie
 * cannot replay: a built-in action other than assign/log/emit/sendTo/sendParent/cancel and
 * constant raise (a raise with a delay or a computed event, enqueueActions, spawnChild,
 * stopChild...), a done or other event processed in the same macrostep that is not such a
 * raise, spawned children, a machine output, or a status other than `active`/`done`. A machine is not
 * compiled at all when it has invocations, inline guard or action functions, guard or action
 * params given as functions, or guard implementations that are not plain functions. An
 * assignment that calls `spawn` falls back to xstate for that step.
 *
 * The cache is proved equal to xstate's public `transition()` on every explored edge by the
 * tests (`crossCheck`), and can be turned off (`compiled: false`).
 *
 * @module
 */
import type { AnyMachineSnapshot, AnyStateMachine, AnyStateNode, EventObject } from 'xstate';
import { isGeneratedDelayAction, listStateNodes, listTransitions } from '@kspec/spec-kit';
import type { MachineStepper, StepResult } from './stepper.js';

type Fn = (...args: unknown[]) => unknown;

interface GuardOp {
  readonly kind: 'guard';
  readonly name: string;
  readonly impl: Fn;
  readonly params: unknown;
  /** The raised event this guard sees (undefined: the event being stepped). */
  readonly event: EventObject | undefined;
  t: TrieNode | undefined;
  f: TrieNode | undefined;
}
interface AssignOp {
  readonly kind: 'assign';
  readonly name: string;
  readonly assignment: unknown;
  readonly params: unknown;
  /** The raised event this assignment sees (undefined: the event being stepped). */
  readonly event: EventObject | undefined;
  next: TrieNode | undefined;
}
interface Leaf {
  readonly kind: 'leaf';
  readonly eligible: boolean;
  /** Template of the next snapshot (configuration, value, tags, history); context replaced. */
  readonly template: AnyMachineSnapshot | undefined;
  /** True when the configuration did not change (xstate keeps the same `_nodes`). */
  readonly sameConfig: boolean;
  readonly taken: readonly number[];
  readonly accepted: boolean;
}
type TrieNode = GuardOp | AssignOp | Leaf;

type LogEntry =
  | { kind: 'guard'; name: string; params: unknown; result: boolean; event: unknown }
  | { kind: 'assign'; name: string; params: unknown; assignment: unknown; event: unknown }
  | { kind: 'raise'; event: EventObject }
  | { kind: 'other'; type: string };

const HARMLESS_BUILTINS = new Set([
  'xstate.log',
  'xstate.emit',
  'xstate.sendTo',
  'xstate.sendParent',
  'xstate.cancel',
]);

class Fallback extends Error {}

function noSpawn(): never {
  throw new Fallback();
}

/** The own keys of an xstate 5.33 machine snapshot (createMachineSnapshot), in order. */
const SNAPSHOT_KEYS =
  'status,output,error,machine,context,_nodes,value,tags,children,historyValue,matches,hasTag,can,getMeta,toJSON';

/**
 * `{ ...snapshot, context }` with a fixed object shape (much cheaper than a spread); falls
 * back to the spread when the snapshot has other keys than xstate 5.33 gives it.
 */
function withContext(s: AnyMachineSnapshot, context: unknown, knownShape: boolean): AnyMachineSnapshot {
  if (!knownShape) return { ...s, context } as AnyMachineSnapshot;
  const t = s as unknown as Record<string, unknown>;
  return {
    status: t['status'],
    output: t['output'],
    error: t['error'],
    machine: t['machine'],
    context,
    _nodes: t['_nodes'],
    value: t['value'],
    tags: t['tags'],
    children: t['children'],
    historyValue: t['historyValue'],
    matches: t['matches'],
    hasTag: t['hasTag'],
    can: t['can'],
    getMeta: t['getMeta'],
    toJSON: t['toJSON'],
  } as unknown as AnyMachineSnapshot;
}

/** A raise() of a constant event object without a delay (xstate queues it internally). */
function isStaticRaise(p: unknown): boolean {
  if (typeof p !== 'object' || p === null) return false;
  const { event, delay } = p as { event?: unknown; delay?: unknown };
  return delay === undefined && typeof event === 'object' && event !== null && typeof event !== 'function';
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

interface ConfigEntry {
  readonly byEvent: Map<string, TrieNode | undefined>;
}

const caches = new WeakMap<AnyStateMachine, CompiledCache | null>();

/** Why a machine cannot be compiled, or undefined when it can. */
export function compileBlocker(machine: AnyStateMachine): string | undefined {
  const impl = machine.implementations as {
    guards: Record<string, unknown>;
    actions: Record<string, unknown>;
  };
  if (Object.isFrozen(impl) || !Object.getOwnPropertyDescriptor(impl, 'guards')?.writable) {
    return 'its implementations object is frozen (the cache instruments it while learning)';
  }
  const checkGuardRef = (g: unknown): string | undefined => {
    if (g === undefined || typeof g === 'string') return undefined;
    if (typeof g === 'function') {
      const b = g as { type?: unknown; guards?: unknown; check?: unknown };
      if (typeof b.check !== 'function') return 'an inline guard function';
      if (Array.isArray(b.guards))
        for (const inner of b.guards) {
          const why = checkGuardRef(inner);
          if (why) return why;
        }
      return undefined;
    }
    if (typeof g === 'object' && g !== null && typeof (g as { params?: unknown }).params === 'function') {
      return `guard '${String((g as { type?: unknown }).type)}' has params given as a function`;
    }
    return undefined;
  };
  for (const [name, g] of Object.entries(impl.guards)) {
    if (typeof g !== 'function') return `guard implementation '${name}' is not a function`;
    // built-in guards (and/or/not/stateIn) are fine when everything they combine is named
    if ('check' in g && checkGuardRef(g)) return `guard implementation '${name}': ${checkGuardRef(g)}`;
  }
  const checkActions = (actions: readonly unknown[]): string | undefined => {
    for (const a of actions) {
      if (isGeneratedDelayAction(a)) continue;
      if (typeof a === 'function')
        return `an inline action (${String((a as { type?: unknown }).type ?? 'function')})`;
      if (typeof a === 'object' && a !== null && typeof (a as { params?: unknown }).params === 'function') {
        return `action '${String((a as { type?: unknown }).type)}' has params given as a function`;
      }
    }
    return undefined;
  };
  for (const node of listStateNodes(machine) as AnyStateNode[]) {
    if (node.invoke.length) return `state '${node.id}' invokes an actor`;
    const why = checkActions(node.entry) ?? checkActions(node.exit);
    if (why) return `state '${node.id}': ${why}`;
  }
  for (const t of listTransitions(machine)) {
    const why = checkGuardRef(t.definition.guard) ?? checkActions(t.definition.actions);
    if (why) return `transition '${t.id}': ${why}`;
  }
  return undefined;
}

/**
 * The per-machine transition cache.
 * @internal
 */
export class CompiledCache {
  private readonly configsByNodes = new WeakMap<object, ConfigEntry>();
  private readonly configsBySig = new Map<string, ConfigEntry>();
  private readonly guardImpl: Record<string, Fn>;
  private readonly instrumented: { guards: Record<string, unknown>; actions: Record<string, unknown> };
  private log: LogEntry[] = [];
  /** False once xstate gave a snapshot with other keys than SNAPSHOT_KEYS. */
  private knownShape = true;
  private self: unknown;
  /** The machine computes an output when it is done (not replayed: such steps go to xstate). */
  private readonly hasOutput: boolean;
  /** One cache per machine, shared by every stepper of it (e.g. two actors of one machine). */
  static forMachine(machine: AnyStateMachine): CompiledCache | undefined {
    let cache = caches.get(machine);
    if (cache === undefined) {
      cache = compileBlocker(machine) === undefined ? new CompiledCache(machine) : null;
      caches.set(machine, cache);
    }
    return cache ?? undefined;
  }

  private constructor(readonly machine: AnyStateMachine) {
    const impl = machine.implementations as { guards: Record<string, Fn>; actions: Record<string, unknown> };
    this.guardImpl = impl.guards;
    this.hasOutput = (machine.root as { output?: unknown }).output !== undefined;
    const guards: Record<string, unknown> = {};
    for (const [name, g] of Object.entries(impl.guards)) {
      if ('check' in g) {
        guards[name] = g; // a built-in combinator: its named leaves are instrumented
        continue;
      }
      guards[name] = (args: { event?: unknown }, params: unknown) => {
        const result = Boolean(g(args, params));
        this.log.push({ kind: 'guard', name, params, result, event: args.event });
        return result;
      };
    }
    const actions: Record<string, unknown> = {};
    for (const [name, a] of Object.entries(impl.actions)) {
      const builtin = a as (Fn & { type?: string; resolve?: Fn; assignment?: unknown }) | undefined;
      if (typeof builtin === 'function' && typeof builtin.resolve === 'function') {
        const wrapped = function () {} as unknown as Record<string, unknown>;
        for (const k of Object.keys(builtin)) wrapped[k] = (builtin as unknown as Record<string, unknown>)[k];
        wrapped['type'] = builtin.type;
        wrapped['resolve'] = (...args: unknown[]) => {
          if (builtin.type === 'xstate.assign') {
            const event = (args[2] as { event?: unknown } | undefined)?.event;
            this.log.push({ kind: 'assign', name, params: args[3], assignment: builtin.assignment, event });
          } else if (builtin.type === 'xstate.raise' && isStaticRaise(args[4])) {
            // raise() of a constant event, no delay: processed in the same macrostep, replayable
            this.log.push({ kind: 'raise', event: (args[4] as { event: EventObject }).event });
          } else if (!HARMLESS_BUILTINS.has(String(builtin.type))) {
            this.log.push({ kind: 'other', type: String(builtin.type) });
          }
          return builtin.resolve!(...args);
        };
        actions[name] = wrapped;
      } else {
        actions[name] = a;
      }
    }
    this.instrumented = { guards, actions };
  }

  private configOf(s: AnyMachineSnapshot): ConfigEntry {
    const nodes = (s as unknown as { _nodes: AnyStateNode[] })._nodes;
    let c = this.configsByNodes.get(nodes);
    if (c) return c;
    const sig = nodes.map((n) => n.id).join('\u0000');
    c = this.configsBySig.get(sig);
    if (!c) {
      c = { byEvent: new Map() };
      this.configsBySig.set(sig, c);
    }
    this.configsByNodes.set(nodes, c);
    return c;
  }

  /** One step from the cache, or `undefined` when xstate must compute it. */
  step(stepper: MachineStepper, snapshot: AnyMachineSnapshot, event: EventObject): StepResult | undefined {
    if (snapshot.status !== 'active' || hasKeys(snapshot.children)) return undefined;
    const config = this.configOf(snapshot);
    let node = config.byEvent.get(event.type);
    let context = snapshot.context as Record<string, unknown>;
    try {
      while (node !== undefined) {
        if (node.kind === 'guard') {
          node = node.impl({ context, event: node.event ?? event }, node.params) ? node.t : node.f;
        } else if (node.kind === 'assign') {
          context = this.applyAssign(node, context, node.event ?? event, stepper);
          node = node.next;
        } else {
          if (!node.eligible) return undefined;
          if (!node.accepted) return { next: snapshot, taken: node.taken, accepted: false, compiled: true };
          const next =
            node.sameConfig && context === snapshot.context
              ? snapshot
              : withContext(node.sameConfig ? snapshot : node.template!, context, this.knownShape);
          return { next, taken: node.taken, accepted: true, compiled: true };
        }
      }
    } catch (err) {
      if (err instanceof Fallback) return undefined;
      throw err;
    }
    return this.learn(stepper, snapshot, event, config);
  }

  private applyAssign(
    op: AssignOp,
    context: Record<string, unknown>,
    event: EventObject,
    stepper: MachineStepper,
  ): Record<string, unknown> {
    this.self ??= stepper.inertSelf;
    const args = {
      context,
      event,
      spawn: noSpawn,
      self: this.self,
      system: (this.self as { system: unknown }).system,
    };
    const assignment = op.assignment;
    let partial: Record<string, unknown>;
    if (typeof assignment === 'function') {
      partial = assignment(args, op.params) as Record<string, unknown>;
    } else {
      partial = {};
      for (const key of Object.keys(assignment as object)) {
        const p = (assignment as Record<string, unknown>)[key];
        partial[key] = typeof p === 'function' ? (p as Fn)(args, op.params) : p;
      }
    }
    return Object.assign({}, context, partial);
  }

  /** Runs xstate instrumented, records the run in the trie, returns xstate's result. */
  private learn(
    stepper: MachineStepper,
    snapshot: AnyMachineSnapshot,
    event: EventObject,
    config: ConfigEntry,
  ): StepResult {
    const impl = this.machine.implementations as { guards: unknown; actions: unknown };
    const savedGuards = impl.guards;
    const savedActions = impl.actions;
    this.log = [];
    let r: ReturnType<MachineStepper['xstateStep']>;
    const microEvents: unknown[] = [];
    const restoreHook = stepper.onMicrostep((ev) => microEvents.push(ev));
    try {
      impl.guards = this.instrumented.guards;
      impl.actions = this.instrumented.actions;
      r = stepper.xstateStep(snapshot, event);
    } finally {
      impl.guards = savedGuards;
      impl.actions = savedActions;
      restoreHook();
    }
    const next = r.next;
    if (this.knownShape && Object.keys(next).join(',') !== SNAPSHOT_KEYS) this.knownShape = false;
    const raised = new Set<unknown>(this.log.flatMap((e) => (e.kind === 'raise' ? [e.event] : [])));
    // every guard and assignment saw the stepped event or a constant raised one, and the
    // ops record which (an event object that is neither cannot be replayed)
    const seen = (x: unknown): boolean => x === event || raised.has(x);
    const eligible =
      !this.log.some(
        (e) => e.kind === 'other' || ((e.kind === 'guard' || e.kind === 'assign') && !seen(e.event)),
      ) &&
      microEvents.every(seen) &&
      (next.status === 'active' || (next.status === 'done' && !this.hasOutput)) &&
      Object.keys(next.children).length === 0;
    const sameConfig =
      (next as unknown as { _nodes: unknown })._nodes === (snapshot as unknown as { _nodes: unknown })._nodes;
    if (sameConfig !== true && next !== snapshot) this.configOf(next); // register the template's nodes
    const leaf: Leaf = {
      kind: 'leaf',
      eligible,
      template: eligible ? { ...next, context: undefined } : undefined,
      sameConfig,
      taken: [...r.taken],
      accepted: r.accepted,
    };
    // insert the log into the trie
    let parent: GuardOp | AssignOp | undefined;
    let branch: boolean | undefined;
    let node = config.byEvent.get(event.type);
    const attach = (n: TrieNode): void => {
      if (!parent) config.byEvent.set(event.type, n);
      else if (parent.kind === 'assign') parent.next = n;
      else if (branch) parent.t = n;
      else parent.f = n;
    };
    for (const e of this.log) {
      if (e.kind === 'other') break;
      if (e.kind === 'raise') continue; // its effect is in the events the ops below record
      const opEvent = e.event === event ? undefined : (e.event as EventObject);
      if (node === undefined) {
        node =
          e.kind === 'guard'
            ? {
                kind: 'guard',
                name: e.name,
                impl: this.guardImpl[e.name]!,
                params: e.params,
                event: opEvent,
                t: undefined,
                f: undefined,
              }
            : {
                kind: 'assign',
                name: e.name,
                assignment: e.assignment,
                params: e.params,
                event: opEvent,
                next: undefined,
              };
        attach(node);
      } else if (node.kind !== e.kind || node.name !== e.name || node.event !== opEvent) {
        // the run does not follow the recorded shape: guards are not deterministic; stop compiling here
        return { next, taken: r.taken, accepted: r.accepted, compiled: false };
      }
      parent = node;
      if (node.kind === 'guard') {
        branch = (e as { result: boolean }).result;
        node = branch ? node.t : node.f;
      } else {
        branch = undefined;
        node = node.next;
      }
    }
    if (node === undefined) attach(leaf);
    return { next, taken: r.taken, accepted: r.accepted, compiled: false };
  }
}

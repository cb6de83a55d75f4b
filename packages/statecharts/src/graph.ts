/**
 * The chart graph every exporter works from: the state nodes and transitions of a machine read
 * from its own state-node definitions (`machine.root`, through spec-kit's `listStateNodes` and
 * `listTransitions`), not from `toJSON()`. So eventless (`always`) transitions, delayed
 * (`after`) transitions with their named delays, invocation transitions, named guards
 * (including `not`/`and`/`or` combinations) and named actions are all kept, each with its
 * `meta.source` seed reference.
 *
 * A machine that is not an XState machine, or that does not conform (an inline guard, action,
 * delay or actor, or a missing source reference), is refused with a
 * {@link StatechartExportError} naming each state node at fault: an export that silently drops
 * a guard would show a transition that the C code does not take.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import type { ConformanceIssue, SourceRef, TransitionKind } from '@kspec/spec-kit';
import {
  actionName,
  checkConformance,
  guardName,
  isGeneratedDelayAction,
  listStateNodes,
  listTransitions,
  sourceOfStateNode,
  sourceOfTransition,
} from '@kspec/spec-kit';

/**
 * The kind of a state node as exported.
 * @category Chart graph
 */
export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

/**
 * One state node of a chart.
 * @category Chart graph
 */
export interface ChartState {
  /** The XState state id (`machine.a.b` or a custom `#id`). */
  readonly id: string;
  /** The key within its parent (the machine id for the root). */
  readonly key: string;
  readonly kind: StateKind;
  /** `shallow` or `deep` for history states. */
  readonly history?: 'shallow' | 'deep';
  readonly parent?: string;
  /** Child state ids in document order. */
  readonly children: readonly string[];
  /** Initial child ids of a compound state (a parallel state enters all its regions). */
  readonly initial: readonly string[];
  /** Default target ids of a history state (the parent's initial state when none given). */
  readonly historyDefault: readonly string[];
  /** Entry actions written by the modeller (XState's generated delay raise/cancel left out). */
  readonly entry: readonly string[];
  readonly exit: readonly string[];
  /** Invoked actors: the invocation id and the actor's name in `setup({ actors })`. */
  readonly invoke: readonly { readonly id: string; readonly src: string }[];
  readonly tags: readonly string[];
  readonly description?: string;
  readonly source?: SourceRef;
  /** Depth below the root (the root is 0). */
  readonly depth: number;
}

/**
 * One transition (an edge) of a chart.
 * @category Chart graph
 */
export interface ChartEdge {
  /** spec-kit's stable transition id (`<source id>|<event>|<index>`). */
  readonly id: string;
  readonly kind: TransitionKind;
  readonly sourceId: string;
  /** XState's event type (`''` for eventless; `xstate.after.…` for delayed transitions). */
  readonly eventType: string;
  /** The event as people read it: `go`, `after 5ms`, `always`, `done.state.x`, `done.invoke.y`. */
  readonly event: string;
  /** Target state ids; empty for a targetless transition. */
  readonly targets: readonly string[];
  readonly guard?: string;
  readonly actions: readonly string[];
  /** Delay of an `after` transition: its name (`cmmDelay`) or its number of milliseconds. */
  readonly delay?: string | number;
  /** The delay in milliseconds when it is known statically. */
  readonly delayMs?: number;
  /** XState's `reenter` flag. */
  readonly reenter: boolean;
  readonly index: number;
  readonly description?: string;
  readonly source?: SourceRef;
}

/**
 * A machine's states and transitions, in document order.
 * @category Chart graph
 */
export interface ChartGraph {
  /** The machine id. */
  readonly id: string;
  readonly root: string;
  readonly states: ReadonlyMap<string, ChartState>;
  readonly edges: readonly ChartEdge[];
  readonly machine: AnyStateMachine;
}

/**
 * Options of {@link describeChart} and the exporters.
 * @category Chart graph
 */
export interface DescribeOptions {
  /**
   * Accept state nodes and transitions without `meta.source` (inline functions are still
   * refused, since every export would lose them). Default `false`: kspec machines carry a
   * source reference everywhere.
   */
  readonly allowMissingSources?: boolean;
}

/**
 * Thrown when a value cannot be exported: it is not an XState machine, or the machine has
 * inline guards, actions, delays or actors (or missing source references). `issues` names
 * each state node and place at fault.
 * @category Chart graph
 */
export class StatechartExportError extends Error {
  override readonly name = 'StatechartExportError';
  constructor(
    message: string,
    /** The conformance issues, one per place at fault (empty when the value is no machine). */
    readonly issues: readonly ConformanceIssue[] = [],
  ) {
    super(message);
  }
}

/**
 * True when `value` looks like an XState v5 machine (created with `setup().createMachine()`).
 * @category Chart graph
 */
export function isStateMachine(value: unknown): value is AnyStateMachine {
  return (
    typeof value === 'object' &&
    value !== null &&
    'root' in value &&
    'implementations' in value &&
    typeof (value as { transition?: unknown }).transition === 'function' &&
    typeof (value as { root?: { states?: unknown } }).root?.states === 'object'
  );
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
    return ctor && ctor !== 'Object' ? `an instance of ${ctor}` : 'a plain object';
  }
  return `a ${typeof value}`;
}

/**
 * Checks that `machine` can be exported without loss, throwing a
 * {@link StatechartExportError} naming every state node at fault otherwise.
 * @category Chart graph
 */
export function assertExportable(machine: unknown, options: DescribeOptions = {}): AnyStateMachine {
  if (!isStateMachine(machine)) {
    throw new StatechartExportError(
      `cannot export ${describeValue(machine)}: expected an XState machine created with setup().createMachine()`,
    );
  }
  const issues = checkConformance(machine).filter(
    (i) => !(options.allowMissingSources && i.problem === 'missing-source'),
  );
  if (issues.length > 0) {
    throw new StatechartExportError(
      `cannot export machine '${machine.id}' without loss (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - [${i.problem}] state node ${i.message}`).join('\n'),
      issues,
    );
  }
  return machine;
}

function kindOf(node: AnyStateNode): StateKind {
  return node.type as StateKind;
}

function userActions(actions: readonly unknown[]): string[] {
  return actions.filter((a) => !isGeneratedDelayAction(a)).map(actionName);
}

function delayOf(
  machine: AnyStateMachine,
  def: AnyTransitionDefinition,
): { delay?: string | number; delayMs?: number } {
  const delay = (def as { delay?: unknown }).delay;
  if (typeof delay === 'number') return { delay, delayMs: delay };
  if (typeof delay === 'string') {
    const impl = (machine.implementations.delays as Record<string, unknown>)[delay];
    if (typeof impl === 'number') return { delay, delayMs: impl };
    const asNumber = Number(delay);
    if (delay.trim() !== '' && Number.isFinite(asNumber)) return { delay: asNumber, delayMs: asNumber };
    return { delay };
  }
  return {};
}

/**
 * The readable event of a transition (`go`, `after 5ms`, `always`, `done.state.x`).
 * @category Chart graph
 */
export function eventLabel(edge: Pick<ChartEdge, 'kind' | 'eventType' | 'delay' | 'delayMs'>): string {
  switch (edge.kind) {
    case 'always':
      return 'always';
    case 'after': {
      if (typeof edge.delay === 'number') return `after ${edge.delay}ms`;
      if (edge.delayMs !== undefined) return `after ${edge.delay} (${edge.delayMs}ms)`;
      return `after ${edge.delay ?? '?'}`;
    }
    case 'state.done':
      return edge.eventType.replace(/^xstate\.done\.state\./, 'done.state.');
    case 'invoke.done':
      return edge.eventType.replace(/^xstate\.done\.actor\./, 'done.invoke.');
    case 'invoke.error':
      return edge.eventType.replace(/^xstate\.error\.actor\./, 'error.invoke.');
    default:
      return edge.eventType;
  }
}

/**
 * The label of an edge: `event [guard] / action, action`.
 * @category Chart graph
 */
export function edgeLabel(edge: ChartEdge): string {
  let label = edge.event;
  if (edge.guard) label += ` [${edge.guard}]`;
  if (edge.actions.length > 0) label += ` / ${edge.actions.join(', ')}`;
  return label;
}

/**
 * Reads the chart graph of `machine` from its state-node definitions, after checking (see
 * {@link assertExportable}) that nothing would be lost.
 * @category Chart graph
 */
export function describeChart(machine: unknown, options: DescribeOptions = {}): ChartGraph {
  const m = assertExportable(machine, options);
  const states = new Map<string, ChartState>();
  for (const node of listStateNodes(m)) {
    const parent = node.parent as AnyStateNode | undefined;
    const initialTargets = (
      (node.initial as unknown as { target?: readonly AnyStateNode[] } | undefined)?.target ?? []
    ).map((t) => t.id);
    const historyTargets = node.type === 'history' ? historyDefaultOf(node) : [];
    const sourceRef = sourceOfStateNode(node);
    states.set(node.id, {
      id: node.id,
      key: node.key,
      kind: kindOf(node),
      ...(node.type === 'history' ? { history: node.history === 'deep' ? 'deep' : 'shallow' } : {}),
      ...(parent ? { parent: parent.id } : {}),
      children: Object.values(node.states as Record<string, AnyStateNode>).map((c) => c.id),
      initial: node.type === 'compound' ? initialTargets : [],
      historyDefault: historyTargets,
      entry: userActions(node.entry),
      exit: userActions(node.exit),
      invoke: node.invoke.map((inv) => ({ id: inv.id, src: String(inv.src) })),
      tags: [...node.tags],
      ...(node.description ? { description: node.description } : {}),
      ...(sourceRef ? { source: sourceRef } : {}),
      depth: node.path.length,
    });
  }
  const edges: ChartEdge[] = listTransitions(m).map((t) => {
    const def = t.definition;
    const guard = guardName(def.guard);
    const source = sourceOfTransition(def);
    const base = {
      kind: t.kind,
      eventType: t.eventType,
      ...delayOf(m, def),
    };
    return {
      id: t.id,
      kind: t.kind,
      sourceId: t.source.id,
      eventType: t.eventType,
      event: eventLabel(base),
      targets: (def.target ?? []).map((n: AnyStateNode) => n.id),
      ...(guard ? { guard } : {}),
      actions: userActions(def.actions as readonly unknown[]),
      ...delayOf(m, def),
      reenter: def.reenter === true,
      index: t.index,
      ...(def.description ? { description: def.description } : {}),
      ...(source ? { source } : {}),
    };
  });
  return { id: m.id, root: m.root.id, states, edges, machine: m };
}

/**
 * A history node's default targets, as XState resolves them: its `target` (sibling paths or
 * `#ids`), else its parent's initial state, else (parent parallel) every region of the parent.
 */
function historyDefaultOf(node: AnyStateNode): string[] {
  const parent = node.parent as AnyStateNode;
  const raw = (node.config as { target?: unknown }).target;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.length > 0) {
    return list.map((t) => {
      if (typeof t !== 'string') return String((t as { id?: unknown }).id);
      if (t.startsWith('#')) return node.machine.getStateNodeById(t.slice(1)).id;
      let cur: AnyStateNode = parent;
      for (const key of t.split('.')) {
        const next = (cur.states as Record<string, AnyStateNode>)[key];
        if (!next) throw new StatechartExportError(`history state ${node.id}: unknown target '${t}'`);
        cur = next;
      }
      return cur.id;
    });
  }
  if (parent.type === 'parallel') {
    return Object.values(parent.states as Record<string, AnyStateNode>)
      .filter((c) => c.type !== 'history')
      .map((c) => c.id);
  }
  return ((parent.initial as unknown as { target?: readonly AnyStateNode[] } | undefined)?.target ?? []).map(
    (t) => t.id,
  );
}

/**
 * The ids of a state and all its ancestors (root last).
 * @category Chart graph
 */
export function ancestorsOf(graph: ChartGraph, id: string): string[] {
  const out: string[] = [];
  let cur: string | undefined = id;
  while (cur !== undefined) {
    out.push(cur);
    cur = graph.states.get(cur)?.parent;
  }
  return out;
}

/**
 * True when `id` is `ancestor` or lies below it.
 * @category Chart graph
 */
export function isDescendantOrSelf(graph: ChartGraph, id: string, ancestor: string): boolean {
  return ancestorsOf(graph, id).includes(ancestor);
}

/**
 * The ids of every active state node for a state value (as in `snapshot.value` or a trace's
 * `before`/`after`), the root first. Unknown keys are ignored.
 * @category Chart graph
 */
export function activeStateIds(machine: AnyStateMachine, value: unknown): string[] {
  const out: string[] = [];
  const walk = (node: AnyStateNode, v: unknown): void => {
    out.push(node.id);
    const states = node.states as Record<string, AnyStateNode>;
    if (node.type === 'parallel') {
      for (const [key, child] of Object.entries(states)) {
        if (child.type === 'history') continue;
        walk(child, typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined);
      }
    } else if (node.type === 'compound') {
      const key =
        typeof v === 'string' ? v : typeof v === 'object' && v !== null ? Object.keys(v)[0] : undefined;
      const child = key === undefined ? undefined : states[key];
      if (child)
        walk(child, typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key!] : undefined);
    }
  };
  walk(machine.root, value);
  return out;
}

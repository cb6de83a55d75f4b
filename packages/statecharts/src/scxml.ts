/**
 * SCXML export (W3C State Chart XML, namespace `http://www.w3.org/2005/07/scxml`), written so
 * that a conforming SCXML processor (the tests use SCION) loads and runs the file unchanged.
 *
 * Mapping, one XState construct at a time:
 * - compound, parallel, final and history state nodes become `<state initial>`, `<parallel>`,
 *   `<final>` and `<history type>` (with the default transition XState would take); the
 *   machine's root becomes the `<scxml>` element itself, or, when the root has transitions,
 *   entry/exit actions or invocations (which `<scxml>` cannot hold), a wrapping `<state>`;
 * - every transition is one `<transition>` with `event`, `cond` and `target`. `cond` is an
 *   ECMAScript expression over the document's data model (`datamodel="ecmascript"`): a named
 *   guard implemented by XState's `stateIn` maps to `In('id')` by itself; a guard given a
 *   condition through {@link ScxmlOptions.guardConditions} is that condition; every other
 *   named guard is a call of the declared guard function, `guards.isRestricted(context,
 *   _event)`; XState's `not`/`and`/`or` become `!`, `&&`, `||`;
 * - eventless (`always`) transitions are transitions without `event`;
 * - a delayed (`after`) transition becomes what XState does internally: a
 *   `<send event="xstate.after.…" delay="…ms" id="…"/>` in `<onentry>`, a `<cancel sendid>` in
 *   `<onexit>`, and a `<transition event="xstate.after.…">`;
 * - `onDone` of a compound or parallel state listens to `done.state.<id>` (which SCXML raises
 *   itself), invocations become `<invoke type="urn:kspec:actor" src="<actor name>">` with
 *   `done.invoke.<id>` / `error.invoke.<id>` transitions;
 * - XState's `reenter: false` (the default) becomes `type="internal"` when the targets lie
 *   below a compound source; a non-reentering self-transition of an atomic state (which XState
 *   runs without exit and entry) becomes a targetless transition with `kspec:target`;
 * - a named action implemented by XState's `raise` of a plain event becomes `<raise>` (or a
 *   delayed `<send>`); every other named action becomes
 *   `<assign location="context" expr="actions.replyEacces(context, _event)"/>`, a call of the
 *   declared action function on the context;
 * - the `<datamodel>` declares `context`, `guards`, `actions` (and `delays` for delays computed
 *   at run time) with stub values: guards false, actions that keep the context. A host passes
 *   the real ones as invocation parameters; `scxmlDataModel` builds them from the TypeScript
 *   machine itself, and then the SCXML session takes the same transitions as XState;
 * - every element carries its seed reference as `kspec:file`, `kspec:fn` and `kspec:lines`,
 *   each transition its stable id as `kspec:id`, guard name as `kspec:guard`, each `<assign>`
 *   its action name as `kspec:action` (attributes in namespace `urn:kspec:scxml:1`, which
 *   SCXML processors ignore).
 *
 * What SCXML cannot show exactly is returned as notes (see {@link ScxmlExport}).
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { SourceRef } from '@kspec/spec-kit';
import { actionName, isGeneratedDelayAction } from '@kspec/spec-kit';
import type { ChartEdge, ChartGraph, ChartState, DescribeOptions } from './graph.js';
import { describeChart, isDescendantOrSelf } from './graph.js';
import { ScxmlDataModelUse, isJsonData } from './scxml-datamodel.js';
import type { XmlElement } from './xml.js';
import { writeXmlDocument } from './xml.js';

/**
 * The SCXML namespace.
 * @category SCXML
 */
export const SCXML_NS = 'http://www.w3.org/2005/07/scxml';

/**
 * The namespace of kspec's attributes and elements in exported SCXML.
 * @category SCXML
 */
export const KSPEC_SCXML_NS = 'urn:kspec:scxml:1';

/**
 * Options of {@link toScxml} and {@link exportScxml}.
 * @category SCXML
 */
export interface ScxmlOptions extends DescribeOptions {
  /**
   * ECMAScript conditions to write as `cond` for named guards (by guard name), e.g.
   * `{ hasPagesToFree: '_event.data.pages > 0' }`. Other guards call the document's guard
   * functions (`guards.hasPagesToFree(context, _event)`).
   */
  readonly guardConditions?: Readonly<Record<string, string>>;
}

/**
 * The result of {@link exportScxml}.
 * @category SCXML
 */
export interface ScxmlExport {
  readonly xml: string;
  /** XState state id → SCXML id (ids are XML names: other characters are escaped). */
  readonly stateIds: ReadonlyMap<string, string>;
  /** True when the machine's root is a `<state>` inside `<scxml>` (see the module notes). */
  readonly rootWrapped: boolean;
  /** Guard names without a mapped condition: their `cond` calls the data model's `guards`. */
  readonly unmappedGuards: readonly string[];
  /** Action names run through the data model's `actions` (every named action but a plain raise). */
  readonly dataModelActions: readonly string[];
  /** Places where SCXML cannot express the XState semantics exactly. */
  readonly notes: readonly string[];
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9._-]/;

/** Escapes a state id into an XML name (NCName): other characters become `_xHH_`. */
function toXmlName(id: string): string {
  let out = '';
  [...id].forEach((ch, i) => {
    const ok = i === 0 ? NAME_START.test(ch) : NAME_CHAR.test(ch);
    out += ok ? ch : `_x${ch.codePointAt(0)!.toString(16)}_`;
  });
  return out || '_';
}

function sourceAttrs(ref: SourceRef | undefined): Record<string, string | undefined> {
  if (!ref) return {};
  const [a, b] = ref.lines;
  return { 'kspec:file': ref.file, 'kspec:fn': ref.fn, 'kspec:lines': a === b ? `${a}` : `${a}-${b}` };
}

interface Ctx {
  readonly graph: ChartGraph;
  readonly machine: AnyStateMachine;
  readonly ids: Map<string, string>;
  readonly options: ScxmlOptions;
  readonly notes: string[];
  readonly unmapped: Set<string>;
  readonly data: ScxmlDataModelUse;
  /** Every event name the document's transitions listen to. */
  readonly eventNames: ReadonlySet<string>;
}

/**
 * SCXML matches an event descriptor by token prefix (`read` also takes `read.signal`), XState
 * by exact name. A transition whose event is a prefix of another event of the chart, or that
 * listens to a done/error event (SCXML raises `done.state.<child id>` for nested states
 * too), also checks the name exactly.
 */
function exactEventCheck(ctx: Ctx, edge: ChartEdge, name: string | undefined): string | undefined {
  if (name === undefined || name.includes('*')) return undefined;
  const internal = edge.kind === 'state.done' || edge.kind === 'invoke.done' || edge.kind === 'invoke.error';
  const shadows = [...ctx.eventNames].some((other) => other.startsWith(`${name}.`));
  return internal || shadows ? `_event.name === ${JSON.stringify(name).replace(/"/g, "'")}` : undefined;
}

function sid(ctx: Ctx, id: string): string {
  const s = ctx.ids.get(id);
  if (s === undefined) throw new Error(`internal: no SCXML id for state ${id}`);
  return s;
}

function eventName(ctx: Ctx, edge: ChartEdge): string | undefined {
  switch (edge.kind) {
    case 'always':
      return undefined;
    case 'state.done': {
      const stateId = edge.eventType.replace(/^xstate\.done\.state\./, '');
      return `done.state.${ctx.ids.get(stateId) ?? toXmlName(stateId)}`;
    }
    case 'invoke.done':
      return edge.eventType.replace(/^xstate\.done\.actor\./, 'done.invoke.');
    case 'invoke.error':
      return edge.eventType.replace(/^xstate\.error\.actor\./, 'error.invoke.');
    default: {
      if (/\s/.test(edge.eventType)) {
        ctx.notes.push(`event '${edge.eventType}' contains white space: written with '_' in SCXML`);
        return edge.eventType.replace(/\s+/g, '_');
      }
      return edge.eventType;
    }
  }
}

/** The ids of the leaf states a state value from the root stands for. */
function leafPaths(value: unknown, prefix: string): string[] {
  if (typeof value === 'string') return [`${prefix}.${value}`];
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) =>
      v === undefined || (typeof v === 'object' && v !== null && Object.keys(v).length === 0)
        ? [`${prefix}.${k}`]
        : leafPaths(v, `${prefix}.${k}`),
    );
  }
  return [];
}

/** The condition of a guard: mapped, or a call of the data model's guard; records unmapped names. */
function condOf(ctx: Ctx, guard: unknown, owner: string): { cond: string; mapped: boolean } {
  const guards = ctx.machine.implementations.guards as Record<string, unknown>;
  const named = (name: string, params?: unknown): { cond: string; mapped: boolean } => {
    const given = ctx.options.guardConditions?.[name];
    if (given !== undefined) return { cond: given, mapped: true };
    const impl = guards[name] as
      { (...args: unknown[]): unknown; check?: unknown; stateValue?: unknown } | undefined;
    if (typeof impl === 'function' && 'check' in impl && impl.stateValue !== undefined) {
      const sv = impl.stateValue;
      const ids =
        typeof sv === 'string' && sv.startsWith('#')
          ? [sv.slice(1)]
          : leafPaths(
              typeof sv === 'string'
                ? sv.split('.').reduceRight<unknown>((acc, k) => ({ [k]: acc }), {})
                : sv,
              ctx.graph.root,
            );
      const known = ids.filter((id) => ctx.ids.has(id));
      if (known.length === ids.length && ids.length > 0) {
        return { cond: known.map((id) => `In('${sid(ctx, id)}')`).join(' && '), mapped: true };
      }
    }
    ctx.unmapped.add(name);
    return { cond: ctx.data.guardCall(name, params, owner), mapped: false };
  };
  if (typeof guard === 'string') return named(guard);
  if (typeof guard === 'object' && guard !== null && typeof (guard as { type?: unknown }).type === 'string') {
    const g = guard as { type: string; params?: unknown };
    return named(g.type, g.params);
  }
  const g = guard as { type?: unknown; guards?: unknown };
  if (Array.isArray(g.guards)) {
    const inner = g.guards.map((x) => condOf(ctx, x, owner));
    const mapped = inner.every((i) => i.mapped);
    const simple = /^[\w$.]+$|^In\('[^']*'\)$|^[\w$.]+\([\w$, ]*\)$/;
    const wrap = (c: string): string => (simple.test(c) ? c : `(${c})`);
    if (g.type === 'xstate.not') return { cond: `!${wrap(inner[0]?.cond ?? 'false')}`, mapped };
    if (g.type === 'xstate.and') return { cond: inner.map((i) => wrap(i.cond)).join(' && '), mapped };
    if (g.type === 'xstate.or') return { cond: inner.map((i) => wrap(i.cond)).join(' || '), mapped };
  }
  return { cond: 'false', mapped: false };
}

/** Executable content for one action (named, or XState's generated delay raise/cancel). */
function actionElement(ctx: Ctx, action: unknown, owner: string): XmlElement {
  if (isGeneratedDelayAction(action)) {
    const a = action as { type: string; id?: string; sendId?: string; delay?: unknown };
    if (a.type === 'xstate.cancel') return { name: 'cancel', attrs: { sendid: a.sendId } };
    const delays = ctx.machine.implementations.delays as Record<string, unknown>;
    const ms = typeof a.delay === 'number' ? a.delay : delays[String(a.delay)];
    if (typeof ms === 'number') {
      return {
        name: 'send',
        attrs: { event: a.id, delay: `${ms}ms`, id: a.id, 'kspec:delay': String(a.delay) },
      };
    }
    ctx.notes.push(
      `${owner}: delay '${String(a.delay)}' is computed at run time: written as a delayexpr calling the data model's delays`,
    );
    return {
      name: 'send',
      attrs: {
        event: a.id,
        delayexpr: ctx.data.delayExpr(String(a.delay)),
        id: a.id,
        'kspec:delay': String(a.delay),
      },
    };
  }
  const name = actionName(action);
  const impl = (ctx.machine.implementations.actions as Record<string, unknown>)[name] as
    | { (...args: unknown[]): unknown; type?: unknown; event?: unknown; delay?: unknown; id?: unknown }
    | undefined;
  if (typeof impl === 'function' && impl.type === 'xstate.raise')
    return raiseElement(ctx, name, impl, action);
  const params =
    typeof action === 'object' && action !== null ? (action as { params?: unknown }).params : undefined;
  return ctx.data.actionElement(name, params, owner);
}

/**
 * XState's `raise`: a plain event is `<raise>`; an event with data, or computed at run time
 * (`raises.<name>(context, _event)` of the data model), is a `<send target="#_internal">`
 * (SCXML's raise with data) carrying the event as `<content>`; a delayed one is a `<send>`
 * to the session itself with `delay` (or `delayexpr` for a named delay).
 */
function raiseElement(
  ctx: Ctx,
  name: string,
  impl: { event?: unknown; delay?: unknown; id?: unknown },
  action: unknown,
): XmlElement {
  const ev = impl.event as { type?: unknown } | undefined;
  const literal = typeof ev === 'object' && ev !== null && typeof ev.type === 'string';
  const plain = literal && Object.keys(ev).length === 1;
  const params =
    typeof action === 'object' && action !== null ? (action as { params?: unknown }).params : undefined;
  const delays = ctx.machine.implementations.delays as Record<string, unknown>;
  const ms = typeof impl.delay === 'string' ? delays[impl.delay] : impl.delay;
  if (typeof impl.delay === 'function') {
    ctx.notes.push(`action '${name}' raises after a delay computed by an inline function: written as 0ms`);
  }
  const timing =
    impl.delay === undefined
      ? { target: '#_internal' }
      : typeof ms === 'number'
        ? { delay: `${ms}ms` }
        : typeof impl.delay === 'string'
          ? { delayexpr: ctx.data.delayExpr(impl.delay) }
          : { delay: '0ms' };
  const id = typeof impl.id === 'string' ? impl.id : undefined;
  if (plain && impl.delay === undefined)
    return { name: 'raise', attrs: { event: ev.type as string, 'kspec:action': name } };
  if (plain)
    return { name: 'send', attrs: { event: ev.type as string, ...timing, id, 'kspec:action': name } };
  // an event literal of plain data is written as it is; any other goes through the data model
  const call = literal && isJsonData(ev) ? undefined : ctx.data.raiseCall(name, params, `action '${name}'`);
  return {
    name: 'send',
    attrs: {
      ...(call === undefined ? { event: ev!.type as string } : { eventexpr: `${call}.type` }),
      ...timing,
      id,
      'kspec:action': name,
    },
    // parenthesised: an object literal, not a block (SCION evaluates content as a statement)
    children: [{ name: 'content', attrs: { expr: call ?? `(${JSON.stringify(ev)})` } }],
  };
}

/**
 * The data-model guard of an unguarded eventless self-loop (see {@link transitionElement}):
 * false in the stub document, true in {@link scxmlDataModel}. Not a valid XState guard name, so
 * it cannot clash with one.
 */
export const LOOP_GUARD = 'kspec.loops';

function transitionElement(ctx: Ctx, edge: ChartEdge, node: AnyStateNode): XmlElement {
  const state = ctx.graph.states.get(edge.sourceId)!;
  const owner = `${edge.sourceId} (${edge.event} #${edge.index})`;
  const def = (edge.kind === 'always' ? (node.always ?? []) : (node.transitions.get(edge.eventType) ?? []))[
    edge.index
  ];
  let targets = edge.targets;
  let type: string | undefined;
  let selfTarget: string | undefined;
  if (
    !edge.reenter &&
    targets.length > 0 &&
    targets.every((t) => isDescendantOrSelf(ctx.graph, t, state.id))
  ) {
    if (state.kind === 'atomic' || state.kind === 'final') {
      selfTarget = targets.join(' ');
      targets = [];
    } else if (state.kind === 'compound') {
      type = 'internal';
      targets = targets.flatMap((t) => (t === state.id ? state.initial : [t]));
    } else if (state.kind === 'parallel') {
      ctx.notes.push(
        `${owner}: a non-reentering transition of parallel state ${state.id} to its own descendants: SCXML exits and re-enters the parallel state (XState does not run its exit/entry)`,
      );
    }
  }
  const guard = def?.guard;
  // An unguarded eventless transition that stays in its state (a C loop: `while (1)` whose exit
  // is another branch's guard) ends only when its actions change the data. The stub document
  // has no data to change, so it would spin: its condition is the data model's `kspec.loops`
  // guard (false in the stub, true in scxmlDataModel), so the bare document leaves the loop.
  const loops =
    edge.kind === 'always' &&
    guard === undefined &&
    (targets.length === 0 || edge.targets.every((t) => t === state.id));
  const guardCond =
    guard === undefined
      ? loops
        ? ctx.data.guardCall(LOOP_GUARD, undefined, owner)
        : undefined
      : condOf(ctx, guard, owner).cond;
  const event = eventName(ctx, edge);
  const exact = exactEventCheck(ctx, edge, event);
  const cond =
    exact === undefined
      ? guardCond
      : guardCond === undefined
        ? exact
        : `${exact} && ${/^[\w$.]+(\([\w$, ]*\))?$|^In\('[^']*'\)$/.test(guardCond) ? guardCond : `(${guardCond})`}`;
  return {
    name: 'transition',
    attrs: {
      event,
      cond,
      target: targets.length > 0 ? targets.map((t) => sid(ctx, t)).join(' ') : undefined,
      type,
      'kspec:id': edge.id,
      'kspec:kind': edge.kind,
      'kspec:guard': edge.guard,
      'kspec:delay': edge.delay === undefined ? undefined : String(edge.delay),
      'kspec:target':
        selfTarget === undefined
          ? undefined
          : selfTarget
              .split(' ')
              .map((t) => sid(ctx, t))
              .join(' '),
      ...sourceAttrs(edge.source),
    },
    children: ((def?.actions ?? []) as unknown[]).map((a) => actionElement(ctx, a, owner)),
  };
}

function stateElement(ctx: Ctx, state: ChartState): XmlElement {
  const node = ctx.machine.getStateNodeById(state.id) as AnyStateNode;
  if (state.kind === 'history') {
    return {
      name: 'history',
      attrs: { id: sid(ctx, state.id), type: state.history ?? 'shallow', ...sourceAttrs(state.source) },
      children: [
        { name: 'transition', attrs: { target: state.historyDefault.map((t) => sid(ctx, t)).join(' ') } },
      ],
    };
  }
  const children: XmlElement[] = [];
  const content = (tag: 'onentry' | 'onexit', actions: readonly unknown[]): void => {
    if (actions.length > 0) {
      children.push({
        name: tag,
        children: actions.map((a) => actionElement(ctx, a, `${state.id} (${tag})`)),
      });
    }
  };
  content('onentry', node.entry);
  content('onexit', node.exit);
  const edges = ctx.graph.edges.filter((e) => e.sourceId === state.id);
  if (edges.some((e) => e.eventType.includes('*'))) {
    ctx.notes.push(
      `${state.id}: wildcard events: XState tries exact event names before wildcards, SCXML uses document order`,
    );
  }
  for (const edge of edges) children.push(transitionElement(ctx, edge, node));
  for (const inv of state.invoke) {
    children.push({ name: 'invoke', attrs: { type: `${KSPEC_SCXML_NS}:actor`, src: inv.src, id: inv.id } });
  }
  for (const child of state.children) children.push(stateElement(ctx, ctx.graph.states.get(child)!));
  const name = state.kind === 'parallel' ? 'parallel' : state.kind === 'final' ? 'final' : 'state';
  return {
    name,
    attrs: {
      id: sid(ctx, state.id),
      initial:
        state.kind === 'compound' && state.initial.length > 0
          ? state.initial.map((t) => sid(ctx, t)).join(' ')
          : undefined,
      'kspec:tags': state.tags.length > 0 ? state.tags.join(' ') : undefined,
      ...sourceAttrs(state.source),
    },
    children,
  };
}

/** The machine's initial context when it is given as a value (not computed from the input). */
function staticContext(machine: AnyStateMachine): unknown {
  const context = (machine.config as { context?: unknown }).context;
  return typeof context === 'function' ? undefined : context;
}

function assignIds(graph: ChartGraph): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const id of graph.states.keys()) {
    let name = toXmlName(id);
    for (let n = 2; used.has(name); n++) name = `${toXmlName(id)}_${n}`;
    used.add(name);
    ids.set(id, name);
  }
  return ids;
}

/**
 * Exports `machine` as SCXML, with the state id map, the guards left unmapped and notes on
 * what SCXML cannot express exactly. Throws a {@link StatechartExportError} for anything that
 * is not a conforming machine.
 * @category SCXML
 */
export function exportScxml(machine: unknown, options: ScxmlOptions = {}): ScxmlExport {
  const graph = describeChart(machine, options);
  const notes: string[] = [];
  const ctx: Ctx = {
    graph,
    machine: graph.machine,
    ids: assignIds(graph),
    options,
    notes,
    unmapped: new Set(),
    data: new ScxmlDataModelUse(notes),
    eventNames: new Set(),
  };
  for (const edge of graph.edges) {
    const name = eventName(ctx, edge);
    if (name !== undefined) (ctx.eventNames as Set<string>).add(name);
  }
  const root = graph.states.get(graph.root)!;
  const rootEdges = graph.edges.filter((e) => e.sourceId === root.id);
  const wrap =
    root.kind === 'parallel' ||
    rootEdges.length > 0 ||
    root.entry.length > 0 ||
    root.exit.length > 0 ||
    root.invoke.length > 0;
  const nsAttrs = {
    xmlns: SCXML_NS,
    'xmlns:kspec': KSPEC_SCXML_NS,
    version: '1.0',
    datamodel: 'ecmascript',
    name: graph.id,
  };
  let doc: XmlElement;
  if (wrap) {
    if (root.children.some((c) => graph.states.get(c)?.kind === 'final')) {
      ctx.notes.push(
        `${root.id}: the root is written as a <state> (it has transitions or actions), so reaching its final child raises done.state.${sid(ctx, root.id)} instead of ending the SCXML session as XState's machine ends`,
      );
    }
    const top = stateElement(ctx, root);
    doc = {
      name: 'scxml',
      attrs: { ...nsAttrs, initial: sid(ctx, root.id) },
      children: [ctx.data.element(staticContext(graph.machine)), top],
    };
  } else {
    const inner = stateElement(ctx, root);
    doc = {
      name: 'scxml',
      attrs: { ...nsAttrs, initial: inner.attrs?.['initial'], ...sourceAttrs(root.source) },
      children: [ctx.data.element(staticContext(graph.machine)), ...((inner.children ?? []) as XmlElement[])],
    };
  }
  return {
    xml: writeXmlDocument(doc),
    stateIds: ctx.ids,
    rootWrapped: wrap,
    unmappedGuards: [...ctx.unmapped].sort(),
    dataModelActions: [...ctx.data.actions].sort(),
    notes: [...new Set(ctx.notes)],
  };
}

/**
 * Exports `machine` as an SCXML document (see the module notes for the mapping).
 *
 * @example
 * ```ts
 * import { toScxml } from '@kspec/statecharts';
 * writeFileSync('evtchnDevice.scxml', toScxml(evtchnDeviceMachine));
 * ```
 * @category SCXML
 */
export function toScxml(machine: unknown, options: ScxmlOptions = {}): string {
  return exportScxml(machine, options).xml;
}

/**
 * The TypeScript machine as the data model of its exported SCXML: the values a host passes to
 * an SCXML processor as invocation parameters (SCION: `new Statechart(model, { params })`) so
 * that the document's `guards`, `actions`, `delays` and `context` are the machine's own.
 *
 * The SCXML processor then chooses every transition itself (document order, conflicts,
 * eventless steps, internal events, history) while the machine's guard and action
 * implementations evaluate and update the context: if the processor and XState agree on the
 * statechart semantics, they pass through the same configurations with the same context.
 *
 * Supported implementations: guards that are functions `(args, params)` and XState's
 * `not`/`and`/`or` of them (a `stateIn` guard is `In(…)` in the document and never reaches
 * the host); actions built by `assign` (resolved as XState resolves them: a function of
 * `{ context, event }` or an object of property assigners), plain functions (run for their
 * effect), and `raise` (the event it raises, for the document's `<send target="#_internal">`;
 * a plain event is `<raise>` in the document and needs no host). Actions that spawn,
 * send to other actors or enqueue actions need XState's actor system and throw here.
 *
 * @module
 */
import type { AnyStateMachine } from 'xstate';
import { LOOP_GUARD, exportScxml } from './scxml.js';

/**
 * An SCXML event as an ECMAScript data model sees it (`_event`).
 * @category SCXML
 */
export interface ScxmlEventView {
  readonly name: string;
  readonly data?: unknown;
}

/**
 * A guard function of the data model: `cond="guards.name(context, _event, params)"`.
 * @category SCXML
 */
export type ScxmlGuardFn = (context: unknown, event: ScxmlEventView | undefined, params?: unknown) => boolean;

/**
 * An action function of the data model: `<assign location="context" expr="actions.name(context, _event, params)"/>`.
 * @category SCXML
 */
export type ScxmlActionFn = (
  context: unknown,
  event: ScxmlEventView | undefined,
  params?: unknown,
) => unknown;

/**
 * A delay function of the data model: `delayexpr="delays.name(context, _event)"`.
 * @category SCXML
 */
export type ScxmlDelayFn = (context: unknown, event: ScxmlEventView | undefined) => string;

/**
 * A raise function of the data model: the XState event `{ type, ... }` an action raises,
 * `<send target="#_internal" eventexpr="raises.name(context, _event).type">`.
 * @category SCXML
 */
export type ScxmlRaiseFn = (
  context: unknown,
  event: ScxmlEventView | undefined,
  params?: unknown,
) => { type: string; [k: string]: unknown };

/**
 * The values of an exported document's top-level `<data>` items.
 * @category SCXML
 */
export interface ScxmlDataModel {
  context: unknown;
  readonly guards: Readonly<Record<string, ScxmlGuardFn>>;
  readonly actions: Readonly<Record<string, ScxmlActionFn>>;
  readonly delays: Readonly<Record<string, ScxmlDelayFn>>;
  readonly raises: Readonly<Record<string, ScxmlRaiseFn>>;
}

/**
 * Options of {@link scxmlDataModel}.
 * @category SCXML
 */
export interface ScxmlDataModelOptions {
  /** The machine's input (what `createActor(machine, { input })` would get). */
  readonly input?: unknown;
}

type Args = { context: unknown; event: { type: string; [k: string]: unknown } };
type Impl = ((args: Args, params?: unknown) => unknown) & Record<string, unknown>;

/** The context XState computes from the input, before any entry action runs. */
function initialContext(machine: AnyStateMachine, input: unknown): unknown {
  const ctx = (machine.config as { context?: unknown }).context;
  if (typeof ctx !== 'function') return ctx;
  return (ctx as (a: unknown) => unknown)({
    input,
    self: undefined,
    spawn: () => {
      throw new Error(`scxmlDataModel: ${machine.id}: the context spawns actors, which SCXML cannot host`);
    },
  });
}

/**
 * Builds the data model that makes a machine's exported SCXML run as the machine does: its
 * initial context, and its guards, actions and delays as functions over SCXML's `_event`
 * (turned back into XState's `{ type, ...data }`, with `done.state.<id>` and the init event
 * renamed as XState names them).
 *
 * @example
 * ```ts
 * import scxml from '@scion-scxml/scxml';
 * import { exportScxml, scxmlDataModel } from '@kspec/statecharts';
 * scxml.documentStringToModel('m.scxml', exportScxml(machine).xml, (err, factory) =>
 *   factory.prepare((err2, model) => {
 *     const chart = new scxml.core.Statechart(model, { params: scxmlDataModel(machine, { input }) });
 *     chart.start();
 *   }),
 * );
 * ```
 * @category SCXML
 */
export function scxmlDataModel(
  machine: AnyStateMachine,
  options: ScxmlDataModelOptions = {},
): ScxmlDataModel {
  const { stateIds } = exportScxml(machine, { allowMissingSources: true });
  const back = new Map([...stateIds].map(([x, s]) => [s, x]));
  const init = { type: 'xstate.init', input: options.input };
  const toXState = (e: ScxmlEventView | undefined): Args['event'] => {
    if (e === undefined || e === null) return init;
    const data = typeof e.data === 'object' && e.data !== null ? (e.data as Record<string, unknown>) : {};
    const done = /^done\.state\.(.+)$/.exec(e.name);
    const type = done ? `xstate.done.state.${back.get(done[1]!) ?? done[1]!}` : e.name;
    return { ...data, type };
  };
  const impls = machine.implementations as {
    guards: Record<string, unknown>;
    actions: Record<string, unknown>;
    delays: Record<string, unknown>;
  };

  const evalGuard = (guard: unknown, args: Args, params: unknown): boolean => {
    if (typeof guard === 'string')
      return evalGuard(impls.guards[guard] ?? missing('guard', guard), args, params);
    if (typeof guard === 'object' && guard !== null && 'type' in guard && !('check' in guard)) {
      const g = guard as { type: string; params?: unknown };
      const p = typeof g.params === 'function' ? (g.params as (a: Args) => unknown)(args) : g.params;
      return evalGuard(impls.guards[g.type] ?? missing('guard', g.type), args, p);
    }
    const fn = guard as Impl;
    if (typeof fn === 'function' && !('check' in fn)) return Boolean(fn(args, params));
    const inner = (fn as { guards?: unknown }).guards;
    if (Array.isArray(inner)) {
      if (fn['type'] === 'xstate.not') return !evalGuard(inner[0], args, undefined);
      if (fn['type'] === 'xstate.and') return inner.every((x) => evalGuard(x, args, undefined));
      if (fn['type'] === 'xstate.or') return inner.some((x) => evalGuard(x, args, undefined));
    }
    throw new Error(`scxmlDataModel: ${machine.id}: guard ${String(fn['type'])} needs XState's snapshot`);
  };
  const missing = (what: string, name: string): never => {
    throw new Error(`scxmlDataModel: ${machine.id}: ${what} '${name}' is not implemented`);
  };

  const runAction = (name: string, impl: Impl, args: Args, params: unknown): unknown => {
    if (impl['type'] === 'xstate.assign') {
      const assignment = impl['assignment'] as ((a: Args, p: unknown) => object) | Record<string, unknown>;
      const partial: Record<string, unknown> = {};
      if (typeof assignment === 'function') Object.assign(partial, assignment(args, params));
      else {
        for (const [k, v] of Object.entries(assignment))
          partial[k] = typeof v === 'function' ? (v as (a: Args, p: unknown) => unknown)(args, params) : v;
      }
      return { ...(args.context as object), ...partial };
    }
    if (impl['type'] === undefined || impl['type'] === 'xstate.raise') {
      // a plain function runs for its effect; a raise is <raise> in the document (or noted)
      if (impl['type'] === undefined) impl(args, params);
      return args.context;
    }
    throw new Error(
      `scxmlDataModel: ${machine.id}: action '${name}' (${String(impl['type'])}) needs XState's actor system`,
    );
  };

  // unguarded eventless self-loops carry this guard in the document: in the machine they are always enabled
  const guards: Record<string, ScxmlGuardFn> = { [LOOP_GUARD]: () => true };
  for (const name of Object.keys(impls.guards)) {
    guards[name] = (context, event, params) =>
      evalGuard(impls.guards[name], { context, event: toXState(event) }, params);
  }
  const actions: Record<string, ScxmlActionFn> = {};
  for (const [name, impl] of Object.entries(impls.actions)) {
    actions[name] = (context, event, params) =>
      runAction(name, impl as Impl, { context, event: toXState(event) }, params);
  }
  const delays: Record<string, ScxmlDelayFn> = {};
  for (const [name, impl] of Object.entries(impls.delays)) {
    delays[name] = (context, event) =>
      `${typeof impl === 'function' ? Number((impl as Impl)({ context, event: toXState(event) })) : Number(impl)}ms`;
  }
  const raises: Record<string, ScxmlRaiseFn> = {};
  for (const [name, impl] of Object.entries(impls.actions)) {
    const r = impl as Impl;
    if (r['type'] !== 'xstate.raise') continue;
    raises[name] = (context, event, params) =>
      (typeof r['event'] === 'function'
        ? (r['event'] as (a: Args, p: unknown) => unknown)({ context, event: toXState(event) }, params)
        : r['event']) as { type: string };
  }
  return { context: initialContext(machine, options.input), guards, actions, delays, raises };
}

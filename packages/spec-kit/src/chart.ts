/**
 * A walk over the definitions of a machine: every state node and every transition, with a
 * stable id per transition. The checker's coverage, the exporters' transition tables and the
 * conformance helper all use these ids, so "transition X was never taken" in a check report
 * names the same row as the docs.
 *
 * Works from the state-node definitions (`machine.root`), not from `toJSON()`, so eventless
 * (`always`), delayed (`after`) and invocation (`onDone`/`onError`) transitions are all seen.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';

/**
 * How a transition is triggered.
 * @category Charts
 */
export type TransitionKind =
  'event' | 'always' | 'after' | 'invoke.done' | 'invoke.error' | 'invoke.snapshot' | 'state.done';

/**
 * One transition of a chart.
 * @category Charts
 */
export interface ChartTransition {
  /** Stable id: `<source state id>|<event>|<index within that event>`. */
  readonly id: string;
  readonly kind: TransitionKind;
  /** The state node the transition leaves. */
  readonly source: AnyStateNode;
  /** The event type (`''` for eventless transitions). */
  readonly eventType: string;
  /** Position among the transitions of the same source and event (document order). */
  readonly index: number;
  readonly definition: AnyTransitionDefinition;
}

/**
 * Every state node of the machine, depth first, the root first.
 * @category Charts
 */
export function listStateNodes(machine: AnyStateMachine): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  const visit = (node: AnyStateNode): void => {
    out.push(node);
    for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
  };
  visit(machine.root);
  return out;
}

function kindOf(eventType: string): TransitionKind {
  if (eventType.startsWith('xstate.after.')) return 'after';
  if (eventType.startsWith('xstate.done.actor.')) return 'invoke.done';
  if (eventType.startsWith('xstate.error.actor.')) return 'invoke.error';
  if (eventType.startsWith('xstate.snapshot.')) return 'invoke.snapshot';
  if (eventType.startsWith('xstate.done.state.')) return 'state.done';
  return 'event';
}

/**
 * Every transition of the machine: for each state node (depth first), its event, delayed and
 * invocation transitions in definition order, then its eventless ones.
 * @category Charts
 */
export function listTransitions(machine: AnyStateMachine): ChartTransition[] {
  const out: ChartTransition[] = [];
  for (const node of listStateNodes(machine)) {
    for (const [eventType, defs] of node.transitions as Map<string, AnyTransitionDefinition[]>) {
      defs.forEach((definition, index) => {
        out.push({
          id: `${node.id}|${eventType}|${index}`,
          kind: kindOf(eventType),
          source: node,
          eventType,
          index,
          definition,
        });
      });
    }
    (node.always ?? []).forEach((definition: AnyTransitionDefinition, index: number) => {
      out.push({
        id: `${node.id}||${index}`,
        kind: 'always',
        source: node,
        eventType: '',
        index,
        definition,
      });
    });
  }
  return out;
}

/**
 * The name of a guard as exported (`'isRestricted'`, or `'!isRestricted'` for `not(...)`,
 * `'a && b'` for `and(...)`), or `undefined` for an unguarded transition. Inline guard
 * functions give `'<inline>'`.
 * @category Charts
 */
export function guardName(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') {
    return (guard as { type: string }).type;
  }
  if (typeof guard === 'function') {
    const g = guard as { type?: unknown; guards?: unknown };
    const inner = Array.isArray(g.guards) ? g.guards.map((x) => guardName(x) ?? '?') : undefined;
    if (g.type === 'xstate.not' && inner) return `!${inner[0]}`;
    if (g.type === 'xstate.and' && inner) return inner.join(' && ');
    if (g.type === 'xstate.or' && inner) return inner.join(' || ');
    return '<inline>';
  }
  return '<inline>';
}

/**
 * The name of an action as exported (`'replyEacces'`), or `'<inline>'` for an inline function.
 * Built-in actions that XState generates itself for delayed transitions are named by their
 * built-in type (`xstate.raise`, `xstate.cancel`).
 * @category Charts
 */
export function actionName(action: unknown): string {
  if (typeof action === 'string') return action;
  if (
    typeof action === 'object' &&
    action !== null &&
    typeof (action as { type?: unknown }).type === 'string'
  ) {
    return (action as { type: string }).type;
  }
  if (typeof action === 'function' && isGeneratedDelayAction(action)) {
    return String((action as { type?: unknown }).type);
  }
  return '<inline>';
}

/**
 * True for the raise/cancel actions XState adds to a state node's entry/exit to implement
 * its `after` transitions (they are not written by the modeller).
 * @category Charts
 */
export function isGeneratedDelayAction(action: unknown): boolean {
  if (typeof action !== 'function') return false;
  const a = action as { type?: unknown; id?: unknown; sendId?: unknown };
  if (a.type === 'xstate.raise') return typeof a.id === 'string' && a.id.startsWith('xstate.after.');
  if (a.type === 'xstate.cancel') return typeof a.sendId === 'string' && a.sendId.startsWith('xstate.after.');
  return false;
}

/**
 * The conformance helper every subsystem package's tests call: it walks every state node and
 * every transition of a machine (event, eventless, delayed and invocation transitions) and
 * reports each place that lacks a `meta.source` reference, and each inline (unnamed) guard,
 * action, delay or invoked actor, since exports lose inline functions. Named guards and
 * actions must also exist in the machine's `setup()` implementations. Every reference is also
 * checked against the committed seed index: the function (or symbol) it names exists in its
 * seed, and its lines lie inside that symbol — so a reference cannot point at the wrong
 * function or past the end of the file, with or without the seeds at hand.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { actionName, isGeneratedDelayAction, listStateNodes, listTransitions } from './chart.js';
import { checkSourceRefAgainstIndex } from './seeds.js';
import { sourceOfStateNode, sourceOfTransition, type SourceRef } from './source.js';

/**
 * What is wrong at one place of a machine.
 * @category Conformance
 */
export type ConformanceProblem =
  | 'missing-source'
  | 'source-not-in-seed'
  | 'inline-guard'
  | 'inline-action'
  | 'inline-delay'
  | 'inline-actor'
  | 'unknown-guard'
  | 'unknown-action';

/**
 * One conformance issue, naming the state node (by id) and the place within it.
 * @category Conformance
 */
export interface ConformanceIssue {
  readonly problem: ConformanceProblem;
  /** The state node's id, e.g. `evtchnDevice.open`. */
  readonly stateNode: string;
  /** Where in the node: `state`, `entry`, `exit`, `invoke[0]`, or `on ioctl.bindVirq #1`. */
  readonly where: string;
  readonly message: string;
}

function isMachine(value: unknown): value is AnyStateMachine {
  return (
    typeof value === 'object' &&
    value !== null &&
    'root' in value &&
    'implementations' in value &&
    typeof (value as { transition?: unknown }).transition === 'function'
  );
}

function checkGuard(
  guard: unknown,
  known: Record<string, unknown>,
  report: (p: ConformanceProblem, msg: string) => void,
): void {
  if (guard === undefined) return;
  if (typeof guard === 'string') {
    if (!(guard in known)) report('unknown-guard', `guard '${guard}' is not declared in setup({ guards })`);
    return;
  }
  if (typeof guard === 'object' && guard !== null && typeof (guard as { type?: unknown }).type === 'string') {
    const name = (guard as { type: string }).type;
    if (!(name in known)) report('unknown-guard', `guard '${name}' is not declared in setup({ guards })`);
    return;
  }
  if (typeof guard === 'function') {
    const g = guard as { type?: unknown; guards?: unknown };
    if (
      (g.type === 'xstate.not' || g.type === 'xstate.and' || g.type === 'xstate.or') &&
      Array.isArray(g.guards)
    ) {
      for (const inner of g.guards) checkGuard(inner, known, report);
      return;
    }
  }
  report('inline-guard', 'inline guard function (exports lose it): declare it by name in setup({ guards })');
}

function checkActions(
  actions: readonly unknown[],
  known: Record<string, unknown>,
  report: (p: ConformanceProblem, msg: string) => void,
): void {
  for (const action of actions) {
    if (isGeneratedDelayAction(action)) continue;
    const name = actionName(action);
    if (name === '<inline>') {
      const builtin = (action as { type?: unknown }).type;
      report(
        'inline-action',
        `inline action${typeof builtin === 'string' ? ` (${builtin})` : ''} (exports lose it): declare it by name in setup({ actions })`,
      );
    } else if (!name.startsWith('xstate.') && !(name in known)) {
      report('unknown-action', `action '${name}' is not declared in setup({ actions })`);
    }
  }
}

/**
 * Lists every conformance issue of `machine` (empty when it conforms).
 * Throws a `TypeError` when `machine` is not an XState machine.
 * @category Conformance
 */
export function checkConformance(machine: AnyStateMachine): ConformanceIssue[] {
  if (!isMachine(machine)) {
    throw new TypeError(
      'checkConformance: expected an XState machine (created with setup().createMachine())',
    );
  }
  const impl = machine.implementations as {
    guards: Record<string, unknown>;
    actions: Record<string, unknown>;
    delays: Record<string, unknown>;
    actors: Record<string, unknown>;
  };
  const issues: ConformanceIssue[] = [];
  const reporter =
    (node: AnyStateNode, where: string) =>
    (problem: ConformanceProblem, message: string): void => {
      issues.push({ problem, stateNode: node.id, where, message: `${node.id} (${where}): ${message}` });
    };

  const checkRef = (ref: SourceRef, report: (p: ConformanceProblem, msg: string) => void): void => {
    const problem = checkSourceRefAgainstIndex(ref);
    if (problem)
      report('source-not-in-seed', `meta.source ${ref.fn} ${ref.lines[0]}-${ref.lines[1]}: ${problem}`);
  };
  for (const node of listStateNodes(machine)) {
    const ref = sourceOfStateNode(node);
    if (!ref) {
      reporter(node, 'state')('missing-source', 'state node has no meta.source');
    } else checkRef(ref, reporter(node, 'state'));
    checkActions(node.entry, impl.actions, reporter(node, 'entry'));
    checkActions(node.exit, impl.actions, reporter(node, 'exit'));
    node.invoke.forEach((inv, i) => {
      const r = reporter(node, `invoke[${i}]`);
      const name = inv.src;
      if (typeof name !== 'string' || name.startsWith('xstate.invoke.') || !(name in impl.actors)) {
        r('inline-actor', 'invoked actor logic given inline: declare it by name in setup({ actors })');
      }
    });
  }
  for (const t of listTransitions(machine)) {
    const where = t.kind === 'always' ? `always #${t.index}` : `on ${t.eventType} #${t.index}`;
    const r = reporter(t.source, where);
    const ref = sourceOfTransition(t.definition);
    if (!ref) r('missing-source', 'transition has no meta.source');
    else checkRef(ref, r);
    checkGuard(t.definition.guard, impl.guards, r);
    checkActions(t.definition.actions, impl.actions, r);
    const delay = (t.definition as { delay?: unknown }).delay;
    if (typeof delay === 'function')
      r('inline-delay', 'inline delay function: declare it by name in setup({ delays })');
    if (typeof delay === 'string' && !(delay in impl.delays)) {
      r('inline-delay', `delay '${delay}' is not declared in setup({ delays })`);
    }
  }
  return issues;
}

/**
 * Throws an `Error` listing every conformance issue of `machine`; returns normally when it
 * conforms. Subsystem packages call this in their tests for every exported machine.
 * @category Conformance
 */
export function assertConformance(machine: AnyStateMachine): void {
  const issues = checkConformance(machine);
  if (issues.length > 0) {
    throw new Error(
      `machine '${machine.id}' does not conform (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - [${i.problem}] ${i.message}`).join('\n'),
    );
  }
}

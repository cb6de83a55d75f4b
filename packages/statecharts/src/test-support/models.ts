/**
 * Check models for driving a machine in the SCXML equivalence tests: the package's own check
 * models of the machine (their alphabets carry the event data the guards read), or, for a
 * machine without one, a model over the chart's event types and the manifest's sample events
 * (those the snapshot accepts). Also the clock advances that fire a machine's delays.
 */
import type { AnyStateMachine } from 'xstate';
import type { MachineCheckModel } from '@kspec/spec-kit';
import { chartCheckModel } from '@kspec/verify';
import { describeChart } from '../graph.js';
import type { MachineUnderTest } from './all-machines.js';

/** An event as the tests send it. */
export type AnyEvent = { type: string; [k: string]: unknown };

/** The chart's external event types, without data. */
export function chartEvents(m: MachineUnderTest): AnyEvent[] {
  const graph = describeChart(m.entry.machine);
  const types = new Set(
    graph.edges.filter((e) => e.kind === 'event' && !e.eventType.includes('*')).map((e) => e.eventType),
  );
  return [...types].map((type) => ({ type }));
}

/** The package's check models of this machine, or one over the chart's events and the samples. */
export function modelsOf(m: MachineUnderTest): MachineCheckModel[] {
  const own = (m.manifest.models as readonly MachineCheckModel[]).filter(
    (x) => x.machine === m.entry.machine,
  );
  return own.length > 0 ? own : [chartCheckModel(m.entry, `${m.label} (chart events)`)];
}

/** Clock advances that fire (or just miss) each of the machine's delays. */
export function advancesOf(machine: AnyStateMachine): number[] {
  const delays = describeChart(machine)
    .edges.map((e) => e.delayMs)
    .filter((d): d is number => d !== undefined);
  return delays.length === 0 ? [] : [...new Set([1, ...delays, ...delays.map((d) => Math.max(0, d - 1))])];
}

/**
 * A check model for a chart that has none of its own: its alphabet is the chart's event types
 * (without data) and the chart entry's sample events, each offered where the snapshot accepts
 * it (`snapshot.can`); no invariants. Enough for transition-covering test paths (`kspec paths`
 * of any published chart) and for driving the chart in equivalence tests; a package's own
 * check models, whose alphabets carry the data its guards read, reach further.
 *
 * @module
 */
import type { AnyStateMachine, EventObject } from 'xstate';
import { listTransitions, type ChartEntry, type MachineCheckModel } from '@kspec/spec-kit';

/**
 * The external event types of a chart (every `on` event that is not a wildcard), without data.
 * @category Test paths
 */
export function chartEventTypes(machine: AnyStateMachine): string[] {
  const types = new Set<string>();
  for (const t of listTransitions(machine)) {
    if (t.kind === 'event' && !t.eventType.includes('*')) types.add(t.eventType);
  }
  return [...types];
}

/**
 * A check model over the chart's own events and the entry's sample events (see the module
 * notes), named `name` (default: the entry's name).
 * @category Test paths
 */
export function chartCheckModel(entry: ChartEntry, name: string = entry.name): MachineCheckModel {
  const candidates: EventObject[] = [
    ...chartEventTypes(entry.machine).map((type) => ({ type })),
    ...(entry.sampleEvents ?? []).map((e) => ({ ...e })),
  ];
  return {
    kind: 'machine',
    name,
    machine: entry.machine,
    input: entry.input as never,
    invariants: [],
    configs: [],
    alphabet: (s) =>
      s.status !== 'active'
        ? []
        : candidates.filter((e) => {
            try {
              return s.can(e as never);
            } catch {
              return false; // the event lacks data a guard reads
            }
          }),
  };
}

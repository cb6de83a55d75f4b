/**
 * The XState JSON export: `machine.toJSON()` (XState's own definition format, as its tools
 * read it), completed with what `toJSON()` leaves out: each state node's eventless
 * transitions (`always`) are written back, and every transition carries its kspec id (`kspecId`,
 * the same id as the docs' transitions table and the checker's coverage). Since the machine
 * has been checked to have no inline guards or actions, every guard and action in it is a
 * name.
 *
 * @module
 */
import type { AnyTransitionDefinition } from 'xstate';
import type { DescribeOptions } from './graph.js';
import { describeChart } from './graph.js';

type JsonNode = {
  id: string;
  states?: Record<string, JsonNode>;
  on?: Record<string, Record<string, unknown>[]>;
  always?: Record<string, unknown>[];
  [k: string]: unknown;
};

/**
 * Exports `machine` as XState JSON (a plain object; `JSON.stringify` it to write it).
 * Throws a `StatechartExportError` for anything that is not a conforming machine.
 * @category JSON
 */
export function toXStateJson(machine: unknown, options: DescribeOptions = {}): Record<string, unknown> {
  const graph = describeChart(machine, options);
  const json = JSON.parse(JSON.stringify(graph.machine.toJSON())) as JsonNode;
  const byId = new Map<string, JsonNode>();
  const visit = (node: JsonNode): void => {
    byId.set(node.id, node);
    for (const child of Object.values(node.states ?? {})) visit(child);
  };
  visit(json);
  for (const edge of graph.edges) {
    const node = byId.get(edge.sourceId);
    if (!node) continue;
    if (edge.kind === 'always') {
      const def = (graph.machine.getStateNodeById(edge.sourceId).always ?? [])[
        edge.index
      ] as AnyTransitionDefinition;
      const plain = JSON.parse(JSON.stringify(def)) as Record<string, unknown>;
      node.always ??= [];
      node.always[edge.index] = { ...plain, kspecId: edge.id };
    } else {
      const list = node.on?.[edge.eventType];
      const entry = list?.[edge.index];
      if (entry) entry['kspecId'] = edge.id;
    }
  }
  return json;
}

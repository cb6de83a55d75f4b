/**
 * Mermaid `stateDiagram-v2` export, best effort. Compound states become `state x { … }`,
 * parallel regions are separated by `--`, initial states hang off `[*]`, transitions carry
 * `event [guard] / actions` labels.
 *
 * What Mermaid cannot show, and what is written instead:
 * - history states: Mermaid has no history pseudo-state; they are plain states named `H` /
 *   `H*` with a dashed-looking `history` class and an edge to their default target;
 * - final states with a name: Mermaid's final pseudo-state `[*]` has no name; a named final
 *   state is a normal state with the `final` class (double border), plus an edge to `[*]`;
 * - targetless transitions, entry/exit actions and invocations: written as a `note` on the
 *   state (Mermaid has no internal transitions);
 * - state ids: Mermaid ids cannot contain dots, so `a.b.c` becomes `a_b_c` (the label keeps the
 *   key); edges between states in different composite states are drawn, but Mermaid's layout
 *   of such edges is approximate;
 * - characters Mermaid's grammar reserves in labels (`:` `;` `#` `{` `}`) are replaced by
 *   look-alikes or escaped as Mermaid entities.
 *
 * @module
 */
import type { ChartGraph, ChartState, DescribeOptions } from './graph.js';
import { describeChart, edgeLabel } from './graph.js';

/**
 * Options of {@link toMermaid}.
 * @category Mermaid
 */
export interface MermaidOptions extends DescribeOptions {
  /** Mermaid `direction`; default `LR`. */
  readonly direction?: 'LR' | 'TB';
}

function labelText(s: string): string {
  return s
    .replace(/#/g, '#35;')
    .replace(/;/g, '#59;')
    .replace(/:/g, '#58;')
    .replace(/[{}]/g, (c) => (c === '{' ? '#123;' : '#125;'))
    .replace(/\n/g, ' ');
}

function assignIds(graph: ChartGraph): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const id of graph.states.keys()) {
    const base = id.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([0-9])/, '_$1');
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    ids.set(id, name);
  }
  return ids;
}

/**
 * Exports `machine` as a Mermaid `stateDiagram-v2` (see the module notes for what Mermaid
 * cannot show). Throws a `StatechartExportError` for anything that is not a conforming
 * machine.
 * @category Mermaid
 */
export function toMermaid(machine: unknown, options: MermaidOptions = {}): string {
  const graph = describeChart(machine, options);
  const ids = assignIds(graph);
  const mid = (id: string): string => ids.get(id)!;
  const out: string[] = ['stateDiagram-v2', `  direction ${options.direction ?? 'LR'}`];
  const classes: { final: string[]; history: string[] } = { final: [], history: [] };

  const notes = (state: ChartState): string[] => {
    const lines: string[] = [];
    if (state.entry.length > 0) lines.push(`entry / ${state.entry.join(', ')}`);
    if (state.exit.length > 0) lines.push(`exit / ${state.exit.join(', ')}`);
    for (const inv of state.invoke) lines.push(`invoke ${inv.src}`);
    for (const e of graph.edges)
      if (e.sourceId === state.id && e.targets.length === 0) lines.push(edgeLabel(e));
    return lines;
  };

  const writeState = (state: ChartState, indent: string): void => {
    const id = mid(state.id);
    if (state.kind === 'history') {
      out.push(`${indent}state "${state.history === 'deep' ? 'H*' : 'H'}" as ${id}`);
      classes.history.push(id);
      for (const t of state.historyDefault) out.push(`${indent}${id} --> ${mid(t)} : history default`);
      return;
    }
    if (state.kind === 'compound' || state.kind === 'parallel') {
      out.push(
        `${indent}state "${labelText(state.kind === 'parallel' ? `${state.key} (parallel)` : state.key)}" as ${id}`,
      );
      out.push(`${indent}state ${id} {`);
      const inner = `${indent}  `;
      if (state.kind === 'compound') {
        for (const t of state.initial) out.push(`${inner}[*] --> ${mid(t)}`);
        for (const child of state.children) writeState(graph.states.get(child)!, inner);
      } else {
        state.children.forEach((child, i) => {
          if (i > 0) out.push(`${inner}--`);
          writeState(graph.states.get(child)!, inner);
        });
      }
      out.push(`${indent}}`);
    } else {
      out.push(`${indent}state "${labelText(state.key)}" as ${id}`);
      if (state.kind === 'final') {
        classes.final.push(id);
        out.push(`${indent}${id} --> [*]`);
      }
    }
    const lines = notes(state);
    if (lines.length > 0) {
      out.push(`${indent}note right of ${id}`);
      for (const l of lines) out.push(`${indent}  ${labelText(l)}`);
      out.push(`${indent}end note`);
    }
  };

  const root = graph.states.get(graph.root)!;
  out.push(`  [*] --> ${mid(root.id)}`);
  writeState(root, '  ');
  for (const edge of graph.edges) {
    for (const t of edge.targets)
      out.push(`  ${mid(edge.sourceId)} --> ${mid(t)} : ${labelText(edgeLabel(edge))}`);
  }
  out.push('  classDef final stroke-width:3px,stroke-dasharray:0');
  out.push('  classDef history stroke-dasharray:4 2');
  if (classes.final.length > 0) out.push(`  class ${classes.final.join(',')} final`);
  if (classes.history.length > 0) out.push(`  class ${classes.history.join(',')} history`);
  return `${out.join('\n')}\n`;
}

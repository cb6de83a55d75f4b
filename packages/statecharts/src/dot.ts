/**
 * Graphviz DOT export. Every compound state is a cluster (rounded), every parallel state a
 * bold cluster whose regions are dashed sub-clusters side by side, so regions are visibly
 * separate. Edges are labelled `event [guard] / actions`, one edge per target; an edge
 * to or from a compound state ends on the cluster's border (`compound=true`, `lhead`/`ltail`).
 * Targetless transitions, entry/exit actions and invocations are listed inside their state,
 * as UML draws internal transitions. Initial states hang off a black dot, final states have a
 * double border, history states are `H` / `H*` circles with a dashed edge to their default.
 *
 * Graphviz `id`s make the SVG addressable: `state:<state id>` for states (clusters or
 * nodes) and `edge:<transition id>` for edges; the docs viewer highlights through them.
 *
 * @module
 */
import { formatSourceRef } from '@kspec/spec-kit';
import type { ChartEdge, ChartGraph, ChartState, DescribeOptions } from './graph.js';
import { describeChart, edgeLabel, isDescendantOrSelf } from './graph.js';

/**
 * Options of {@link toDot}.
 * @category DOT
 */
export interface DotOptions extends DescribeOptions {
  /** Graphviz `rankdir`; default `LR`. */
  readonly rankdir?: 'LR' | 'TB' | 'RL' | 'BT';
}

/** Quotes a DOT id or string. */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Escapes text for a Graphviz HTML-like label. */
function h(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const isCluster = (s: ChartState): boolean => s.kind === 'compound' || s.kind === 'parallel';

/** The lines listed inside a state: entry/exit actions, invocations, targetless transitions. */
function innerLines(graph: ChartGraph, state: ChartState): string[] {
  const lines: string[] = [];
  if (state.entry.length > 0) lines.push(`entry / ${state.entry.join(', ')}`);
  if (state.exit.length > 0) lines.push(`exit / ${state.exit.join(', ')}`);
  for (const inv of state.invoke) lines.push(`invoke ${inv.src}`);
  for (const e of graph.edges) {
    if (e.sourceId === state.id && e.targets.length === 0) lines.push(edgeLabel(e));
  }
  return lines;
}

function htmlLabel(title: string, lines: readonly string[], bold = true): string {
  const head = bold ? `<B>${h(title)}</B>` : h(title);
  if (lines.length === 0) return `<${head}>`;
  return `<${head}<BR/><FONT POINT-SIZE="9">${lines.map(h).join('<BR ALIGN="LEFT"/>')}<BR ALIGN="LEFT"/></FONT>>`;
}

function tooltip(state: ChartState): string {
  return state.source ? `${state.id}\n${formatSourceRef(state.source)}` : state.id;
}

function writeState(graph: ChartGraph, state: ChartState, indent: string, out: string[]): void {
  const id = state.id;
  if (!isCluster(state)) {
    if (state.kind === 'history') {
      out.push(
        `${indent}${q(id)} [id=${q(`state:${id}`)}, shape=circle, width=0.3, fixedsize=true, label=${q(state.history === 'deep' ? 'H*' : 'H')}, tooltip=${q(tooltip(state))}];`,
      );
      for (const t of state.historyDefault) {
        const target = graph.states.get(t);
        const lhead = target && isCluster(target) ? `, lhead=${q(`cluster_${t}`)}` : '';
        out.push(`${indent}${q(id)} -> ${q(t)} [style=dashed, arrowhead=open${lhead}];`);
      }
      return;
    }
    const extra = state.kind === 'final' ? ', peripheries=2' : '';
    out.push(
      `${indent}${q(id)} [id=${q(`state:${id}`)}, label=${htmlLabel(state.key, innerLines(graph, state))}, tooltip=${q(tooltip(state))}${extra}];`,
    );
    return;
  }
  const parent = state.parent ? graph.states.get(state.parent) : undefined;
  const isRegion = parent?.kind === 'parallel';
  const style = state.kind === 'parallel' ? 'rounded,bold' : isRegion ? 'rounded,dashed' : 'rounded';
  const title = state.kind === 'parallel' ? `${state.key} (parallel)` : state.key;
  out.push(`${indent}subgraph ${q(`cluster_${id}`)} {`);
  const inner = `${indent}  `;
  out.push(
    `${inner}id=${q(`state:${id}`)}; label=${htmlLabel(title, innerLines(graph, state))}; style=${q(style)}; tooltip=${q(tooltip(state))};`,
  );
  out.push(
    `${inner}${q(id)} [id=${q(`anchor:${id}`)}, shape=point, style=invis, width=0.01, height=0.01, label=""];`,
  );
  if (state.kind === 'compound' && state.initial.length > 0) {
    const dot = `${id}::initial`;
    out.push(
      `${inner}${q(dot)} [id=${q(`initial:${id}`)}, shape=point, width=0.12, style=filled, fillcolor=black, label=""];`,
    );
    for (const t of state.initial) {
      const target = graph.states.get(t);
      const lhead = target && isCluster(target) ? ` [lhead=${q(`cluster_${t}`)}]` : '';
      out.push(`${inner}${q(dot)} -> ${q(t)}${lhead};`);
    }
  }
  for (const child of state.children) writeState(graph, graph.states.get(child)!, inner, out);
  out.push(`${indent}}`);
}

function writeEdge(graph: ChartGraph, edge: ChartEdge, out: string[]): void {
  const source = graph.states.get(edge.sourceId)!;
  edge.targets.forEach((t, i) => {
    const target = graph.states.get(t)!;
    const attrs = [
      `id=${q(edge.targets.length > 1 ? `edge:${edge.id}#${i}` : `edge:${edge.id}`)}`,
      `label=${q(edgeLabel(edge))}`,
    ];
    if (edge.source) attrs.push(`tooltip=${q(formatSourceRef(edge.source))}`);
    if (isCluster(source) && !isDescendantOrSelf(graph, t, source.id))
      attrs.push(`ltail=${q(`cluster_${source.id}`)}`);
    if (isCluster(target) && !isDescendantOrSelf(graph, source.id, target.id)) {
      attrs.push(`lhead=${q(`cluster_${target.id}`)}`);
    }
    if (edge.kind === 'always') attrs.push('style=dashed');
    if (edge.kind === 'after') attrs.push('style=bold');
    out.push(`  ${q(edge.sourceId)} -> ${q(t)} [${attrs.join(', ')}];`);
  });
}

/**
 * Exports `machine` as a Graphviz DOT digraph (see the module notes). Throws a
 * `StatechartExportError` for anything that is not a conforming machine.
 * @category DOT
 */
export function toDot(machine: unknown, options: DotOptions = {}): string {
  const graph = describeChart(machine, options);
  const out: string[] = [
    `digraph ${q(graph.id)} {`,
    `  compound=true; rankdir=${options.rankdir ?? 'LR'}; newrank=true; fontname="Helvetica"; fontsize=12; nodesep=0.3; ranksep=0.4;`,
    '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];',
  ];
  writeState(graph, graph.states.get(graph.root)!, '  ', out);
  for (const edge of graph.edges) writeEdge(graph, edge, out);
  out.push('}');
  return `${out.join('\n')}\n`;
}

/**
 * SVG rendering, offline, in plain Node: DOT from {@link toDot} laid out by Graphviz compiled
 * to WebAssembly (`@hpcc-js/wasm-graphviz`). No browser, no system package. The WebAssembly
 * module is compiled once per process and reused.
 *
 * @module
 */
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import type { DotOptions } from './dot.js';
import { toDot } from './dot.js';

let graphviz: Promise<Graphviz> | undefined;

/**
 * The shared Graphviz WebAssembly instance (loaded on first use).
 * @category SVG
 */
export function loadGraphviz(): Promise<Graphviz> {
  graphviz ??= Graphviz.load();
  return graphviz;
}

/**
 * Lays out DOT source with Graphviz `dot` and returns the SVG document. Throws (with
 * Graphviz's message) when the DOT does not parse.
 * @category SVG
 */
export async function renderDotToSvg(dot: string): Promise<string> {
  const gv = await loadGraphviz();
  return gv.layout(dot, 'svg', 'dot');
}

/**
 * Renders `machine` as SVG (its {@link toDot} export laid out by Graphviz). States are
 * `<g id="state:<state id>">`, transitions `<g id="edge:<transition id>">`.
 * @category SVG
 */
export async function toSvg(machine: unknown, options: DotOptions = {}): Promise<string> {
  return renderDotToSvg(toDot(machine, options));
}

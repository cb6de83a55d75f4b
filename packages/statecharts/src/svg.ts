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

/**
 * What kspec uses of the Graphviz WebAssembly instance (its own type stays out of kspec's
 * declarations, so a consumer's typecheck does not need its `lib` settings).
 * @category SVG
 */
export interface GraphvizLayout {
  /** Lays out `dotSource` with the layout `engine` and renders it as `format`. */
  layout(dotSource: string, format: 'svg', engine: 'dot'): string;
  /** The Graphviz version. */
  version(): string;
}

let graphviz: Promise<Graphviz> | undefined;

/**
 * The shared Graphviz WebAssembly instance (loaded on first use).
 * @category SVG
 */
export function loadGraphviz(): Promise<GraphvizLayout> {
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

/**
 * The browser-safe part of `@kspec/statecharts` (import `@kspec/statecharts/browser`): the
 * chart graph, active state ids and the trace format, without the Node-only discovery and the
 * Graphviz WebAssembly renderer. The docs viewer bundles this.
 *
 * @module
 */
export { activeStateIds, describeChart, edgeLabel, eventLabel } from './graph.js';
export type { ChartGraph, ChartState, ChartEdge } from './graph.js';
export { parseTraceJsonl, traceActorMatches, TraceRecordCodec } from './trace.js';
export type { TraceRecord, TraceStateValue } from './trace.js';

/**
 * `@kspec/statecharts`: exports any kspec machine, working from its state-node definitions
 * (so named guards, actions, delays, invoked actors and eventless transitions are all kept),
 * to SCXML (W3C), Graphviz DOT, Mermaid `stateDiagram-v2`, XState JSON, and SVG rendered
 * offline by Graphviz compiled to WebAssembly; and defines the trace format the docs viewer
 * replays. Browser-safe: discovering the installed packages' manifests, writing the exports to
 * disk and the output-file discipline of the CLIs are in `@kspec/statecharts/node`
 * (`kspec-statecharts --out DIR` writes all formats of all machines).
 *
 * What the formats cannot show is documented in the package README and returned as notes.
 *
 * @packageDocumentation
 */
export {
  describeChart,
  assertExportable,
  isStateMachine,
  eventLabel,
  edgeLabel,
  ancestorsOf,
  isDescendantOrSelf,
  activeStateIds,
  StatechartExportError,
} from './graph.js';
export type { ChartGraph, ChartState, ChartEdge, StateKind, DescribeOptions } from './graph.js';
export { toScxml, exportScxml, SCXML_NS, KSPEC_SCXML_NS } from './scxml.js';
export type { ScxmlOptions, ScxmlExport } from './scxml.js';
export { scxmlDataModel } from './scxml-host.js';
export type {
  ScxmlDataModel,
  ScxmlDataModelOptions,
  ScxmlEventView,
  ScxmlGuardFn,
  ScxmlActionFn,
  ScxmlDelayFn,
  ScxmlRaiseFn,
} from './scxml-host.js';
export { toDot } from './dot.js';
export type { DotOptions } from './dot.js';
export { toMermaid } from './mermaid.js';
export type { MermaidOptions } from './mermaid.js';
export { toXStateJson } from './json.js';
export { toSvg, renderDotToSvg, loadGraphviz } from './svg.js';
export type { GraphvizLayout } from './svg.js';
export { EXPORT_FORMATS, parseFormats, exportMachine } from './export-all.js';
export type { ExportFormat, MachineExport, ExportIndex } from './export-all.js';
export { checkManifest } from './check-manifest.js';
export { TraceRecordCodec, parseTraceJsonl, traceActorMatches } from './trace.js';
export type { TraceRecord, TraceStateValue } from './trace.js';

/**
 * `@kspec/verify`: bounded exhaustive exploration and property checking of kspec statecharts
 * and compositions of actors. Breadth-first search over the pure XState transition with
 * compact canonical state keys, shortest counterexamples as event lists, invariants,
 * sentinels, deadlocks, P-style liveness monitors, interleavings of actors sharing memory,
 * transition coverage and transition-covering test paths.
 *
 * @module @kspec/verify
 */
export { explore } from './explore.js';
export type { ExploreOptions, Progress } from './explore.js';
export type { VisitedStore } from './explore-options.js';
export { checkConfig } from './check-config.js';
export { checkEncoding } from './encoding-check.js';
export type { EncodingCheck } from './encoding-check.js';
export type { ConfigCheck } from './check-config.js';
export { replay } from './replay.js';
export { findingTraces } from './finding-traces.js';
export { compose } from './compose.js';
export type {
  ActorMachines,
  ActorView,
  ComposedEvent,
  ComposedState,
  CompositionCheckModel,
  CompositionMember,
  CompositionSpec,
} from './compose.js';
export type { CheckModel } from './system.js';
export { testPaths } from './test-paths.js';
export { chartCheckModel, chartEventTypes } from './chart-model.js';
export type { TestPath, TestPathSuite } from './test-paths.js';
export { formatReport } from './report.js';
export type {
  FormatReportOptions,
  CheckReport,
  Coverage,
  SentinelResult,
  StateView,
  StopReason,
  Violation,
  ViolationKind,
} from './report.js';
export type { KeyStats } from './visited.js';
export type { PhaseTimes } from './phases.js';
export { VerifyError, ModelError, OptionsError, NonCanonicalKeyError } from './errors.js';

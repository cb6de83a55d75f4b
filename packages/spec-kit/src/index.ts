/**
 * `@kspec/spec-kit`: the shared vocabulary of kspec. Source references for `meta.source`,
 * Linux and NetBSD errno tables, the types the checker consumes (invariants, alphabets,
 * sentinels, monitors, findings, check configurations), a walk over a chart's transitions,
 * and the conformance helper every subsystem package's tests call.
 *
 * @module @kspec/spec-kit
 */
export {
  SEED_FILES,
  src,
  isSourceRef,
  sourceOfStateNode,
  sourceOfTransition,
  formatSourceRef,
} from './source.js';
export type { SeedFile, SourceRef, SourceMeta } from './source.js';
export { LINUX_ERRNO, NETBSD_ERRNO, linuxErr, netbsdErr, linuxErrnoName, netbsdErrnoName } from './errno.js';
export type { LinuxErrnoName, NetbsdErrnoName } from './errno.js';
export type {
  Invariant,
  Alphabet,
  Sentinel,
  Monitor,
  Finding,
  CheckBounds,
  CheckConfig,
  KeyWriter,
  MachineCheckModel,
} from './check.js';
export { listStateNodes, listTransitions, guardName, actionName, isGeneratedDelayAction } from './chart.js';
export type { ChartTransition, TransitionKind } from './chart.js';
export { checkConformance, assertConformance } from './conformance.js';
export type { ConformanceIssue, ConformanceProblem } from './conformance.js';
export type { ChartAppendix, ChartEntry, SubsystemManifest } from './manifest.js';
export {
  SEED_ORIGINS,
  seedEntry,
  seedSymbol,
  seedLineIs,
  checkSourceRefAgainstIndex,
  upstreamUrl,
} from './seeds.js';
export type { SeedOrigin, SeedEntry } from './seeds.js';
export { parseSeed, seedLineHash, normalizeSeedText, fnv1a32, fnv1a64 } from './seed-parse.js';
export type { SeedFacts, SeedSymbol, SeedSymbolKind } from './seed-parse.js';

/**
 * `@kspec/orchestrator`: the `kspec` command line and the library behind it. It composes the
 * subsystem statecharts over one shared memory (a shmif bus on a `SharedArrayBuffer` or a bus
 * file, shmif interfaces optionally in worker threads, a xen-evtchn device raising a port per
 * delivered frame), runs scenarios decoded with io-ts, writes summaries, traces the docs
 * viewer replays and offline HTML reports, and exports, checks and pcaps through the other
 * kspec packages.
 *
 * @packageDocumentation
 */
export {
  ScenarioError,
  decodeWith,
  intIn,
  numberIn,
  strictObject,
  PlainRecord,
  isPlainObject,
  quoteKey,
  pathStep,
} from './codec.js';
export {
  MAX_SCENARIO_BYTES,
  MAX_JSON_DEPTH,
  JsonNumberText,
  readInputFile,
  parseJsonInput,
} from './json-input.js';
export type { InputFileLimits } from './json-input.js';
export { checkScenarioPlan } from './plan.js';
export type { PlanCheckOptions } from './plan.js';
export { busSeedProblem } from './bus-check.js';
export type { ScenarioIssue } from './codec.js';
export { ScenarioHeaderCodec, decodeScenario, loadScenario } from './scenario.js';
export type { Scenario } from './scenario.js';
export { SignalBus } from './driver.js';
export type {
  Signal,
  RunServices,
  AccountingCheck,
  ActorSummary,
  SubsystemSummary,
  PlotSpec,
  OwnSeries,
  DriverRun,
  ScenarioDriver,
  AnyScenarioDriver,
  PlanIssue,
  PlanContext,
  SignalReference,
} from './driver.js';
export { DEFAULT_DRIVERS } from './drivers/index.js';
export { shmifDriver, shmifActorName } from './drivers/shmif/driver.js';
export { ShmifScenarioCodec, shmifSettings, shmifPlanIssues } from './drivers/shmif/config.js';
export type { ShmifScenario, ShmifSettings } from './drivers/shmif/config.js';
export { ShmifInterfaceRunner } from './drivers/shmif/interface.js';
export {
  settleCounters,
  shmifChecks,
  shmifCounters,
  interfaceRows,
  findingsOfPanic,
} from './drivers/shmif/accounting.js';
export type {
  InterfaceCounters,
  PeerAccount,
  InterfaceRunnerOptions,
  ShmifInterfaceActor,
} from './drivers/shmif/interface.js';
export { KSPEC_ETHERTYPE, KSPEC_FRAME_HEADER, makeFrame, parseFrame } from './drivers/shmif/frames.js';
export { corePagerDriver, CorePagerScenarioCodec } from './drivers/core-pager.js';
export type { CorePagerScenario } from './drivers/core-pager.js';
export { evtchnDriver, EvtchnScenarioCodec } from './drivers/xen-evtchn.js';
export type { EvtchnScenario } from './drivers/xen-evtchn.js';
export { runScenario, verdictOf } from './engine.js';
export type { RunOptions, RunResult, Series } from './engine.js';
export { SharedMemoryRoom, BUS_LOCK_WATCHDOG_MS } from './memory.js';
export type { SharedMemoryOptions } from './memory.js';
export { createRng } from './rng.js';
export type { Rng } from './rng.js';
export { ActorWatcher, fileTraceSink, memoryTraceSink, stateText } from './trace.js';
export type { TraceLine, TraceSink } from './trace.js';
export { formatRunSummary, runSummaryJson, textTable } from './summary.js';
export { renderHtmlReport, svgLinePlot, escapeHtml } from './report/html.js';
export { runProgress, PROGRESS_LINE_MS } from './progress.js';
export type { RunProgress, RunProgressOptions } from './progress.js';
export { SCENARIOS_DIR, DEFAULT_SCENARIO_FILE, PACKAGE_DIR, kspecWorkspaceRoot } from './paths.js';
export { UsageError, EXIT, RunInterrupted } from './errors.js';
export { processIo } from './io.js';
export type { CommandIo, ProgressStream } from './io.js';
export { runCommand } from './commands/run.js';
export type { RunCommandOptions } from './commands/run.js';
export { pcapCommand } from './commands/pcap.js';
export type { PcapCommandOptions } from './commands/pcap.js';
export {
  workspaceManifests,
  exportCommand,
  selectManifests,
  checkCommand,
  findModel,
  qualifiedModelName,
  pathsCommand,
} from './commands/models.js';
export type {
  ExportCommandOptions,
  CheckCommandOptions,
  CheckEntry,
  PathsCommandOptions,
} from './commands/models.js';
export { buildProgram, main, VERSION } from './program.js';
export type { MainOptions } from './program.js';

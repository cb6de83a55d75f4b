/**
 * The run engine: composes the subsystems of a scenario over one shared memory and steps
 * them on one clock. Drivers start in dependency order (a driver that consumes another's
 * signals after it), then every tick each run takes one step in that order; gauges are
 * sampled every `sampleEvery` ticks for the report; the run ends when every driver is done
 * or the tick budget is spent. The summary of each subsystem, its accounting checks, and the
 * verdict come back as one plain JSON-serialisable {@link RunResult}.
 *
 * Before anything starts the plan is checked ({@link checkScenarioPlan}) and the bus file
 * ({@link SharedMemoryRoom.preflight}); a run told to stop (`signal`, SIGINT in the CLI)
 * stops between two ticks, closes every run and the trace on a line boundary, and throws a
 * {@link RunInterrupted} saying where it was. A one-thread run hands the event loop a turn
 * every few milliseconds, so the signal is seen while it runs.
 *
 * Time: one tick is one millisecond of virtual time, so a run in this thread is a function of
 * the scenario and the seed. With worker threads, the clock is the wall clock in
 * milliseconds since the run started (the threads run in real time).
 *
 * @module
 */
import type { PendingOutput } from '@kspec/statecharts/node';
import type { AnyScenarioDriver, DriverRun, OwnSeries, RunServices, SubsystemSummary } from './driver.js';
import { SignalBus } from './driver.js';
import { RunInterrupted } from './errors.js';
import { SharedMemoryRoom } from './memory.js';
import { checkScenarioPlan } from './plan.js';
import { createRng } from './rng.js';
import type { Scenario } from './scenario.js';
import { ActorWatcher, fileTraceSink, type TraceSink } from './trace.js';

/**
 * Options of {@link runScenario}.
 * @category Engine
 */
export interface RunOptions {
  /** The drivers to use (the registry). */
  readonly drivers: readonly AnyScenarioDriver[];
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** Write the trace JSONL here. */
  readonly traceFile?: string;
  /** Or give lines to this sink. */
  readonly traceSink?: TraceSink;
  /** Load the bus from (when it exists) and save it to this bus file. */
  readonly busFile?: string;
  /**
   * Write the bus file's new contents here (reserved by the caller, who commits it) instead
   * of replacing `busFile` through a temporary file at the end.
   */
  readonly busOutput?: PendingOutput;
  /** Stops the run between two ticks (the CLI aborts it on SIGINT). */
  readonly signal?: AbortSignal;
  /** Worker threads (0: everything in this thread). */
  readonly workers?: number;
  /** Told about progress every few ticks. */
  readonly onProgress?: (p: { readonly tick: number; readonly done: number; readonly total: number }) => void;
}

/**
 * Gauges sampled over time: `t` (clock, ms) and, per subsystem, per gauge, one value per sample.
 * @category Engine
 */
export interface Series {
  readonly t: number[];
  readonly values: Record<string, Record<string, number[]>>;
  /** Per subsystem, series over the driver's own x axis (`DriverRun.ownSeries`). */
  readonly own: Record<string, OwnSeries>;
}

/**
 * The outcome of a run.
 * @category Engine
 */
export interface RunResult {
  readonly scenario: string;
  readonly description: string;
  readonly seed: number;
  readonly ticks: number;
  /** Worker threads used (0: none). */
  readonly workers: number;
  /** True when the run is a function of scenario and seed (no worker threads). */
  readonly deterministic: boolean;
  /** True when every driver finished within the tick budget. */
  readonly completed: boolean;
  readonly subsystems: readonly SubsystemSummary[];
  /** Signals emitted between drivers, by type. */
  readonly signals: Readonly<Record<string, number>>;
  /** `ok` (every check holds), `findings` (only failures recorded findings explain), `failed`. */
  readonly verdict: 'ok' | 'findings' | 'failed';
  /** Why the verdict is `failed`. */
  readonly failures: readonly string[];
  readonly busFile: string | null;
  readonly traceLines: number | null;
  /**
   * Wall time and throughput (not deterministic): `ms` in all, of which `startMs` starting
   * the drivers (worker threads, bringing interfaces up).
   */
  readonly timing: {
    readonly ms: number;
    readonly startMs: number;
    readonly events: number;
    readonly eventsPerSecond: number;
  };
  readonly series: Series;
}

/**
 * The drivers of a scenario in registry order: that is the order they start and step in, so
 * drivers that consume signals are listed before those that emit them (they subscribe when
 * they start).
 */
function startOrder(scenario: Scenario, drivers: readonly AnyScenarioDriver[]): AnyScenarioDriver[] {
  return drivers.filter((d) => scenario.subsystems.has(d.subsystem));
}

/**
 * The verdict of a set of summaries.
 * @category Engine
 */
export function verdictOf(
  subsystems: readonly SubsystemSummary[],
  completed: boolean,
  stopped: readonly string[] = [],
): Pick<RunResult, 'verdict' | 'failures'> {
  const failures: string[] = [];
  let findings = false;
  if (!completed) failures.push('the run did not finish within maxTicks');
  // a subsystem that stopped before its plan was done (a wedged bus) fails the run, even when
  // a recorded finding explains why it stopped
  failures.push(...stopped);
  for (const s of subsystems) {
    for (const c of s.checks) {
      if (c.holds) continue;
      if (c.findings && c.findings.length > 0) findings = true;
      else failures.push(`${s.subsystem}: ${c.name} does not hold (${c.detail})`);
    }
  }
  return { verdict: failures.length ? 'failed' : findings ? 'findings' : 'ok', failures };
}

/**
 * Runs a decoded scenario.
 * @category Engine
 */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunResult> {
  const seed = options.seed ?? scenario.seed;
  const workers = options.workers ?? 0;
  checkScenarioPlan(scenario, options.drivers, { workers });
  const room = new SharedMemoryRoom({
    ...(options.busFile !== undefined ? { busFile: options.busFile } : {}),
    ...(scenario.busDataSize !== undefined ? { dataSize: scenario.busDataSize } : {}),
  });
  room.preflight();
  const order = startOrder(scenario, options.drivers);

  let tick = 0;
  const started = performance.now();
  const now = workers > 0 ? () => Math.round((performance.now() - started) * 1000) / 1000 : () => tick;
  const sink =
    options.traceFile !== undefined ? fileTraceSink(options.traceFile) : (options.traceSink ?? null);
  const watcher = new ActorWatcher(now, sink);
  const signals = new SignalBus();
  const services: RunServices = {
    seed,
    rng: (name) => createRng(seed, name),
    now,
    watcher,
    signals,
    memory: room,
    workers,
  };
  const runs: { driver: AnyScenarioDriver; run: DriverRun }[] = [];
  const series: Series = { t: [], values: {}, own: {} };
  const sample = (): void => {
    series.t.push(now());
    for (const { driver, run } of runs) {
      const values = (series.values[driver.subsystem] ??= {});
      for (const [k, v] of Object.entries(run.sample())) (values[k] ??= []).push(v);
    }
  };
  let closed = false;
  /**
   * Stops every run in the reverse of their start order (their last events, e.g. release(),
   * still go to the trace), then the trace: closed whole when the run ended or was
   * interrupted, dropped when it failed.
   */
  const closeAll = async (failed: boolean): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      // emitters (started last) first: nothing signals a subsystem after it closed
      for (const { run } of [...runs].reverse()) await run.close();
    } finally {
      watcher.close();
      if (failed && sink?.abort) sink.abort();
      else sink?.close();
    }
  };
  const progressNow = (): { done: number; total: number } => {
    let done = 0;
    let total = 0;
    for (const { run } of runs) {
      const p = run.progress();
      done += p.done;
      total += p.total;
    }
    return { done, total };
  };
  const interrupted = async (): Promise<never> => {
    const p = progressNow();
    await closeAll(false);
    const lines = sink && 'lines' in sink && typeof sink.lines === 'number' ? sink.lines : null;
    throw new RunInterrupted(scenario.name, tick, p.done, p.total, lines);
  };
  let ok = false;
  try {
    for (const driver of order) {
      runs.push({ driver, run: await driver.start(scenario.subsystems.get(driver.subsystem), services) });
      if (options.signal?.aborted) await interrupted();
    }
    const startMs = performance.now() - started;
    sample();
    let completed = false;
    const progressEvery = Math.max(1, Math.min(scenario.sampleEvery, 50));
    let turn = performance.now();
    while (tick < scenario.maxTicks) {
      if (options.signal) {
        // a turn of the event loop every 20 ms, so that SIGINT (and the timers) get through
        if ((tick & 63) === 0 && performance.now() - turn > 20) {
          await new Promise<void>((r) => setImmediate(r));
          turn = performance.now();
        }
        if (options.signal.aborted) await interrupted();
      }
      tick++;
      for (const { run } of runs) {
        const p = run.step(tick);
        if (p) await p;
      }
      if (tick % scenario.sampleEvery === 0) sample();
      if (options.onProgress && tick % progressEvery === 0) options.onProgress({ tick, ...progressNow() });
      if (runs.every(({ run }) => run.done())) {
        completed = true;
        break;
      }
    }
    for (const { run } of runs) await run.finish?.();
    sample();
    for (const { driver, run } of runs) {
      const own = run.ownSeries?.();
      if (own) series.own[driver.subsystem] = own;
    }
    const bySubsystem = new Map(runs.map(({ driver, run }) => [driver.subsystem, run]));
    const subsystems = [...scenario.subsystems.keys()].map((name) => bySubsystem.get(name)!.summary());
    const stopped = runs.flatMap(({ driver, run }) => {
      const why = run.stopped?.() ?? null;
      return why === null ? [] : [`${driver.subsystem}: stopped before its plan was done: ${why}`];
    });
    const ms = performance.now() - started;
    const events = subsystems.reduce((n, s) => n + s.events, 0);
    if (options.signal?.aborted) await interrupted();
    const busFile = room.save(options.busOutput);
    await closeAll(false);
    ok = true;
    return {
      scenario: scenario.name,
      description: scenario.description,
      seed,
      ticks: tick,
      workers,
      deterministic: workers === 0,
      completed,
      subsystems,
      signals: signals.totals(),
      ...verdictOf(subsystems, completed, stopped),
      busFile,
      traceLines: sink && 'lines' in sink && typeof sink.lines === 'number' ? sink.lines : null,
      timing: {
        ms: Math.round(ms),
        startMs: Math.round(startMs),
        events,
        eventsPerSecond: Math.round(events / (ms / 1000)),
      },
      series,
    };
  } finally {
    await closeAll(!ok);
  }
}

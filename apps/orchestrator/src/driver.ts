/**
 * Scenario drivers: how a subsystem joins a run. A driver belongs to one subsystem package
 * (named by its manifest), decodes its part of a scenario with its own io-ts codec, and
 * starts a {@link DriverRun} over the run's shared services: the seeded randomness, the
 * virtual clock, the actor watcher (event counts and the trace), the signals other drivers
 * emit, and the shared memory. The engine steps every run once per tick, samples its gauges
 * for the report, and asks for its summary at the end.
 *
 * Drivers talk to each other only through signals (`shmif.delivered` -> the event channel's
 * hypervisor raises a port), so a new subsystem (usb-gadget, core-pager, cmm) joins with a
 * driver of its own and a registry entry, without changes to the others.
 *
 * @module
 */
import type * as t from 'io-ts/lib/index.js';
import type { Rng } from './rng.js';
import type { ActorWatcher } from './trace.js';
import type { SharedMemoryRoom } from './memory.js';

/**
 * Something that happened in one subsystem that another may react to. `channel` says which
 * of the emitter's units it concerns (an interface index, a port index).
 * @category Drivers
 */
export interface Signal {
  readonly type: string;
  readonly channel: number;
  readonly [detail: string]: unknown;
}

/**
 * Synchronous publish/subscribe between drivers of one run.
 * @category Drivers
 */
export class SignalBus {
  private readonly handlers = new Map<string, ((s: Signal) => void)[]>();
  private readonly counts = new Map<string, number>();

  /** Calls every handler of `signal.type`, in subscription order. */
  emit(signal: Signal): void {
    this.counts.set(signal.type, (this.counts.get(signal.type) ?? 0) + 1);
    for (const h of this.handlers.get(signal.type) ?? []) h(signal);
  }

  /** Subscribes to one signal type. */
  on(type: string, handler: (s: Signal) => void): void {
    const hs = this.handlers.get(type) ?? [];
    hs.push(handler);
    this.handlers.set(type, hs);
  }

  /** How many signals of `type` were emitted. */
  count(type: string): number {
    return this.counts.get(type) ?? 0;
  }

  /** Signals emitted so far, by type. */
  totals(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/**
 * What the engine gives every driver.
 * @category Drivers
 */
export interface RunServices {
  readonly seed: number;
  /** A deterministic stream for `name` (derived from the seed). */
  rng(name: string): Rng;
  /** The virtual clock: milliseconds of the run (one tick is one millisecond). */
  now(): number;
  readonly watcher: ActorWatcher;
  readonly signals: SignalBus;
  readonly memory: SharedMemoryRoom;
  /** Worker threads requested with `--workers` (0: everything in this thread). */
  readonly workers: number;
}

/**
 * One accounting identity a driver checks at the end of a run.
 * @category Drivers
 */
export interface AccountingCheck {
  readonly name: string;
  readonly statement: string;
  readonly holds: boolean;
  /** The numbers behind it. */
  readonly detail: string;
  /** Recorded findings (docs/findings.md ids) that explain a failure of the faithful model. */
  readonly findings?: readonly string[];
}

/**
 * One live actor at the end of a run.
 * @category Drivers
 */
export interface ActorSummary {
  readonly actor: string;
  readonly state: string;
  readonly events: number;
}

/**
 * What a subsystem reports at the end of a run (also the `--json` form).
 * @category Drivers
 */
export interface SubsystemSummary {
  /** Manifest name, e.g. `xen-evtchn`. */
  readonly subsystem: string;
  readonly title: string;
  /** Events processed by the subsystem's actors. */
  readonly events: number;
  readonly actors: readonly ActorSummary[];
  /** Key counters (frames sent, delivered, overrun; ports bound; events read; overflows). */
  readonly counters: Readonly<Record<string, number>>;
  /** Per-unit rows (per interface, per port), each a record of counters. */
  readonly units?: readonly Readonly<Record<string, number | string>>[];
  readonly checks: readonly AccountingCheck[];
  /** Effects of worker scheduling and other remarks. */
  readonly notes: readonly string[];
}

/**
 * A plot of the report: series (gauge keys from {@link DriverRun.sample}) over time.
 * @category Drivers
 */
export interface PlotSpec {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  /**
   * Plot over the driver's own x axis ({@link DriverRun.ownSeries}) instead of the run's clock,
   * for work a driver does before the clock starts (its `label` names the axis).
   */
  readonly x?: { readonly label: string };
  readonly series: readonly { readonly key: string; readonly label: string }[];
}

/**
 * A driver's own series: x values and, per gauge key, one value per x.
 * @category Drivers
 */
export interface OwnSeries {
  readonly t: readonly number[];
  readonly values: Readonly<Record<string, readonly number[]>>;
}

/**
 * A driver's part of one run.
 * @category Drivers
 */
export interface DriverRun {
  /** One tick. Returns a promise when the subsystem runs in worker threads. */
  step(tick: number): void | Promise<void>;
  /** True when the driver has nothing left to do. */
  done(): boolean;
  /** Work done and total (for the progress display). */
  progress(): { readonly done: number; readonly total: number };
  /** Gauges at this moment, for the plots. */
  sample(): Readonly<Record<string, number>>;
  /**
   * Why the subsystem stopped before its plan was done (a rump kernel that stopped holding
   * the bus lock wedges the bus), or `null`. A stopped run fails (exit 1), with the summary.
   */
  stopped?(): string | null;
  /**
   * Series over the driver's own x axis (e.g. faults served in `start`, before the first tick),
   * for plots with {@link PlotSpec.x}.
   */
  ownSeries?(): OwnSeries;
  /** Called once when every driver is done (or the tick budget ran out), before the summary. */
  finish?(): void | Promise<void>;
  summary(): SubsystemSummary;
  /** Stops actors and threads. */
  close(): Promise<void>;
}

/**
 * A problem with a decoded plan that keeps it from working, found before the run starts.
 * @category Drivers
 */
export interface PlanIssue {
  /** JSON path inside the driver's entry, `$` for the entry itself (e.g. `$.reader.readBytes`). */
  readonly path: string;
  /** What is wrong and why it cannot work, citing the seed where the seed decides. */
  readonly message: string;
}

/**
 * What a driver's {@link ScenarioDriver.checkPlan} is told about the rest of the run.
 * @category Drivers
 */
export interface PlanContext {
  /** The scenario's tick budget. */
  readonly maxTicks: number;
  /** Worker threads of the run (0: one thread, the tick-by-tick scheduler). */
  readonly workers: number;
  /** Signal type -> the subsystem of this scenario that emits it. */
  readonly signals: ReadonlyMap<string, string>;
}

/**
 * A signal a configuration listens to, and where in the driver's entry it is named.
 * @category Drivers
 */
export interface SignalReference {
  /** JSON path inside the driver's entry (`$.raiseOn`), or `$` for a default. */
  readonly path: string;
  readonly signal: string;
}

/**
 * A scenario driver: decodes its configuration and starts runs. Besides its codec a driver
 * says which signals its runs emit and which a configuration listens to (the engine checks
 * every reference against the drivers of the scenario before the run), and may check that a
 * plan can make progress ({@link checkPlan}): a plan that decodes but cannot work is bad
 * input (exit 2), not a run that spins to `maxTicks`.
 * @category Drivers
 */
export interface ScenarioDriver<C = unknown> {
  /** The scenario key and the manifest name of its package, e.g. `xen-evtchn`. */
  readonly subsystem: string;
  /** The npm name of the package it drives. */
  readonly package: string;
  readonly description: string;
  /** The io-ts codec of its configuration. */
  readonly config: t.Type<C, unknown, unknown>;
  readonly plots: readonly PlotSpec[];
  /** Signal types its runs emit (e.g. `shmif.delivered`). */
  readonly emits?: readonly string[];
  /** The signals a configuration listens to. */
  listensTo?(config: C): readonly SignalReference[];
  /** Problems that keep a configuration from making progress (none: it can). */
  checkPlan?(config: C, context: PlanContext): readonly PlanIssue[];
  start(config: C, services: RunServices): Promise<DriverRun>;
}

/**
 * A driver with its configuration type erased, as kept in a registry.
 * @category Drivers
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyScenarioDriver = ScenarioDriver<any>;

/**
 * The `shmif` scenario driver: `interfaces` shmif interfaces (each its own rump kernel, a live
 * `shmifInterface` actor of `@kspec/shmif`) on the run's bus, exchanging broadcast frames.
 * Every frame an interface passes up (`if_input`) is announced as the signal
 * `shmif.delivered` (channel = the receiving interface), which the event-channel driver turns
 * into a raised port.
 *
 * Joining: the signal `join` (default `usb-gadget.link`, emitted by the usb-gadget driver when
 * the gadget's link comes up) adds one more interface to the bus, in this thread: the link's
 * rump kernel. It does not make its own frames: it writes the frames the signal's sender
 * forwards (`usb-gadget.rx`: what the USB host sent over the gadget), and hands every frame it
 * passes up back (`shmif.forward`, with the bytes). The driver answers `shmif.joined` with the
 * new interface's index, MAC and the run's nonce, so the frames crossing USB are scenario
 * frames the accounting recognises. Frames sent before the interface joined are not owed to it.
 *
 * Two ways to run:
 * - in this thread (default): deterministic for a seed. Each tick, in an order drawn from the
 *   seed, every interface with frames left sends a burst with the scenario's chance (the
 *   transmitter runs until its queue is empty); every `receiveEvery` ticks every receiver
 *   thread runs until it blocks. Slow receivers on a small bus are overrun.
 * - with `--workers N` (N > 0): the interfaces spread over N worker threads on the one
 *   `SharedArrayBuffer` bus, really concurrent. Each thread runs at its own pace (a burst of
 *   frames per round while it has any; `sendProbability` and `receiveEvery` pace only the
 *   one-thread scheduler). The order of bus writes, and so overruns and which frames a
 *   receiver sees, then depend on thread scheduling; the summary says so.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { walkBusFrames } from '@kspec/shared-memory';
import { manifest as shmifManifest, sharedHostPort } from '@kspec/shmif';
import type { DriverRun, RunServices, ScenarioDriver, Signal, SubsystemSummary } from '../../driver.js';
import { BUS_LOCK_WATCHDOG_MS } from '../../memory.js';
import { stateText } from '../../trace.js';
import { findingsOfPanic, interfaceRows, settleCounters, shmifChecks, shmifCounters } from './accounting.js';
import {
  ShmifScenarioCodec,
  shmifPlanIssues,
  shmifSettings,
  type ShmifScenario,
  type ShmifSettings,
} from './config.js';
import { ShmifInterfaceRunner, type InterfaceCounters } from './interface.js';
import {
  CTL_ABORT,
  CTL_BYTES,
  CTL_START,
  CTL_WEDGED,
  type ShmifWorkerData,
  type ShmifWorkerMessage,
} from './worker-protocol.js';

/** The trace actor name of interface `i`. @category shmif driver */
export function shmifActorName(i: number): string {
  return `shmif/shmifInterface#${i}`;
}

function framesOnBus(services: RunServices): number {
  try {
    return walkBusFrames(services.memory.shmifBus().mem, () => undefined);
  } catch {
    return -1;
  }
}

/**
 * The nonce of a run's frames: from the seed and the bus as the run found it, so frames left
 * by an earlier run on the same bus file are told apart (and a run is still a function of
 * its scenario, seed and bus file).
 */
function runNonce(services: RunServices): number {
  const bus = services.memory.shmifBus();
  return services.rng(`shmif-nonce:${bus.first}:${bus.last}:${bus.gen}`).nextU32();
}

function summarise(
  services: RunServices,
  all: readonly InterfaceCounters[],
  states: readonly string[],
  events: readonly number[],
  notes: string[],
  wedgedBy: InterfaceCounters | null = null,
): SubsystemSummary {
  const bus = services.memory.shmifBus();
  const onBus = framesOnBus(services);
  const counters = { ...shmifCounters(all), framesOnBus: onBus, busGen: Number(bus.gen) };
  const phantoms = all.reduce((n, c) => n + c.phantoms, 0);
  const stale = all.reduce((n, c) => n + c.stale, 0);
  return {
    subsystem: 'shmif',
    title: shmifManifest.title,
    events: events.reduce((a, b) => a + b, 0),
    actors: all.map((_, i) => ({
      actor: shmifActorName(i),
      state: states[i] ?? '?',
      events: events[i] ?? 0,
    })),
    counters,
    units: interfaceRows(all, states),
    checks: shmifChecks(all, phantoms, wedgedBy),
    notes: [
      `bus ${services.memory.busPath}: data size ${bus.dataSize}, shm_gen ${bus.gen}, shm_first ${bus.first}, shm_last ${bus.last}, ${onBus < 0 ? 'frames not walkable' : `${onBus} frame(s) on the bus`}`,
      ...(stale
        ? [
            `${stale} frame(s) written before this run passed up: a receiver starts at shm_last (if_shmem.c 234-235), so it reads the newest frame already on the bus`,
          ]
        : []),
      ...notes,
    ],
  };
}

/** Why a wedged bus stopped the run, naming the recorded findings that explain the stop. */
function wedgeText(by: InterfaceCounters): string {
  const ids = by.panic ? findingsOfPanic(by.panic) : [];
  return (
    `the bus is wedged: shmif${by.index} stopped (${by.panic?.text ?? 'unknown'}) holding the bus lock, which nobody frees ` +
    `(shmif_lockbus, if_shmem.c 114-133)${ids.length ? `; recorded finding ${ids.join(', ')}` : ''}`
  );
}

class ShmifLocalRun implements DriverRun {
  readonly runners: ShmifInterfaceRunner[] = [];
  private readonly rng;
  private dirty = false;
  private finished = false;

  constructor(
    private readonly s: ShmifSettings,
    private readonly services: RunServices,
  ) {
    const bus = services.memory.shmifBus();
    const host = sharedHostPort({ dataSize: bus.dataSize });
    host.register(services.memory.busPath, bus);
    this.rng = services.rng('shmif');
    const uptime = () => {
      const ms = services.now();
      return { sec: Math.floor(ms / 1000), usec: Math.floor((ms % 1000) * 1000) };
    };
    const nonce = runNonce(services);
    for (let i = 0; i < s.interfaces; i++) {
      const r = new ShmifInterfaceRunner({
        index: i,
        interfaces: s.interfaces,
        host,
        path: services.memory.busPath,
        seed: this.rng.nextU32(),
        nonce,
        frames: s.framesPerInterface,
        minLength: s.minLength,
        maxLength: s.maxLength,
        rng: services.rng(`shmif#${i}`),
        uptime,
        onDelivered: (receiver, sender, seq) =>
          services.signals.emit({ type: 'shmif.delivered', channel: receiver, sender, seq }),
      });
      services.watcher.watch(r.actor, shmifActorName(i));
      this.runners.push(r);
    }
    // An interface whose receiver stops at a KASSERT while coming up holds the bus lock: the
    // next one's initbackend (if_shmem.c 227) would spin forever, so bringing up stops there.
    for (const r of this.runners) {
      if (this.isWedged()) break;
      r.bringUp();
    }
    if (s.join) {
      services.signals.on(s.join, (sig) => this.join(sig, host, nonce, uptime));
      services.signals.on('usb-gadget.rx', (sig) => this.forwardIn(sig));
    }
  }

  /** Interfaces that joined, by the channel of the signal that brought them. */
  private readonly joined = new Map<number, ShmifInterfaceRunner>();
  private readonly joinNotes: string[] = [];

  /** One more interface on the bus, for the link that came up (see the module notes). */
  private join(
    sig: Signal,
    host: ReturnType<typeof sharedHostPort>,
    nonce: number,
    uptime: () => { sec: number; usec: number },
  ): void {
    if (sig['up'] !== true || this.joined.has(sig.channel) || this.isWedged()) return;
    const index = this.runners.length;
    const joinedAfter = [...this.runners.map((r) => r.counters.sent), 0];
    const r = new ShmifInterfaceRunner({
      index,
      interfaces: index + 1,
      host,
      path: this.services.memory.busPath,
      seed: this.rng.nextU32(),
      nonce,
      frames: typeof sig['frames'] === 'number' ? sig['frames'] : 0,
      minLength: this.s.minLength,
      maxLength: this.s.maxLength,
      rng: this.services.rng(`shmif#${index}`),
      uptime,
      joinedAfter,
      role: String(sig['role'] ?? 'joined'),
      onDelivered: (receiver, sender, seq) =>
        this.services.signals.emit({ type: 'shmif.delivered', channel: receiver, sender, seq }),
      onFrame: (frame) =>
        this.services.signals.emit({ type: 'shmif.forward', channel: index, frame: Array.from(frame) }),
    });
    for (const other of this.runners) other.addPeer();
    this.services.watcher.watch(r.actor, shmifActorName(index));
    this.runners.push(r);
    this.joined.set(sig.channel, r);
    r.bringUp();
    this.joinNotes.push(
      `shmif${index} joined the bus at tick ${this.services.now()} for ${String(sig['role'] ?? sig.type)} (channel ${sig.channel})`,
    );
    this.services.signals.emit({
      type: 'shmif.joined',
      channel: index,
      for: sig.channel,
      mac: r.counters.mac,
      nonce,
    });
  }

  /** A frame another subsystem forwards onto the bus through its joined interface. */
  private forwardIn(sig: Signal): void {
    const r = this.runners[sig.channel];
    const frame = sig['frame'];
    if (!r || !r.counters.role || !Array.isArray(frame) || this.isWedged()) return;
    if (r.sendFrames([Uint8Array.from(frame as number[])]) > 0) this.dirty = true;
  }

  /** The interface whose rump kernel panicked holding the bus lock, once that happened. */
  private wedgedBy: InterfaceCounters | null = null;

  /**
   * In one thread, the bus lock is free between two scheduler steps unless a rump kernel
   * panicked holding it; then `shmif_lockbus` (if_shmem.c 114-133, no owner, no timeout)
   * would spin forever in every other interface, and the run stops here.
   */
  private isWedged(): boolean {
    if (this.wedgedBy) return true;
    if (this.services.memory.shmifBus().lock === 0) return false;
    this.wedgedBy = this.runners.find((r) => r.panicked)?.counters ?? null;
    return this.wedgedBy !== null;
  }

  step(tick: number): void {
    for (const i of this.rng.order(this.runners.length)) {
      if (this.isWedged()) return;
      const r = this.runners[i]!;
      if (r.counters.role) continue; // a joined interface writes only what it is given
      if (r.remaining > 0 && !r.panicked && this.rng.chance(this.s.sendProbability)) {
        if (r.send(this.s.burst) > 0) this.dirty = true;
      }
    }
    if (tick % this.s.receiveEvery === 0) {
      for (const i of this.rng.order(this.runners.length)) {
        if (this.isWedged()) return;
        if (!this.runners[i]!.panicked) this.runners[i]!.receive();
      }
      this.dirty = false;
    }
  }

  stopped(): string | null {
    return this.wedgedBy ? wedgeText(this.wedgedBy) : null;
  }

  done(): boolean {
    if (this.isWedged()) return true;
    return !this.dirty && this.runners.every((r) => r.panicked || (r.remaining === 0 && r.waitingForWrite));
  }

  progress() {
    const total = this.s.interfaces * this.s.framesPerInterface;
    return { done: this.runners.reduce((n, r) => n + r.counters.sent, 0), total };
  }

  sample() {
    const c = shmifCounters(this.runners.map((r) => r.counters));
    return {
      framesSent: c['framesSent']!,
      delivered: c['delivered']!,
      overruns: c['overruns']!,
      lostToOverrun: c['lostToOverrun']!,
    };
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const sentBy = this.runners.map((r) => r.counters.sent);
    for (const r of this.runners) r.settle(sentBy);
    // destroy() locks the bus (finibackend): not on a wedged bus
    if (!this.isWedged()) for (const r of this.runners) r.destroy();
  }

  summary(): SubsystemSummary {
    this.finish();
    const counts = this.services.watcher.counts();
    const events = this.runners.map((_, i) => counts.find((c) => c.name === shmifActorName(i))?.events ?? 0);
    return summarise(
      this.services,
      this.runners.map((r) => r.counters),
      this.runners.map((r) => stateText(r.actor.getSnapshot().value)),
      events,
      [
        `in this thread, deterministic for the seed: send chance ${this.s.sendProbability}, burst ${this.s.burst}, receivers every ${this.s.receiveEvery} tick(s)`,
        ...this.joinNotes,
        ...(this.wedgedBy
          ? [
              `the bus is wedged: shmif${this.wedgedBy.index} stopped (${this.wedgedBy.panic!.text}) holding the bus lock; shmif_lockbus (if_shmem.c 114-133) has no owner or timeout, so every other interface would spin forever: the run stopped there`,
            ]
          : []),
      ],
      this.wedgedBy,
    );
  }

  async close(): Promise<void> {
    for (const r of this.runners) r.stop();
  }
}

const fromSource = import.meta.url.endsWith('.ts');

/** Starts a worker (from sources through tsx, from a build directly). */
function startWorker(data: ShmifWorkerData): Worker {
  if (!fromSource) return new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
  // Node 20 does not apply loader hooks given as `--import tsx` in a worker's execArgv to the
  // worker's entry module, so a tiny bootstrap registers tsx and then imports the entry.
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL('./worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: data, execArgv: ['--conditions=@kspec/source'] });
}

interface InterfaceSlot {
  mac: string;
  ready: boolean;
  sent: number;
  overruns: number;
  delivered: number;
  done: Extract<ShmifWorkerMessage, { type: 'done' }> | null;
}

class ShmifWorkerRun implements DriverRun {
  private readonly ifs: InterfaceSlot[] = [];
  private readonly workers: Worker[] = [];
  private readonly ctl: Int32Array;
  private failure: Error | null = null;
  private finished = false;
  readonly threads: number;

  private constructor(
    private readonly s: ShmifSettings,
    private readonly services: RunServices,
  ) {
    const bus = services.memory.shmifBus();
    const ctlBuf = new SharedArrayBuffer(CTL_BYTES);
    this.ctl = new Int32Array(ctlBuf);
    const rng = services.rng('shmif');
    const epoch = performance.timeOrigin + performance.now() - services.now();
    this.threads = Math.min(services.workers, s.interfaces);
    const macSeeds = Array.from({ length: s.interfaces }, () => rng.nextU32());
    const rngSeeds = Array.from({ length: s.interfaces }, () => rng.nextU32());
    const nonce = runNonce(services);
    for (let i = 0; i < s.interfaces; i++) {
      this.ifs.push({ mac: '', ready: false, sent: 0, overruns: 0, delivered: 0, done: null });
    }
    for (let w = 0; w < this.threads; w++) {
      const indices = Array.from({ length: s.interfaces }, (_, i) => i).filter((i) => i % this.threads === w);
      const worker = startWorker({
        indices,
        settings: s,
        bus: bus.buffer,
        dataSize: bus.dataSize,
        path: services.memory.busPath,
        ctl: ctlBuf,
        nonce,
        macSeeds: indices.map((i) => macSeeds[i]!),
        rngSeeds: indices.map((i) => rngSeeds[i]!),
        trace: services.watcher.tracing,
        lockTimeoutMs: BUS_LOCK_WATCHDOG_MS,
        epoch,
      });
      worker.on('message', (m: ShmifWorkerMessage) => {
        // an exception here would escape the run as an uncaught error: the next step throws it
        try {
          this.onMessage(m);
        } catch (err) {
          this.failure ??= err as Error;
        }
      });
      worker.on('error', (e) => (this.failure ??= e));
      worker.on('exit', (code) => {
        if (code !== 0 && indices.some((i) => !this.ifs[i]!.done)) {
          this.failure ??= new Error(`shmif worker ${w} exited with code ${code}`);
        }
      });
      this.workers.push(worker);
    }
  }

  static async start(s: ShmifSettings, services: RunServices): Promise<ShmifWorkerRun> {
    const run = new ShmifWorkerRun(s, services);
    const deadline = Date.now() + 60_000;
    while (!run.ifs.every((x) => x.ready)) {
      if (run.failure || Date.now() > deadline) {
        const err = run.failure ?? new Error('shmif workers did not come up within 60 s');
        await run.close();
        throw err;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    Atomics.store(run.ctl, CTL_START, 1);
    Atomics.notify(run.ctl, CTL_START);
    return run;
  }

  private onMessage(m: ShmifWorkerMessage): void {
    this.wake?.();
    if (m.type === 'error') {
      this.failure ??= new Error(m.message);
      return;
    }
    const slot = this.ifs[m.index]!;
    switch (m.type) {
      case 'ready':
        slot.ready = true;
        slot.mac = m.mac;
        break;
      case 'batch':
        slot.sent += m.sent;
        slot.overruns = m.overruns;
        for (const line of m.trace) this.services.watcher.external(line);
        for (let k = 0; k < m.delivered.length; k += 2) {
          slot.delivered++;
          this.services.signals.emit({
            type: 'shmif.delivered',
            channel: m.index,
            sender: m.delivered[k]!,
            seq: m.delivered[k + 1]!,
          });
        }
        break;
      case 'done':
        slot.done = m;
        break;
    }
  }

  /** Resolves the wait of `step` when a message arrives. */
  private wake: (() => void) | null = null;

  /** One tick: waits for the next message of a worker (at most 5 ms), handled meanwhile. */
  async step(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, 5);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
    if (this.failure) throw this.failure;
  }

  done(): boolean {
    return this.ifs.every((x) => x.done !== null);
  }

  progress() {
    return {
      done: this.ifs.reduce((n, x) => n + x.sent, 0),
      total: this.s.interfaces * this.s.framesPerInterface,
    };
  }

  sample() {
    return {
      framesSent: this.ifs.reduce((n, x) => n + x.sent, 0),
      delivered: this.ifs.reduce((n, x) => n + x.delivered, 0),
      overruns: this.ifs.reduce((n, x) => n + x.overruns, 0),
    };
  }

  /** The interface that stopped holding the bus lock (its worker said so), once every worker is done. */
  private wedgedBy(): InterfaceCounters | null {
    const w = Atomics.load(this.ctl, CTL_WEDGED);
    return w === 0 ? null : (this.ifs[w - 1]?.done?.counters ?? null);
  }

  stopped(): string | null {
    const by = this.wedgedBy();
    return by ? wedgeText(by) : null;
  }

  summary(): SubsystemSummary {
    const all = this.ifs.map((x) => x.done!.counters);
    if (!this.finished) {
      this.finished = true;
      const sentBy = all.map((c) => c.sent);
      for (const c of all) settleCounters(c, sentBy);
    }
    return summarise(
      this.services,
      all,
      this.ifs.map((x) => stateText(x.done!.state)),
      this.ifs.map((x) => x.done!.events),
      [
        `${this.s.interfaces} interface(s) in ${this.threads} worker thread(s) on one SharedArrayBuffer bus: the interleaving of bus writes and reads (and so overruns, and which frames each receiver sees) depends on thread scheduling, not only on the seed`,
        ...(this.s.join
          ? [`with worker threads no interface joins the bus: the '${this.s.join}' signal is not acted on`]
          : []),
        ...(this.wedgedBy() ? [`${wedgeText(this.wedgedBy()!)}: every worker stopped there`] : []),
      ],
      this.wedgedBy(),
    );
  }

  async close(): Promise<void> {
    Atomics.store(this.ctl, CTL_ABORT, 1);
    Atomics.store(this.ctl, CTL_START, 1);
    Atomics.notify(this.ctl, CTL_START);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * The `shmif` driver.
 * @category Drivers
 */
export const shmifDriver: ScenarioDriver<ShmifScenario> = {
  subsystem: 'shmif',
  package: '@kspec/shmif',
  description:
    'shmif interfaces (each its own rump kernel, optionally its own worker thread) exchanging frames over the shared bus',
  config: ShmifScenarioCodec,
  emits: ['shmif.delivered'],
  checkPlan: (config, context) => shmifPlanIssues(shmifSettings(config), context),
  plots: [
    {
      id: 'shmif-frames',
      title: 'shmif frames',
      yLabel: 'frames',
      series: [
        { key: 'framesSent', label: 'sent' },
        { key: 'delivered', label: 'delivered (if_input)' },
        { key: 'lostToOverrun', label: 'lost to overrun' },
      ],
    },
    {
      id: 'shmif-overruns',
      title: 'shmif receiver overruns',
      yLabel: 'resyncs',
      series: [{ key: 'overruns', label: 'overrun resyncs (if_shmem.c 660-669)' }],
    },
  ],
  async start(config, services) {
    const s = shmifSettings(config);
    return services.workers > 0 ? ShmifWorkerRun.start(s, services) : new ShmifLocalRun(s, services);
  },
};

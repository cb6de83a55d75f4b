/**
 * The `xen-evtchn` scenario driver: one open `/dev/xen/evtchn` file (the `@kspec/xen-evtchn`
 * facade over a live `evtchnDevice` actor, with one `evtchnBinding` actor per bound port)
 * and a reader process using it the way a libxenevtchn client does.
 *
 * - At start the reader binds `ports` unbound ports for a remote domain
 *   (`IOCTL_EVTCHN_BIND_UNBOUND_PORT`).
 * - The hypervisor side raises a port whenever the signal `raiseOn` arrives (by default
 *   `shmif.delivered`: one raise per frame an interface delivered): channel `c` raises port
 *   number `c mod ports` of the bound ones.
 * - Every `readEvery` ticks the reader drains the ring with non-blocking `read()`s of
 *   `readBytes` and re-enables the ports it read with `write()` (late EOI). On `-EFBIG` (the
 *   ring overflowed) it issues `IOCTL_EVTCHN_RESET` and re-enables every bound port.
 * - With `eoi: "everyTick"` it instead re-enables every bound port on every tick, read or not:
 *   a port may then sit in the ring several times, and a slow reader overflows the ring.
 *
 * Accounting (checked at the end): every port pushed into the ring was read, is still
 * queued, or was discarded by a reset; every raise was either queued at once, coalesced into
 * a pending event of a disabled port, or lost to the overflow flag.
 *
 * @module
 */
import * as t from 'io-ts/lib/index.js';
import {
  EVTCHN_2L_NR_CHANNELS,
  PAGE_SIZE,
  evtchnRingOccupancy,
  manifest as evtchnManifest,
  openEvtchn,
  type EvtchnDevice,
} from '@kspec/xen-evtchn';
import { linuxErr } from '@kspec/spec-kit';
import { ScenarioError, intIn, strictObject } from '../codec.js';
import type { DriverRun, RunServices, ScenarioDriver, SubsystemSummary } from '../driver.js';
import { stateText } from '../trace.js';

/**
 * The `xen-evtchn` entry of a scenario.
 * @category Drivers
 */
export const EvtchnScenarioCodec = strictObject(
  'xen-evtchn scenario',
  {},
  {
    /** The signal that makes the hypervisor raise a port (default `shmif.delivered`). */
    raiseOn: t.string,
    /** Ports to bind (default 3). */
    ports: intIn(1, 4096),
    /** The remote domain the ports are bound for (default 1). */
    remoteDomain: intIn(0, 0x7fef),
    /** `xen_evtchn_nr_channels()` (default 4096). */
    nrChannels: intIn(1, 0x100000),
    reader: strictObject(
      'xen-evtchn reader',
      {},
      {
        /** Drain the ring every this many ticks (default 1). */
        readEvery: intIn(1, 1_000_000),
        /** The `count` of each `read()` (default PAGE_SIZE). */
        readBytes: intIn(0, 1 << 20),
        /** `afterRead` (default): re-enable the ports read; `everyTick`: re-enable every bound port every tick. */
        eoi: t.keyof({ afterRead: null, everyTick: null }),
        /** On -EFBIG: `reset` (default) the ring and re-enable every port, or `ignore` it. */
        onOverflow: t.keyof({ reset: null, ignore: null }),
      },
    ),
  },
);

/**
 * The decoded `xen-evtchn` configuration.
 * @category Drivers
 */
export type EvtchnScenario = t.TypeOf<typeof EvtchnScenarioCodec>;

const EAGAIN = linuxErr('EAGAIN');
/** `sizeof(evtchn_port_t)`: a read returns whole ports. */
const EVTCHN_PORT_BYTES = 4;
const EFBIG = linuxErr('EFBIG');

class EvtchnRun implements DriverRun {
  readonly dev: EvtchnDevice;
  readonly ports: number[] = [];
  private readonly readEvery: number;
  private readonly readBytes: number;
  private readonly eoi: 'afterRead' | 'everyTick';
  private readonly onOverflow: 'reset' | 'ignore';
  readonly c = {
    portsBound: 0,
    raises: 0,
    raisesQueued: 0,
    raisesCoalesced: 0,
    raisesLostToOverflow: 0,
    pushed: 0,
    reads: 0,
    readsEagain: 0,
    readsEfbig: 0,
    eventsRead: 0,
    eoiWrites: 0,
    portsReenabled: 0,
    overflows: 0,
    resets: 0,
    discardedByReset: 0,
    maxOccupancy: 0,
  };
  private readonly perPort = new Map<number, { raises: number; read: number }>();
  private lastProd = 0;
  private lastOverflow = false;
  private lastTick = 0;

  constructor(
    cfg: EvtchnScenario,
    private readonly services: RunServices,
  ) {
    this.readEvery = cfg.reader?.readEvery ?? 1;
    this.readBytes = cfg.reader?.readBytes ?? PAGE_SIZE;
    this.eoi = cfg.reader?.eoi ?? 'afterRead';
    this.onOverflow = cfg.reader?.onOverflow ?? 'reset';
    this.dev = openEvtchn({
      comm: 'kspec',
      nonblock: true,
      bindingActors: true,
      ...(cfg.nrChannels !== undefined ? { nrChannels: cfg.nrChannels } : {}),
    });
    services.watcher.watch(this.dev.actor, 'xen-evtchn/evtchnDevice');
    const n = cfg.ports ?? 3;
    const nr = this.dev.snapshot.context.env.hv.nrChannels;
    // The hypervisor hands out ports 1..nrChannels-1 (port 0 is reserved), then -ENOSPC.
    if (n >= nr)
      throw new ScenarioError(
        `xen-evtchn: ports ${n} need ${n + 1} event channels (port 0 is reserved), nrChannels is ${nr}`,
        [
          {
            path: '$.subsystems.xen-evtchn.ports',
            expected: `integer in [1, ${nr - 1}]`,
            got: JSON.stringify(n),
          },
        ],
      );
    const domid = cfg.remoteDomain ?? 1;
    for (let i = 0; i < n; i++) {
      const port = this.dev.bindUnboundPort(domid);
      if (port < 0)
        throw new Error(`xen-evtchn: IOCTL_EVTCHN_BIND_UNBOUND_PORT for domain ${domid} failed with ${port}`);
      this.ports.push(port);
      this.perPort.set(port, { raises: 0, read: 0 });
      const b = this.dev.binding(port);
      if (b) services.watcher.watch(b, `xen-evtchn/evtchnBinding#${port}`);
    }
    this.c.portsBound = this.dev.boundPorts.length;
    this.observeRing();
    services.signals.on(cfg.raiseOn ?? 'shmif.delivered', (s) => this.raise(s.channel));
  }

  private get ring() {
    return this.dev.snapshot.context.ring;
  }

  /** Accounts for what the ring did since the last look: pushes and the overflow flag. */
  private observeRing(): void {
    const r = this.ring;
    this.c.pushed += (r.prod - this.lastProd) >>> 0;
    this.lastProd = r.prod;
    if (r.overflow && !this.lastOverflow) this.c.overflows++;
    this.lastOverflow = r.overflow;
    const occ = evtchnRingOccupancy(r);
    if (occ > this.c.maxOccupancy) this.c.maxOccupancy = occ;
  }

  private closed = false;

  private raise(channel: number): void {
    // a signal that arrives while the run closes (a worker's last batch) finds the file gone
    if (this.closed || this.dev.snapshot.status !== 'active') return;
    const port = this.ports[channel % this.ports.length]!;
    const prod = this.ring.prod;
    const wasEnabled = this.isEnabled(port);
    this.dev.raise(port);
    this.c.raises++;
    this.perPort.get(port)!.raises++;
    const after = this.ring;
    if (after.prod !== prod) this.c.raisesQueued++;
    else if (wasEnabled && after.overflow) this.c.raisesLostToOverflow++;
    else this.c.raisesCoalesced++;
    this.observeRing();
  }

  /** The `enabled` flag of a bound port (its interrupt has not run since the last write()). */
  private isEnabled(port: number): boolean {
    return this.dev.snapshot.context.evtchns.find((x) => x.port === port)?.enabled ?? false;
  }

  private reenable(ports: readonly number[]): void {
    if (ports.length === 0) return;
    const rc = this.dev.writePorts(ports);
    this.c.eoiWrites++;
    if (rc > 0) this.c.portsReenabled += ports.length;
    this.observeRing();
  }

  private drain(): void {
    // Bounded: each read takes at least one port; a write can push at most one per port.
    for (let guard = 0; guard < 4 * (this.ring.size + this.ports.length) + 8; guard++) {
      const r = this.dev.read(this.readBytes);
      this.c.reads++;
      if (r.rc === EAGAIN) {
        this.c.readsEagain++;
        return;
      }
      if (r.rc === EFBIG) {
        this.c.readsEfbig++;
        if (this.onOverflow === 'ignore') return;
        this.observeRing();
        this.c.discardedByReset += evtchnRingOccupancy(this.ring);
        const rc = this.dev.reset();
        if (rc !== 0) throw new Error(`xen-evtchn: IOCTL_EVTCHN_RESET failed with ${rc}`);
        this.c.resets++;
        this.lastProd = this.ring.prod;
        this.lastOverflow = this.ring.overflow;
        this.reenable(this.ports);
        continue;
      }
      if (r.rc < 0) throw new Error(`xen-evtchn: read() failed with ${r.rc}`);
      if (r.rc === 0) return;
      this.c.eventsRead += r.ports.length;
      for (const p of r.ports) {
        const pp = this.perPort.get(p);
        if (pp) pp.read++;
      }
      if (this.eoi === 'afterRead') this.reenable([...new Set(r.ports)]);
      else this.observeRing();
    }
  }

  step(tick: number): void {
    this.lastTick = tick;
    if (this.eoi === 'everyTick') this.reenable(this.ports);
    if (tick % this.readEvery === 0) this.drain();
    this.observeRing();
  }

  done(): boolean {
    return evtchnRingOccupancy(this.ring) === 0 && !this.ring.overflow;
  }

  progress() {
    return { done: this.c.eventsRead, total: Math.max(this.c.eventsRead, this.c.pushed) };
  }

  sample() {
    const r = this.ring;
    return {
      ringOccupancy: evtchnRingOccupancy(r),
      ringSize: r.size,
      eventsRead: this.c.eventsRead,
      raises: this.c.raises,
      overflows: this.c.overflows,
    };
  }

  /** The device as the run left it, taken just before the reader closes the file. */
  private final: {
    ringSize: number;
    occupancy: number;
    enabled: Map<number, boolean>;
    bound: number;
    releaseRc: number;
    releasedBound: number;
  } | null = null;

  /** The end of the run: the reader closes the file (`evtchn_release` unbinds every port). */
  finish(): void {
    if (this.final) return;
    this.observeRing();
    const r = this.ring;
    const ctx = this.dev.snapshot.context;
    const enabled = new Map(ctx.evtchns.map((e) => [e.port, e.enabled] as const));
    const bound = this.dev.boundPorts.length;
    const releaseRc = this.dev.snapshot.status === 'active' ? this.dev.release() : 0;
    const after = this.dev.snapshot;
    this.final = {
      ringSize: r.size,
      occupancy: evtchnRingOccupancy(r),
      enabled,
      bound,
      releaseRc,
      releasedBound: after.status === 'active' ? after.context.evtchns.length : 0,
    };
  }

  summary(): SubsystemSummary {
    this.finish();
    const f = this.final!;
    const occupancy = f.occupancy;
    const c = this.c;
    const actors = this.services.watcher
      .counts()
      .filter((a) => a.name.startsWith('xen-evtchn/'))
      .map((a) => ({ actor: a.name, state: stateText(a.state), events: a.events }));
    return {
      subsystem: 'xen-evtchn',
      title: evtchnManifest.title,
      events: actors.reduce((n, a) => n + a.events, 0),
      actors,
      counters: {
        portsBound: f.bound,
        raises: c.raises,
        pushed: c.pushed,
        eventsRead: c.eventsRead,
        reads: c.reads,
        eoiWrites: c.eoiWrites,
        overflows: c.overflows,
        resets: c.resets,
        ringSize: f.ringSize,
        maxOccupancy: c.maxOccupancy,
        queuedAtEnd: occupancy,
      },
      units: this.ports.map((p) => ({
        port: p,
        raises: this.perPort.get(p)!.raises,
        read: this.perPort.get(p)!.read,
        enabledAtEnd: f.enabled.get(p) ? 'yes' : 'no',
      })),
      checks: [
        {
          name: 'everyPushAccounted',
          statement:
            'ports pushed into the ring = ports read + ports still queued + ports discarded by IOCTL_EVTCHN_RESET',
          holds: c.pushed === c.eventsRead + occupancy + c.discardedByReset,
          detail: `${c.pushed} = ${c.eventsRead} + ${occupancy} + ${c.discardedByReset}`,
        },
        {
          name: 'everyRaiseAccounted',
          statement:
            'raises = queued at once + coalesced into a pending event of a disabled port + lost to the overflow flag',
          holds: c.raises === c.raisesQueued + c.raisesCoalesced + c.raisesLostToOverflow,
          detail: `${c.raises} = ${c.raisesQueued} + ${c.raisesCoalesced} + ${c.raisesLostToOverflow}`,
        },
        {
          name: 'releaseLeavesNothingBound',
          statement: 'closing the file (evtchn_release) returns 0 and leaves no port bound',
          holds: f.releaseRc === 0 && f.releasedBound === 0,
          detail: `release() = ${f.releaseRc}, ${f.releasedBound} port(s) still bound`,
        },
      ],
      notes: [
        `reader: read every ${this.readEvery} tick(s), eoi ${this.eoi}, on overflow ${this.onOverflow}; last tick ${this.lastTick}`,
        `${c.raisesCoalesced} raise(s) coalesced into a pending event (port disabled until write()), ${c.raisesLostToOverflow} lost to overflow, ${c.readsEfbig} read(s) saw -EFBIG`,
      ],
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.dev.snapshot.status === 'active') this.dev.release();
    for (const p of this.ports) this.dev.binding(p)?.stop();
    this.dev.actor.stop();
  }
}

/**
 * The `xen-evtchn` driver.
 * @category Drivers
 */
export const evtchnDriver: ScenarioDriver<EvtchnScenario> = {
  subsystem: 'xen-evtchn',
  package: '@kspec/xen-evtchn',
  description:
    'one /dev/xen/evtchn file: the hypervisor raises a port per signal (a delivered frame), a reader drains the ring with read() and re-enables ports with write()',
  config: EvtchnScenarioCodec,
  emits: [],
  listensTo: (config) => [
    config.raiseOn !== undefined
      ? { path: '$.raiseOn', signal: config.raiseOn }
      : { path: '$', signal: 'shmif.delivered' },
  ],
  checkPlan: (config, { maxTicks }) => [
    ...((config.ports ?? 3) >= (config.nrChannels ?? EVTCHN_2L_NR_CHANNELS)
      ? [
          {
            path: '$.ports',
            message:
              `${config.ports ?? 3} ports need ${(config.ports ?? 3) + 1} event channels (port 0 is reserved), ` +
              `nrChannels is ${config.nrChannels ?? EVTCHN_2L_NR_CHANNELS}`,
          },
        ]
      : []),
    ...(config.reader?.readBytes !== undefined && config.reader.readBytes < EVTCHN_PORT_BYTES
      ? [
          {
            path: '$.reader.readBytes',
            message:
              `${config.reader.readBytes} is less than sizeof(evtchn_port_t) = ${EVTCHN_PORT_BYTES}: evtchn_read rounds the count ` +
              'down to whole ports and returns 0 (linux-xen-evtchn.c 202-206), so the reader never drains the ring',
          },
        ]
      : []),
    ...((config.reader?.readEvery ?? 1) > maxTicks
      ? [
          {
            path: '$.reader.readEvery',
            message: `${config.reader!.readEvery} is more than maxTicks ${maxTicks}: the reader would never read`,
          },
        ]
      : []),
  ],
  plots: [
    {
      id: 'evtchn-ring',
      title: 'evtchn ring occupancy',
      yLabel: 'ports queued',
      series: [
        { key: 'ringOccupancy', label: 'occupancy (prod - cons)' },
        { key: 'ringSize', label: 'ring size' },
      ],
    },
    {
      id: 'evtchn-events',
      title: 'evtchn events',
      yLabel: 'count',
      series: [
        { key: 'raises', label: 'raises' },
        { key: 'eventsRead', label: 'events read' },
        { key: 'overflows', label: 'overflows' },
      ],
    },
  ],
  async start(config, services) {
    return new EvtchnRun(config, services);
  },
};

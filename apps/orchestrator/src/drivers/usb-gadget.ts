/**
 * The `usb-gadget` scenario driver: one g_ether module (the `@kspec/usb-gadget` facade over a
 * live `gEther` actor) on a peripheral controller, and a Linux-like USB host in front of it.
 *
 * - Tick 1: `insmod g_ether` (init, eth_bind) and the cable goes in. Tick 2: the host
 *   enumerates the gadget (descriptors, strings) and selects a configuration (Linux's choice,
 *   the first, unless the scenario names one). Tick 3: the class driver opens the link (ECM:
 *   data altsetting 1; RNDIS: INITIALIZE, QUERY, SET packet filter) and usb0 goes up.
 * - When usb0's carrier comes up the driver emits `usb-gadget.link` (channel 0, `up`, the
 *   number of frames the host will send): the shmif driver answers by adding the gadget's
 *   rump kernel to the bus as one more interface (`shmif.joined`: its index, MAC, the run's
 *   nonce). From then on the gadget routes between its two links: every tick, with the
 *   scenario's chance, the USB host sends a frame over bulk OUT; the gadget's usb0 hands it up
 *   and the driver forwards it onto the bus (`usb-gadget.rx`); every frame the gadget's bus
 *   interface passes up (`shmif.forward`) goes out on usb0 to the host over bulk IN.
 *
 * Accounting (checked at the end): the descriptors the host read are the model's; every frame
 * the host sent and the gadget took reached the bus; every frame the bus delivered to the
 * gadget was either queued for the host and read by it, or dropped by usb0 (no link, the CDC
 * filter, a full queue); the gadget's invariants hold in the final state, and the carrier came
 * up only with an open data path (with RNDIS it does not: USBG-6). The usbmon capture of the
 * run can be written as a pcap (`usbmonPcap`).
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import * as t from 'io-ts/lib/index.js';
import {
  CONTROLLERS,
  GADGET_INVARIANTS,
  GadgetModule,
  UsbHost,
  boundCase,
  descriptorSet,
  manifest as gadgetManifest,
  usbmonPcap,
  type ControllerPreset,
  type GadgetSnapshot,
  type LinkEvent,
} from '@kspec/usb-gadget';
import { intIn, numberIn, strictObject } from '../codec.js';
import type { AccountingCheck, DriverRun, RunServices, ScenarioDriver, SubsystemSummary } from '../driver.js';
import { stateText } from '../trace.js';
import { FrameLengthCodec } from './shmif/config.js';
import { makeFrame, parseFrame } from './shmif/frames.js';

/** The trace actor name of the gadget. @category usb-gadget driver */
export const GADGET_ACTOR = 'usb-gadget/gEther';

/**
 * The `usb-gadget` entry of a scenario.
 * @category usb-gadget driver
 */
export const UsbGadgetScenarioCodec = strictObject(
  'usb-gadget scenario',
  {},
  {
    /** The peripheral controller (a preset of @kspec/usb-gadget; default net2280). */
    controller: t.keyof(
      Object.fromEntries(Object.keys(CONTROLLERS).map((k) => [k, null])) as Record<ControllerPreset, null>,
    ),
    /** CONFIG_USB_ETH_RNDIS (default false). */
    rndis: t.boolean,
    /** g_ether built into the kernel (default false). */
    builtIn: t.boolean,
    /** The configuration value the host selects (default: the first, as Linux does). */
    configuration: intIn(1, 255),
    /** Negotiated speed (default high). */
    speed: t.keyof({ full: null, high: null }),
    /** Frames the USB host sends through the gadget onto the bus (default 100). */
    hostFrames: intIn(0, 1_000_000),
    /** Per tick, the chance that the host sends one (default 0.5). */
    sendProbability: numberIn(0, 1),
    /** Frame length range (default 60..1514). */
    frameLength: FrameLengthCodec,
    /** The signal announcing the link (default `usb-gadget.link`). */
    linkSignal: t.string,
    /** Write the usbmon capture of the run here (a pcap, LINKTYPE_USB_LINUX_MMAPPED). */
    usbmonPcap: t.string,
  },
);

/** The decoded `usb-gadget` configuration. @category usb-gadget driver */
export type UsbGadgetScenario = t.TypeOf<typeof UsbGadgetScenarioCodec>;

const mac = (rng: { nextU32(): number }) => {
  const v = rng.nextU32();
  return [
    '02',
    ...[v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff, rng.nextU32() & 0xff].map((b) =>
      b.toString(16).padStart(2, '0'),
    ),
  ].join(':');
};

class GadgetRun implements DriverRun {
  readonly g: GadgetModule;
  readonly host: UsbHost;
  private stage = 0;
  private loadResult = 0;
  private bus: { index: number; mac: number[]; nonce: number } | null = null;
  private seq = 0;
  private readonly links: (LinkEvent & { tick: number; dataPathOpen: boolean })[] = [];
  private descriptorsMatch: boolean | null = null;
  private readonly rng;
  readonly c = {
    framesFromHost: 0,
    framesRefused: 0,
    framesToBus: 0,
    framesFromBus: 0,
    framesToHost: 0,
    framesDroppedToHost: 0,
    foreignToHost: 0,
  };

  constructor(
    private readonly cfg: UsbGadgetScenario,
    private readonly services: RunServices,
  ) {
    this.rng = services.rng('usb-gadget');
    const controller = CONTROLLERS[cfg.controller ?? 'net2280'];
    this.g = new GadgetModule({
      controller,
      build: { rndis: cfg.rndis ?? false, builtIn: cfg.builtIn ?? false },
      params: { devAddr: mac(this.rng), hostAddr: mac(this.rng) },
      seed: this.rng.nextU32(),
    });
    services.watcher.watch(this.g.actor, GADGET_ACTOR);
    this.host = new UsbHost(this.g, {
      clock: { name: 'run clock', nowUs: () => Math.round(services.now() * 1000) },
      ...(cfg.speed ? { speed: cfg.speed } : {}),
    });
    this.g.onLink((e) => this.onLink(e));
    this.g.onRx((frame) => {
      if (!this.bus) return;
      this.c.framesToBus++;
      services.signals.emit({ type: 'usb-gadget.rx', channel: this.bus.index, frame: [...frame] });
    });
    services.signals.on('shmif.joined', (s) => {
      if (s['for'] !== 0 || this.bus) return;
      this.bus = {
        index: s.channel,
        mac: String(s['mac'])
          .split(':')
          .map((x) => Number.parseInt(x, 16)),
        nonce: Number(s['nonce']),
      };
    });
    services.signals.on('shmif.forward', (s) => {
      if (!this.bus || s.channel !== this.bus.index || !Array.isArray(s['frame'])) return;
      this.c.framesFromBus++;
      if (!this.g.xmit(s['frame'] as number[])) this.c.framesDroppedToHost++;
    });
  }

  private get hostFrames(): number {
    return this.cfg.hostFrames ?? 100;
  }

  private onLink(e: LinkEvent): void {
    const snapshot = this.g.snapshot as GadgetSnapshot;
    const dataPathOpen = GADGET_INVARIANTS.find((i) => i.name === 'carrierOnlyWithOpenDataPath')!.holds(
      snapshot,
    );
    this.links.push({ ...e, tick: this.services.now(), dataPathOpen });
    this.services.signals.emit({
      type: this.cfg.linkSignal ?? 'usb-gadget.link',
      channel: 0,
      up: e.up,
      link: e.link,
      frames: this.hostFrames,
      role: `usb-gadget ${e.link ?? ''} link`.replace(/ +/g, ' ').trim(),
    });
  }

  private readHost(): void {
    for (const f of this.host.receiveFrames()) {
      const id = parseFrame(Uint8Array.from(f.slice(0, f.length)));
      if (id) this.c.framesToHost++;
      else this.c.foreignToHost++;
    }
  }

  step(): void {
    switch (this.stage) {
      case 0:
        this.loadResult = this.g.load();
        this.stage = this.loadResult === 0 ? 1 : 9;
        if (this.stage === 1) this.g.connect();
        return;
      case 1: {
        const e = this.host.enumerate(this.cfg.configuration);
        const bound = descriptorSet(boundCase(this.g.context.udc!.controller, this.cfg.rndis ?? false));
        const model = this.g.descriptors();
        this.descriptorsMatch =
          model !== null &&
          bound !== null &&
          JSON.stringify(e.deviceBytes) === JSON.stringify(model.device) &&
          JSON.stringify(e.configBytes) === JSON.stringify(model.configs);
        this.stage = 2;
        return;
      }
      case 2:
        this.host.openLink();
        this.g.netOpen();
        this.stage = 3;
        return;
      case 3:
        this.readHost();
        if (this.bus && this.seq < this.hostFrames && this.rng.chance(this.cfg.sendProbability ?? 0.5)) {
          const min = this.cfg.frameLength?.min ?? 60;
          const max = this.cfg.frameLength?.max ?? 1514;
          const frame = makeFrame(
            this.bus.mac,
            this.bus.nonce,
            this.bus.index,
            this.seq,
            this.rng.int(min, max),
          );
          if (this.host.sendFrame([...frame])) {
            this.seq++;
            this.c.framesFromHost++;
          } else this.c.framesRefused++;
        }
        return;
      default:
        return;
    }
  }

  done(): boolean {
    if (this.stage === 9) return true;
    if (this.stage < 3) return false;
    return !this.bus || this.seq >= this.hostFrames;
  }

  progress() {
    return { done: this.c.framesFromHost, total: this.hostFrames };
  }

  sample() {
    return {
      framesFromHost: this.c.framesFromHost,
      framesToHost: this.c.framesToHost,
      linkUp: this.g.linkUp ? 1 : 0,
    };
  }

  finish(): void {
    if (this.stage === 3) this.readHost();
    if (this.cfg.usbmonPcap) writeFileSync(this.cfg.usbmonPcap, usbmonPcap(this.host.urbs));
  }

  private checks(): AccountingCheck[] {
    const snapshot = this.g.snapshot as GadgetSnapshot;
    const broken = GADGET_INVARIANTS.filter((i) => !i.holds(snapshot));
    const findingsOf = (names: readonly string[]) =>
      gadgetManifest.findings.filter((f) => names.includes(f.invariant)).map((f) => f.id);
    const early = this.links.filter((l) => l.up && !l.dataPathOpen);
    const queued = this.c.framesFromBus - this.c.framesDroppedToHost;
    return [
      {
        name: 'moduleLoaded',
        statement: 'insmod g_ether returns 0 (init, eth_bind: seed 277-365, 385-388)',
        holds: this.loadResult === 0,
        detail: `init returned ${this.loadResult}`,
      },
      {
        name: 'descriptorsAsModelled',
        statement:
          'the descriptors the host read are the bytes the model gives for this controller and build',
        holds: this.descriptorsMatch === true,
        detail:
          this.descriptorsMatch === null
            ? 'not enumerated'
            : this.descriptorsMatch
              ? 'device and every configuration match'
              : 'they differ',
      },
      {
        name: 'carrierOnlyWithOpenDataPath',
        statement: "usb0's carrier came up only while the host could exchange frames",
        holds: early.length === 0,
        detail: early.length
          ? `link up at tick ${early.map((l) => l.tick).join(', ')} on the ${early[0]!.link} link before its data path was open`
          : `${this.links.filter((l) => l.up).length} link-up(s), each with an open data path`,
        ...(early.length ? { findings: findingsOf(['carrierOnlyWithOpenDataPath']) } : {}),
      },
      {
        name: 'everyHostFrameReachedTheBus',
        statement:
          'every frame the host sent that the gadget took (bulk OUT, netif_rx) was forwarded onto the bus',
        holds: this.c.framesFromHost === this.c.framesToBus,
        detail: `${this.c.framesFromHost} taken, ${this.c.framesToBus} forwarded, ${this.c.framesRefused} refused (no rx requests queued)`,
      },
      {
        name: 'everyBusFrameReachedTheHost',
        statement:
          'every frame the bus delivered to the gadget that usb0 queued (eth_start_xmit) was read by the host (bulk IN)',
        holds: queued === this.c.framesToHost && this.c.foreignToHost === 0,
        detail: `${this.c.framesFromBus} from the bus, ${queued} queued, ${this.c.framesToHost} read by the host, ${this.c.framesDroppedToHost} dropped by usb0`,
      },
      {
        name: 'gadgetInvariantsHold',
        statement: 'every invariant of @kspec/usb-gadget holds in the final state',
        holds: broken.length === 0,
        detail: broken.length ? broken.map((i) => i.name).join(', ') : `${GADGET_INVARIANTS.length} hold`,
        ...(broken.length && findingsOf(broken.map((i) => i.name)).length
          ? { findings: findingsOf(broken.map((i) => i.name)) }
          : {}),
      },
    ];
  }

  summary(): SubsystemSummary {
    this.finish();
    const ctx = this.g.context;
    const counts = this.services.watcher.counts();
    const events = counts.find((c) => c.name === GADGET_ACTOR)?.events ?? 0;
    const configs = ctx.cdev?.configs ?? [];
    return {
      subsystem: 'usb-gadget',
      title: gadgetManifest.title,
      events,
      actors: [{ actor: GADGET_ACTOR, state: stateText(this.g.snapshot.value), events }],
      counters: {
        bound: ctx.cdev ? 1 : 0,
        configuration: ctx.cdev?.config ? ctx.statics!.configs[ctx.cdev.config].bConfigurationValue : 0,
        linkUps: this.links.filter((l) => l.up).length,
        linkDowns: this.links.filter((l) => !l.up).length,
        ...this.c,
        usbmonEvents: this.host.urbs.length,
      },
      units: configs.map((key) => {
        const c = ctx.statics!.configs[key];
        const fn = c.functions.map((id) => ctx.fns[id]?.kind ?? '?').join('+');
        return {
          configuration: c.bConfigurationValue,
          label: c.label ?? key,
          function: fn,
          interfaces: c.nextInterfaceId,
          selected: ctx.cdev?.config === key ? 'yes' : '',
        };
      }),
      checks: this.checks(),
      notes: [
        `${ctx.udc?.controller.name ?? 'no controller'}${this.cfg.rndis ? ' with RNDIS' : ''}: ${ctx.cdev ? `${hex(ctx.cdev.desc.idVendor)}:${hex(ctx.cdev.desc.idProduct)} bcdDevice ${hex(ctx.cdev.desc.bcdDevice)}` : 'not bound'}`,
        this.bus
          ? `usb0 routed to shmif${this.bus.index} on the bus: ${this.c.framesFromHost} frame(s) from the USB host onto the bus, ${this.c.framesToHost} from the bus to the host`
          : 'the gadget did not join the bus (no shmif driver in the scenario, or worker threads)',
        ...(this.cfg.usbmonPcap
          ? [`usbmon capture written to ${this.cfg.usbmonPcap} (${this.host.urbs.length} events)`]
          : []),
      ],
    };
  }

  async close(): Promise<void> {
    this.g.actor.stop();
  }
}

const hex = (v: number) => v.toString(16).padStart(4, '0');

/**
 * The `usb-gadget` driver.
 * @category Drivers
 */
export const usbGadgetDriver: ScenarioDriver<UsbGadgetScenario> = {
  subsystem: 'usb-gadget',
  package: '@kspec/usb-gadget',
  description:
    'a g_ether gadget on a peripheral controller, enumerated by a USB host; its link joins the shmif bus',
  config: UsbGadgetScenarioCodec,
  plots: [
    {
      id: 'usb-gadget-frames',
      title: 'usb-gadget frames',
      yLabel: 'frames',
      series: [
        { key: 'framesFromHost', label: 'from the USB host onto the bus' },
        { key: 'framesToHost', label: 'from the bus to the USB host' },
      ],
    },
  ],
  async start(config, services) {
    return new GadgetRun(config, services);
  },
};

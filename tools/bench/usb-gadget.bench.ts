/**
 * usb-gadget (issue 13): host enumerations per second through the @kspec/usb-gadget facade,
 * beside the floors, side by side in one run.
 *
 * One enumeration is what `UsbHost.enumerate()` does to a bound gadget: port reset,
 * GET_DESCRIPTOR(DEVICE, 64), reset, SET_ADDRESS, GET_DESCRIPTOR(DEVICE, 18), each
 * configuration's 9 bytes then wTotalLength, the language table, the product and manufacturer
 * strings, SET_CONFIGURATION (and each cycle checks the device descriptor it read).
 *
 *  - facade, net2280 ECM: 9 control transfers and 2 bus resets per enumeration (12 sends);
 *  - facade, net2280 with RNDIS: two configurations, 11 transfers;
 *  - facade, insmod + enumerate: a fresh module each cycle (init, eth_bind, then the above);
 *  - model only: the same requests applied with the pure model functions (composite_setup on
 *    the context), no actor: what the statechart adds on top of the model;
 *  - floors with the same number of `actor.send` calls per enumeration as the ECM path
 *    (counted): a bare XState actor (one state, one counter assign), and this package's chart
 *    taking an event it does not handle (what the chart's shape costs per event).
 *
 * The build machine has 2 cores shared with other jobs, so paths are interleaved in rounds and
 * each figure is the median over rounds, as a wall-clock rate and per CPU-second; ratios are
 * taken from the CPU rates.
 *
 * Run: npx tsx --conditions=@kspec/source tools/bench/usb-gadget.bench.ts
 * Environment: BENCH_ROUNDS (default 5), BENCH_MS (time per path per round, default 600).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assign, createActor, setup } from 'xstate';
import {
  CONTROLLERS,
  GadgetModule,
  REQ,
  UsbHost,
  busReset,
  controlTransfer,
  createGadgetContext,
  gadgetMachine,
  loadModule,
  udcSetAddress,
  type GadgetContext,
} from '@kspec/usb-gadget';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const MS = Number(process.env['BENCH_MS'] ?? 600);
const PARAMS = { devAddr: '02:00:00:00:00:01', hostAddr: '02:00:00:00:00:02' };

function loaded(rndis: boolean): { g: GadgetModule; host: UsbHost } {
  const g = new GadgetModule({ controller: CONTROLLERS.net2280, build: { rndis }, params: PARAMS });
  if (g.load() !== 0) throw new Error('load failed');
  return { g, host: new UsbHost(g) };
}

function check(vid: number, pid: number, path: string): void {
  if (vid !== 0x0525 || (pid !== 0xa4a1 && pid !== 0xa4a2)) throw new Error(`${path}: read ${vid}:${pid}`);
}

const ecm = loaded(false);
const rndis = loaded(true);

function cycleEcm(): number {
  ecm.host.urbs.length = 0;
  const e = ecm.host.enumerate();
  check(e.device.idVendor, e.device.idProduct, 'facade ECM');
  return 1;
}
function cycleRndis(): number {
  rndis.host.urbs.length = 0;
  const e = rndis.host.enumerate();
  check(e.device.idVendor, e.device.idProduct, 'facade RNDIS');
  return 1;
}
function cycleInsmod(): number {
  const { host } = loaded(false);
  const e = host.enumerate();
  check(e.device.idVendor, e.device.idProduct, 'insmod + enumerate');
  host.gadget.actor.stop();
  return 1;
}

/** The same requests on the pure model. */
const base = loadModule(createGadgetContext({ controller: CONTROLLERS.net2280, params: PARAMS })).ctx;
function cycleModel(): number {
  let c: GadgetContext = busReset(base, 'high');
  const read = (p: Parameters<typeof controlTransfer>[1]) => {
    c = controlTransfer(c, p);
    return c.reply?.kind === 'data' ? c.reply.bytes : [];
  };
  read(REQ.getDevice(64));
  c = busReset(c, 'high');
  c = udcSetAddress(c, REQ.setAddress(2));
  const dev = read(REQ.getDevice(18));
  const head = read(REQ.getConfig(0, 9));
  read(REQ.getConfig(0, head[2]! | (head[3]! << 8)));
  read(REQ.getString(0, 0, 255));
  read(REQ.getString(2));
  read(REQ.getString(1));
  controlTransfer(c, REQ.setConfiguration(1));
  check(dev[8]! | (dev[9]! << 8), dev[10]! | (dev[11]! << 8), 'model only');
  return 1;
}

// How many actor.send calls one ECM enumeration makes (counted on a spare cycle).
function countSends(): number {
  const actor = ecm.g.actor;
  const send = actor.send.bind(actor);
  let sends = 0;
  actor.send = (e) => {
    sends++;
    send(e);
  };
  try {
    cycleEcm();
  } finally {
    actor.send = send;
  }
  return sends;
}
const SENDS = countSends();

const bare = createActor(
  setup({
    types: {} as { context: { n: number }; events: { type: 'tick' } },
    actions: { count: assign(({ context }) => ({ n: context.n + 1 })) },
  }).createMachine({ context: { n: 0 }, on: { tick: { actions: 'count' } } }),
).start();
const TICK = { type: 'tick' } as const;
function cycleBare(): number {
  for (let i = 0; i < SENDS; i++) bare.send(TICK);
  return 1;
}

const idle = createActor(gadgetMachine, { input: { context: base } }).start();
const IGNORED = { type: 'host.bulkIn' } as const; // not handled in loaded.bound.detached
function cycleChart(): number {
  for (let i = 0; i < SENDS; i++) idle.send(IGNORED);
  return 1;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Path {
  readonly key: string;
  readonly name: string;
  readonly cycle: () => number;
  readonly wall: number[];
  readonly cpu: number[];
}
const path = (key: string, name: string, cycle: () => number): Path => ({
  key,
  name,
  cycle,
  wall: [],
  cpu: [],
});
const paths: Path[] = [
  path('model', 'model only (composite_setup on the context)', cycleModel),
  path('ecm', 'facade, net2280 ECM', cycleEcm),
  path('rndis', 'facade, net2280 with RNDIS', cycleRndis),
  path('insmod', 'facade, insmod + enumerate', cycleInsmod),
  path('bare', `bare XState actor, ${SENDS} sends/enumeration`, cycleBare),
  path('chart', `gEther chart, ${SENDS} unhandled events`, cycleChart),
];

for (const p of paths) p.cycle(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const p of paths) {
    let ops = 0;
    const w0 = performance.now();
    const c0 = cpuMs();
    do ops += p.cycle();
    while (performance.now() - w0 < MS);
    p.wall.push((ops / (performance.now() - w0)) * 1000);
    p.cpu.push((ops / Math.max(cpuMs() - c0, 0.001)) * 1000);
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const by = Object.fromEntries(
  paths.map((p) => [p.key, { wall: median(p.wall), cpu: median(p.cpu) }]),
) as Record<string, { wall: number; cpu: number }>;
const ratio = (a: string, b: string): number => by[b]!.cpu / by[a]!.cpu;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const x = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

const lines: string[] = [];
const out = (s: string): void => {
  lines.push(s);
  console.log(s);
};
out(
  `\n${ROUNDS} rounds x ${MS} ms per path, medians; load average at start ${loadavg()[0]?.toFixed(1)} on this machine`,
);
out(
  `${'path'.padEnd(46)} ${'enumerations/s'.padStart(15)} ${'per CPU-second'.padStart(15)} ${'vs bare actor'.padStart(14)}`,
);
for (const p of paths) {
  const r = by[p.key]!;
  const vsBare = p.key === 'bare' ? '1x' : `${x(ratio(p.key, 'bare'))}x`;
  out(`${p.name.padEnd(46)} ${fmt(r.wall).padStart(15)} ${fmt(r.cpu).padStart(15)} ${vsBare.padStart(14)}`);
}
const perSend = (k: string) => (1e6 / by[k]!.cpu / SENDS).toFixed(1);
out(
  `per actor.send (CPU): bare actor ${perSend('bare')} µs, gEther chart ignoring an event ${perSend('chart')} µs, facade ECM enumeration ${perSend('ecm')} µs; the model alone ${(1e6 / by['model']!.cpu).toFixed(0)} µs per enumeration`,
);

const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'usb-gadget.txt'), `${lines.join('\n')}\n`);
writeFileSync(
  join(here, 'results', 'usb-gadget.json'),
  JSON.stringify(
    { rounds: ROUNDS, ms: MS, sendsPerEnumeration: SENDS, rates: by, loadAverage: loadavg()[0] },
    null,
    2,
  ),
);

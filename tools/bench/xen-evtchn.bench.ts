/**
 * xen-evtchn (issue 5): interrupts + reads per second with 4096 bound ports, through the
 * @kspec/xen-evtchn facade (the statechart path) and through a plain-TypeScript ring with the
 * same logic (the floor), side by side in one run. Target: the statechart path within 5x.
 *
 * Every path does the same work per cycle: each of the 4096 ports is raised once (its handler
 * pushes it and disables it until late EOI), the ring is drained with PAGE_SIZE reads (4 reads
 * of 1024 ports, then one read that finds the ring empty), and each page read is written back
 * (re-enable + late EOI). Work counted per cycle: 4096 interrupts + the 4 reads that returned
 * ports. Each cycle checks that it read back every port exactly once.
 *
 *  - plain ring: the ring, enabled/masked/pending per port, on typed arrays (no snapshots);
 *  - facade, raise() per port: one machine step per interrupt (4096 `irq.upcall` events);
 *  - facade, raiseMany: the guest's upcall for all 4096 ports in one machine step;
 *  - floors for any per-event statechart path, with the same number of `actor.send` calls as
 *    the raise() path makes per cycle (counted, not assumed): a bare XState actor (one state,
 *    one counter assign), and this package's device chart doing nothing (`poll`, a one-field
 *    assign) to show what the chart's shape costs per event (parallel regions, eventless
 *    checks, state value) before any model work.
 *
 * The build machine has 2 cores shared with other jobs, so paths are interleaved in rounds and
 * each figure is the median over rounds, as a wall-clock rate and as a rate per CPU-second
 * (work divided by the process's CPU time, GC threads included: what the path costs, whatever
 * else runs). Ratios are taken from the CPU rates.
 *
 * A second table shows the cost of one raise(), read() and write() through the facade for
 * 64 .. 4096 bound ports (the per-step cost must not grow with the number of ports).
 *
 * Run: npx tsx --conditions=@kspec/source tools/bench/xen-evtchn.bench.ts
 * Environment: BENCH_ROUNDS (default 5), BENCH_MS (time per path per round, default 600).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assign, createActor, setup } from 'xstate';
import { evtchnDeviceMachine, openEvtchn, PAGE_SIZE, type EvtchnDevice } from '@kspec/xen-evtchn';

const PORTS = 4096;
const PAGE_PORTS = PAGE_SIZE / 4;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const MS = Number(process.env['BENCH_MS'] ?? 600);

/** The floor: the same ring logic on typed arrays, no statechart, no snapshots. */
class PlainRing {
  size = 0;
  ring = new Uint32Array(0);
  cons = 0;
  prod = 0;
  overflow = false;
  enabled = new Uint8Array(PORTS + 1);
  masked = new Uint8Array(PORTS + 1);
  pending = new Uint8Array(PORTS + 1);
  bind(port: number, nr: number): void {
    if (nr > this.size) {
      const n = this.size === 0 ? 64 : 2 * this.size;
      const r = new Uint32Array(n);
      r.set(this.ring, 0);
      r.set(this.ring, this.size);
      this.ring = r;
      this.size = n;
    }
    this.enabled[port] = 1;
  }
  raise(port: number): void {
    this.pending[port] = 1;
    if (this.masked[port]) return;
    this.pending[port] = 0;
    this.masked[port] = 1;
    this.enabled[port] = 0;
    const prod = this.prod;
    const cons = this.cons;
    if ((prod - cons) >>> 0 < this.size) {
      this.ring[prod & (this.size - 1)] = port;
      this.prod = (prod + 1) >>> 0;
    } else this.overflow = true;
  }
  read(out: Uint32Array): number {
    if (this.overflow) return -27;
    const c = this.cons;
    const p = this.prod;
    if (c === p) return -11;
    const n = Math.min((p - c) >>> 0, out.length);
    for (let i = 0; i < n; i++) out[i] = this.ring[(c + i) & (this.size - 1)] as number;
    this.cons = (c + n) >>> 0;
    return n * 4;
  }
  write(ports: Uint32Array, n: number): void {
    for (let i = 0; i < n; i++) {
      const p = ports[i] as number;
      if (!this.enabled[p]) {
        this.enabled[p] = 1;
        this.masked[p] = 0;
        if (this.pending[p]) this.raise(p);
      }
    }
  }
}

/** Checks that a cycle read back every port exactly once. */
function checkReadBack(seen: Uint8Array, count: number, path: string): void {
  let distinct = 0;
  for (let p = 1; p <= PORTS; p++) distinct += seen[p] as number;
  if (count !== PORTS || distinct !== PORTS)
    throw new Error(
      `${path}: read back ${count} ports (${distinct} distinct), expected each of ${PORTS} once`,
    );
  seen.fill(0);
}

const plain = new PlainRing();
for (let p = 1; p <= PORTS; p++) plain.bind(p, p);
const buf = new Uint32Array(PAGE_PORTS);
const plainSeen = new Uint8Array(PORTS + 1);

function cyclePlain(): number {
  for (let p = 1; p <= PORTS; p++) plain.raise(p);
  let reads = 0;
  let count = 0;
  for (;;) {
    const rc = plain.read(buf);
    if (rc < 0) break;
    reads++;
    for (let i = 0; i < rc / 4; i++) plainSeen[buf[i] as number] = 1;
    count += rc / 4;
    plain.write(buf, rc / 4);
  }
  checkReadBack(plainSeen, count, 'plain ring');
  return PORTS + reads;
}

const ALL_PORTS = Array.from({ length: PORTS }, (_, i) => i + 1);
const facadeSeen = new Uint8Array(PORTS + 1);

/** Drains the ring with PAGE_SIZE reads, writing each page back; returns the reads that returned ports. */
function drain(d: EvtchnDevice, path: string): number {
  let reads = 0;
  let count = 0;
  for (;;) {
    const r = d.read(PAGE_SIZE);
    if (r.rc < 0) break;
    reads++;
    for (const p of r.ports) facadeSeen[p] = 1;
    count += r.ports.length;
    d.write(r.data);
  }
  checkReadBack(facadeSeen, count, path);
  return reads;
}

/**
 * 4096 ports need more than the 2-level ABI's 4096 channels (port 0 is reserved, so it has 4095
 * to give): the FIFO ABI with 8 event-array pages has 8192 (facts.md 3.3).
 */
const NR_CHANNELS = 8192;

function bindAll(): EvtchnDevice {
  const d = openEvtchn({ nonblock: true, nrChannels: NR_CHANNELS });
  for (let i = 0; i < PORTS; i++) d.bindUnboundPort(1);
  if (d.boundPorts.length !== PORTS) throw new Error('binding 4096 ports failed');
  return d;
}

const t0 = performance.now();
const batched = bindAll();
const perPort = bindAll();
console.log(
  `bound ${PORTS} ports on each of two files through the facade in ${(performance.now() - t0).toFixed(0)} ms (ring ${perPort.snapshot.context.ring.size} slots)`,
);

function cycleBatched(): number {
  batched.raiseMany(ALL_PORTS);
  return PORTS + drain(batched, 'facade, raiseMany');
}

function cyclePerPort(): number {
  for (let p = 1; p <= PORTS; p++) perPort.raise(p);
  return PORTS + drain(perPort, 'facade, raise() per port');
}

// How many actor.send calls one raise() cycle makes (counted on a spare cycle).
function countSends(): number {
  const actor = perPort.actor;
  const send = actor.send.bind(actor);
  let sends = 0;
  actor.send = (e) => {
    sends++;
    send(e);
  };
  try {
    cyclePerPort();
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
  return PORTS + 4;
}

const idleChart = createActor(evtchnDeviceMachine, { input: { nonblock: true } }).start();
const POLL = { type: 'poll' } as const;
function cycleChart(): number {
  for (let i = 0; i < SENDS; i++) idleChart.send(POLL);
  return PORTS + 4;
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
  path('plain', 'plain TypeScript ring (floor)', cyclePlain),
  path('batched', 'facade, raiseMany (one upcall step)', cycleBatched),
  path('perPort', 'facade, raise() per port', cyclePerPort),
  path('bare', `bare XState actor, ${SENDS} sends/cycle`, cycleBare),
  path('chart', `device chart, ${SENDS} x poll/cycle`, cycleChart),
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
const rate = (p: Path) => ({ wall: median(p.wall), cpu: median(p.cpu) });
const by = Object.fromEntries(paths.map((p) => [p.key, rate(p)])) as Record<
  string,
  { wall: number; cpu: number }
>;
const ratio = (a: string, b: string): number =>
  (by[b] as { cpu: number }).cpu / (by[a] as { cpu: number }).cpu;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const x = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const perSendUs = (k: string): number => (1e6 * (PORTS + 4)) / (by[k] as { cpu: number }).cpu / SENDS;

const lines: string[] = [];
const out = (s: string): void => {
  lines.push(s);
  console.log(s);
};
out(
  `\n${ROUNDS} rounds x ${MS} ms per path, medians; load average at start ${loadavg()[0]?.toFixed(1)} on this machine`,
);
out(
  `${'path'.padEnd(40)} ${'interrupts+reads/s'.padStart(19)} ${'per CPU-second'.padStart(15)} ${'vs plain'.padStart(10)} ${'vs bare actor'.padStart(14)}`,
);
for (const p of paths) {
  const r = by[p.key] as { wall: number; cpu: number };
  const vsPlain = p.key === 'plain' ? '1x' : `${x(ratio(p.key, 'plain'))}x`;
  const vsBare = ['perPort', 'chart'].includes(p.key) ? `${x(ratio(p.key, 'bare'))}x` : '';
  out(
    `${p.name.padEnd(40)} ${fmt(r.wall).padStart(19)} ${fmt(r.cpu).padStart(15)} ${vsPlain.padStart(10)} ${vsBare.padStart(14)}`,
  );
}
out(
  `per actor.send (CPU): bare actor ${perSendUs('bare').toFixed(1)} µs, device chart doing nothing ${perSendUs('chart').toFixed(1)} µs, facade raise() path ${perSendUs('perPort').toFixed(1)} µs`,
);
out(
  `target within 5x of the plain ring: raiseMany ${x(ratio('batched', 'plain'))}x (${ratio('batched', 'plain') <= 5 ? 'met' : 'not met'}), raise() per port ${x(ratio('perPort', 'plain'))}x (${ratio('perPort', 'plain') <= 5 ? 'met' : 'not met'}; a bare XState actor alone is ${x(ratio('bare', 'plain'))}x)`,
);

// Per-step cost against the number of bound ports.
const K = 64;
const scaling: { ports: number; raiseUs: number; readUs: number; writeUs: number }[] = [];
out(`\nper call through the facade (CPU µs, median of ${ROUNDS} rounds; read and write move ${K} ports)`);
out(
  `${'bound ports'.padStart(11)} ${'raise()'.padStart(9)} ${'read()'.padStart(9)} ${'write()'.padStart(9)}`,
);
for (const n of [64, 512, 4096]) {
  const d = openEvtchn({ nonblock: true, nrChannels: NR_CHANNELS });
  for (let i = 0; i < n; i++) d.bindUnboundPort(1);
  const step = (): { raise: number; read: number; write: number } => {
    let c = cpuMs();
    for (let p = 1; p <= K; p++) d.raise(p);
    const raise = cpuMs() - c;
    c = cpuMs();
    const r = d.read(PAGE_SIZE);
    const read = cpuMs() - c;
    if (r.ports.length !== K) throw new Error(`scaling: read ${r.ports.length} ports, expected ${K}`);
    c = cpuMs();
    d.write(r.data);
    return { raise, read, write: cpuMs() - c };
  };
  for (let i = 0; i < 5; i++) step(); // warm-up
  const raise: number[] = [];
  const read: number[] = [];
  const write: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let s = { raise: 0, read: 0, write: 0 };
    let m = 0;
    const c0 = cpuMs();
    while (cpuMs() - c0 < MS / 4) {
      const t = step();
      s = { raise: s.raise + t.raise, read: s.read + t.read, write: s.write + t.write };
      m++;
    }
    raise.push((s.raise * 1000) / m / K);
    read.push((s.read * 1000) / m);
    write.push((s.write * 1000) / m);
  }
  const row = { ports: n, raiseUs: median(raise), readUs: median(read), writeUs: median(write) };
  scaling.push(row);
  out(
    `${String(n).padStart(11)} ${row.raiseUs.toFixed(1).padStart(9)} ${row.readUs.toFixed(0).padStart(9)} ${row.writeUs.toFixed(0).padStart(9)}`,
  );
}

const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'xen-evtchn.txt'), `${lines.join('\n')}\n`);
writeFileSync(
  join(here, 'results', 'xen-evtchn.json'),
  JSON.stringify(
    { rounds: ROUNDS, ms: MS, sendsPerCycle: SENDS, rates: by, scaling, loadAverage: loadavg()[0] },
    null,
    2,
  ),
);

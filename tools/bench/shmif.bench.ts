// Benchmark of @kspec/shmif (issue 7), side by side in one run: delivered frames/s for 2, 4 and
// 8 shmif interfaces on one SharedArrayBuffer bus (NetBSD's 1 MiB bus), each interface in its
// own worker thread, every one sending and receiving:
//  - chart: the statechart-driven path — a ShmifKernel per worker, ShmifInterface.send() of
//    batches (the `tx` region runs shmif_start), the `rcv` region's shmif_rcv delivering
//    through onInput, driven by the package's Driver (Atomics.waitAsync when blocked);
//  - raw: the same protocol written straight against @kspec/shared-memory — shmifSendPacket +
//    one wake-up per batch, and the faithful shmifRcvStep loop with the own-MAC filter.
// Each configuration runs REPS times, raw and chart alternating (the machine is shared, so
// load varies); the table gives the median run of each and the ratio of the medians.
// Target: chart >= 50% of raw. Delivered = frames passed up by some receiver (own frames and
// the zero-length phantom of the fresh bus are not counted); a frame is delivered to each of
// the n-1 other interfaces, so the ideal is (n-1) x frames sent.
//
// Run: npx tsx --conditions=@kspec/source tools/bench/shmif.bench.ts [framesPerWorker]
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  ShmifBus,
  ShmifError,
  shmifInitbackendBus,
  shmifRcvStep,
  shmifSendPacket,
  u64FromBigint,
} from '@kspec/shared-memory';
import type { ShmifReaderPosition } from '@kspec/shared-memory';
import { ShmifKernel, ShmifPanicError, sharedHostPort } from '@kspec/shmif';

const BATCH = 32;
const FRAME = 60;
const IDLE_MS = 150;
const REPS = Number(process.env.SHMIF_BENCH_REPS ?? 3);

interface Job {
  readonly mode: 'raw' | 'chart';
  readonly buffer: SharedArrayBuffer;
  readonly dataSize: number;
  readonly index: number;
  readonly frames: number;
  readonly ctl: SharedArrayBuffer;
}

interface Result {
  readonly delivered: number;
  readonly firstDelivery: number;
  readonly lastDelivery: number;
  readonly sendDone: number;
  readonly panic?: string;
}

// ctl words: [0] start flag, [1] ready count, [2] attached count (attach one at a time)
function ready(ctl: Int32Array): void {
  Atomics.add(ctl, 1, 1);
  Atomics.notify(ctl, 1);
}
function waitStart(ctl: Int32Array): void {
  while (Atomics.load(ctl, 0) === 0) Atomics.wait(ctl, 0, 0, 20);
}
const now = (): number => performance.timeOrigin + performance.now();

function macOf(index: number): Uint8Array {
  return Uint8Array.of(0xb2, 0xa0, 0, 0, 0, index + 1);
}
function frameOf(src: Uint8Array, n: number): Uint8Array {
  const f = new Uint8Array(FRAME);
  f.fill(0xff, 0, 6);
  f.set(src, 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  f[14] = n & 0xff;
  f[15] = (n >>> 8) & 0xff;
  return f;
}
function isFrom(f: Uint8Array, mac: Uint8Array): boolean {
  for (let k = 0; k < 6; k++) if (f[6 + k] !== mac[k]) return false;
  return true;
}

async function rawWorker(job: Job): Promise<Result> {
  const ctl = new Int32Array(job.ctl);
  const bus = ShmifBus.fromBuffer(job.buffer, { dataSize: job.dataSize });
  const mac = macOf(job.index);
  const attach = shmifInitbackendBus(bus.mem); // initbackend: first attacher initialises, reader at (shm_last, shm_gen)
  const pos: ShmifReaderPosition = { nextpacket: attach.nextpacket, devgen: u64FromBigint(attach.devgen) };
  const watch = bus.watch();
  const dest = new Uint8Array(2048);
  const frames = Array.from({ length: BATCH }, (_, k) => frameOf(mac, k));
  let delivered = 0;
  let first = 0;
  let last = 0;
  let panic: string | undefined;
  const drain = (): void => {
    for (;;) {
      const r = shmifRcvStep(bus.mem, pos, dest);
      if (r === null) return;
      if (r.len < 14 || isFrom(dest, mac)) continue;
      delivered++;
      last = now();
      if (first === 0) first = last;
    }
  };
  ready(ctl);
  waitStart(ctl);
  try {
    for (let sent = 0; sent < job.frames;) {
      const n = Math.min(BATCH, job.frames - sent);
      const us = Math.floor(performance.now() * 1000);
      for (let k = 0; k < n; k++) shmifSendPacket(bus.mem, frames[k]!, Math.floor(us / 1e6), us % 1e6);
      bus.wakeup();
      sent += n;
      drain();
    }
    const sendDone = now();
    let idleSince = now();
    while (now() - idleSince < IDLE_MS) {
      const before = delivered;
      drain();
      if (delivered !== before) idleSince = now();
      else watch.wait(10);
    }
    return { delivered, firstDelivery: first, lastDelivery: last, sendDone };
  } catch (e) {
    panic = e instanceof ShmifError ? e.message : String(e);
    return { delivered, firstDelivery: first, lastDelivery: last, sendDone: now(), panic };
  }
}

async function chartWorker(job: Job): Promise<Result> {
  const ctl = new Int32Array(job.ctl);
  const host = sharedHostPort();
  host.register('/shmbus', ShmifBus.fromBuffer(job.buffer, { dataSize: job.dataSize }));
  const kernel = new ShmifKernel({ host, seed: 1000 + job.index });
  const ifp = kernel.create('/shmbus');
  const mac = ifp.mac;
  let delivered = 0;
  let first = 0;
  let last = 0;
  ifp.onInput((f) => {
    if (f.length < 14) return;
    delivered++;
    last = now();
    if (first === 0) first = last;
  });
  ifp.up();
  const batch = Array.from({ length: BATCH }, (_, k) => frameOf(mac, k));
  ready(ctl);
  waitStart(ctl);
  try {
    for (let sent = 0; sent < job.frames;) {
      const n = Math.min(BATCH, job.frames - sent);
      ifp.send(n === BATCH ? batch : batch.slice(0, n));
      sent += n;
      if (sent % (BATCH * 8) === 0) await new Promise((r) => setImmediate(r));
    }
    const sendDone = now();
    let seen = -1;
    while (seen !== delivered) {
      seen = delivered;
      await new Promise((r) => setTimeout(r, IDLE_MS));
    }
    ifp.destroy();
    return { delivered, firstDelivery: first, lastDelivery: last, sendDone };
  } catch (e) {
    const panic = e instanceof ShmifPanicError ? e.message : String(e);
    return { delivered, firstDelivery: first, lastDelivery: last, sendDone: now(), panic };
  }
}

const here = fileURLToPath(import.meta.url);

function spawn(job: Job): Worker {
  const tsxApi = pathToFileURL(
    createRequire(here)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(here).href)}); })`;
  return new Worker(boot, { eval: true, workerData: job, execArgv: ['--conditions=@kspec/source'] });
}

function resultOf(w: Worker): Promise<Result> {
  return new Promise((resolve, reject) => {
    w.once('message', (m: Result) => resolve(m));
    w.once('error', reject);
  });
}

interface Run {
  readonly mode: 'raw' | 'chart';
  readonly n: number;
  readonly framesPerWorker: number;
  readonly delivered: number;
  readonly ideal: number;
  readonly seconds: number;
  readonly deliveredPerS: number;
  readonly panics: readonly string[];
}

async function run(mode: 'raw' | 'chart', n: number, frames: number): Promise<Run> {
  const dataSize = 0xfffe0; // BUSMEM_DATASIZE: the 1 MiB bus
  const bus = ShmifBus.create({ dataSize });
  const ctl = new SharedArrayBuffer(16);
  const c = new Int32Array(ctl);
  const workers: Worker[] = [];
  const results: Promise<Result>[] = [];
  for (let index = 0; index < n; index++) {
    const w = spawn({ mode, buffer: bus.buffer, dataSize, index, frames, ctl });
    workers.push(w);
    results.push(resultOf(w));
    // attach one at a time: the first initialises the bus
    while (Atomics.load(c, 1) < index + 1) await new Promise((r) => setTimeout(r, 5));
  }
  const t0 = now();
  Atomics.store(c, 0, 1);
  Atomics.notify(c, 0);
  const rs = await Promise.all(results);
  await Promise.all(workers.map((w) => w.terminate()));
  const end = Math.max(...rs.map((r) => r.lastDelivery || r.sendDone));
  if (process.env.SHMIF_BENCH_DEBUG)
    console.log(
      mode,
      n,
      rs.map((r) => ({
        d: r.delivered,
        send: (r.sendDone - t0).toFixed(0),
        first: (r.firstDelivery - t0).toFixed(0),
        last: (r.lastDelivery - t0).toFixed(0),
      })),
    );
  const delivered = rs.reduce((s, r) => s + r.delivered, 0);
  const seconds = (end - t0) / 1000;
  return {
    mode,
    n,
    framesPerWorker: frames,
    delivered,
    ideal: n * (n - 1) * frames,
    seconds,
    deliveredPerS: delivered / seconds,
    panics: rs.flatMap((r) => (r.panic ? [r.panic] : [])),
  };
}

function median(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.deliveredPerS - b.deliveredPerS);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const frames = Number(process.argv[2] ?? 6000);
  const lines: string[] = [
    `shmif: delivered frames/s, ${FRAME}-byte frames, batches of ${BATCH}, 1 MiB bus, one interface per worker, ${frames} frames sent per worker, median of ${REPS}`,
    'n  path   delivered/ideal      seconds  delivered/s  (min..max)           chart/raw  panics',
  ];
  const out: { n: number; raw: Run[]; chart: Run[] }[] = [];
  for (const n of [2, 4, 8]) {
    const raws: Run[] = [];
    const charts: Run[] = [];
    for (let r = 0; r < REPS; r++) {
      raws.push(await run('raw', n, frames));
      charts.push(await run('chart', n, frames));
    }
    out.push({ n, raw: raws, chart: charts });
    const raw = median(raws);
    const chart = median(charts);
    for (const [r, all] of [
      [raw, raws],
      [chart, charts],
    ] as const) {
      const lo = Math.round(Math.min(...all.map((x) => x.deliveredPerS)));
      const hi = Math.round(Math.max(...all.map((x) => x.deliveredPerS)));
      const panics = all.flatMap((x) => x.panics);
      lines.push(
        `${String(n).padEnd(2)} ${r.mode.padEnd(6)} ${`${r.delivered}/${r.ideal}`.padEnd(20)} ${r.seconds.toFixed(2).padStart(7)}  ${Math.round(r.deliveredPerS).toString().padStart(11)}  ${`(${lo}..${hi})`.padEnd(19)}  ${r.mode === 'chart' ? (chart.deliveredPerS / raw.deliveredPerS).toFixed(2).padStart(9) : ''.padStart(9)}  ${panics.length ? panics.join('; ') : '-'}`,
      );
    }
    console.log(lines.slice(-2).join('\n'));
  }
  lines.push('target: chart >= 0.50 x raw');
  const text = lines.join('\n');
  console.log('\n' + text);
  const dir = join(dirname(here), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'shmif.json'), JSON.stringify(out, null, 2));
  writeFileSync(join(dir, 'shmif.txt'), text + '\n');
}

if (isMainThread) {
  await main();
} else {
  const job = workerData as Job;
  const r = job.mode === 'raw' ? await rawWorker(job) : await chartWorker(job);
  parentPort!.postMessage(r);
}

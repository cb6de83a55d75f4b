// Benchmark of @kspec/shared-memory (issue 6), side by side in one run:
//  - frames/s and bytes/s that one worker thread RECEIVES from another through the shmif bus,
//    for 60-byte and 1514-byte frames. The writer runs shmif_start per packet (`shmifSendPacket`:
//    lock, write, unlock; a wake-up after every 16 packets, as shmif_start wakes the bus after
//    draining its queue; getmicrouptime read once per drain). The reader runs the package's
//    receiver, `shmifRcvStep` with the corrected variant (lock, "need more data?",
//    stillvalid_p or resync, read, unlock), and waits on its bus watch
//    (`ShmifWriteWatch.wait`, polling the wake-up counter briefly before Atomics.wait) when
//    there is no new data. Two runs each:
//      * flow-controlled (benchmark only, not part of shmif): the writer pauses while it is
//        more than half a ring ahead of the reader, through a counter in a separate
//        SharedArrayBuffer, outside the bus image; nothing is overwritten before it is read;
//      * free-running (shmif as it is: no flow control): the writer laps a slower reader,
//        which loses frames and resynchronises (overruns).
//    Loss is reported separately (frames sent but never received, overruns); every frame
//    carries its sequence number and the reader counts any out of order.
//  - the same frames posted through a MessageChannel between two worker threads;
//  - plain Buffer copy bandwidth (frame-sized copies into a 1 MiB ring, and 1 MiB blocks);
//  - floors: the CPU cost per frame of the bus path on one thread without contention, the bus
//    lock taken in turn by two threads, and an Atomics ping between two threads;
//  - the page pool: creating a 64 GiB pool, ballooning 1M pages out of it, bytes per page.
// Targets: bus >= 3x postMessage frames/s; bus bytes/s >= 25% of copy bandwidth at 1514 bytes.
//
// The build machine has 2 cores shared with other jobs, so every thread also reports its time
// on a CPU and its time runnable but waiting for one (/proc/thread-self/schedstat). Besides the
// wall-clock rate each run gets a rate per CPU-second: frames divided by the CPU time of its
// busiest thread, what it would reach with a core per thread. Runs are repeated (bus,
// postMessage and copy interleaved) and the median of each figure is shown.
//
// Run: npm run bench -- shared-memory
// Environment: SHM_BENCH_SCALE=0.25 (a quarter of the frames), SHM_BENCH_ONLY=bus (only the
// bus runs), SHM_BENCH_SPIN=n (polls before blocking); rounds from the suite (>= 5).
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MessageChannel, Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import {
  PagePool,
  SHMIF_PKTHDR_SIZE,
  ShmifBus,
  shmifLockbus,
  shmifRcvStep,
  shmifReaderStart,
  shmifSendPacket,
  shmifUnlockbus,
} from '@kspec/shared-memory';
import type { LockStats, SharedWasmMemory, ShmifRcvOptions } from '@kspec/shared-memory';
import { atLeast, atMost, row, stat } from './harness/measure.js';
import { tsxBoot } from './harness/tsx-worker.js';
import { defineBench, type BenchContext, type BenchOutput, type Row, type Series } from './harness/types.js';

/** Packets per wake-up (one shmif_start queue drain). */
const BATCH = 16;
/** Polls of the wake-up counter before Atomics.wait (reader), and of the reader's count (writer). */
const SPIN = Number(process.env['SHM_BENCH_SPIN'] ?? '1000');
/** Offset of the sequence number in a frame (after the Ethernet header). */
const SEQ_AT = 14;

// ctl words (Int32Array over a 256-byte SharedArrayBuffer, outside the bus):
const C_START = 0; // start flag
const C_DONE = 1; // writer finished
const C_READY = 2; // threads ready
const C_READ = 16; // frames the reader has received (flow control; its own cache line)
const C_PAUSED = 32; // the writer is blocked waiting for the reader (flow control)
const CTL_BYTES = 256;

type BusShare = SharedArrayBuffer | SharedWasmMemory;
type Job =
  | { role: 'bus-writer'; bus: BusShare; ctl: SharedArrayBuffer; size: number; count: number; flow: boolean }
  | { role: 'bus-reader'; bus: BusShare; ctl: SharedArrayBuffer; flow: boolean }
  | { role: 'pm-sender'; port: MessagePort; ctl: SharedArrayBuffer; size: number; count: number }
  | { role: 'pm-receiver'; port: MessagePort; ctl: SharedArrayBuffer; count: number }
  | { role: 'lock'; bus: BusShare; ctl: SharedArrayBuffer; count: number }
  | { role: 'ping'; ctl: SharedArrayBuffer; side: 0 | 1; count: number; spin: boolean };

/** Wall time, time on a CPU and time waiting for a CPU of the calling thread, in ms. */
interface Timing {
  ms: number;
  cpuMs: number;
  runqMs: number;
}

/** This thread's time on a CPU and time runnable but waiting for one, in ns (Linux schedstat). */
function schedstat(): [number, number] {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return [run ?? NaN, wait ?? NaN];
  } catch {
    return [NaN, NaN];
  }
}
/** Starts a stopwatch for this thread; call the result to read it. */
function stopwatch(): () => Timing {
  const s0 = schedstat();
  const t0 = performance.now();
  return () => {
    const ms = performance.now() - t0;
    const s1 = schedstat();
    return { ms, cpuMs: (s1[0] - s0[0]) / 1e6, runqMs: (s1[1] - s0[1]) / 1e6 };
  };
}

function waitStart(ctl: Int32Array): void {
  Atomics.add(ctl, C_READY, 1);
  Atomics.notify(ctl, C_READY);
  while (Atomics.load(ctl, C_START) === 0) Atomics.wait(ctl, C_START, 0, 50);
}

function busWriter(job: Extract<Job, { role: 'bus-writer' }>) {
  const ctl = new Int32Array(job.ctl);
  const bus = ShmifBus.fromBuffer(job.bus);
  const mem = bus.mem;
  // the frame, built once in this thread's staging buffer (its mbuf) in the bus memory
  const frame = bus.allocStaging(job.size);
  frame.fill(0x5a);
  const seqView = new DataView(frame.buffer, frame.byteOffset, frame.length);
  const segs = [frame];
  const stats: LockStats = { failures: 0, sleeps: 0 };
  const lock = { stats };
  // flow control: at most half a ring of unread frames; resume at a quarter
  const ahead = Math.floor(bus.dataSize / 2 / (SHMIF_PKTHDR_SIZE + job.size));
  let readerAt = 0;
  let pauses = 0;
  let sec = 0;
  let usec = 0;
  waitStart(ctl);
  const clock = stopwatch();
  for (let i = 1; i <= job.count; i++) {
    if (job.flow && i - readerAt > ahead) {
      readerAt = Atomics.load(ctl, C_READ);
      if (i - readerAt > ahead) {
        pauses++;
        bus.wakeup(); // announce what is on the bus before pausing
        const target = i - (ahead >> 1);
        for (let s = 0; s < SPIN && readerAt < target; s++) readerAt = Atomics.load(ctl, C_READ);
        if (readerAt < target) {
          Atomics.store(ctl, C_PAUSED, 1);
          while ((readerAt = Atomics.load(ctl, C_READ)) < target) Atomics.wait(ctl, C_READ, readerAt, 1);
          Atomics.store(ctl, C_PAUSED, 0);
        }
      }
    }
    if ((i & (BATCH - 1)) === 1) {
      // getmicrouptime(): a coarse clock; read once per queue drain
      const us = Math.floor(performance.now() * 1000);
      sec = Math.floor(us / 1e6);
      usec = us % 1e6;
    }
    seqView.setUint32(SEQ_AT, i, true);
    shmifSendPacket(mem, segs, sec, usec, lock);
    if (i % BATCH === 0) bus.wakeup();
  }
  const t = clock();
  Atomics.store(ctl, C_DONE, 1);
  bus.wakeup();
  return { ...t, pauses, lockSleeps: stats.sleeps, lockFailures: stats.failures };
}

function busReader(job: Extract<Job, { role: 'bus-reader' }>) {
  const ctl = new Int32Array(job.ctl);
  const bus = ShmifBus.fromBuffer(job.bus);
  const mem = bus.mem;
  shmifLockbus(mem);
  const pos = shmifReaderStart(mem, 'corrected');
  shmifUnlockbus(mem);
  const watch = bus.watch();
  const dest = bus.allocStaging(2048); // the receive mbuf cluster
  const seqView = new DataView(dest.buffer, dest.byteOffset, dest.length);
  const stats: LockStats = { failures: 0, sleeps: 0 };
  const options: ShmifRcvOptions = { variant: 'corrected', lock: { stats } };
  let frames = 0;
  let bytes = 0;
  let overruns = 0;
  let waits = 0;
  let lastSeq = 0;
  let misordered = 0;
  let doneSeen = false;
  waitStart(ctl);
  const clock = stopwatch();
  for (;;) {
    const f = shmifRcvStep(mem, pos, dest, options);
    if (f === null) {
      if (doneSeen) break;
      if (Atomics.load(ctl, C_DONE) === 1) {
        doneSeen = true; // one more step: frames written before the flag are on the bus
        continue;
      }
      if (job.flow) {
        Atomics.store(ctl, C_READ, frames);
        if (Atomics.load(ctl, C_PAUSED) !== 0) Atomics.notify(ctl, C_READ);
      }
      waits++;
      watch.wait(1000, SPIN);
      continue;
    }
    if (f.overrun) overruns++;
    if (f.skipped) continue; // the phantom frame of a fresh bus (SHMIF-BUS-1)
    const seq = seqView.getUint32(SEQ_AT, true);
    if (seq <= lastSeq) misordered++;
    lastSeq = seq;
    frames++;
    bytes += f.len;
    if (job.flow && (frames & (BATCH - 1)) === 0) {
      Atomics.store(ctl, C_READ, frames);
      if (Atomics.load(ctl, C_PAUSED) !== 0) Atomics.notify(ctl, C_READ);
    }
  }
  return {
    ...clock(),
    frames,
    bytes,
    overruns,
    waits,
    misordered,
    lockSleeps: stats.sleeps,
    lockFailures: stats.failures,
  };
}

/** Two threads taking and releasing the bus lock in turn, `count` times each (the lock alone). */
function lockLoop(job: Extract<Job, { role: 'lock' }>) {
  const ctl = new Int32Array(job.ctl);
  const bus = ShmifBus.fromBuffer(job.bus);
  const stats: LockStats = { failures: 0, sleeps: 0 };
  const opts = { stats };
  waitStart(ctl);
  const clock = stopwatch();
  for (let i = 0; i < job.count; i++) {
    shmifLockbus(bus.mem, opts);
    shmifUnlockbus(bus.mem);
  }
  return { ...clock(), lockSleeps: stats.sleeps };
}

/** Ping-pong on one Int32: side 0 stores odd values, side 1 even ones; `count` round trips. */
function ping(job: Extract<Job, { role: 'ping' }>) {
  const ctl = new Int32Array(job.ctl);
  const w = C_READ;
  waitStart(ctl);
  const clock = stopwatch();
  for (let i = 0; i < job.count; i++) {
    const mine = 2 * i + 1 + job.side; // the value this side stores in round i
    const theirs = mine - 1; // the value it waits for first
    if (job.spin) while (Atomics.load(ctl, w) !== theirs);
    else
      for (let v = Atomics.load(ctl, w); v !== theirs; v = Atomics.load(ctl, w)) Atomics.wait(ctl, w, v, 10);
    Atomics.store(ctl, w, mine);
    if (!job.spin) Atomics.notify(ctl, w);
  }
  return clock();
}

function workerMain(job: Job): void {
  const port = parentPort!;
  if (job.role === 'bus-writer') port.postMessage(busWriter(job));
  else if (job.role === 'bus-reader') port.postMessage(busReader(job));
  else if (job.role === 'lock') port.postMessage(lockLoop(job));
  else if (job.role === 'ping') port.postMessage(ping(job));
  else if (job.role === 'pm-sender') {
    const ctl = new Int32Array(job.ctl);
    const frame = new Uint8Array(job.size).fill(0x5a);
    waitStart(ctl);
    const clock = stopwatch();
    for (let i = 0; i < job.count; i++) job.port.postMessage(frame);
    port.postMessage(clock());
  } else {
    const ctl = new Int32Array(job.ctl);
    let frames = 0;
    let bytes = 0;
    let clock: () => Timing = stopwatch(); // restarted at the start flag
    job.port.on('message', (m: Uint8Array) => {
      frames++;
      bytes += m.length;
      if (frames === job.count) {
        port.postMessage({ ...clock(), frames, bytes });
        job.port.close();
      }
    });
    waitStart(ctl);
    clock = stopwatch(); // from the start flag, as the bus reader
  }
}

function spawn(job: Job, transfer: MessagePort[] = []): Worker {
  return new Worker(tsxBoot(import.meta.url), {
    eval: true,
    workerData: job,
    transferList: transfer,
    execArgv: ['--conditions=@kspec/source', ...process.execArgv.filter((a) => a.startsWith('--cpu-prof'))],
  });
}
type Reply = Timing & Record<string, number>;
function result(w: Worker): Promise<Reply> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}
async function runPair(jobs: readonly [Job, Job], transfers: MessagePort[][] = [[], []]) {
  const ctl = new Int32Array(jobs[0].ctl);
  const ws = jobs.map((j, k) => spawn(j, transfers[k]));
  const rs = ws.map(result);
  while (Atomics.load(ctl, C_READY) < 2) await new Promise((r) => setTimeout(r, 5));
  Atomics.store(ctl, C_START, 1);
  Atomics.notify(ctl, C_START);
  const out = await Promise.all(rs);
  await Promise.all(ws.map((w) => w.terminate()));
  return out as [Reply, Reply];
}

/** One transfer run: wall-clock and per-CPU-second rates, CPU shares of both threads. */
interface Transfer {
  framesPerS: number;
  bytesPerS: number;
  /** frames per CPU-second of the busier thread */
  framesPerCpuS: number;
  bytesPerCpuS: number;
  /** on-CPU and waiting-for-CPU shares of wall time, receiver then sender */
  cpu: [number, number];
  runq: [number, number];
}
function transfer(frames: number, bytes: number, recv: Timing, send: Timing): Transfer {
  const busiest = Math.max(recv.cpuMs, send.cpuMs) / 1000;
  return {
    framesPerS: frames / (recv.ms / 1000),
    bytesPerS: bytes / (recv.ms / 1000),
    framesPerCpuS: frames / busiest,
    bytesPerCpuS: bytes / busiest,
    cpu: [recv.cpuMs / recv.ms, send.cpuMs / send.ms],
    runq: [recv.runqMs / recv.ms, send.runqMs / send.ms],
  };
}

async function busRun(size: number, count: number, flow: boolean) {
  const bus = ShmifBus.create();
  bus.attach();
  const ctl = new SharedArrayBuffer(CTL_BYTES);
  const [r, w] = await runPair([
    { role: 'bus-reader', bus: bus.shareable, ctl, flow },
    { role: 'bus-writer', bus: bus.shareable, ctl, size, count, flow },
  ]);
  return {
    ...transfer(r['frames']!, r['bytes']!, r, w),
    count,
    received: r['frames']!,
    sentPerS: count / (w.ms / 1000),
    lost: count - r['frames']!,
    overruns: r['overruns']!,
    misordered: r['misordered']!,
    waits: r['waits']!,
    pauses: w['pauses']!,
    readerLockSleeps: r['lockSleeps']!,
    writerLockSleeps: w['lockSleeps']!,
    readerLockFailures: r['lockFailures']!,
    writerLockFailures: w['lockFailures']!,
  };
}

async function pmRun(size: number, count: number) {
  const { port1, port2 } = new MessageChannel();
  const ctl = new SharedArrayBuffer(CTL_BYTES);
  const [r, s] = await runPair(
    [
      { role: 'pm-receiver', port: port2, ctl, count },
      { role: 'pm-sender', port: port1, ctl, size, count },
    ],
    [[port2], [port1]],
  );
  return transfer(r['frames']!, r['bytes']!, r, s);
}

/** Lock acquisitions per second, two threads taking the bus lock in turn. */
async function lockRun(count: number) {
  const bus = ShmifBus.create();
  const ctl = new SharedArrayBuffer(CTL_BYTES);
  const [a, b] = await runPair([
    { role: 'lock', bus: bus.shareable, ctl, count },
    { role: 'lock', bus: bus.shareable, ctl, count },
  ]);
  return {
    perS: (2 * count) / (Math.max(a.ms, b.ms) / 1000),
    perCpuS: (2 * count) / (Math.max(a.cpuMs, b.cpuMs) / 1000),
    sleeps: a['lockSleeps']! + b['lockSleeps']!,
  };
}

/** Round trips per second of an Atomics ping between two threads. */
async function pingRun(count: number, spin: boolean) {
  const ctl = new SharedArrayBuffer(CTL_BYTES);
  const [a, b] = await runPair([
    { role: 'ping', ctl, side: 0, count, spin },
    { role: 'ping', ctl, side: 1, count, spin },
  ]);
  return {
    perS: count / (Math.max(a.ms, b.ms) / 1000),
    cpu: (a.cpuMs + b.cpuMs) / (a.ms + b.ms),
  };
}

/** CPU ns per frame of the bus path on this thread, no contention: send; then send + receive. */
function singleThread(size: number, count: number) {
  const bus = ShmifBus.create();
  bus.attach();
  const frame = bus.allocStaging(size).fill(0x5a);
  const dest = bus.allocStaging(2048);
  const segs = [frame];
  const options: ShmifRcvOptions = { variant: 'corrected' };
  let got = 0;
  const run = (n: number) => {
    const c0 = stopwatch();
    for (let i = 0; i < n; i++) shmifSendPacket(bus.mem, segs, 0, i);
    const send = c0();
    const pos = shmifReaderStart(bus.mem, 'corrected'); // at the newest frame: one behind
    const c1 = stopwatch();
    for (let i = 0; i < n; i++) {
      shmifSendPacket(bus.mem, segs, 0, i);
      const f = shmifRcvStep(bus.mem, pos, dest, options);
      if (f !== null && !f.overrun) got++;
    }
    return { sendNs: (send.cpuMs * 1e6) / n, rcvNs: ((c1().cpuMs - send.cpuMs) * 1e6) / n };
  };
  run(count / 5); // warm-up (and the reader catches up: one step per frame)
  got = 0;
  const r = run(count);
  if (got !== count) throw new Error(`single-thread check: received ${got} of ${count}`);
  return r;
}

/** Copy bandwidth on this thread: wall-clock and per CPU-second. */
function copyBandwidth(frameSize: number, totalBytes: number) {
  const src = Buffer.alloc(frameSize, 0x5a);
  const ring = Buffer.alloc(1 << 20);
  const per = Math.floor(ring.length / frameSize);
  const n = Math.floor(totalBytes / frameSize);
  const clock = stopwatch();
  for (let i = 0; i < n; i++) src.copy(ring, (i % per) * frameSize);
  const t = clock();
  return { perS: (n * frameSize) / (t.ms / 1000), perCpuS: (n * frameSize) / (t.cpuMs / 1000) };
}

function pagePoolFigures() {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const m0 = process.memoryUsage();
  const t0 = performance.now();
  const pool = new PagePool({ ramBytes: 64 * 1024 ** 3 });
  const createMs = performance.now() - t0;
  gc();
  const m1 = process.memoryUsage();
  const t1 = performance.now();
  const pages = pool.allocate(1 << 20, 'loaned');
  const balloonMs = performance.now() - t1;
  gc();
  const m2 = process.memoryUsage();
  const total = (m: NodeJS.MemoryUsage) => m.heapUsed + m.arrayBuffers;
  const perPage = (total(m2) - total(m1)) / pages.length;
  return {
    pages: pool.pageCount,
    createMs,
    createBytes: total(m1) - total(m0),
    balloonMs,
    loaned: pool.count('loaned'),
    bytesPerPage: perPage,
    poolBytesPerPage: pool.storageBytes() / pages.length,
  };
}

/** The median of each numeric field (arrays element-wise) over the runs. */
function median<T>(runs: readonly T[]): T {
  const pick = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const first = runs[0] as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(first)) {
    const v = first[k];
    if (typeof v === 'number') out[k] = pick(runs.map((r) => (r as Record<string, number>)[k]!));
    else if (Array.isArray(v))
      out[k] = v.map((_, i) => pick(runs.map((r) => (r as Record<string, number[]>)[k]![i]!)));
    else out[k] = v;
  }
  return out as T;
}

const fmt = (x: number, unit = '') =>
  x >= 1e9
    ? `${(x / 1e9).toFixed(2)} G${unit}`
    : x >= 1e6
      ? `${(x / 1e6).toFixed(2)} M${unit}`
      : x >= 1e3
        ? `${(x / 1e3).toFixed(1)} k${unit}`
        : `${x.toFixed(1)} ${unit}`;
const pct = (x: number) => `${Math.round(100 * x)}%`;
const rates = (t: Transfer) =>
  `${fmt(t.framesPerS, 'frames/s').padEnd(17)} ${fmt(t.bytesPerS, 'B/s').padEnd(11)} | ` +
  `${fmt(t.framesPerCpuS, 'frames/s').padEnd(17)} ${fmt(t.bytesPerCpuS, 'B/s').padEnd(11)} | ` +
  `recv ${pct(t.cpu[0])}/${pct(t.runq[0])} send ${pct(t.cpu[1])}/${pct(t.runq[1])}`;

async function main(ctx: BenchContext): Promise<BenchOutput> {
  const out = (s: string) => ctx.log(s);
  const rows: Row[] = [];
  const points: { line: string; x: number; y: number }[] = [];
  const os = await import('node:os');
  const onlyBus = process.env['SHM_BENCH_ONLY'] === 'bus';
  const scale = Number(process.env['SHM_BENCH_SCALE'] ?? (ctx.smoke ? '0.005' : '1'));
  const repeat = ctx.rounds;
  const n = (x: number) => Math.max(1000, Math.round(x * scale));
  const load0 = os.loadavg()[0]!;
  out(
    `shared-memory bench (node ${process.version}, ${os.cpus().length} cpus, load average ${load0.toFixed(1)}; ` +
      `median of ${repeat} runs; reader waits SPIN=${SPIN} polls before Atomics.wait)`,
  );
  out(
    `columns: wall-clock rate | rate per CPU-second of the busier thread (a core per thread) | ` +
      `share of wall time each thread was on a CPU / runnable but waiting for one`,
  );
  const results: Record<string, unknown> = { spin: SPIN, repeat, scale, loadAverage: load0 };
  if (!onlyBus) {
    const lock = await lockRun(n(2_000_000));
    const pingWait = await pingRun(n(50_000), false);
    const pingSpin = await pingRun(n(500_000), true);
    const block = copyBandwidth(1 << 20, 4 * 2 ** 30);
    results['floors'] = { lock, pingWait, pingSpin, block };
    out(
      `floors: bus lock taken in turn by two threads ${fmt(lock.perS, '/s')} (${fmt(lock.perCpuS, '/CPU-s')}, ${lock.sleeps} 1-ms sleeps); ` +
        `Atomics ping round trips: Atomics.wait/notify ${fmt(pingWait.perS, '/s')}, spinning ${fmt(pingSpin.perS, '/s')} ` +
        `(threads on a CPU ${pct(pingWait.cpu)} and ${pct(pingSpin.cpu)} of the time); ` +
        `1 MiB block copy ${fmt(block.perS, 'B/s')} (${fmt(block.perCpuS, 'B/CPU-s')})`,
    );
  }
  for (const [size, busCount, pmCount] of [
    [60, n(2_000_000), n(300_000)],
    [512, n(1_500_000), n(250_000)],
    [1514, n(1_000_000), n(200_000)],
  ] as const) {
    const one = singleThread(size, n(500_000));
    const runs: {
      flow: Awaited<ReturnType<typeof busRun>>;
      free: Awaited<ReturnType<typeof busRun>>;
      pm: Transfer | null;
      copy: { perS: number; perCpuS: number };
    }[] = [];
    for (let k = 0; k < repeat; k++) {
      const flow = await busRun(size, busCount, true);
      const free = await busRun(size, busCount, false);
      const pm = onlyBus ? null : await pmRun(size, pmCount);
      const copy = onlyBus ? { perS: NaN, perCpuS: NaN } : copyBandwidth(size, 2 ** 30);
      runs.push({ flow, free, pm, copy });
    }
    const flow = median(runs.map((r) => r.flow));
    const free = median(runs.map((r) => r.free));
    const pm = onlyBus ? null : median(runs.map((r) => r.pm!));
    const copy = median(runs.map((r) => r.copy));
    results[`frame${size}`] = { one, flow, free, pm, copy, runs };
    const all = (f: (r: (typeof runs)[number]) => number) => stat(runs.map(f));
    points.push({ line: 'bus (flow-controlled)', x: size, y: flow.framesPerS });
    if (pm !== null) {
      points.push({ line: 'postMessage', x: size, y: pm.framesPerS });
      rows.push(
        row({
          metric: `${size}-byte frames, worker to worker: frames/s (wall), shmif bus vs MessageChannel postMessage`,
          unit: 'frames/s',
          kspec: all((r) => r.flow.framesPerS),
          baseline: all((r) => r.pm!.framesPerS),
          baselineName: 'postMessage',
          target: atLeast(3),
        }),
        row({
          metric: `${size}-byte frames: bus bytes/s (wall) vs Buffer copy of the same frames`,
          unit: 'B/s',
          kspec: all((r) => r.flow.bytesPerS),
          baseline: all((r) => r.copy.perS),
          baselineName: 'Buffer copy',
          ...(size === 1514 ? { target: atLeast(0.25) } : {}),
        }),
      );
    }
    out(`\n${size}-byte frames, 1 writer thread -> 1 reader thread (received = frames the reader took)`);
    for (const [name, b] of [
      ['bus flow-ctl', flow],
      ['bus free-run', free],
    ] as const) {
      out(`  ${name.padEnd(13)} ${rates(b)}`);
      out(
        `  ${''.padEnd(13)} received ${b.received}/${b.count}, lost ${b.lost}, ${b.overruns} overruns, ` +
          `${b.misordered} out of order; writer ${fmt(b.sentPerS, 'frames/s')}` +
          `${name.includes('flow') ? `, ${b.pauses} pauses` : ''}; reader waits ${b.waits}; ` +
          `failed lock CAS per frame: reader ${(b.readerLockFailures / b.count).toFixed(2)}, writer ${(b.writerLockFailures / b.count).toFixed(2)}; ` +
          `1-ms lock sleeps: reader ${b.readerLockSleeps}, writer ${b.writerLockSleeps}`,
      );
    }
    if (pm !== null) {
      out(`  ${'postMessage'.padEnd(13)} ${rates(pm)}`);
      out(
        `  ${'Buffer copy'.padEnd(13)} ${fmt(copy.perS, 'B/s').padEnd(29)} | ${fmt(copy.perCpuS, 'B/s').padEnd(29)} | ${size}-byte copies`,
      );
    }
    out(
      `  one thread, no contention: send ${one.sendNs.toFixed(0)} + receive ${one.rcvNs.toFixed(0)} ns of CPU per frame ` +
        `(ceiling with a core per thread: ${fmt(1e9 / Math.max(one.sendNs, one.rcvNs), 'frames/s')})`,
    );
    if (pm !== null) {
      const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
      out(
        `  bus/postMessage frames/s (target >= 3x): flow-ctl ${ratio(flow.framesPerS, pm.framesPerS)} wall, ` +
          `${ratio(flow.framesPerCpuS, pm.framesPerCpuS)} per CPU-s; free-run ${ratio(free.framesPerS, pm.framesPerS)} wall, ` +
          `${ratio(free.framesPerCpuS, pm.framesPerCpuS)} per CPU-s`,
      );
      out(
        `  bus bytes/s vs ${size}-byte copy${size === 1514 ? ' (target >= 25%)' : ''}: flow-ctl ${pct(flow.bytesPerS / copy.perS)} wall, ` +
          `${pct(flow.bytesPerCpuS / copy.perCpuS)} per CPU-s; free-run ${pct(free.bytesPerS / copy.perS)} wall, ` +
          `${pct(free.bytesPerCpuS / copy.perCpuS)} per CPU-s`,
      );
    }
  }
  if (!onlyBus) {
    const pp = pagePoolFigures();
    results['pagePool'] = pp;
    rows.push(
      row({
        metric: `page pool: bytes per loaned page (1M of 64 GiB)`,
        unit: 'B',
        kspec: pp.poolBytesPerPage,
        target: atMost(16, 'value'),
        note: `64 GiB pool created in ${pp.createMs.toFixed(1)} ms; ballooning 1M pages ${pp.balloonMs.toFixed(0)} ms`,
      }),
    );
    out(
      `\npage pool: 64 GiB of 4 KiB pages (${fmt(pp.pages)} pages) created in ${pp.createMs.toFixed(2)} ms, ${pp.createBytes} B`,
    );
    out(
      `  balloon 1M pages: ${pp.balloonMs.toFixed(0)} ms; ${pp.bytesPerPage.toFixed(2)} B per page touched incl. the 4-byte page list (pool state ${pp.poolBytesPerPage.toFixed(2)} B/page; target <= 16)`,
    );
  }
  out(`load average at the end: ${os.loadavg()[0]!.toFixed(1)}`);
  const series: Series[] = [
    {
      name: 'bus vs postMessage: frames/s by frame size',
      x: 'frame bytes',
      y: 'frames/s (wall)',
      logY: true,
      points,
    },
  ];
  return { rows, series, details: results };
}

export default defineBench({
  name: 'shared-memory',
  title: 'the shmif bus between worker threads against postMessage and Buffer copy; the page pool',
  run: main,
});

if (!isMainThread && workerData !== null && typeof workerData === 'object' && 'role' in workerData) {
  workerMain(workerData as Job);
}

// Benchmark of @kspec/shared-memory (issue 6), side by side in one run:
//  - frames/s and bytes/s from one worker thread to another through the shmif bus
//    (SharedArrayBuffer, CAS lock, wake-up per batch of 16 as shmif_start drains its queue),
//    for 60-byte and 1514-byte frames;
//  - the same frames posted through a MessageChannel between two worker threads;
//  - plain Buffer copy bandwidth (1514-byte copies into a ring, and 1 MiB block copies);
//  - the page pool: creating a 64 GiB pool, ballooning 1M pages out of it, bytes per page.
// Targets: bus >= 3x postMessage frames/s; bus bytes/s >= 25% of copy bandwidth at 1514 bytes.
//
// Run: npx tsx --conditions=@kspec/source tools/bench/shared-memory.bench.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MessageChannel, Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import {
  PagePool,
  ShmifBus,
  shmifLockbus,
  LOCK_COOLDOWN,
  shmifRcvNeedsData,
  shmifRcvReadLocked,
  shmifReaderStart,
  shmifUnlockbus,
  shmifWritePacketLocked,
} from '@kspec/shared-memory';
import type { SharedWasmMemory } from '@kspec/shared-memory';

const BATCH = 16;
const DATASIZE_DEFAULT = undefined; // the 1 MiB bus of NetBSD

type Job =
  | {
      role: 'bus-writer';
      bus: SharedArrayBuffer | SharedWasmMemory;
      ctl: SharedArrayBuffer;
      size: number;
      count: number;
    }
  | { role: 'bus-reader'; bus: SharedArrayBuffer | SharedWasmMemory; ctl: SharedArrayBuffer }
  | { role: 'pm-sender'; port: MessagePort; ctl: SharedArrayBuffer; size: number; count: number }
  | { role: 'pm-receiver'; port: MessagePort; ctl: SharedArrayBuffer; count: number };

// ctl words: [0] start, [1] writer done, [2] ready count
function waitStart(ctl: Int32Array): void {
  Atomics.add(ctl, 2, 1);
  Atomics.notify(ctl, 2);
  while (Atomics.load(ctl, 0) === 0) Atomics.wait(ctl, 0, 0, 50);
}

function workerMain(job: Job): void {
  const port = parentPort!;
  const ctl = new Int32Array(job.ctl);
  if (job.role === 'bus-writer') {
    const bus = ShmifBus.fromBuffer(job.bus);
    // the frame to send, built once in this thread's staging buffer (its mbuf) in the bus memory
    const frame = bus.allocStaging(job.size);
    frame.fill(0x5a);
    const segs = [frame];
    waitStart(ctl);
    const t0 = performance.now();
    for (let i = 1; i <= job.count; i++) {
      // shmif_start: getmicrouptime() per packet, outside the bus lock
      const us = Math.floor(performance.now() * 1000);
      shmifLockbus(bus.mem);
      shmifWritePacketLocked(bus.mem, segs, Math.floor(us / 1e6), us % 1e6);
      shmifUnlockbus(bus.mem);
      if (i % BATCH === 0) bus.wakeup();
    }
    Atomics.store(ctl, 1, 1);
    bus.wakeup();
    port.postMessage({ ms: performance.now() - t0 });
  } else if (job.role === 'bus-reader') {
    const bus = ShmifBus.fromBuffer(job.bus);
    shmifLockbus(bus.mem);
    const pos = shmifReaderStart(bus.mem, 'corrected');
    shmifUnlockbus(bus.mem);
    const watch = bus.watch();
    const dest = bus.allocStaging(2048); // the receive mbuf cluster
    const options = { variant: 'corrected' as const };
    let frames = 0;
    let bytes = 0;
    let overruns = 0;
    let lockSleeps = 0;
    waitStart(ctl);
    const t0 = performance.now();
    for (;;) {
      const done = Atomics.load(ctl, 1) === 1;
      // one shmif_rcv iteration (shmifRcvStep, with the lock's failed attempts counted)
      if (shmifLockbus(bus.mem) > LOCK_COOLDOWN) lockSleeps++;
      if (shmifRcvNeedsData(bus.mem, pos)) {
        shmifUnlockbus(bus.mem);
        if (done) break;
        watch.wait(1000);
        continue;
      }
      const f = shmifRcvReadLocked(bus.mem, pos, dest, options.variant);
      shmifUnlockbus(bus.mem);
      if (f.wrapped) pos.devgen++;
      if (f.overrun) overruns++;
      if (f.skipped) continue;
      frames++;
      bytes += f.len;
    }
    port.postMessage({ ms: performance.now() - t0, frames, bytes, overruns, lockSleeps });
  } else if (job.role === 'pm-sender') {
    const frame = new Uint8Array(job.size).fill(0x5a);
    waitStart(ctl);
    const t0 = performance.now();
    for (let i = 0; i < job.count; i++) job.port.postMessage(frame);
    port.postMessage({ ms: performance.now() - t0 });
  } else {
    let frames = 0;
    let bytes = 0;
    let t0 = 0;
    job.port.on('message', (m: Uint8Array) => {
      if (frames === 0) t0 = performance.now();
      frames++;
      bytes += m.length;
      if (frames === job.count) {
        port.postMessage({ ms: performance.now() - t0, frames, bytes });
        job.port.close();
      }
    });
    waitStart(ctl);
  }
}

const here = fileURLToPath(import.meta.url);
function spawn(job: Job, transfer: MessagePort[] = []): Worker {
  const tsxApi = pathToFileURL(
    createRequire(here)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(here).href)}); })`;
  return new Worker(boot, {
    eval: true,
    workerData: job,
    transferList: transfer,
    execArgv: ['--conditions=@kspec/source'],
  });
}
function result(w: Worker): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}
async function startWhenReady(ctl: Int32Array, n: number): Promise<void> {
  while (Atomics.load(ctl, 2) < n) await new Promise((r) => setTimeout(r, 5));
  Atomics.store(ctl, 0, 1);
  Atomics.notify(ctl, 0);
}

async function busRun(size: number, count: number) {
  const bus = ShmifBus.create(DATASIZE_DEFAULT === undefined ? {} : { dataSize: DATASIZE_DEFAULT });
  bus.attach();
  const ctlBuf = new SharedArrayBuffer(16);
  const ctl = new Int32Array(ctlBuf);
  const reader = spawn({ role: 'bus-reader', bus: bus.shareable, ctl: ctlBuf });
  const writer = spawn({ role: 'bus-writer', bus: bus.shareable, ctl: ctlBuf, size, count });
  const rr = result(reader);
  const wr = result(writer);
  await startWhenReady(ctl, 2);
  const [r, w] = await Promise.all([rr, wr]);
  await Promise.all([reader.terminate(), writer.terminate()]);
  const s = Math.max(r.ms!, w.ms!) / 1000;
  return {
    sentPerS: count / (w.ms! / 1000),
    framesPerS: r.frames! / s,
    bytesPerS: r.bytes! / s,
    received: r.frames!,
    overruns: r.overruns!,
    lockSleeps: r.lockSleeps!,
    count,
  };
}

async function pmRun(size: number, count: number) {
  const { port1, port2 } = new MessageChannel();
  const ctlBuf = new SharedArrayBuffer(16);
  const ctl = new Int32Array(ctlBuf);
  const recv = spawn({ role: 'pm-receiver', port: port2, ctl: ctlBuf, count }, [port2]);
  const send = spawn({ role: 'pm-sender', port: port1, ctl: ctlBuf, size, count }, [port1]);
  const rr = result(recv);
  const sr = result(send);
  await startWhenReady(ctl, 2);
  const [r] = await Promise.all([rr, sr]);
  await Promise.all([recv.terminate(), send.terminate()]);
  return { framesPerS: r.frames! / (r.ms! / 1000), bytesPerS: r.bytes! / (r.ms! / 1000) };
}

function copyBandwidth(frameSize: number, totalBytes: number): number {
  const src = Buffer.alloc(frameSize, 0x5a);
  const ring = Buffer.alloc(1 << 20);
  const per = Math.floor(ring.length / frameSize);
  const n = Math.floor(totalBytes / frameSize);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) src.copy(ring, (i % per) * frameSize);
  return (n * frameSize) / ((performance.now() - t0) / 1000);
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

const fmt = (x: number, unit = '') =>
  x >= 1e9
    ? `${(x / 1e9).toFixed(2)} G${unit}`
    : x >= 1e6
      ? `${(x / 1e6).toFixed(2)} M${unit}`
      : x >= 1e3
        ? `${(x / 1e3).toFixed(1)} k${unit}`
        : `${x.toFixed(1)} ${unit}`;

async function main() {
  const lines: string[] = [];
  const out = (s: string) => {
    console.log(s);
    lines.push(s);
  };
  const os = await import('node:os');
  out(
    `shared-memory bench (node ${process.version}, ${os.cpus().length} cpus, load average ${os.loadavg()[0]!.toFixed(1)})`,
  );
  const copyBlock = copyBandwidth(1 << 20, 4 * 2 ** 30);
  const results: Record<string, unknown> = { copyBlockBytesPerS: copyBlock };
  for (const [size, busCount, pmCount] of [
    [60, 2_000_000, 400_000],
    [1514, 600_000, 200_000],
  ] as const) {
    const bus = await busRun(size, busCount);
    const pm = await pmRun(size, pmCount);
    const copy = copyBandwidth(size, 2 ** 30);
    results[`frame${size}`] = { bus, pm, copyFrameBytesPerS: copy };
    out(`\n${size}-byte frames`);
    out(
      `  shmif bus      ${fmt(bus.framesPerS, 'frames/s').padEnd(18)} ${fmt(bus.bytesPerS, 'B/s').padEnd(12)} (writer ${fmt(bus.sentPerS, 'frames/s')}; reader took ${bus.received}/${bus.count}, ${bus.overruns} overruns, ${bus.lockSleeps} 1-ms lock sleeps)`,
    );
    out(`  postMessage    ${fmt(pm.framesPerS, 'frames/s').padEnd(18)} ${fmt(pm.bytesPerS, 'B/s')}`);
    out(
      `  Buffer copy    ${fmt(copy / size, 'frames/s').padEnd(18)} ${fmt(copy, 'B/s').padEnd(12)} (${size}-byte copies; 1 MiB blocks: ${fmt(copyBlock, 'B/s')})`,
    );
    out(`  ratio bus/postMessage frames/s: ${(bus.framesPerS / pm.framesPerS).toFixed(2)}x (target >= 3x)`);
    out(
      `  bus bytes/s vs ${size}-byte copy: ${((100 * bus.bytesPerS) / copy).toFixed(1)}%, vs 1 MiB block copy: ${((100 * bus.bytesPerS) / copyBlock).toFixed(1)}%` +
        (size === 1514 ? ' (target >= 25%)' : ''),
    );
  }
  const pp = pagePoolFigures();
  results['pagePool'] = pp;
  out(
    `\npage pool: 64 GiB of 4 KiB pages (${fmt(pp.pages)} pages) created in ${pp.createMs.toFixed(2)} ms, ${pp.createBytes} B`,
  );
  out(
    `  balloon 1M pages: ${pp.balloonMs.toFixed(0)} ms; ${pp.bytesPerPage.toFixed(2)} B per page touched incl. the 4-byte page list (pool state ${pp.poolBytesPerPage.toFixed(2)} B/page; target <= 16)`,
  );
  const dir = join(dirname(here), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'shared-memory.json'), JSON.stringify(results, null, 2));
  writeFileSync(join(dir, 'shared-memory.txt'), lines.join('\n') + '\n');
}

if (isMainThread) {
  await main();
} else if (workerData !== null && typeof workerData === 'object' && 'role' in workerData) {
  workerMain(workerData as Job);
}

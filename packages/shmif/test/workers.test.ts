// Real concurrency: two interfaces, each in its own worker thread and its own rump kernel,
// exchange frames over one SharedArrayBuffer bus (the shmif bus of @kspec/shared-memory).
import { ShmifBus } from '@kspec/shared-memory';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

interface Done {
  kind: 'done';
  received: { src: string; n: number; len: number }[];
  phantoms: number;
}

function start(data: object): Worker {
  return new Worker(new URL('./shmif-worker.mjs', import.meta.url), {
    workerData: data,
    execArgv: ['--conditions=@kspec/source'],
  });
}

function next<T>(w: Worker, kind: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: { kind: string }) => {
      if (m.kind === kind) {
        w.off('message', onMsg);
        resolve(m as T);
      }
    };
    w.on('message', onMsg);
    w.once('error', reject);
  });
}

describe('two workers on one SharedArrayBuffer bus', () => {
  it('each receives every frame of the other, in order, and drops its own', async () => {
    const dataSize = 64 * 1024;
    const bus = ShmifBus.create({ dataSize });
    const count = 300;
    const common = { buffer: bus.buffer, dataSize, path: '/shmbus', count, expectFrom: count };
    const a = start({ ...common, seed: 11 });
    const readyA = await next<{ mac: string }>(a, 'ready'); // a attaches first: it initialises the bus
    const b = start({ ...common, seed: 22 });
    const readyB = await next<{ mac: string }>(b, 'ready');
    expect(readyA.mac).not.toBe(readyB.mac);
    const doneA = next<Done>(a, 'done');
    const doneB = next<Done>(b, 'done');
    a.postMessage({ kind: 'go' });
    b.postMessage({ kind: 'go' });
    const [ra, rb] = await Promise.all([doneA, doneB]);
    await Promise.all([a.terminate(), b.terminate()]);
    for (const [r, peer] of [
      [ra, readyB.mac],
      [rb, readyA.mac],
    ] as const) {
      expect(r.received.every((x) => x.src === peer)).toBe(true); // own frames dropped (700-707)
      expect(r.received.map((x) => x.n)).toEqual(Array.from({ length: count }, (_, n) => n)); // bus order
      expect(r.received.every((x) => x.len === 60)).toBe(true);
    }
    // both attached to a fresh bus and started at shm_last = 0: each passed up the phantom (SHMIF-1)
    expect([ra.phantoms, rb.phantoms]).toEqual([1, 1]);
    expect(bus.magic).toBe(0xca11d054);
    expect(bus.lock).toBe(0);
  }, 60_000);
});

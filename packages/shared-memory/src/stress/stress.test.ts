// Stress test with real worker threads (issue 6): 4 writers and 4 readers on one
// SharedArrayBuffer bus, 1M frames of 60..1514 bytes. Readers run the corrected receive protocol
// (SHMIF_READER_CORRECTIONS; the faithful one is pinned in receiver.test.ts) and check every
// frame they take byte for byte. Also: a lock holder that dies wedges the bus (if_shmem.c
// 109-112) and the watchdog reports it instead of hanging.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CTL_BYTES, ShmifBus, ShmifError, shmifLockbus } from '../index.js';
import { runBusStress, startStressWorker } from '../node.js';

describe('bus stress: 4 writers, 4 readers, real worker threads', () => {
  it('1M frames: no torn frame, per-writer order, every missed frame counted as an overrun', async () => {
    const writers = 4;
    const countPerWriter = 250_000;
    const r = await runBusStress({
      writers,
      readers: 4,
      countPerWriter,
      minLen: 60,
      maxLen: 1514,
      variant: 'corrected',
      lock: { timeoutMs: 20_000 },
      timeoutMs: 50_000,
    });
    expect(r.writers.reduce((a, w) => a + w.frames, 0)).toBe(1_000_000);
    // 1M frames of 60..1514 bytes wrap the 1 MiB bus hundreds of times
    expect(r.gen).toBeGreaterThan(500n);
    for (const rd of r.readers) {
      expect(rd.errors).toEqual([]);
      expect(rd.frames + rd.missed).toBe(writers * countPerWriter);
      expect(rd.frames).toBeGreaterThan(1000);
      if (rd.missed > 0) expect(rd.overruns).toBeGreaterThan(0);
      expect(rd.last.length).toBe(writers);
    }
  }, 60_000);
});

describe('a lock holder that dies (if_shmem.c 109-112)', () => {
  it('wedges the bus; the watchdog reports it on the main thread and in a reader thread', async () => {
    const bus = ShmifBus.create({ dataSize: 4096 });
    bus.attach();
    const ctl = new SharedArrayBuffer(CTL_BYTES);
    const victim = startStressWorker({
      role: 'lockAndExit',
      bus: bus.shareable,
      dataSize: 4096,
      ctl,
      lock: {},
    });
    const [exitCode] = (await once(victim, 'exit')) as [number];
    expect(exitCode).toBe(0);
    expect(bus.lock).toBe(1); // LOCK_LOCKED, and nobody will ever unlock it

    let err: unknown;
    try {
      shmifLockbus(bus.mem, { timeoutMs: 50 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShmifError);
    expect((err as ShmifError).kind).toBe('lockWedged');

    const reader = startStressWorker({
      role: 'reader',
      bus: bus.shareable,
      dataSize: 4096,
      ctl,
      lock: { timeoutMs: 50 },
      params: { writers: 1, countPerWriter: 1, minLen: 60, maxLen: 60, variant: 'corrected' },
    });
    const msg = await new Promise<Record<string, unknown>>((resolve) =>
      reader.on('message', (m: Record<string, unknown>) => {
        if (m['attached'] !== true) resolve(m);
      }),
    );
    await reader.terminate();
    // attaching takes the bus lock (initbackend 227): the watchdog fires there
    expect(msg['ok']).toBe(false);
    expect(String(msg['error'])).toMatch(/bus lock held for more than 50 ms/);
  }, 30_000);
});

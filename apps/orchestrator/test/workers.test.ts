/**
 * With `--workers`, the shmif interfaces run in worker threads on one SharedArrayBuffer bus
 * (real concurrency: bus lock by `Atomics.compareExchange`, wake-ups by `Atomics.notify`).
 * Which frames a receiver sees then depends on scheduling, but the accounting still holds and
 * the event channel still gets one raise per frame passed up.
 */
import { describe, expect, it } from 'vitest';
import { parseTraceJsonl } from '@kspec/statecharts';
import { DEFAULT_DRIVERS } from '../src/drivers/index.js';
import { runScenario } from '../src/engine.js';
import { decodeScenario } from '../src/scenario.js';
import { memoryTraceSink } from '../src/trace.js';

describe('kspec run --workers', () => {
  it('runs the interfaces in worker threads on one shared bus; the accounting holds', async () => {
    const scenario = decodeScenario(
      {
        name: 'workers',
        subsystems: {
          shmif: {
            interfaces: 3,
            framesPerInterface: 60,
            frameLength: { min: 60, max: 400 },
            sendProbability: 0.5,
          },
          'xen-evtchn': { ports: 3 },
        },
      },
      DEFAULT_DRIVERS,
    );
    const sink = memoryTraceSink();
    const r = await runScenario(scenario, { drivers: DEFAULT_DRIVERS, workers: 2, traceSink: sink });
    expect(r.completed).toBe(true);
    expect(r.deterministic).toBe(false);
    expect(r.verdict, r.failures.join('; ')).not.toBe('failed');
    const shmif = r.subsystems.find((s) => s.subsystem === 'shmif')!;
    expect(shmif.counters['framesSent']).toBe(180);
    // a 1 MiB bus holds everything: each receiver gets every frame of the others once
    expect(shmif.counters['deliveredUnique']).toBe(3 * 120);
    expect(shmif.counters['overruns']).toBe(0);
    for (const c of shmif.checks.filter((x) => x.name.endsWith('everyFrameAccounted')))
      expect(c.holds, c.detail).toBe(true);
    expect(shmif.notes.join('\n')).toContain('3 interface(s) in 2 worker thread(s)');
    expect(shmif.actors.map((a) => a.state)).toEqual(
      Array(3).fill('kernel.{ifnet:destroyed, tx:idle, rcv:exited}'),
    );
    const evtchn = r.subsystems.find((s) => s.subsystem === 'xen-evtchn')!;
    expect(evtchn.counters['raises']).toBe(shmif.counters['delivered']);
    // the workers' trace lines come back to the one trace, in the format the viewer reads
    const records = parseTraceJsonl(sink.lines.map((l) => JSON.stringify(l)).join('\n'));
    for (let i = 0; i < 3; i++) {
      const mine = records.filter((x) => x.actor === `shmif/shmifInterface#${i}`);
      expect(mine.length).toBe(shmif.actors[i]!.events);
      mine.slice(1).forEach((x, k) => expect(x.before).toEqual(mine[k]!.after));
    }
  });
});

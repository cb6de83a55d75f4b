/**
 * End to end: every example scenario runs to completion, and its summary agrees with the
 * models' own accounting, read back from the trace of the transitions the machines took:
 * - shmif (if_shmem.c rev 1.33): frames written = `shmif_start` writes (522-533); frames
 *   passed up = `shmif_rcv` deliveries (691-707); overruns = resyncs to `shm_first`
 *   (660-669); and per receiver, frames delivered once + frames lost to a counted overrun =
 *   frames sent by the other interfaces;
 * - xen-evtchn: hypervisor raises (`irq.upcall` events with `raise`) = frames delivered on the
 *   bus; writes and resets
 *   as sent to the device; every port pushed into the ring was read, is queued, or was
 *   discarded by IOCTL_EVTCHN_RESET (evtchn.c 556-566).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { walkBusFrames } from '@kspec/shared-memory';
import type { SourceRef } from '@kspec/spec-kit';
import { DEFAULT_DRIVERS } from '../src/drivers/index.js';
import { parseFrame } from '../src/drivers/shmif/frames.js';
import { runScenario, type RunResult } from '../src/engine.js';
import { SCENARIOS_DIR } from '../src/paths.js';
import { loadScenario } from '../src/scenario.js';
import { runSummaryJson } from '../src/summary.js';
import { memoryTraceSink, type TraceLine } from '../src/trace.js';
import { SharedMemoryRoom } from '../src/memory.js';

const scenarios = readdirSync(SCENARIOS_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

function sourcesOf(line: TraceLine): readonly SourceRef[] {
  return line.steps ?? (line.source ? [line.source] : []);
}

function countSource(
  lines: readonly TraceLine[],
  actor: string,
  fn: string,
  first: number,
  last: number,
): number {
  let n = 0;
  for (const l of lines) {
    if (l.actor !== actor) continue;
    for (const s of sourcesOf(l)) if (s.fn === fn && s.lines[0] === first && s.lines[1] === last) n++;
  }
  return n;
}

const cache = new Map<string, Promise<{ result: RunResult; lines: TraceLine[] }>>();

/** Runs an example scenario once per (file, seed) in this test file, with a trace in memory. */
function run(file: string, seed?: number): Promise<{ result: RunResult; lines: TraceLine[] }> {
  const key = `${file}#${seed ?? ''}`;
  if (!cache.has(key)) cache.set(key, runFresh(file, seed));
  return cache.get(key)!;
}

async function runFresh(file: string, seed?: number): Promise<{ result: RunResult; lines: TraceLine[] }> {
  const scenario = loadScenario(join(SCENARIOS_DIR, file), DEFAULT_DRIVERS);
  const sink = memoryTraceSink();
  const result = await runScenario(scenario, {
    drivers: DEFAULT_DRIVERS,
    traceSink: sink,
    ...(seed !== undefined ? { seed } : {}),
  });
  return { result, lines: sink.lines };
}

describe.each(scenarios)('scenario %s', (file) => {
  it('completes, and its summary matches the models’ own accounting', async () => {
    const { result, lines } = await run(file);
    expect(result.completed).toBe(true);
    expect(result.verdict, result.failures.join('; ')).not.toBe('failed');

    const shmif = result.subsystems.find((s) => s.subsystem === 'shmif')!;
    const evtchn = result.subsystems.find((s) => s.subsystem === 'xen-evtchn');
    const units = shmif.units as readonly Record<string, number | string>[];
    expect(units.length).toBe(shmif.counters['interfaces']);

    let delivered = 0;
    units.forEach((u, i) => {
      const actor = `shmif/shmifInterface#${i}`;
      // the model's own counts, from the transitions it took
      expect(countSource(lines, actor, 'shmif_start', 522, 533), `${actor} writes`).toBe(u['sent']);
      expect(countSource(lines, actor, 'shmif_rcv', 691, 707), `${actor} if_input`).toBe(u['delivered']);
      expect(countSource(lines, actor, 'shmif_rcv', 660, 669), `${actor} overrun resyncs`).toBe(
        u['overruns'],
      );
      // per receiver: delivered once + lost to a counted overrun = sent by the others (since it joined)
      const sentByOthers =
        units.reduce((n, o, j) => n + (j === i ? 0 : (o['sent'] as number)), 0) -
        ((u['sentBeforeJoin'] as number | undefined) ?? 0);
      expect((u['unique'] as number) + (u['lostToOverrun'] as number), `${actor} accounting`).toBe(
        sentByOthers,
      );
      expect(u['silentlyLost']).toBe(0);
      // everything passed up is a frame delivered once, a duplicate, malformed (the phantom), or
      // (a joined interface) the newest frame already on the bus when it came up
      expect(u['delivered']).toBe(
        (u['unique'] as number) +
          (u['duplicates'] as number) +
          (u['malformed'] as number) +
          ((u['beforeJoin'] as number | undefined) ?? 0),
      );
      expect(u['stale']).toBeUndefined();
      delivered += u['delivered'] as number;
    });
    expect(shmif.counters['framesSent']).toBe(units.reduce((n, u) => n + (u['sent'] as number), 0));

    if (evtchn) {
      // every frame passed up raised a port; the device saw every raise, write and reset
      expect(result.signals['shmif.delivered']).toBe(delivered);
      expect(evtchn.counters['raises']).toBe(delivered);
      const device = lines.filter((l) => l.actor === 'xen-evtchn/evtchnDevice');
      expect(device.filter((l) => l.event.type === 'irq.upcall' && l.event['raise'] === true).length).toBe(
        delivered,
      );
      expect(device.filter((l) => l.event.type === 'write').length).toBe(evtchn.counters['eoiWrites']);
      expect(device.filter((l) => l.event.type === 'ioctl.reset').length).toBe(evtchn.counters['resets']);
      const push = evtchn.checks.find((c) => c.name === 'everyPushAccounted')!;
      expect(push.holds, push.detail).toBe(true);
      expect(evtchn.counters['queuedAtEnd']).toBe(0);
      expect(evtchn.counters['portsBound']).toBe(evtchn.units!.length);
    }
  });
});

describe('what each example scenario is about', () => {
  it('default: every frame reaches every other interface, the gadget joins and routes, the bus holds them all', async () => {
    const { result } = await run('default.json');
    const shmif = result.subsystems.find((s) => s.subsystem === 'shmif')!;
    expect(shmif.counters).toMatchObject({
      interfaces: 4,
      framesSent: 700,
      overruns: 0,
      lostToOverrun: 0,
      duplicates: 0,
    });
    // the three scenario interfaces get 2 x 200 from each other and the gadget's 100; the
    // gadget's bus interface everything sent after it joined
    const gadgetRow = (shmif.units as Record<string, number | string>[])[3]!;
    expect(gadgetRow['if']).toBe('shmif3 (usb-gadget ecm link)');
    expect(shmif.counters['deliveredUnique']).toBe(3 * 500 + 600 - (gadgetRow['sentBeforeJoin'] as number));
    expect(shmif.counters['framesOnBus']).toBe(700);
    const gadget = result.subsystems.find((s) => s.subsystem === 'usb-gadget')!;
    expect(gadget.counters).toMatchObject({
      bound: 1,
      configuration: 1,
      linkUps: 1,
      framesFromHost: 100,
      framesToBus: 100,
      framesDroppedToHost: 0,
    });
    expect(gadget.counters['framesToHost']).toBe(gadgetRow['unique']);
    for (const c of gadget.checks) expect(c.holds, `${c.name}: ${c.detail}`).toBe(true);
    expect(result.signals['usb-gadget.rx']).toBe(100);
    // SHMIF-1 (SHMIF-BUS-1): each interface attached to the fresh bus passes up the zero-length phantom at offset 0
    expect(shmif.counters['malformed']).toBe(3);
    expect(shmif.checks.find((c) => c.name === 'neverDeliversTornFrame')).toMatchObject({
      holds: false,
      findings: ['SHMIF-1'],
    });
    expect(result.verdict).toBe('findings');
  });

  it('default: core boots first, its pager serves the fault stream until the first fault outside RAM (CORE-3)', async () => {
    const { result, lines } = await run('default.json');
    const core = result.subsystems.find((s) => s.subsystem === 'core-pager')!;
    expect(result.subsystems[0]!.subsystem).toBe('core-pager');
    const c = core.counters;
    expect(c['ramMiB']).toBe(64);
    expect(c['faults']).toBe(2000);
    expect(c['served']! + c['echoes']! + c['stopped']! + c['unserved']!).toBe(2000);
    expect(c['served']).toBeGreaterThan(100);
    expect(c['poolCorePages']).toBeGreaterThan(15_000); // sigma0 handed core the pool's RAM
    const check = (name: string) => core.checks.find((x) => x.name === name)!;
    expect(check('servedFaultsMapTheFaultingPage').holds).toBe(true);
    expect(check('everyMessageAccounted').holds).toBe(true);
    expect(check('poolMatchesSigma0').holds).toBe(true);
    expect(check('onlyCoreThreadsServed')).toMatchObject({ holds: false, findings: ['CORE-2'] });
    expect(check('pagerKeepsServing')).toMatchObject({ holds: false, findings: ['CORE-3'] });
    expect(check('pageZeroNeverMappedInCore')).toMatchObject({ holds: false, findings: ['CORE-7'] });
    // the pager's events come before any other subsystem's, all at time 0
    const first = lines.findIndex((l) => !l.actor.startsWith('core-pager/'));
    expect(lines.slice(0, first).every((l) => l.t === 0)).toBe(true);
    expect(lines.slice(first).some((l) => l.actor.startsWith('core-pager/'))).toBe(false);
    expect(lines[0]).toMatchObject({
      actor: 'core-pager/corePlatform',
      event: { type: 'construct' },
      after: 'constructed',
    });
  });

  it('overrun-storm: receivers are lapped, resync, and lose frames only to counted overruns', async () => {
    const { result } = await run('overrun-storm.json');
    const c = result.subsystems[0]!.counters;
    expect(c['overruns']).toBeGreaterThan(0);
    expect(c['lostToOverrun']).toBeGreaterThan(0);
    expect(c['busGen']).toBeGreaterThan(1);
    expect(c['silentlyLost']).toBe(0);
  });

  it('evtchn-overflow-reset: the ring overflows, read() fails with -EFBIG, RESET recovers', async () => {
    const { result, lines } = await run('evtchn-overflow-reset.json');
    const e = result.subsystems.find((s) => s.subsystem === 'xen-evtchn')!;
    expect(e.counters['overflows']).toBeGreaterThan(0);
    expect(e.counters['resets']).toBe(e.counters['overflows']);
    expect(e.counters['maxOccupancy']).toBe(e.counters['ringSize']);
    expect(e.counters['ringSize']).toBe(64);
    // after each reset the reader re-enables every port (a write naming all three)
    const resets = lines.filter(
      (l) => l.actor === 'xen-evtchn/evtchnDevice' && l.event.type === 'ioctl.reset',
    );
    expect(resets.length).toBe(e.counters['resets']);
  });
});

describe('determinism', () => {
  it('the same seed gives the same run, traced or not; another seed another one', async () => {
    const scenario = loadScenario(join(SCENARIOS_DIR, 'overrun-storm.json'), DEFAULT_DRIVERS);
    const plain = runSummaryJson(await runScenario(scenario, { drivers: DEFAULT_DRIVERS, seed: 11 }));
    const traced = runSummaryJson((await runFresh('overrun-storm.json', 11)).result);
    const other = runSummaryJson((await runFresh('overrun-storm.json', 12)).result);
    const strip = (r: ReturnType<typeof runSummaryJson>) => ({ ...r, timing: null, traceLines: null });
    expect(strip(traced)).toEqual(strip(plain));
    expect(strip(other)).not.toEqual(strip(plain));
    expect(other.subsystems[0]!.units![0]!['mac']).not.toBe(plain.subsystems[0]!.units![0]!['mac']);
  });
});

describe('the bus after a run', () => {
  it('holds each interface’s frames, whole, in its send order', async () => {
    const dir = (await import('./helpers.js')).tmpDir();
    const busFile = join(dir, 'bus');
    const scenario = loadScenario(join(SCENARIOS_DIR, 'default.json'), DEFAULT_DRIVERS);
    const result = await runScenario(scenario, { drivers: DEFAULT_DRIVERS, busFile });
    expect(result.busFile).toBe(busFile);
    const room = new SharedMemoryRoom({ busFile });
    const seqs: number[][] = [[], [], [], []];
    const n = walkBusFrames(room.shmifBus().mem, (f) => {
      const id = parseFrame(f.payload);
      expect(id).not.toBeNull();
      seqs[id!.sender]!.push(id!.seq);
    });
    expect(n).toBe(700);
    seqs.forEach((s, i) => expect(s).toEqual(Array.from({ length: i < 3 ? 200 : 100 }, (_, k) => k)));
  });
});

/**
 * Scenarios that decode but cannot work are refused before the run (exit 2, by JSON path):
 * a signal nobody emits, a sender that never sends, a reader that can never read a port
 * (evtchn_read rounds the count down to whole ports, linux-xen-evtchn.c 202-206), a plan
 * that needs more ticks than its budget. Bus files the seed cannot attach to are refused
 * the same way (if_shmem.c 114-133, 227-234, 586); a bus that a faithful receiver stops on
 * during the run is a failed run with its summary and the finding that explains it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHMIF_MAGIC, busSizeFor } from '@kspec/shared-memory';
import { ScenarioError } from '../src/codec.js';
import type { AnyScenarioDriver } from '../src/driver.js';
import { DEFAULT_DRIVERS } from '../src/drivers/index.js';
import { runCommand } from '../src/commands/run.js';
import { runScenario } from '../src/engine.js';
import { checkScenarioPlan } from '../src/plan.js';
import { decodeScenario } from '../src/scenario.js';
import { main } from '../src/program.js';
import { STACK_FRAME, captureIo, tmpDir } from './helpers.js';

function plan(subsystems: Record<string, unknown>, extra: Record<string, unknown> = {}, workers = 0): string {
  const s = decodeScenario({ name: 'p', ...extra, subsystems }, DEFAULT_DRIVERS, 'p.json');
  try {
    checkScenarioPlan(s, DEFAULT_DRIVERS, { workers });
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  return 'ok';
}

describe('plans that cannot make progress', () => {
  it('raiseOn must name a signal a driver of the scenario emits', () => {
    expect(plan({ shmif: {}, 'xen-evtchn': { raiseOn: 'shmif.deliverd' } })).toBe(
      "p.json: cannot work\n  at $.subsystems.xen-evtchn.raiseOn: no driver emits the signal 'shmif.deliverd' (signals: shmif.delivered)",
    );
    expect(plan({ 'xen-evtchn': {} })).toBe(
      "p.json: cannot work\n  at $.subsystems.xen-evtchn: the signal 'shmif.delivered' comes from shmif, which this scenario does not run",
    );
    expect(plan({ shmif: {}, 'xen-evtchn': { raiseOn: 'shmif.delivered' } })).toBe('ok');
  });

  it('a reader that reads fewer bytes than one port, or never within the budget', () => {
    for (const n of [0, 1, 3]) {
      expect(plan({ shmif: {}, 'xen-evtchn': { reader: { readBytes: n } } })).toBe(
        `p.json: cannot work\n  at $.subsystems.xen-evtchn.reader.readBytes: ${n} is less than sizeof(evtchn_port_t) = 4: ` +
          'evtchn_read rounds the count down to whole ports and returns 0 (linux-xen-evtchn.c 202-206), so the reader never drains the ring',
      );
    }
    expect(plan({ shmif: {}, 'xen-evtchn': { reader: { readBytes: 4 } } })).toBe('ok');
    expect(plan({ shmif: {}, 'xen-evtchn': { ports: 8, nrChannels: 8 } })).toBe(
      'p.json: cannot work\n  at $.subsystems.xen-evtchn.ports: 8 ports need 9 event channels (port 0 is reserved), nrChannels is 8',
    );
    expect(plan({ shmif: {}, 'xen-evtchn': { ports: 7, nrChannels: 8 } })).toBe('ok');
    expect(plan({ shmif: {}, 'xen-evtchn': { reader: { readEvery: 500 } } }, { maxTicks: 100 })).toContain(
      'at $.subsystems.xen-evtchn.reader.readEvery: 500 is more than maxTicks 100: the reader would never read',
    );
  });

  it('sendProbability 0 and plans longer than maxTicks (one thread); worker threads pace themselves', () => {
    expect(plan({ shmif: { sendProbability: 0 } })).toBe(
      'p.json: cannot work\n  at $.subsystems.shmif.sendProbability: 0: no interface ever sends, so the 200 frame(s) per interface never go out',
    );
    expect(plan({ shmif: { sendProbability: 0, framesPerInterface: 0 } })).toBe('ok');
    expect(plan({ shmif: { sendProbability: 0 } }, {}, 2)).toBe('ok');
    expect(plan({ shmif: { interfaces: 64, framesPerInterface: 10_000_000 } })).toBe(
      'p.json: cannot work\n  at $.subsystems.shmif: 10000000 frame(s) per interface in bursts of 1, received every 1 tick(s), ' +
        'need at least 10000000 ticks, more than maxTicks 1000000',
    );
    expect(
      plan({ shmif: { framesPerInterface: 100, burst: 10, receiveEvery: 30 } }, { maxTicks: 29 }),
    ).toContain('need at least 30 ticks, more than maxTicks 29');
    expect(plan({ shmif: { framesPerInterface: 100, burst: 10, receiveEvery: 30 } }, { maxTicks: 30 })).toBe(
      'ok',
    );
  });

  it('kspec run refuses them with exit 2 and writes nothing; runScenario refuses them too', async () => {
    const dir = tmpDir();
    const f = join(dir, 'p.json');
    writeFileSync(
      f,
      JSON.stringify({ name: 'p', subsystems: { shmif: { sendProbability: 0 }, 'xen-evtchn': {} } }),
    );
    const cap = captureIo();
    const code = await main(['node', 'kspec', 'run', f, '--trace', join(dir, 't')], cap.io);
    expect(code).toBe(2);
    expect(cap.err.join('\n')).toContain(
      `kspec: ${f}: cannot work\n  at $.subsystems.shmif.sendProbability: 0: `,
    );
    const s = decodeScenario(
      { name: 'p', subsystems: { 'xen-evtchn': { reader: { readBytes: 2 } } } },
      DEFAULT_DRIVERS,
    );
    await expect(runScenario(s, { drivers: DEFAULT_DRIVERS })).rejects.toThrow(ScenarioError);
  });

  it('a driver joins the check with its own signals and plan (generic over drivers)', () => {
    const pager: AnyScenarioDriver = {
      ...DEFAULT_DRIVERS[0]!,
      subsystem: 'pager',
      emits: ['pager.fault'],
      listensTo: () => [{ path: '$', signal: 'cmm.loan' }],
      checkPlan: () => [{ path: '$.faults', message: 'never faults' }],
    };
    const drivers = [...DEFAULT_DRIVERS, pager];
    const s = decodeScenario({ name: 'g', subsystems: { shmif: {}, pager: {} } }, drivers, 'g.json');
    expect(() => checkScenarioPlan(s, drivers)).toThrow(
      "g.json: cannot work\n  at $.subsystems.pager: no driver emits the signal 'cmm.loan' (signals: shmif.delivered, pager.fault)\n  at $.subsystems.pager.faults: never faults",
    );
  });
});

/** A bus file of data size 8192 with the given header words. */
function busFile(
  dir: string,
  name: string,
  h: { magic: number; first: number; last: number; lock?: number; gen?: bigint; len?: number },
): string {
  const b = Buffer.alloc(busSizeFor(8192));
  b.writeUInt32LE(h.magic, 0);
  b.writeUInt32LE(2, 4);
  b.writeBigUInt64LE(h.gen ?? 1n, 8);
  b.writeUInt32LE(h.first, 16);
  b.writeUInt32LE(h.last, 20);
  b.writeUInt32LE(h.lock ?? 0, 24);
  if (h.len !== undefined) b.writeUInt32LE(h.len, 32 + h.last);
  const f = join(dir, name);
  writeFileSync(f, b);
  return f;
}

describe('bus files that pass the layout checks but cannot work', () => {
  const dir = tmpDir();
  const scenario = join(dir, 's.json');
  writeFileSync(
    scenario,
    JSON.stringify({
      name: 's',
      sharedMemory: { bus: { dataSize: 8192 } },
      subsystems: { shmif: { framesPerInterface: 20 }, 'xen-evtchn': {} },
    }),
  );
  it.each([
    [
      'shm_first == shm_last',
      { magic: SHMIF_MAGIC, first: 0, last: 0 },
      'shm_first == shm_last == 0: every receiver attaches at shm_last (if_shmem.c 234) and stops at KASSERT(busmem->shm_first != busmem->shm_last) in stillvalid_p (586)',
    ],
    [
      'the lock word held',
      { magic: SHMIF_MAGIC, first: 8192, last: 0, lock: 1 },
      'shm_lock (file offset 24) is 1, not 0: the bus is locked and nobody will unlock it (the file is loaded, not shared live), so initbackend would spin in shmif_lockbus forever (if_shmem.c 114-133, 227)',
    ],
    [
      'magic 0 with shm_last outside the data',
      { magic: 0, first: 5000, last: 9999 },
      'shm_magic is 0 (nobody attached yet), so initbackend sets only shm_magic and shm_first (if_shmem.c 229-232) and attaches at shm_last 9999 (234), but that is outside the data area of 8192 bytes',
    ],
    [
      'magic 0 with a garbage packet header at shm_last',
      { magic: 0, first: 77, last: 100, len: 40000 },
      'shm_magic is 0 (nobody attached yet), so initbackend sets only shm_magic and shm_first (if_shmem.c 229-232) and the first write reads the packet header at shm_last 100 (shmif_start 522): its sp_len 40000 is more than 1514 (KASSERT(sp.sp_len <= ETHERMTU + ETHER_HDR_LEN), 681)',
    ],
  ])('%s: exit 2 before the run, at once, the bus file untouched', async (_what, header, why) => {
    const f = busFile(dir, `bus-${_what.replace(/\W+/g, '-')}`, header);
    const before = readFileSync(f);
    const cap = captureIo();
    const t0 = Date.now();
    expect(await main(['node', 'kspec', 'run', scenario, '--bus-file', f], cap.io)).toBe(2);
    expect(Date.now() - t0).toBeLessThan(3000); // no 5 s lock watchdog
    expect(cap.err.join('\n')).toBe(`kspec: --bus-file ${f}: ${why}`);
    expect(readFileSync(f).equals(before)).toBe(true);
  });

  it('a bus a faithful receiver stops on during the run: the summary, the finding, exit 1, no stack trace', async () => {
    // shm_gen at 2^64 - 1 wraps to 0 at the first wrap of the ring; a receiver then stops at
    // KASSERT(busmem->shm_gen >= sc->sc_devgen) (if_shmem.c 643) holding the bus lock
    const f = busFile(dir, 'bus-gen', { magic: 0, first: 0, last: 0, gen: 2n ** 64n - 1n });
    const cap = captureIo();
    const r = await runCommand(scenario, { busFile: f }, cap.io);
    expect(r.code).toBe(1);
    expect(r.result!.verdict).toBe('failed');
    const out = cap.out.join('\n');
    expect(out).toMatch(
      /verdict: FAILED: shmif: stopped before its plan was done: the bus is wedged: shmif\d stopped \(KASSERT in shmif_rcv \(busmem->shm_gen >= sc->sc_devgen\) at if_shmem.c 643-643\) holding the bus lock, which nobody frees \(shmif_lockbus, if_shmem.c 114-133\); recorded finding SHMIF-6/,
    );
    expect(out).toContain('shmif — ');
    expect([...cap.out, ...cap.err].join('\n')).not.toMatch(STACK_FRAME);
  });
});

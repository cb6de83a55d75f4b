/**
 * The usb-gadget driver: the gadget binds, a host enumerates it and selects a configuration,
 * and its link joins the shmif bus as one more interface that routes frames between the USB
 * host and the bus (the default scenario is pinned in e2e.test.ts); here the RNDIS example,
 * a gadget without a bus, the usbmon capture, and bad scenario entries.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DRIVERS } from '../src/drivers/index.js';
import { runScenario } from '../src/engine.js';
import { SCENARIOS_DIR } from '../src/paths.js';
import { decodeScenario, loadScenario } from '../src/scenario.js';
import { tmpDir } from './helpers.js';

describe('usb-gadget in a run', () => {
  it('usb-gadget-rndis: RNDIS selected and initialised, frames routed both ways; the early carrier is USBG-6', async () => {
    const r = await runScenario(loadScenario(join(SCENARIOS_DIR, 'usb-gadget-rndis.json'), DEFAULT_DRIVERS), {
      drivers: DEFAULT_DRIVERS,
    });
    expect(r.completed).toBe(true);
    const g = r.subsystems.find((s) => s.subsystem === 'usb-gadget')!;
    expect(g.counters).toMatchObject({ bound: 1, configuration: 2, framesFromHost: 60, framesToBus: 60 });
    // the link (and so the bus interface) is up from SET_CONFIGURATION on; broadcast frames the bus
    // delivers before the host sets the RNDIS packet filter meet filter 0 and are dropped by usb0
    expect(g.counters['framesDroppedToHost']).toBeGreaterThan(0);
    expect(g.counters['framesToHost']).toBe(
      g.counters['framesFromBus']! - g.counters['framesDroppedToHost']!,
    );
    expect(g.units!.map((u) => u['function'])).toEqual(['rndis', 'ecm']);
    const early = g.checks.find((c) => c.name === 'carrierOnlyWithOpenDataPath')!;
    expect(early).toMatchObject({ holds: false, findings: ['USBG-6'] });
    expect(g.checks.filter((c) => c.name !== 'carrierOnlyWithOpenDataPath').every((c) => c.holds)).toBe(true);
    const shmif = r.subsystems.find((s) => s.subsystem === 'shmif')!;
    expect(shmif.counters['interfaces']).toBe(3);
    expect(g.counters['framesFromBus']).toBe((shmif.units as Record<string, number>[])[2]!['unique']);
    expect(r.verdict).toBe('findings');
  });

  it('a gadget without a bus enumerates and reports that it did not join; its usbmon capture is a pcap tshark reads', async () => {
    const pcap = join(tmpDir(), 'usbmon.pcap');
    const scenario = decodeScenario(
      { name: 'alone', subsystems: { 'usb-gadget': { controller: 'pxa25x', usbmonPcap: pcap } } },
      DEFAULT_DRIVERS,
    );
    const r = await runScenario(scenario, { drivers: DEFAULT_DRIVERS });
    const g = r.subsystems[0]!;
    expect(r.completed).toBe(true);
    expect(g.counters).toMatchObject({ bound: 1, configuration: 1, linkUps: 1, framesFromHost: 0 });
    expect(g.notes.join('\n')).toContain('did not join the bus');
    expect(existsSync(pcap)).toBe(true);
    const t = spawnSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'frame.number', '-e', 'usb.idVendor'], {
      encoding: 'utf8',
    });
    expect(
      t.error,
      'tshark is needed: DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tshark',
    ).toBeUndefined();
    const lines = t.stdout.trim().split('\n');
    expect(lines).toHaveLength(g.counters['usbmonEvents']!);
    expect(lines.filter((l) => l.endsWith('\t0x049f'))).toHaveLength(2); // the two device-descriptor responses (64, then 18)
  });

  it('a bad entry is named by its path', () => {
    expect(() =>
      decodeScenario(
        { name: 'x', subsystems: { 'usb-gadget': { controller: 'floppy_udc' } } },
        DEFAULT_DRIVERS,
      ),
    ).toThrow(/\$\.subsystems\.usb-gadget\.controller/);
    expect(() =>
      decodeScenario({ name: 'x', subsystems: { 'usb-gadget': { hostFrames: -1 } } }, DEFAULT_DRIVERS),
    ).toThrow(/usb-gadget\.hostFrames/);
  });
});

/**
 * The trace `kspec run --trace` writes is what the docs viewer (tools/docs) loads: JSON Lines
 * decoded by `@kspec/statecharts`'s `parseTraceJsonl` (the viewer's own decoder), each
 * record's `actor` matched to a manifest chart by `traceActorMatches` (the viewer's own
 * filter), its state values valid configurations of that chart (`activeStateIds`, what the
 * viewer highlights), and consecutive records of an actor chained (`before` = previous `after`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSourceRef, type SubsystemManifest } from '@kspec/spec-kit';
import { activeStateIds, parseTraceJsonl, traceActorMatches } from '@kspec/statecharts';
import { manifest as shmifManifest } from '@kspec/shmif';
import { manifest as gadgetManifest } from '@kspec/usb-gadget';
import { manifest as evtchnManifest } from '@kspec/xen-evtchn';
import { manifest as corePagerManifest } from '@kspec/core-pager';
import { main } from '../src/program.js';
import { captureIo, tmpDir } from './helpers.js';

const manifests: readonly SubsystemManifest[] = [
  corePagerManifest,
  shmifManifest,
  gadgetManifest,
  evtchnManifest,
];

describe('kspec run --trace', () => {
  it('writes JSON Lines the docs viewer decodes, filters by chart and replays', async () => {
    const dir = tmpDir();
    const file = join(dir, 'trace.jsonl');
    const cap = captureIo();
    expect(await main(['node', 'kspec', 'run', '--trace', file], cap.io)).toBe(0);
    const text = readFileSync(file, 'utf8');
    const records = parseTraceJsonl(text);
    expect(records.length).toBe(text.trim().split('\n').length);
    expect(cap.text()).toContain(`trace: ${records.length.toLocaleString('en-US')} lines`);

    const actors = [...new Set(records.map((r) => r.actor))].sort();
    expect(actors).toEqual([
      'core-pager/corePager',
      'core-pager/corePlatform',
      'shmif/shmifInterface#0',
      'shmif/shmifInterface#1',
      'shmif/shmifInterface#2',
      'shmif/shmifInterface#3',
      'usb-gadget/gEther',
      'xen-evtchn/evtchnBinding#1',
      'xen-evtchn/evtchnBinding#2',
      'xen-evtchn/evtchnBinding#3',
      'xen-evtchn/evtchnDevice',
    ]);
    for (const actor of actors) {
      // exactly one chart of the manifests claims this actor, as the viewer page of that chart would
      const charts = manifests.flatMap((m) =>
        m.machines
          .filter((c) =>
            traceActorMatches(actor, {
              packageNames: [m.name, m.package],
              machineName: c.name,
              machineId: c.machine.id,
            }),
          )
          .map((c) => ({ m, c })),
      );
      expect(charts.length, actor).toBe(1);
      const { c } = charts[0]!;
      const mine = records.filter((r) => r.actor === actor);
      expect(mine.length).toBeGreaterThan(0);
      mine.forEach((r, k) => {
        expect(activeStateIds(c.machine, r.after).length, `${actor} step ${k}`).toBeGreaterThan(0);
        if (k > 0) expect(r.before).toEqual(mine[k - 1]!.after);
      });
    }
    // time never goes back; every source is a seed reference; most events took a transition
    for (let k = 1; k < records.length; k++) expect(records[k]!.t).toBeGreaterThanOrEqual(records[k - 1]!.t);
    const withSource = records.filter((r) => r.source !== null && r.source !== undefined);
    for (const r of withSource) expect(isSourceRef(r.source)).toBe(true);
    expect(withSource.length / records.length).toBeGreaterThan(0.9);
    expect(new Set(withSource.map((r) => r.source!.file))).toEqual(
      new Set([
        'genode-base-pistachio-core-platform.cc',
        'netbsd-rump-if_shmem.c',
        'linux-xen-evtchn.c',
        'linux-usb-gadget-ether.c',
      ]),
    );
  });
});

// The manifest joins the exporter and the docs: every machine exports to SVG, SCXML, DOT,
// Mermaid and JSON naming the seed lines.
import { describe, expect, it } from 'vitest';
import { listTransitions } from '@kspec/spec-kit';
import { checkManifest, exportMachine } from '@kspec/statecharts';
import { manifest } from './index.js';

describe('export through @kspec/statecharts', () => {
  it('the manifest passes the exporter’s manifest check', () => {
    expect(checkManifest(manifest, '@kspec/cmm')).toBe(manifest);
  });

  it.each(manifest.machines.map((m) => [m.name, m] as const))(
    '%s exports to SVG, SCXML, DOT, Mermaid and JSON, naming the seed lines',
    async (_name, entry) => {
      const out = await exportMachine(entry);
      for (const f of ['svg', 'scxml', 'dot', 'mmd', 'json'] as const)
        expect(out.files[f]?.length ?? 0).toBeGreaterThan(0);
      expect(out.files.svg).toMatch(/<svg/);
      expect(out.files.scxml).toMatch(/xmlns="http:\/\/www\.w3\.org\/2005\/07\/scxml"/);
      const events = (out.files.scxml ?? '').match(/<transition\b/g)?.length ?? 0;
      expect(events).toBeGreaterThanOrEqual(
        listTransitions(entry.machine).filter((t) => t.kind === 'event').length,
      );
      expect(out.files.json).toContain('linux-powerpc-pseries-cmm.c');
      expect(out.files.mmd).toContain('stateDiagram-v2');
    },
    120_000,
  );
});

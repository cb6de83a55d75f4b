import { describe, expect, it } from 'vitest';
import { listTransitions } from '@kspec/spec-kit';
import { checkManifest, exportMachine } from '@kspec/statecharts';
import { manifest } from './index.js';

describe('export through @kspec/statecharts', () => {
  it('the manifest passes the exporter’s manifest check', () => {
    expect(checkManifest(manifest, '@kspec/core-pager')).toBe(manifest);
  });

  it.each(manifest.machines.map((m) => [m.name, m] as const))(
    '%s exports to SVG, SCXML, DOT, Mermaid and JSON, naming the seed',
    async (_name, entry) => {
      const out = await exportMachine(entry);
      for (const f of ['svg', 'scxml', 'dot', 'mmd', 'json'] as const)
        expect(out.files[f]?.length ?? 0).toBeGreaterThan(0);
      expect(out.files.svg).toMatch(/<svg/);
      expect(out.files.scxml).toMatch(/xmlns="http:\/\/www\.w3\.org\/2005\/07\/scxml"/);
      const transitions = (out.files.scxml ?? '').match(/<transition\b/g)?.length ?? 0;
      expect(transitions).toBeGreaterThanOrEqual(
        listTransitions(entry.machine).filter((t) => t.kind === 'event').length,
      );
      expect(out.files.json).toContain('genode-base-pistachio-core-platform.cc');
    },
    60_000,
  );
});

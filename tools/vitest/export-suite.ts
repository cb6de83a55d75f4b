// The export test every subsystem package runs on its own manifest: the manifest passes the
// exporter's check, and every machine exports to SVG, SCXML, DOT, Mermaid and JSON, the SCXML
// with at least one <transition> per event transition and the JSON naming the seed file.
import { describe, expect, it } from 'vitest';
import { listTransitions, type SubsystemManifest } from '@kspec/spec-kit';
import { checkManifest, exportMachine } from '@kspec/statecharts';

export function describeManifestExport(
  manifest: SubsystemManifest,
  packageName: string,
  seedFile: string,
  timeoutMs = 60_000,
): void {
  describe('export through @kspec/statecharts', () => {
    it('the manifest passes the exporter’s manifest check', () => {
      expect(checkManifest(manifest, packageName)).toBe(manifest);
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
        expect(out.files.json).toContain(seedFile);
        expect(out.files.mmd).toContain('stateDiagram-v2');
      },
      timeoutMs,
    );
  });
}

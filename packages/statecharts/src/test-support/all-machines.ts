/**
 * Every machine the tests cover: the exporter fixtures plus every machine of every workspace
 * package that exports a `manifest` (discovered, so a new subsystem package is covered without
 * a change here).
 */
import { fileURLToPath } from 'node:url';
import type { ChartEntry, SubsystemManifest } from '@kspec/spec-kit';
import { discoverManifests, findRepoRoot } from '../discover.js';
import { manifest as fixtureManifest } from '../fixtures/index.js';

/** One machine with the manifest it belongs to. */
export interface MachineUnderTest {
  readonly label: string;
  readonly manifest: SubsystemManifest;
  readonly entry: ChartEntry;
}

/** The repository root. */
export const repoRoot = findRepoRoot(fileURLToPath(new URL('.', import.meta.url)));

/** The discovered manifests (fixtures first). */
export async function allManifests(): Promise<SubsystemManifest[]> {
  const found = await discoverManifests(repoRoot);
  return [fixtureManifest, ...found.map((f) => f.manifest)];
}

/** Every machine of {@link allManifests}. */
export async function allMachines(): Promise<MachineUnderTest[]> {
  return (await allManifests()).flatMap((manifest) =>
    manifest.machines.map((entry) => ({ label: `${manifest.name}/${entry.name}`, manifest, entry })),
  );
}

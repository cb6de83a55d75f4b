/**
 * Writing the exports to disk (Node only, `@kspec/statecharts/node`): every format of every
 * machine of some manifests under one folder, with an `index.json`, all rendered before
 * anything is written and each file written whole.
 *
 * @module
 */
import { join } from 'node:path';
import type { SubsystemManifest } from '@kspec/spec-kit';
import {
  EXPORT_FORMATS,
  exportMachine,
  type ExportFormat,
  type ExportIndex,
  type MachineExport,
} from './export-all.js';
import { checkOutputDirectory, makeOutputDirectory, writeFileAtomic } from './outputs.js';

/**
 * Writes every format of every machine of `manifests` under `out` and returns the index
 * (also written as `out/index.json`). Every machine is rendered before anything is written,
 * `out` is checked first ({@link checkOutputDirectory}: it exists or can be made), and each
 * file is written whole through a temporary file and a rename, so a failure leaves the
 * files as they were. `flag` names `out` in messages (`--out`).
 * @category Export
 */
export async function exportManifests(
  manifests: readonly SubsystemManifest[],
  out: string,
  formats: readonly ExportFormat[] = EXPORT_FORMATS,
  flag = '--out',
): Promise<ExportIndex> {
  checkOutputDirectory(flag, out);
  const index: ExportIndex['packages'][number][] = [];
  const files: { dir: string; file: string; text: string }[] = [];
  for (const manifest of manifests) {
    const machines: ExportIndex['packages'][number]['machines'][number][] = [];
    for (const entry of manifest.machines) {
      let result: MachineExport;
      try {
        result = await exportMachine(entry, formats);
      } catch (err) {
        throw new Error(`${manifest.package}: machine '${entry.name}': ${(err as Error).message}`, {
          cause: err,
        });
      }
      const written: string[] = [];
      for (const [ext, text] of Object.entries(result.files)) {
        const file = join(manifest.name, `${entry.name}.${ext}`);
        files.push({ dir: manifest.name, file, text });
        written.push(file);
      }
      machines.push({ name: entry.name, files: written, notes: result.notes });
    }
    index.push({ package: manifest.package, name: manifest.name, title: manifest.title, machines });
  }
  const result: ExportIndex = { packages: index };
  makeOutputDirectory(flag, out);
  // a package without machines (shared-memory carries only findings) gets no empty folder
  for (const dir of new Set(files.map((f) => f.dir))) makeOutputDirectory(flag, join(out, dir));
  for (const f of files) writeFileAtomic(join(out, f.file), f.text, flag);
  writeFileAtomic(join(out, 'index.json'), `${JSON.stringify(result, null, 2)}\n`, flag);
  return result;
}

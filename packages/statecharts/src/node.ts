/**
 * `@kspec/statecharts/node`: the Node-only part of the exporter. Discovering the `manifest`
 * of every kspec package (in this workspace, or installed under `node_modules`), writing every
 * format of every machine to a folder, and the output discipline every kspec CLI follows
 * (every output checked before any work, written through a temporary file and renamed).
 *
 * @packageDocumentation
 */
export {
  discoverManifests,
  discoverInstalledManifests,
  findRepoRoot,
  listWorkspacePackages,
  listInstalledPackages,
} from './discover.js';
export type { DiscoveredManifest, DiscoverOptions } from './discover.js';
export { exportManifests } from './export-files.js';
export {
  OutputPathError,
  reserveOutputs,
  writeFileAtomic,
  checkOutputDirectory,
  makeOutputDirectory,
} from './outputs.js';
export type { OutputSpec, InputSpec, PendingOutput, ReservedOutputs } from './outputs.js';

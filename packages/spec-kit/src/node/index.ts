/**
 * `@kspec/spec-kit/node`: the Node-only part of spec-kit (file access). A local seed directory,
 * its texts, and the seed index derived from it. The main entry stays browser-safe.
 *
 * @module @kspec/spec-kit/node
 */
export {
  SEEDS_ENV,
  resolveSeedDir,
  readSeedText,
  deriveSeedIndex,
  renderSeedIndexModule,
} from './seed-dir.js';
export type { SeedDirOptions } from './seed-dir.js';

/**
 * Where the orchestrator's own files are: its example scenarios (shipped with the package,
 * beside `src/` and `dist/`) and the repository it runs in.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRepoRoot } from '@kspec/statecharts/node';

/**
 * The directory of the example scenarios (`apps/orchestrator/scenarios`).
 * @category Scenarios
 */
export const SCENARIOS_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));

/**
 * The built-in default scenario's file.
 * @category Scenarios
 */
export const DEFAULT_SCENARIO_FILE = join(SCENARIOS_DIR, 'default.json');

/** This package's own directory (`apps/orchestrator` in the repository, or under `node_modules`). */
export const PACKAGE_DIR = fileURLToPath(new URL('../', import.meta.url));

/**
 * The kspec repository this CLI runs from, or `undefined` when it runs installed in another
 * project: the workspace root above this package, if that workspace is kspec's (it holds
 * `packages/spec-kit`). The working directory plays no part, so `kspec` behaves the same
 * wherever it is started.
 * @category CLI
 */
export function kspecWorkspaceRoot(): string | undefined {
  let root: string;
  try {
    root = findRepoRoot(PACKAGE_DIR);
  } catch {
    return undefined;
  }
  return existsSync(join(root, 'packages', 'spec-kit', 'package.json')) ? root : undefined;
}

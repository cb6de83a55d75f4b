/**
 * Where the orchestrator's own files are: its example scenarios (shipped with the package,
 * beside `src/` and `dist/`) and the repository it runs in.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRepoRoot } from '@kspec/statecharts';

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

/**
 * The repository root: from the working directory, else from where this package lives.
 * @category CLI
 */
export function repoRoot(): string {
  try {
    return findRepoRoot(process.cwd());
  } catch {
    const here = fileURLToPath(new URL('../', import.meta.url));
    return existsSync(here) ? findRepoRoot(here) : process.cwd();
  }
}

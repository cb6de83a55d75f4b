/**
 * {@link checkConfigParallel}: a model's named check configuration run on worker threads and
 * compared with its expectations, as {@link checkConfig} does in one thread.
 *
 * @module
 */
import { configMismatches, configOptions, findConfig, type ConfigCheck } from '../check-config.js';
import { loadModel, type ModelSource } from './model-source.js';
import { exploreParallel, type ParallelOptions } from './threads.js';

/**
 * Runs the configuration `configName` of the model named by `source` with
 * {@link exploreParallel} and compares the report with the configuration's `expect`.
 * @category Parallel
 */
export async function checkConfigParallel(
  source: ModelSource,
  configName: string,
  options: Omit<ParallelOptions, 'maxStates' | 'maxDepth' | 'timeBudgetMs' | 'invariants'> = {},
): Promise<ConfigCheck> {
  const config = findConfig(await loadModel(source), configName);
  const report = await exploreParallel(source, configOptions(config, options));
  return { config: config.name, ...configMismatches(config, report), report };
}

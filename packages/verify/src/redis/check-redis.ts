/**
 * {@link checkConfigRedis}: a model's named check configuration run by the workers of a
 * Redis deployment and compared with its expectations, as {@link checkConfig} does locally.
 *
 * @module
 */
import { configMismatches, configOptions, findConfig, type ConfigCheck } from '../check-config.js';
import { loadModel, type ModelSource } from '../parallel/model-source.js';
import { exploreRedis, type RedisOptions } from './coordinator.js';

/**
 * Runs the configuration `configName` of the model named by `source` with
 * {@link exploreRedis} (as its coordinator) and compares the report with its `expect`.
 * @category Distributed
 */
export async function checkConfigRedis(
  source: ModelSource,
  configName: string,
  options: Omit<RedisOptions, 'maxStates' | 'maxDepth' | 'timeBudgetMs' | 'invariants'>,
): Promise<ConfigCheck> {
  const config = findConfig(await loadModel(source), configName);
  const report = await exploreRedis(source, configOptions(config, options));
  return { config: config.name, ...configMismatches(config, report), report };
}

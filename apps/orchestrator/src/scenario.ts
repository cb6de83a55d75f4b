/**
 * Scenario files: JSON decoded with io-ts. The top level names the run (seed, tick budget,
 * sampling, the shared memory); `subsystems` holds one entry per subsystem, each decoded by
 * its driver's own codec, so a new driver brings its configuration without touching this
 * file. Every problem is reported with its JSON path, the expected type and the value found;
 * a scenario that does not decode starts nothing and writes nothing.
 *
 * ```json
 * {
 *   "name": "default",
 *   "seed": 1,
 *   "sharedMemory": { "bus": { "dataSize": 1048544 } },
 *   "subsystems": {
 *     "shmif": { "interfaces": 3, "framesPerInterface": 200 },
 *     "xen-evtchn": { "raiseOn": "shmif.delivered" }
 *   }
 * }
 * ```
 *
 * @module
 */
import * as t from 'io-ts/lib/index.js';
import { MAX_DATASIZE, MIN_DATASIZE } from '@kspec/shared-memory';
import { PlainRecord, ScenarioError, decodeWith, intIn, pathStep, quoteKey, strictObject } from './codec.js';
import type { AnyScenarioDriver } from './driver.js';
import { MAX_SCENARIO_BYTES, parseJsonInput, readInputFile } from './json-input.js';

/**
 * The codec of a scenario's top level (subsystem entries are checked by their drivers).
 * @category Scenarios
 */
export const ScenarioHeaderCodec = strictObject(
  'scenario',
  {
    name: t.string,
    subsystems: PlainRecord,
  },
  {
    description: t.string,
    /** Seed of every random choice (overridden by `--seed`). */
    seed: intIn(0, 0xffffffff),
    /** Give up after this many ticks (virtual milliseconds). */
    maxTicks: intIn(1, 10_000_000),
    /** Sample the gauges for the report every this many ticks. */
    sampleEvery: intIn(1, 1_000_000),
    sharedMemory: strictObject(
      'sharedMemory',
      {},
      {
        bus: strictObject('bus', {}, { dataSize: intIn(MIN_DATASIZE, MAX_DATASIZE) }),
      },
    ),
  },
);

/**
 * A decoded scenario: defaults filled in, each subsystem's configuration decoded.
 * @category Scenarios
 */
export interface Scenario {
  /** Where it came from (the file name), for messages. */
  readonly source: string;
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  readonly maxTicks: number;
  readonly sampleEvery: number;
  readonly busDataSize: number | undefined;
  /** Subsystem name -> decoded configuration, in the file's order. */
  readonly subsystems: ReadonlyMap<string, unknown>;
}

/**
 * Decodes a parsed scenario. `where` names it in messages (a file name).
 * @category Scenarios
 */
export function decodeScenario(
  value: unknown,
  drivers: readonly AnyScenarioDriver[],
  where = 'scenario',
): Scenario {
  const head = decodeWith(ScenarioHeaderCodec, value, where);
  const subsystems = new Map<string, unknown>();
  const known = drivers.map((d) => d.subsystem);
  const entries = Object.entries(head.subsystems);
  if (entries.length === 0) {
    throw new ScenarioError(
      `${where}: invalid\n  at $.subsystems: expected at least one subsystem (${known.join(', ')}), got {}`,
      [{ path: '$.subsystems', expected: `at least one of ${known.join(', ')}`, got: '{}' }],
    );
  }
  for (const [name, config] of entries) {
    const driver = drivers.find((d) => d.subsystem === name);
    const path = `$.subsystems${pathStep(name)}`;
    if (!driver) {
      throw new ScenarioError(
        `${where}: invalid\n  at ${path}: unknown subsystem ${quoteKey(name)} (drivers: ${known.join(', ')})`,
        [
          {
            path,
            expected: `one of ${known.join(', ')}`,
            got: JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}...` : name),
          },
        ],
      );
    }
    const ctx: t.Context = [
      { key: '', type: ScenarioHeaderCodec, actual: value },
      { key: 'subsystems', type: PlainRecord, actual: head.subsystems },
      { key: name, type: driver.config, actual: config },
    ];
    subsystems.set(name, decodeWith(driver.config, config, where, ctx));
  }
  return {
    source: where,
    name: head.name,
    description: head.description ?? '',
    seed: head.seed ?? 1,
    maxTicks: head.maxTicks ?? 1_000_000,
    sampleEvery: head.sampleEvery ?? 10,
    busDataSize: head.sharedMemory?.bus?.dataSize,
    subsystems,
  };
}

/**
 * Reads and decodes a scenario file: a regular file of at most {@link MAX_SCENARIO_BYTES},
 * UTF-8 (a byte order mark is skipped), JSON nested at most `MAX_JSON_DEPTH` deep. Every
 * problem is a {@link ScenarioError} naming the file.
 * @category Scenarios
 */
export function loadScenario(path: string, drivers: readonly AnyScenarioDriver[]): Scenario {
  return decodeScenario(
    parseJsonInput(readInputFile(path, { maxBytes: MAX_SCENARIO_BYTES, what: 'a scenario' }), path),
    drivers,
    path,
  );
}

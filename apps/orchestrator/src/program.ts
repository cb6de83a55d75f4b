/**
 * The `kspec` command line (commander): `run`, `export`, `check`, `paths`, `pcap`, each with
 * `--help`. Exit status: 0 success, 1 a violation or failure, 2 bad input (usage, a scenario
 * or bus file that does not decode or cannot work, an output that cannot be written or would
 * overwrite an input), 130 interrupted (SIGINT); on bad input nothing is written.
 *
 * @module
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { OutputPathError } from '@kspec/statecharts/node';
import { ScenarioError } from './codec.js';
import { checkCommand, exportCommand, pathsCommand, redisWorkerCommand } from './commands/models.js';
import { pcapCommand } from './commands/pcap.js';
import { runCommand } from './commands/run.js';
import { EXIT, RunInterrupted, UsageError } from './errors.js';
import { processIo, type CommandIo } from './io.js';

/** The package version (kept in step with package.json by a test). */
export const VERSION = '0.1.0';

function intOption(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`expected an integer in [${min}, ${max}], got '${value}'`);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer in [${min}, ${max}], got ${value}`);
    }
    return n;
  };
}

/**
 * Options of {@link main} and {@link buildProgram}.
 * @category CLI
 */
export interface MainOptions {
  /** Aborted to stop `kspec run` (the executable aborts it on SIGINT): exit 130. */
  readonly signal?: AbortSignal;
}

/**
 * Builds the `kspec` program. Actions store their exit status in `status.code`.
 * @category CLI
 */
export function buildProgram(io: CommandIo, status: { code: number }, options: MainOptions = {}): Command {
  const program = new Command();
  program
    .name('kspec')
    .description(
      'kspec: run the subsystem statecharts composed over one shared memory, export them, check them, and turn bus files into pcaps.',
    )
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    });

  program
    .command('run')
    .description(
      'Run a scenario (default: the built-in one: 3 shmif interfaces exchanging frames over a shmif bus, a xen-evtchn device raising a port per delivered frame) and print a summary per subsystem.',
    )
    .argument('[scenario]', 'scenario JSON file (see apps/orchestrator/scenarios)')
    .option('--seed <n>', 'seed of every random choice (overrides the scenario)', intOption(0, 0xffffffff))
    .option('--trace <file>', 'write every machine event as JSON Lines (the docs viewer replays it)')
    .option('--report <file>', 'write an offline HTML report with plots over time')
    .option(
      '--bus-file <path>',
      'load the shmif bus from this file when it exists, and write it there at the end',
    )
    .option(
      '--workers <n>',
      'run the shmif interfaces in this many worker threads (0: in this thread, deterministic)',
      intOption(0, 64),
      0,
    )
    .option('--json', 'print the summary as JSON')
    .action(
      async (
        scenario: string | undefined,
        opts: {
          seed?: number;
          trace?: string;
          report?: string;
          busFile?: string;
          workers: number;
          json?: boolean;
        },
      ) => {
        const r = await runCommand(
          scenario,
          { ...opts, ...(options.signal ? { signal: options.signal } : {}) },
          io,
        );
        status.code = r.code;
      },
    );

  program
    .command('export')
    .description('Export every machine of every subsystem package to <out>/<package>/<machine>.<ext>.')
    .option('--out <dir>', 'output directory', 'docs/statecharts')
    .option(
      '--format <list>',
      'comma-separated formats: svg, scxml, dot, mmd, json',
      'svg,scxml,dot,mmd,json',
    )
    .action(async (opts: { out: string; format: string }) => {
      status.code = await exportCommand(opts, io);
    });

  program
    .command('check')
    .description(
      'Check every named configuration of every check model of a package (or all); exit 1 on a violation that is not a recorded finding, or a configuration whose expectations fail.',
    )
    .argument('[package]', "a manifest name (e.g. xen-evtchn) or 'all'", 'all')
    .option(
      '--max-states <n>',
      'explore each model once with this state budget instead of its configurations',
      intOption(1),
    )
    .option(
      '--depth <n>',
      'explore each model once to this depth instead of its configurations',
      intOption(1),
    )
    .option('--no-deadlock', 'do not report states where no event is enabled as deadlocks')
    .option('--json', 'print the reports as JSON')
    .option('--verbose', 'list every transition a check never took (default: counts per machine)')
    .option(
      '--workers <n>',
      "worker threads per check, or 'all' for every core (default 1: in process)",
      (v: string): number | 'all' => (v === 'all' ? 'all' : intOption(1)(v)),
    )
    .option('--redis <url>', 'distributed: coordinate the checks on this Redis (redis://host:port)')
    .option('--worker', 'with --redis: run as a worker process of distributed checks')
    .option('--coordinator', 'with --redis: run as the coordinator (the default without --worker)')
    .option('--stop-workers', 'with --redis: ask the workers to exit when the checks are done')
    .option(
      '--claim-timeout <ms>',
      'with --redis: re-queue work a worker has not finished in this time',
      intOption(1),
    )
    .action(
      async (
        pkg: string,
        opts: {
          maxStates?: number;
          depth?: number;
          json?: boolean;
          deadlock: boolean;
          verbose?: boolean;
          workers?: number | 'all';
          redis?: string;
          worker?: boolean;
          coordinator?: boolean;
          stopWorkers?: boolean;
          claimTimeout?: number;
        },
      ) => {
        if (opts.worker && opts.coordinator)
          throw new UsageError('--worker and --coordinator exclude each other');
        if ((opts.worker || opts.coordinator) && opts.redis === undefined)
          throw new UsageError(`--${opts.worker ? 'worker' : 'coordinator'} needs --redis <url>`);
        if (opts.worker) {
          status.code = await redisWorkerCommand(opts.redis!, io);
          return;
        }
        status.code = (await checkCommand(pkg, opts, io)).code;
      },
    );

  program
    .command('paths')
    .description(
      'Print transition-covering test paths of a check model as JSON (replay them against your implementation).',
    )
    .argument(
      '<machine>',
      'a check model or chart name, optionally <package>/<name> (e.g. xen-evtchn/evtchnDevice)',
    )
    .option(
      '--max-states <n>',
      'state budget (default: the first check configuration of the model)',
      intOption(1),
    )
    .option('--depth <n>', 'depth bound (default: the first check configuration of the model)', intOption(1))
    .option('-o, --out <file>', 'write the JSON here instead of stdout')
    .action(async (name: string, opts: { maxStates?: number; depth?: number; out?: string }) => {
      status.code = await pathsCommand(name, opts, io);
    });

  program
    .command('pcap')
    .description('Write the frames on a shmif bus file (shm_first to shm_last) as a pcap file.')
    .argument('<busfile>', 'a shmif bus file (e.g. from kspec run --bus-file)')
    .requiredOption('-o, --out <file>', 'the pcap file to write')
    .option('--data-size <n>', 'the bus data area size (default: file size - 32)', intOption(25))
    .action((busFile: string, opts: { out: string; dataSize?: number }) => {
      status.code = pcapCommand(busFile, opts, io).code;
    });

  return program;
}

/**
 * Runs the command line `argv` (as `process.argv`) and returns the exit status; callable in
 * the same process (nothing here calls `process.exit`): `io` takes stdout and stderr.
 * Bad input (usage, a scenario, plan, bus file or output path that cannot work) is one
 * message and status 2; a run stopped by `options.signal` is status 130.
 * @category CLI
 */
export async function main(
  argv: readonly string[],
  io: CommandIo = processIo,
  options: MainOptions = {},
): Promise<number> {
  const status = { code: EXIT.ok as number };
  const program = buildProgram(io, status, options);
  try {
    await program.parseAsync([...argv]);
    return status.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof RunInterrupted) {
      io.err(`kspec: ${err.message}`);
      return EXIT.interrupted;
    }
    if (err instanceof ScenarioError || err instanceof UsageError || err instanceof OutputPathError) {
      io.err(`kspec: ${err.message}`);
      return EXIT.usage;
    }
    io.err(`kspec: ${(err as Error).stack ?? String(err)}`);
    return EXIT.failure;
  }
}

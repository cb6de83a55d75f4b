/**
 * The exporter command line (see `cli.ts`), declared with commander: `--out DIR` (required),
 * `--format svg,scxml,dot,mmd,json` (alias `--formats`), `--root DIR`, `--help`.
 *
 * @module
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { ExportFormat } from './export-all.js';
import { EXPORT_FORMATS, parseFormats } from './export-all.js';

/**
 * Parsed command line.
 * @category Export
 */
export interface CliArgs {
  readonly out: string;
  readonly formats: readonly ExportFormat[];
  readonly root?: string;
}

const formatsOption = (flags: string, hidden = false): Option => {
  const o = new Option(flags, `formats to write (default: ${EXPORT_FORMATS.join(',')})`).argParser(
    (v: string) => {
      try {
        return parseFormats(v);
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      }
    },
  );
  return hidden ? o.hideHelp() : o;
};

/**
 * The exporter's commander program (output and exit left to the caller: errors are thrown as
 * `CommanderError`).
 * @category Export
 */
export function exporterProgram(): Command {
  return new Command('kspec-statecharts')
    .description(
      'Export every machine of every workspace package that exports a manifest to <out>/<package>/<machine>.<ext>.',
    )
    .requiredOption('--out <dir>', 'the directory to write')
    .addOption(formatsOption('--format <list>'))
    .addOption(formatsOption('--formats <list>', true))
    .option('--root <dir>', 'the repository root (default: found from the working directory)')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
}

/**
 * Parses argv (without node and script), throwing a RangeError with commander's message for a
 * bad or missing argument.
 * @category Export
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const program = exporterProgram();
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError)
      throw new RangeError(err.message.replace(/^error: /, ''), { cause: err });
    throw err;
  }
  const o = program.opts<{ out: string; format?: ExportFormat[]; formats?: ExportFormat[]; root?: string }>();
  return {
    out: o.out,
    formats: o.format ?? o.formats ?? EXPORT_FORMATS,
    ...(o.root ? { root: o.root } : {}),
  };
}

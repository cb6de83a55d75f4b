/**
 * The exporter command line's arguments (see `cli.ts`).
 *
 * @module
 */
import type { ExportFormat } from './export-all.js';
import { EXPORT_FORMATS, parseFormats } from './export-all.js';

/**
 * The usage line.
 * @category Export
 */
export const USAGE = `usage: kspec-statecharts --out DIR [--format ${EXPORT_FORMATS.join(',')}] [--root DIR]`;

/**
 * Parsed command line.
 * @category Export
 */
export interface CliArgs {
  readonly out: string;
  readonly formats: readonly ExportFormat[];
  readonly root?: string;
}

/**
 * Parses argv (without node and script), throwing a RangeError naming the bad argument.
 * @category Export
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let out: string | undefined;
  let formats: readonly ExportFormat[] = EXPORT_FORMATS;
  let root: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new RangeError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--out') out = value();
    else if (flag === '--format' || flag === '--formats') formats = parseFormats(value());
    else if (flag === '--root') root = value();
    else throw new RangeError(`unknown argument '${arg}'`);
  }
  if (!out) throw new RangeError('--out is required');
  return { out, formats, ...(root ? { root } : {}) };
}

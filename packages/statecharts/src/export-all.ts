/**
 * Writes every format of every machine of a set of manifests into a directory:
 * `<out>/<manifest name>/<machine name>.{svg,scxml,dot,mmd,json}`, plus `<out>/index.json`
 * listing what was written and the notes on what a format could not show. This is what
 * `npm start` (through the CLI) refreshes in `docs/statecharts`.
 *
 * @module
 */
import type { ChartEntry } from '@kspec/spec-kit';
import { toDot } from './dot.js';
import { toXStateJson } from './json.js';
import { toMermaid } from './mermaid.js';
import { exportScxml } from './scxml.js';
import { renderDotToSvg } from './svg.js';

/**
 * The export formats, by file extension.
 * @category Export
 */
export const EXPORT_FORMATS = ['svg', 'scxml', 'dot', 'mmd', 'json'] as const;

/**
 * One export format (a file extension).
 * @category Export
 */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Every format of one machine, as text.
 * @category Export
 */
export interface MachineExport {
  readonly name: string;
  readonly files: Partial<Record<ExportFormat, string>>;
  /** What SCXML could not express exactly (see `exportScxml`). */
  readonly notes: readonly string[];
}

/**
 * Parses a comma-separated format list (`svg,scxml`), naming any unknown format.
 * @category Export
 */
export function parseFormats(list: string): ExportFormat[] {
  const formats = list
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  for (const f of formats) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(f)) {
      throw new RangeError(`unknown format '${f}' (known: ${EXPORT_FORMATS.join(', ')})`);
    }
  }
  if (formats.length === 0) throw new RangeError('no format given');
  return formats as ExportFormat[];
}

/**
 * Exports one machine to the given formats (all by default).
 * @category Export
 */
export async function exportMachine(
  entry: Pick<ChartEntry, 'name' | 'machine'>,
  formats: readonly ExportFormat[] = EXPORT_FORMATS,
): Promise<MachineExport> {
  const files: Partial<Record<ExportFormat, string>> = {};
  let notes: readonly string[] = [];
  const want = new Set(formats);
  let dot: string | undefined;
  if (want.has('dot') || want.has('svg')) dot = toDot(entry.machine);
  if (want.has('dot')) files.dot = dot;
  if (want.has('svg')) files.svg = await renderDotToSvg(dot!);
  if (want.has('scxml')) {
    const scxml = exportScxml(entry.machine);
    files.scxml = scxml.xml;
    notes = scxml.notes;
  }
  if (want.has('mmd')) files.mmd = toMermaid(entry.machine);
  if (want.has('json')) files.json = `${JSON.stringify(toXStateJson(entry.machine), null, 2)}\n`;
  return { name: entry.name, files, notes };
}

/**
 * What {@link exportManifests} wrote.
 * @category Export
 */
export interface ExportIndex {
  readonly packages: readonly {
    readonly package: string;
    readonly name: string;
    readonly title: string;
    readonly machines: readonly {
      readonly name: string;
      readonly files: readonly string[];
      readonly notes: readonly string[];
    }[];
  }[];
}

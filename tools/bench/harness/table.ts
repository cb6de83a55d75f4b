/**
 * The suite's one table, as text: metric / kspec / baseline / ratio / target / met, one
 * section per benchmark, figures as medians with their spread (min..max over the rounds).
 *
 * @module
 */
import type { Row, Stat, SuiteResult, Target } from './types.js';

/** A number in a short human form: 1,234,567 / 12.3 / 0.0123. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(2);
}

/** A figure with its spread, e.g. `12,300 (11,900..12,800)`. */
export function statText(s: Stat | null, unit = ''): string {
  if (!s) return '-';
  const u = unit ? ` ${unit}` : '';
  if (s.rounds.length <= 1 || s.min === s.max) return `${fmt(s.median)}${u}`;
  return `${fmt(s.median)}${u} (${fmt(s.min)}..${fmt(s.max)})`;
}

export function targetText(t: Target | undefined): string {
  if (!t) return '-';
  return t.on === 'ratio' ? `${t.op} ${fmt(t.bound)}x` : `${t.op} ${fmt(t.bound)}`;
}

export function metText(m: boolean | null): string {
  return m === null ? '-' : m ? 'yes' : 'NO';
}

function rowCells(r: Row): string[] {
  return [
    r.metric,
    statText(r.kspec, r.unit),
    r.baseline ? `${statText(r.baseline)}${r.baselineName ? ` ${r.baselineName}` : ''}` : '-',
    r.ratio === null ? '-' : `${fmt(r.ratio)}x`,
    targetText(r.target),
    metText(r.met),
  ];
}

/** The whole table, with a header naming the run. */
export function suiteTable(result: SuiteResult): string {
  const head = ['metric', 'kspec', 'baseline', 'ratio', 'target', 'met'];
  const lines: string[] = [];
  const sections: { title: string; rows: string[][]; notes: string[] }[] = [];
  for (const b of result.benches) {
    const rows = (b.output?.rows ?? []).map(rowCells);
    const notes = (b.output?.rows ?? []).flatMap((r) => (r.note ? [`${r.metric}: ${r.note}`] : []));
    if (!b.ok) notes.push(`FAILED: ${(b.error ?? '').split('\n')[0]}`);
    sections.push({ title: `${b.name}: ${b.title} (${b.seconds.toFixed(0)} s)`, rows, notes });
  }
  const all = [head, ...sections.flatMap((s) => s.rows)];
  const widths = head.map((_, i) => Math.min(i === 2 ? 46 : 64, Math.max(...all.map((r) => r[i]!.length))));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  lines.push(
    `kspec benchmarks${result.smoke ? ' (SMOKE: tiny sizes, one round; figures mean nothing)' : ''}: commit ${result.commit.slice(0, 10)}${result.dirty ? '+dirty' : ''}, node ${result.node}, ${result.cpus} cpus, load ${result.loadAverage.start.map((x) => x.toFixed(1)).join(' ')} at start`,
  );
  lines.push(
    'medians over the rounds (min..max); ratio = kspec / baseline; rates per CPU-second unless marked wall',
  );
  lines.push('');
  lines.push(line(head));
  for (const s of sections) {
    lines.push(`-- ${s.title}`);
    for (const r of s.rows) lines.push(line(r));
    for (const n of s.notes) lines.push(`   note: ${n}`);
  }
  const rows = result.benches.flatMap((b) => b.output?.rows ?? []);
  const targets = rows.filter((r) => r.target);
  lines.push('');
  lines.push(
    `${targets.length} targets: ${targets.filter((r) => r.met === true).length} met, ${targets.filter((r) => r.met === false).length} not met, ${targets.filter((r) => r.met === null).length} not measured; ${result.benches.filter((b) => !b.ok).length} benchmark(s) failed`,
  );
  return lines.join('\n');
}

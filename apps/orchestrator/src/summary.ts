/**
 * The text summary of a run: a header (scenario, seed, ticks, events, throughput, whether the
 * run was deterministic), the verdict, and one block per subsystem: its key counters, a table
 * of its units (interfaces, ports), its actors with their final states, its accounting checks
 * (with the recorded findings that explain a failure) and notes. Also the `--json` form.
 *
 * @module
 */
import type { SubsystemSummary } from './driver.js';
import type { RunResult } from './engine.js';

/**
 * Renders rows as a left-aligned text table with a header line.
 * @category Output
 */
export function textTable(rows: readonly Readonly<Record<string, unknown>>[], indent = '  '): string {
  if (rows.length === 0) return '';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string =>
    v === undefined ? '' : typeof v === 'number' ? v.toLocaleString('en-US') : String(v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    indent +
    vals
      .map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(cols), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

function counterLine(counters: Readonly<Record<string, number>>): string {
  return Object.entries(counters)
    .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
    .join(' · ');
}

function subsystemText(s: SubsystemSummary): string {
  const out: string[] = [];
  out.push(`${s.subsystem} — ${s.title}: ${s.events.toLocaleString('en-US')} events processed`);
  out.push(`  ${counterLine(s.counters)}`);
  if (s.units && s.units.length) out.push('', textTable(s.units));
  out.push(
    '',
    textTable(s.actors.map((a) => ({ actor: a.actor, events: a.events, 'final state': a.state }))),
  );
  out.push('', '  checks:');
  for (const c of s.checks) {
    const mark = c.holds ? 'ok  ' : c.findings?.length ? 'KNOWN' : 'FAIL';
    const why = !c.holds && c.findings?.length ? ` [recorded finding ${c.findings.join(', ')}]` : '';
    out.push(`    ${mark} ${c.name}: ${c.detail}${why}`);
  }
  if (s.notes.length) out.push('', ...s.notes.map((n) => `  note: ${n}`));
  return out.join('\n');
}

/**
 * The text summary of a run.
 * @category Output
 */
export function formatRunSummary(r: RunResult): string {
  const out: string[] = [];
  const mode =
    r.workers > 0
      ? `${r.workers} worker thread(s), not deterministic`
      : 'in this thread, deterministic for the seed';
  out.push(
    `kspec run: ${r.scenario} (seed ${r.seed}) — ${r.ticks.toLocaleString('en-US')} ticks, ` +
      `${r.timing.events.toLocaleString('en-US')} events in ${(r.timing.ms / 1000).toFixed(2)} s ` +
      `(${r.timing.eventsPerSecond.toLocaleString('en-US')} events/s), ${mode}`,
  );
  const known = [
    ...new Set(
      r.subsystems.flatMap((s) => s.checks.filter((c) => !c.holds).flatMap((c) => c.findings ?? [])),
    ),
  ];
  const verdict =
    r.verdict === 'ok'
      ? 'OK: every check holds'
      : r.verdict === 'findings'
        ? `FINDINGS: every failed check is a recorded finding of the faithful model (${known.join(', ')}; see docs/findings.md)`
        : `FAILED: ${r.failures.join('; ')}`;
  out.push(`verdict: ${verdict}`);
  for (const s of r.subsystems) out.push('', subsystemText(s));
  const signals = Object.entries(r.signals);
  if (signals.length)
    out.push('', `signals: ${signals.map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(' · ')}`);
  if (r.busFile) out.push(`bus file: ${r.busFile}`);
  if (r.traceLines !== null) out.push(`trace: ${r.traceLines.toLocaleString('en-US')} lines`);
  return out.join('\n');
}

/**
 * The `--json` summary: the run result without the sampled series.
 * @category Output
 */
export function runSummaryJson(r: RunResult): Omit<RunResult, 'series'> {
  const { series: _series, ...rest } = r;
  return rest;
}

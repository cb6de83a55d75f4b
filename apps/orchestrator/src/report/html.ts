/**
 * The offline HTML report of a run: one self-contained file (inline CSS and SVG, no script,
 * no network) with the run's header and verdict, a line plot per plot spec of each driver
 * (e.g. frames sent / delivered / lost to overruns, evtchn ring occupancy and size) over the
 * run's clock, and per subsystem the counters, unit table, checks, actors and notes.
 *
 * @module
 */
import type { PlotSpec, SubsystemSummary } from '../driver.js';
import type { RunResult } from '../engine.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/**
 * Escapes text for HTML.
 * @category Output
 */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Round "nice" tick values from 0 to at least `max`. */
function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
  if (out[out.length - 1]! < max) out.push(out[out.length - 1]! + step);
  return out;
}

/**
 * An SVG line plot of series over `t`.
 * @category Output
 */
export function svgLinePlot(
  title: string,
  xLabel: string,
  yLabel: string,
  t: readonly number[],
  series: readonly { readonly label: string; readonly values: readonly number[] }[],
): string {
  const W = 760;
  const H = 280;
  const L = 64;
  const R = 16;
  const T = 28;
  const B = 64;
  const xMax = Math.max(1, ...t);
  const yTicks = niceTicks(Math.max(0, ...series.flatMap((s) => s.values)));
  const yMax = yTicks[yTicks.length - 1]!;
  const xTicks = niceTicks(xMax, 8).filter((v) => v <= xMax * 1.0001);
  const x = (v: number) => L + ((W - L - R) * v) / xMax;
  const y = (v: number) => H - B - ((H - T - B) * v) / yMax;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">`,
  );
  parts.push(`<text x="${L}" y="18" class="pt">${escapeHtml(title)}</text>`);
  for (const v of yTicks) {
    parts.push(
      `<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`,
    );
    parts.push(
      `<text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${v.toLocaleString('en-US')}</text>`,
    );
  }
  for (const v of xTicks) {
    parts.push(
      `<text x="${x(v).toFixed(1)}" y="${H - B + 16}" text-anchor="middle" class="tick">${v.toLocaleString('en-US')}</text>`,
    );
  }
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" class="axis"/>`);
  parts.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" class="axis"/>`);
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - B + 34}" text-anchor="middle" class="lab">${escapeHtml(xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(14 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle" class="lab">${escapeHtml(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = s.values.map((v, k) => `${x(t[k] ?? 0).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${pts}"><title>${escapeHtml(s.label)}</title></polyline>`,
    );
    const lx = L + i * 180;
    parts.push(`<rect x="${lx}" y="${H - 18}" width="12" height="4" fill="${color}"/>`);
    parts.push(`<text x="${lx + 16}" y="${H - 13}" class="tick">${escapeHtml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function table(rows: readonly Readonly<Record<string, unknown>>[]): string {
  if (rows.length === 0) return '';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) =>
    escapeHtml(v === undefined ? '' : typeof v === 'number' ? v.toLocaleString('en-US') : String(v));
  return `<table><thead><tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${cols.map((c) => `<td>${cell(r[c])}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function subsystemSection(s: SubsystemSummary, plots: readonly PlotSpec[], r: RunResult): string {
  const values = r.series.values[s.subsystem] ?? {};
  const xLabel = r.workers > 0 ? 'wall clock (ms)' : 'virtual time (ms = ticks)';
  const own = r.series.own?.[s.subsystem];
  const svgs = plots
    .map((p) => {
      const v = p.x ? (own?.values ?? {}) : values;
      const t = p.x ? (own?.t ?? []) : r.series.t;
      const series = p.series.filter((x) => v[x.key]).map((x) => ({ label: x.label, values: v[x.key]! }));
      return series.length ? svgLinePlot(p.title, p.x?.label ?? xLabel, p.yLabel, t, series) : null;
    })
    .filter((x): x is string => x !== null);
  const checks = s.checks.map((c) => ({
    check: c.name,
    result: c.holds ? 'holds' : c.findings?.length ? `known finding ${c.findings.join(', ')}` : 'FAILS',
    detail: c.detail,
    statement: c.statement,
  }));
  return `<section><h2>${escapeHtml(s.subsystem)} — ${escapeHtml(s.title)}</h2>
<p>${s.events.toLocaleString('en-US')} events processed.</p>
${svgs.map((x) => `<figure>${x}</figure>`).join('\n')}
<h3>Counters</h3><div class="kv">${table(Object.entries(s.counters).map(([counter, value]) => ({ counter, value })))}</div>
${s.units?.length ? `<h3>Units</h3>${table(s.units)}` : ''}
<h3>Checks</h3>${table(checks)}
<h3>Actors</h3>${table(s.actors.map((a) => ({ actor: a.actor, events: a.events, 'final state': a.state })))}
${s.notes.length ? `<h3>Notes</h3><ul>${s.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
</section>`;
}

/**
 * The HTML report of a run. `plots` gives each subsystem's plot specs (from its driver).
 * @category Output
 */
export function renderHtmlReport(r: RunResult, plots: Readonly<Record<string, readonly PlotSpec[]>>): string {
  const verdictClass = r.verdict === 'failed' ? 'bad' : r.verdict === 'findings' ? 'known' : 'good';
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
  const head = {
    scenario: r.scenario,
    seed: r.seed,
    ticks: r.ticks,
    mode:
      r.workers > 0
        ? `${r.workers} worker thread(s), not deterministic`
        : 'one thread, deterministic for the seed',
    events: r.timing.events,
    'wall time (ms)': r.timing.ms,
    'events/s': r.timing.eventsPerSecond,
    ...Object.fromEntries(Object.entries(r.signals).map(([k, v]) => [`signal ${k}`, v])),
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>kspec run: ${escapeHtml(r.scenario)} (seed ${r.seed})</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 980px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; } h2 { font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 32px; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 12.5px; } th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; } figure { margin: 12px 0; } .kv table { display: inline-table; } section > table { display: block; overflow-x: auto; }
.verdict { padding: 8px 12px; border-radius: 4px; } .good { background: #e6f4ea; } .known { background: #fff4e5; } .bad { background: #fdecea; }
svg .grid { stroke: #eee; } svg .axis { stroke: #888; } svg .tick { font-size: 11px; fill: #555; } svg .lab { font-size: 12px; fill: #333; } svg .pt { font-size: 13px; font-weight: 600; }
</style></head><body>
<h1>kspec run: ${escapeHtml(r.scenario)}</h1>
<p>${escapeHtml(r.description)}</p>
<p class="verdict ${verdictClass}">${escapeHtml(verdict)}</p>
${table([head])}
${r.subsystems.map((s) => subsystemSection(s, plots[s.subsystem] ?? [], r)).join('\n')}
<footer><p>Written by <code>kspec run</code>. Viewable offline: no scripts, no network.</p></footer>
</body></html>
`;
}

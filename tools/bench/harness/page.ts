/**
 * The offline HTML page of a run: the table, a bar per ratio against its target, and one plot
 * per series (rates, scaling curves), drawn as inline SVG with no script and no network, so it
 * opens from the filesystem beside the docs site.
 *
 * @module
 */
import type { Row, Series, SuiteResult } from './types.js';
import { fmt, metText, statText, targetText } from './table.js';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];

/** One line plot (log axes when asked) with a legend. */
export function plotSvg(s: Series): string {
  const W = 560;
  const H = 300;
  const L = 70;
  const R = 150;
  const T = 24;
  const B = 44;
  const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!s.logY || p.y > 0));
  if (pts.length === 0) return `<p>${esc(s.name)}: no points</p>`;
  const tx = (v: number) => (s.logX ? Math.log10(v) : v);
  const ty = (v: number) => (s.logY ? Math.log10(v) : v);
  const xs = pts.map((p) => tx(p.x));
  const ys = pts.map((p) => ty(p.y));
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (!s.logY) y0 = Math.min(0, y0);
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const px = (v: number) => L + ((tx(v) - x0) / (x1 - x0)) * (W - L - R);
  const py = (v: number) => H - B - ((ty(v) - y0) / (y1 - y0)) * (H - T - B);
  const ticks = (a: number, b: number, log: boolean): number[] => {
    if (log) {
      const out: number[] = [];
      for (let e = Math.floor(a); e <= Math.ceil(b); e++) out.push(10 ** e);
      return out.filter((v) => Math.log10(v) >= a - 1e-9 && Math.log10(v) <= b + 1e-9);
    }
    return Array.from({ length: 5 }, (_, i) => a + ((b - a) * i) / 4);
  };
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`);
  parts.push(`<text x="${L}" y="16" font-size="13" font-weight="bold">${esc(s.name)}</text>`);
  parts.push(
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`,
  );
  for (const v of ticks(x0, x1, !!s.logX)) {
    const x = s.logX ? px(v) : L + ((v - x0) / (x1 - x0)) * (W - L - R);
    parts.push(
      `<line x1="${x}" y1="${H - B}" x2="${x}" y2="${H - B + 4}" stroke="#333"/><text x="${x}" y="${H - B + 16}" font-size="10" text-anchor="middle">${esc(fmt(v))}</text>`,
    );
  }
  for (const v of ticks(y0, y1, !!s.logY)) {
    const y = s.logY ? py(v) : H - B - ((v - y0) / (y1 - y0)) * (H - T - B);
    parts.push(
      `<line x1="${L - 4}" y1="${y}" x2="${W - R}" y2="${y}" stroke="#ddd"/><text x="${L - 6}" y="${y + 3}" font-size="10" text-anchor="end">${esc(fmt(v))}</text>`,
    );
  }
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 8}" font-size="11" text-anchor="middle">${esc(s.x)}${s.logX ? ' (log)' : ''}</text>`,
  );
  parts.push(
    `<text x="14" y="${(T + H - B) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">${esc(s.y)}${s.logY ? ' (log)' : ''}</text>`,
  );
  const lines = [...new Set(pts.map((p) => p.line))];
  lines.forEach((name, i) => {
    const c = COLORS[i % COLORS.length]!;
    const lp = pts.filter((p) => p.line === name).sort((a, b) => a.x - b.x);
    parts.push(
      `<polyline fill="none" stroke="${c}" stroke-width="2" points="${lp.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`,
    );
    for (const p of lp)
      parts.push(
        `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${c}"><title>${esc(`${name}: ${fmt(p.x)}, ${fmt(p.y)}`)}</title></circle>`,
      );
    parts.push(
      `<rect x="${W - R + 10}" y="${T + i * 16}" width="10" height="10" fill="${c}"/><text x="${W - R + 24}" y="${T + i * 16 + 9}" font-size="10">${esc(name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Bars of every row's ratio against its target (log scale, the target as a tick). */
export function ratioSvg(rows: readonly Row[]): string {
  const rs = rows.filter((r) => r.ratio !== null && r.ratio > 0);
  if (rs.length === 0) return '';
  const W = 900;
  const rowH = 18;
  const L = 420;
  const H = rs.length * rowH + 40;
  const vals = rs.flatMap((r) => [r.ratio!, ...(r.target?.on === 'ratio' ? [r.target.bound] : [])]);
  const lo = Math.floor(Math.log10(Math.min(...vals, 1)));
  const hi = Math.ceil(Math.log10(Math.max(...vals, 1)));
  const px = (v: number) => L + ((Math.log10(v) - lo) / Math.max(hi - lo, 1)) * (W - L - 60);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
  ];
  for (let e = lo; e <= hi; e++) {
    parts.push(
      `<line x1="${px(10 ** e)}" y1="10" x2="${px(10 ** e)}" y2="${H - 20}" stroke="#ddd"/><text x="${px(10 ** e)}" y="${H - 6}" font-size="10" text-anchor="middle">${esc(fmt(10 ** e))}x</text>`,
    );
  }
  parts.push(`<line x1="${px(1)}" y1="10" x2="${px(1)}" y2="${H - 20}" stroke="#555"/>`);
  rs.forEach((r, i) => {
    const y = 14 + i * rowH;
    const color = r.met === false ? '#d62728' : r.met === true ? '#2ca02c' : '#1f77b4';
    const x0 = px(Math.min(1, r.ratio!));
    const x1 = px(Math.max(1, r.ratio!));
    parts.push(
      `<text x="${L - 6}" y="${y + 11}" font-size="11" text-anchor="end">${esc(r.metric.slice(0, 70))}</text>`,
    );
    parts.push(
      `<rect x="${x0}" y="${y}" width="${Math.max(x1 - x0, 1)}" height="${rowH - 5}" fill="${color}"><title>${esc(`${fmt(r.ratio!)}x (target ${targetText(r.target)})`)}</title></rect>`,
    );
    if (r.target?.on === 'ratio')
      parts.push(
        `<line x1="${px(r.target.bound)}" y1="${y - 2}" x2="${px(r.target.bound)}" y2="${y + rowH - 3}" stroke="#000" stroke-width="2"/>`,
      );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The page for a run. */
export function suitePage(result: SuiteResult): string {
  const rows = result.benches.flatMap((b) => b.output?.rows ?? []);
  const body: string[] = [];
  body.push(`<h1>kspec benchmarks${result.smoke ? ' (smoke run: figures mean nothing)' : ''}</h1>`);
  body.push(
    `<p>commit <code>${esc(result.commit.slice(0, 12))}${result.dirty ? '+dirty' : ''}</code>, ${esc(result.date)}, node ${esc(result.node)}, ${result.cpus} × ${esc(result.cpuModel)}, load average ${result.loadAverage.start.map((x) => x.toFixed(1)).join(' ')} at start, ${result.loadAverage.end.map((x) => x.toFixed(1)).join(' ')} at the end. Medians over the rounds (min..max); ratio = kspec / baseline, measured in the same run.</p>`,
  );
  body.push('<h2>Ratios against their targets</h2>');
  body.push('<p>Green: target met; red: not met; black tick: the target.</p>');
  body.push(ratioSvg(rows));
  body.push('<h2>Table</h2>');
  body.push(
    '<table><thead><tr><th>metric</th><th>kspec</th><th>baseline</th><th>ratio</th><th>target</th><th>met</th></tr></thead><tbody>',
  );
  for (const b of result.benches) {
    body.push(
      `<tr class="section"><td colspan="6">${esc(b.name)}: ${esc(b.title)} (${b.seconds.toFixed(0)} s)${b.ok ? '' : ` — FAILED: ${esc((b.error ?? '').split('\n')[0]!)}`}</td></tr>`,
    );
    for (const r of b.output?.rows ?? []) {
      body.push(
        `<tr class="${r.met === false ? 'no' : r.met === true ? 'yes' : ''}"><td>${esc(r.metric)}${r.note ? `<br><small>${esc(r.note)}</small>` : ''}</td><td>${esc(statText(r.kspec, r.unit))}</td><td>${esc(r.baseline ? `${statText(r.baseline)} ${r.baselineName ?? ''}` : '-')}</td><td>${r.ratio === null ? '-' : `${esc(fmt(r.ratio))}x`}</td><td>${esc(targetText(r.target))}</td><td>${metText(r.met)}</td></tr>`,
      );
    }
  }
  body.push('</tbody></table>');
  const series = result.benches.flatMap((b) => (b.output?.series ?? []).map((s) => ({ b: b.name, s })));
  if (series.length) {
    body.push('<h2>Curves</h2><div class="plots">');
    for (const { s } of series) body.push(`<div>${plotSvg(s)}</div>`);
    body.push('</div>');
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>kspec benchmarks</title><style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;font-size:13px}
td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}tr.section td{background:#f3f3f3;font-weight:bold}
tr.no td:last-child{color:#d62728;font-weight:bold}tr.yes td:last-child{color:#2ca02c}.plots{display:flex;flex-wrap:wrap;gap:12px}
</style></head><body>${body.join('\n')}</body></html>\n`;
}

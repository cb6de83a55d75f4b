/**
 * The HTML report is one offline file: plots over time as inline SVG (frames sent, delivered,
 * lost to overruns; evtchn ring occupancy), the summary tables, no script and nothing loaded
 * from elsewhere. And the text summary names every subsystem, counter and check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/program.js';
import { SCENARIOS_DIR } from '../src/paths.js';
import { escapeHtml, svgLinePlot } from '../src/report/html.js';
import { textTable } from '../src/summary.js';
import { captureIo, tmpDir } from './helpers.js';

describe('kspec run --report', () => {
  it('writes a self-contained HTML report with a plot per series group', async () => {
    const dir = tmpDir();
    const report = join(dir, 'r.html');
    const cap = captureIo();
    expect(
      await main(
        ['node', 'kspec', 'run', join(SCENARIOS_DIR, 'evtchn-overflow-reset.json'), '--report', report],
        cap.io,
      ),
    ).toBe(0);
    expect(cap.text()).toContain(`report written to ${report}`);
    const html = readFileSync(report, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    // the only URL is the SVG namespace
    expect([...html.matchAll(/https?:\/\/[^"'\s)]+/g)].map((m) => m[0])).toEqual(
      Array(html.match(/<svg /g)!.length).fill('http://www.w3.org/2000/svg'),
    );
    for (const title of [
      'shmif frames',
      'shmif receiver overruns',
      'evtchn ring occupancy',
      'evtchn events',
    ]) {
      expect(html).toContain(`aria-label="${title}"`);
    }
    // the ring plot shows the overflow: occupancy reaches the ring size (64) at some sample
    const ring = html.slice(html.indexOf('aria-label="evtchn ring occupancy"'));
    expect(ring).toContain('<title>occupancy (prod - cons)</title>');
    expect(html).toContain('known finding SHMIF-1');
    expect(html).toContain('evtchn-overflow-reset');
  });
});

describe('report and summary pieces', () => {
  it('escapes text and draws one polyline per series over the sampled times', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const svg = svgLinePlot(
      't <1>',
      'x',
      'y',
      [0, 10, 20],
      [
        { label: 'a', values: [0, 5, 10] },
        { label: 'b', values: [1, 1, 1] },
      ],
    );
    expect(svg).toContain('aria-label="t &lt;1&gt;"');
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]+)"/g)].map((m) => m[1]!.split(' '));
    expect(lines.length).toBe(2);
    expect(lines.every((p) => p.length === 3)).toBe(true);
    // x grows with t; the larger value is drawn higher (smaller y)
    const a = lines[0]!.map((p) => p.split(',').map(Number));
    expect(a[0]![0]!).toBeLessThan(a[2]![0]!);
    expect(a[2]![1]!).toBeLessThan(a[0]![1]!);
  });

  it('lays out text tables in aligned columns', () => {
    expect(
      textTable(
        [
          { a: 1, bb: 'x' },
          { a: 1000, bb: 'yy' },
        ],
        '',
      ),
    ).toBe('a      bb\n1      x\n1,000  yy');
  });

  it('the text summary names each subsystem, its counters, actors and checks', async () => {
    const cap = captureIo();
    expect(await main(['node', 'kspec', 'run', join(SCENARIOS_DIR, 'overrun-storm.json')], cap.io)).toBe(0);
    const text = cap.text();
    expect(text).toMatch(/^kspec run: overrun-storm \(seed 7\) — [\d,]+ ticks, [\d,]+ events in [\d.]+ s/);
    expect(text).toContain('in this thread, deterministic for the seed');
    expect(text).toMatch(/verdict: FINDINGS: .*SHMIF-1/);
    expect(text).toMatch(/shmif — .*: [\d,]+ events processed/);
    expect(text).toMatch(/interfaces 4 · framesSent 600 · delivered [\d,]+ · .*overruns [\d,]+/);
    expect(text).toMatch(/xen-evtchn — .*\n {2}portsBound 4 · raises [\d,]+/);
    expect(text).toMatch(/shmif\/shmifInterface#3 +[\d,]+ +kernel\.\{ifnet:destroyed/);
    expect(text).toContain('KNOWN neverDeliversTornFrame');
    expect(text).toContain('ok   shmif0.everyFrameAccounted');
  });
});

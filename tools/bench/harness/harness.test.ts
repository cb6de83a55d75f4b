import { describe, expect, it } from 'vitest';
import { atLeast, atMost, interleave, meets, row, stat } from './measure.js';
import { benchFiles } from './run.js';
import { specProblem } from './child.js';
import { plotSvg, suitePage } from './page.js';
import { suiteTable } from './table.js';
import type { SuiteResult } from './types.js';

describe('measure', () => {
  it('median, min and max over the rounds', () => {
    expect(stat([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, rounds: [5, 1, 3] });
    expect(stat([4, 1, 3, 2]).median).toBe(2.5);
  });

  it('interleaves the paths: a warm-up run, then every path once per round, in alternating order', async () => {
    const calls: string[] = [];
    const rates = await interleave(
      [
        { name: 'a', run: () => (calls.push('a'), 1) },
        { name: 'b', run: () => (calls.push('b'), 2) },
      ],
      { rounds: 3, ms: 0 },
    );
    expect(calls).toEqual(['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b']);
    expect(rates.get('a')!.cpu.rounds).toHaveLength(3);
  });

  it('ratio = kspec / baseline, and met against the target', () => {
    const r = row({ metric: 'm', unit: '/s', kspec: 200, baseline: 10, target: atLeast(20) });
    expect(r.ratio).toBe(20);
    expect(r.met).toBe(true);
    expect(row({ metric: 'c', unit: 'µs', kspec: 40, baseline: 10, target: atMost(3) }).met).toBe(false);
    expect(row({ metric: 'v', unit: 'B', kspec: 8, target: atMost(64, 'value') }).met).toBe(true);
    expect(row({ metric: 'n', unit: '/s', kspec: 8, baseline: null, target: atLeast(2) }).met).toBeNull();
    expect(meets(undefined, 1, 1)).toBeNull();
  });
});

const result: SuiteResult = {
  commit: 'abcdef0123456789',
  dirty: false,
  date: '2026-01-01T00:00:00.000Z',
  node: 'v20',
  cpus: 2,
  cpuModel: 'cpu',
  loadAverage: { start: [1, 1, 1], end: [2, 2, 2] },
  smoke: false,
  benches: [
    {
      name: 'x',
      title: 'a <b> bench',
      seconds: 1,
      ok: true,
      output: {
        rows: [row({ metric: 'rate', unit: '/s', kspec: 300, baseline: 10, target: atLeast(10) })],
        series: [
          {
            name: 'curve',
            x: 'n',
            y: 'rate',
            logX: true,
            points: [
              { line: 'l', x: 10, y: 1 },
              { line: 'l', x: 100, y: 2 },
            ],
          },
        ],
      },
    },
    { name: 'y', title: 'broken', seconds: 1, ok: false, error: 'exit 1' },
  ],
};

describe('table and page', () => {
  it('one table with every target, and a count of targets met', () => {
    const t = suiteTable(result);
    expect(t).toMatch(/metric\s+kspec\s+baseline\s+ratio\s+target\s+met/);
    expect(t).toMatch(/rate\s+300 \/s\s+10\.0\s+30\.0x\s+>= 10\.0x\s+yes/);
    expect(t).toMatch(/FAILED: exit 1/);
    expect(t).toMatch(/1 targets: 1 met, 0 not met, 0 not measured; 1 benchmark\(s\) failed/);
  });

  it('an offline page: inline SVG, no script, escaped text', () => {
    const p = suitePage(result);
    expect(p).toMatch(/^<!doctype html>/);
    expect(p).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(p).toContain('a &lt;b&gt; bench');
    expect(p.match(/<svg /g)?.length).toBe(2); // the ratios and the curve
    expect(plotSvg(result.benches[0]!.output!.series![0]!)).toMatch(/<polyline/);
  });
});

describe('the benchmarks', () => {
  it('every tools/bench/*.bench.ts default-exports the declared shape', async () => {
    const files = benchFiles();
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const mod = (await import(f)) as { default?: unknown };
      expect(specProblem(mod.default), f).toBeUndefined();
      expect((mod.default as { name: string }).name).toBe(f.split('/').pop()!.replace('.bench.ts', ''));
    }
  }, 60_000);

  it('a file without the shape is refused with the reason', () => {
    expect(specProblem(undefined)).toMatch(/defineBench/);
    expect(specProblem({ name: 'x', title: 't' })).toMatch(/run/);
  });
});

/**
 * Measuring on a shared machine: paths interleaved in rounds (every path runs once per round,
 * in turn, so a busy neighbour slows them all alike), a warm-up round first, medians and
 * spreads over the rounds, rates per CPU-second of this process (what the path costs,
 * whatever else runs) beside wall-clock rates. Ratios are taken within one run.
 *
 * @module
 */
import type { Row, Stat, Target } from './types.js';

/** CPU milliseconds of this process so far (user + system, every thread). */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Median, min and max of `xs`. */
export function stat(xs: readonly number[]): Stat {
  if (xs.length === 0) return { median: NaN, min: NaN, max: NaN, rounds: [] };
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const median = s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, rounds: [...xs] };
}

/** A measured path: `run()` does some work and returns how many units it did. */
export interface Path {
  readonly name: string;
  readonly run: () => number | Promise<number>;
}

/** Per path: units per CPU-second and per wall-second, one figure per round. */
export interface Rates {
  readonly cpu: Stat;
  readonly wall: Stat;
}

/**
 * Runs every path once to warm up, then `rounds` rounds; in each round every path runs (in
 * turn) for at least `ms` of wall time (at least once). Returns rates by path name.
 */
export async function interleave(
  paths: readonly Path[],
  opts: { readonly rounds: number; readonly ms: number; readonly warmup?: boolean },
): Promise<Map<string, Rates>> {
  if (opts.warmup ?? true) for (const p of paths) await p.run();
  const cpu = new Map<string, number[]>(paths.map((p) => [p.name, []]));
  const wall = new Map<string, number[]>(paths.map((p) => [p.name, []]));
  for (let r = 0; r < opts.rounds; r++) {
    // alternate the order each round: no path always runs right after the same one
    const order = r % 2 === 0 ? paths : [...paths].reverse();
    for (const p of order) {
      let units = 0;
      const w0 = performance.now();
      const c0 = cpuMs();
      do units += await p.run();
      while (performance.now() - w0 < opts.ms);
      const w = performance.now() - w0;
      const c = Math.max(cpuMs() - c0, 0.001);
      cpu.get(p.name)!.push((units / c) * 1000);
      wall.get(p.name)!.push((units / w) * 1000);
    }
  }
  return new Map(paths.map((p) => [p.name, { cpu: stat(cpu.get(p.name)!), wall: stat(wall.get(p.name)!) }]));
}

/** Whether `row` meets `target` (null when a figure is missing). */
export function meets(
  target: Target | undefined,
  ratio: number | null,
  value: number | null,
): boolean | null {
  if (!target) return null;
  const x = target.on === 'ratio' ? ratio : value;
  if (x === null || !Number.isFinite(x)) return null;
  return target.op === '>=' ? x >= target.bound : x <= target.bound;
}

/** A table row from figures: the ratio and `met` are computed here. */
export function row(r: {
  metric: string;
  unit: string;
  kspec: Stat | number | null;
  baseline?: Stat | number | null;
  baselineName?: string;
  /** On the ratio kspec / baseline (for a cost: how many times the baseline's cost), or on the value. */
  target?: Target;
  note?: string;
}): Row {
  const asStat = (x: Stat | number | null | undefined): Stat | null =>
    x === null || x === undefined ? null : typeof x === 'number' ? stat([x]) : x;
  const k = asStat(r.kspec);
  const b = asStat(r.baseline);
  const ratio =
    k && b && Number.isFinite(k.median) && Number.isFinite(b.median) && b.median !== 0
      ? k.median / b.median
      : null;
  return {
    metric: r.metric,
    unit: r.unit,
    kspec: k,
    baseline: b,
    ...(r.baselineName ? { baselineName: r.baselineName } : {}),
    ratio,
    ...(r.target ? { target: r.target } : {}),
    met: meets(r.target, ratio, k ? k.median : null),
    ...(r.note ? { note: r.note } : {}),
  };
}

/** `>= 10x` style targets. */
export const atLeast = (bound: number, on: Target['on'] = 'ratio'): Target => ({ on, op: '>=', bound });
export const atMost = (bound: number, on: Target['on'] = 'ratio'): Target => ({ on, op: '<=', bound });

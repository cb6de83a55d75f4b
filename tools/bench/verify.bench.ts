/**
 * Benchmark of @kspec/verify's explorer against xstate/graph's getAdjacencyMap and SPIN, side
 * by side in one run, on one reference model with a parametric state space: three parallel
 * regions (threads), each alternating idle -> busy -> idle and bumping its own counter modulo
 * N on the way back: (2N)^3 reachable states, six events per state (three enabled).
 *
 * Figures: distinct states per second, and bytes of heap per state retained at the end of the
 * exploration (heapUsed after a forced gc, minus the baseline, divided by states). The
 * explorer runs at N=50 (1,000,000 states); getAdjacencyMap at a smaller N (it keeps every
 * snapshot); SPIN (Debian package `spin`, installed here with apt-get when missing, skipped
 * with a message when that fails) on tools/bench/verify/reference.pml with -DNOREDUCE (no
 * partial-order reduction, so it stores the same states) and -DSAFETY.
 *
 * Run from the repository root (the script exposes gc itself for the heap figures):
 *   npx tsx --conditions=@kspec/source tools/bench/verify.bench.ts [N [N for getAdjacencyMap]]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assign, setup } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';
import { src, type MachineCheckModel } from '@kspec/spec-kit';
import { explore, type CheckReport } from '@kspec/verify';

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.argv[2] ?? 50);
const N_GRAPH = Number(process.argv[3] ?? 12);
// expose gc for exact heap figures even when node was started without --expose-gc
if (!(globalThis as { gc?: unknown }).gc) setFlagsFromString('--expose-gc');
const gc = ((globalThis as { gc?: () => void }).gc ?? runInNewContext('gc')) as (() => void) | undefined;
const S = (a: number) => ({ source: src('linux-xen-evtchn.c', 'bench-reference', a) });

function referenceMachine(n: number) {
  const region = (i: 0 | 1 | 2) => ({
    meta: S(1),
    initial: 'idle',
    states: {
      idle: { meta: S(2), on: { [`tick.${i}`]: { target: 'busy', meta: S(3) } } },
      busy: { meta: S(4), on: { [`done.${i}`]: { target: 'idle', actions: `bump${i}`, meta: S(5) } } },
    },
  });
  return setup({
    types: {} as { context: { c0: number; c1: number; c2: number }; events: { type: string } },
    actions: {
      bump0: assign({ c0: ({ context }) => (context.c0 + 1) % n }),
      bump1: assign({ c1: ({ context }) => (context.c1 + 1) % n }),
      bump2: assign({ c2: ({ context }) => (context.c2 + 1) % n }),
    },
  }).createMachine({
    id: 'reference',
    type: 'parallel',
    meta: S(6),
    context: { c0: 0, c1: 0, c2: 0 },
    states: { r0: region(0), r1: region(1), r2: region(2) } as never,
  });
}

const EVENTS = ['tick.0', 'tick.1', 'tick.2', 'done.0', 'done.1', 'done.2'].map((type) => ({ type }));

function heapNow(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function benchVerify(n: number): { states: number; rate: number; bytes: number; report: CheckReport } {
  const machine = referenceMachine(n);
  const model: MachineCheckModel<typeof machine> = {
    kind: 'machine',
    name: `reference(N=${n})`,
    machine,
    alphabet: () => EVENTS,
    project: (s) => [s.context.c0, s.context.c1, s.context.c2],
    invariants: [
      {
        name: 'countersInRange',
        statement: 'every counter is below N',
        holds: (s) => s.context.c0 < n && s.context.c1 < n && s.context.c2 < n,
      },
    ],
    configs: [],
  };
  const base = heapNow();
  let retained = 0;
  const report = explore(model, {
    maxStates: 2_000_000,
    onProgress: (p) => {
      if (p.frontier === 0) retained = heapNow() - base; // the final call: the store is alive, the frontier empty
    },
  });
  return { states: report.states, rate: report.statesPerSecond, bytes: retained / report.states, report };
}

function benchGraph(n: number): { states: number; rate: number; bytes: number } {
  const machine = referenceMachine(n);
  const base = heapNow();
  const t0 = performance.now();
  const adj = getAdjacencyMap(machine, { events: EVENTS });
  const seconds = (performance.now() - t0) / 1000;
  const states = Object.keys(adj).length;
  const bytes = (heapNow() - base) / states;
  if (Object.keys(adj).length !== states) throw new Error('unreachable');
  return { states, rate: states / seconds, bytes };
}

function ensureSpin(): boolean {
  const has = () => spawnSync('spin', ['-V'], { stdio: 'ignore' }).status === 0;
  if (has()) return true;
  console.log('spin not found: installing the Debian package (apt-get install -y spin)...');
  spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq spin'], { stdio: 'inherit' });
  return has();
}

function benchSpin(n: number): { states: number; rate: number; bytes: number; seconds: number } | string {
  if (!ensureSpin()) return 'SKIPPED: spin is not installed and apt-get could not install it';
  if (spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status !== 0)
    return 'SKIPPED: gcc is needed to compile the SPIN verifier';
  const dir = mkdtempSync(join(tmpdir(), 'kspec-spin-'));
  copyFileSync(join(here, 'verify', 'reference.pml'), join(dir, 'reference.pml'));
  execFileSync('spin', ['-a', `-DN=${n}`, 'reference.pml'], { cwd: dir });
  execFileSync('gcc', ['-O2', '-w', '-DSAFETY', '-DNOREDUCE', '-DMEMLIM=8192', '-o', 'pan', 'pan.c'], {
    cwd: dir,
  });
  // depth-first: the search depth reaches the number of states on this model
  const depth = Math.ceil(8 * n * n * n * 1.1);
  const out = execFileSync('./pan', [`-m${depth}`], { cwd: dir, encoding: 'utf8' });
  const states = Number(/([\d.e+]+) states, stored/.exec(out)?.[1]);
  const seconds = Number(/pan: elapsed time ([\d.e+-]+) seconds/.exec(out)?.[1]);
  // pan reports MB (2^20 bytes); "actual memory usage for states" excludes the preallocated
  // hash table and the DFS stack, so it compares with the explorer's retained store
  const stateMem = Number(/([\d.]+)\s+actual memory usage for states/.exec(out)?.[1]);
  if (!Number.isFinite(states) || !Number.isFinite(stateMem))
    return `SKIPPED: could not read pan's output:\n${out}`;
  const bytes = (stateMem * 1048576) / states;
  return { states, rate: seconds > 0 ? states / seconds : Infinity, bytes, seconds };
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(
  `verify.bench: reference machine, 3 parallel regions x (idle|busy) x counter mod N, 6 events/state`,
);
if (!gc) console.log('note: gc is not available: the heap figures include garbage');
// two alternating rounds each, best rate kept: the machine is shared, timings are noisy
const g1 = benchGraph(N_GRAPH);
const v1 = benchVerify(N);
const g2 = benchGraph(N_GRAPH);
const v2 = benchVerify(N);
const g = g1.rate >= g2.rate ? g1 : g2;
const v = v1.rate >= v2.rate ? v1 : v2;
const s = benchSpin(N);
const rows: string[][] = [
  ['tool', 'N', 'states', 'states/s', 'bytes/state'],
  ['@kspec/verify explore', String(N), fmt(v.states), fmt(v.rate), fmt(v.bytes)],
  ['xstate/graph getAdjacencyMap', String(N_GRAPH), fmt(g.states), fmt(g.rate), fmt(g.bytes)],
];
if (typeof s !== 'string')
  rows.push(['SPIN pan -DNOREDUCE', String(N), fmt(s.states), fmt(s.rate), fmt(s.bytes)]);
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows)
  console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
console.log('');
console.log(
  `engine: ${fmt(v.report.engine.compiled)} edges from the transition cache, ${fmt(v.report.engine.xstate)} by xstate; complete: ${v.report.complete}; verdict: ${v.report.verdict}`,
);
const ratio = v.rate / g.rate;
console.log(
  `explore / getAdjacencyMap states/s: ${ratio.toFixed(1)}x (target >= 10x: ${ratio >= 10 ? 'MET' : 'NOT MET'})`,
);
console.log(
  `explore bytes/state at ${fmt(v.states)} states: ${fmt(v.bytes)} (target < 300: ${v.bytes < 300 ? 'MET' : 'NOT MET'})`,
);
if (typeof s === 'string') console.log(`SPIN: ${s}`);
else {
  console.log(
    `SPIN / explore states/s: ${(s.rate / v.rate).toFixed(1)}x; explore bytes/state / SPIN: ${(v.bytes / s.bytes).toFixed(1)}x`,
  );
  if (s.states !== v.states)
    console.log(`note: SPIN stored ${fmt(s.states)} states, explore ${fmt(v.states)}`);
}
const out = join(here, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'verify.json'),
  JSON.stringify({ N, N_GRAPH, verify: { ...v, report: undefined }, graph: g, spin: s }, null, 2),
);

/**
 * The checker (@kspec/verify) side by side with xstate/graph's getAdjacencyMap and SPIN, in one
 * run, interleaved round by round:
 *
 * - the reference machine (three parallel regions, each idle -> busy -> idle bumping its own
 *   counter modulo N: (2N)^3 states, six events a state), against getAdjacencyMap on the same
 *   machine and bound, and against SPIN (`pan -DNOREDUCE -DSAFETY`, no partial-order reduction,
 *   so it stores the same states) on the same model in Promela (verify/reference.pml);
 * - the real models: the xen-evtchn device model (`xen-evtchn/device`, cut at a state budget
 *   as `kspec check xen-evtchn --max-states` does) and the shmif bus composition
 *   (`shmif.steadyState`, explored completely), each against getAdjacencyMap with the same
 *   alphabet and the same number of distinct states; key bytes per state in exact mode; the
 *   checker with the transition cache off (what the cache is worth);
 * - scaling: the reference machine at 10k / 100k / 1M / 4M states, each point in its own
 *   process: time, retained bytes per state (heap and typed arrays after a forced gc, the
 *   frontier empty), peak RSS.
 *
 * Rates are distinct states per CPU-second of this process (a busy neighbour disturbs CPU time
 * far less than wall time); SPIN's is per its own elapsed time (it runs alone in its process).
 *
 * Run alone: npm run bench -- verify   (or with --smoke)
 *
 * @module
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { assign, setup, type AnyStateMachine, type EventObject } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';
import { src, type KeyWriter, type MachineCheckModel } from '@kspec/spec-kit';
import { compose, explore, type CheckModel, type ExploreOptions } from '@kspec/verify';
import { evtchnDeviceCheckModel } from '@kspec/xen-evtchn';
import { shmifBusModels } from '@kspec/shmif';
import { TS_NODE_ARGS } from './harness/child.js';
import { atLeast, atMost, cpuMs, interleave, row, stat } from './harness/measure.js';
import { defineBench, type Row, type Series } from './harness/types.js';

const here = dirname(fileURLToPath(import.meta.url));
if (!(globalThis as { gc?: unknown }).gc) setFlagsFromString('--expose-gc');
const gc = ((globalThis as { gc?: () => void }).gc ?? runInNewContext('gc')) as () => void;

// a source reference inside one real function of the seed (the machine is a bench fixture)
const S = (a: number) => ({ source: src('linux-xen-evtchn.c', 'evtchn_ioctl', 429 + a) });

/** The reference machine: (2n)^3 states. */
export function referenceMachine(n: number) {
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

export function referenceModel(n: number): MachineCheckModel {
  const machine = referenceMachine(n);
  return {
    kind: 'machine',
    name: `reference(N=${n})`,
    machine,
    alphabet: () => EVENTS,
    project: (s: { context: { c0: number; c1: number; c2: number } }) => [
      s.context.c0,
      s.context.c1,
      s.context.c2,
    ],
    encode: (s: { context: { c0: number; c1: number; c2: number } }, w: KeyWriter) => {
      w.num(s.context.c0);
      w.num(s.context.c1);
      w.num(s.context.c2);
    },
    invariants: [
      {
        name: 'countersInRange',
        statement: 'every counter is below N',
        holds: (s: { context: { c0: number; c1: number; c2: number } }) =>
          s.context.c0 < n && s.context.c1 < n && s.context.c2 < n,
      },
    ],
    configs: [],
  } as unknown as MachineCheckModel;
}

/** A thread counting modulo `mod` (its own field, or a shared one through its event). */
const countMachine = setup({
  types: {} as {
    context: { n: number; mod: number };
    events: { type: 'tick'; from?: number };
    input: { mod: number };
  },
  actions: {
    bump: assign({ n: ({ context, event }) => ((event.from ?? context.n) + 1) % context.mod }),
  },
}).createMachine({
  id: 'count',
  meta: S(7),
  context: ({ input }) => ({ n: 0, mod: input.mod }),
  on: { tick: { actions: 'bump', meta: S(8) } },
});

/**
 * A composition for the partial-order reduction: two threads on their own shared fields
 * (independent) beside two threads bumping one shared counter (coupled): mod^2 x shared states.
 */
export function porModel(mod: number, shared: number): CheckModel {
  type Sh = { x: number; y: number; z: number };
  const own = (f: 'x' | 'y') => ({
    machine: countMachine,
    input: { mod },
    footprint: [f],
    alphabet: () => [{ type: 'tick' }],
    write: ({ shared: sh, self }: { shared: Sh; self: { context: { n: number } } }) => ({
      ...sh,
      [f]: self.context.n,
    }),
  });
  const coupled = () => ({
    machine: countMachine,
    input: { mod: shared },
    footprint: ['z'],
    alphabet: ({ shared: sh }: { shared: Sh }) => [{ type: 'tick', from: sh.z }],
    write: ({ shared: sh, self }: { shared: Sh; self: { context: { n: number } } }) => ({
      ...sh,
      z: self.context.n,
    }),
  });
  return compose({
    name: `por(${mod}x${mod}x${shared})`,
    shared: { x: 0, y: 0, z: 0 } as Sh,
    actors: { x: own('x'), y: own('y'), c1: coupled(), c2: coupled() } as never,
    invariants: [
      { name: 'inRange', statement: 'z < shared', holds: (st: { shared: Sh }) => st.shared.z < shared },
    ] as never,
  }) as CheckModel;
}

/** The smallest N with at least `states` states. */
const nFor = (states: number): number => Math.ceil(Math.cbrt(states) / 2);

class Enough extends Error {}

/** getAdjacencyMap with the model's alphabet, stopped at `max` distinct states; returns the states. */
function graphStates(
  machine: AnyStateMachine,
  alphabet: (s: never) => readonly EventObject[],
  input: unknown,
  max: number,
) {
  let seen = 0;
  const keys = new Set<string>();
  try {
    getAdjacencyMap(machine, {
      events: alphabet as never,
      ...(input !== undefined ? { input } : {}),
      serializeState: (s: { value: unknown; context: unknown }) => {
        const k = JSON.stringify({ value: s.value, context: s.context });
        if (!keys.has(k)) {
          keys.add(k);
          if (++seen >= max) throw new Enough();
        }
        return k;
      },
    } as never);
  } catch (e) {
    if (!(e instanceof Enough)) throw e;
  }
  return seen;
}

/** One exploration; returns distinct states. */
function check(model: MachineCheckModel, max: number, extra: ExploreOptions = {}): number {
  const r = explore(model, { maxStates: max, deadlock: false, ...extra });
  if (r.states < Math.min(max, 10)) throw new Error(`${model.name}: only ${r.states} states`);
  return r.states;
}

/** SPIN on reference.pml at N: states, states per second, bytes per state; or why not. */
function spin(n: number): { states: number; rate: number; bytes: number } | string {
  if (spawnSync('spin', ['-V'], { stdio: 'ignore' }).status !== 0) return 'spin is not installed';
  if (spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status !== 0) return 'gcc is not installed';
  const dir = mkdtempSync(join(tmpdir(), 'kspec-spin-'));
  copyFileSync(join(here, 'verify', 'reference.pml'), join(dir, 'reference.pml'));
  execFileSync('spin', ['-a', `-DN=${n}`, 'reference.pml'], { cwd: dir });
  execFileSync('gcc', ['-O2', '-w', '-DSAFETY', '-DNOREDUCE', '-DMEMLIM=8192', '-o', 'pan', 'pan.c'], {
    cwd: dir,
  });
  const depth = Math.ceil(8 * n * n * n * 1.1) + 100;
  // bash's time builtin gives pan's CPU time (user + sys), comparable with the explorer's
  execFileSync(
    'bash',
    ['-c', `TIMEFORMAT='cpu %U %S'; { time ./pan -m${depth} >pan.out 2>&1 ; } 2>pan.time`],
    {
      cwd: dir,
    },
  );
  const out = readFileSync(join(dir, 'pan.out'), 'utf8');
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(readFileSync(join(dir, 'pan.time'), 'utf8'));
  const states = Number(/([\d.e+]+) states, stored/.exec(out)?.[1]);
  const seconds = cpu
    ? Number(cpu[1]) + Number(cpu[2])
    : Number(/pan: elapsed time ([\d.e+-]+) seconds/.exec(out)?.[1]);
  // "actual memory usage for states" (MB) excludes the preallocated hash table and the stack
  const mem = Number(/([\d.]+)\s+actual memory usage for states/.exec(out)?.[1]);
  if (!Number.isFinite(states) || !Number.isFinite(mem))
    return `could not read pan's output: ${out.slice(0, 200)}`;
  return { states, rate: seconds > 0 ? states / seconds : states / 0.005, bytes: (mem * 1048576) / states };
}

/** One scaling point, in this process: `--point <states>` prints its figures as JSON. */
function point(states: number): void {
  const model = referenceModel(nFor(states));
  gc();
  gc();
  const m0 = process.memoryUsage();
  const base = m0.heapUsed + m0.arrayBuffers;
  let retained = 0;
  const c0 = cpuMs();
  const r = explore(model, {
    maxStates: 5_000_000,
    onProgress: (p) => {
      if (p.frontier !== 0) return;
      gc();
      gc();
      const m = process.memoryUsage();
      retained = m.heapUsed + m.arrayBuffers - base; // the store alive, the frontier empty
    },
  });
  const cpu = (cpuMs() - c0) / 1000;
  console.log(
    JSON.stringify({
      states: r.states,
      seconds: r.seconds,
      cpuSeconds: cpu,
      rate: r.states / cpu,
      bytesPerState: retained / r.states,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      keys: r.keys.mode,
    }),
  );
}

function runPoint(states: number): {
  states: number;
  seconds: number;
  rate: number;
  bytesPerState: number;
  peakRssMiB: number;
} {
  const r = spawnSync(
    process.execPath,
    [...TS_NODE_ARGS, fileURLToPath(import.meta.url), '--point', String(states)],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`scaling point ${states}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export default defineBench({
  name: 'verify',
  title: 'the checker against xstate/graph and SPIN; the real models; scaling',
  needs: ['spin', 'gcc'],
  async run(ctx) {
    const rows: Row[] = [];
    const series: Series[] = [];
    const details: Record<string, unknown> = {};
    const once = { rounds: ctx.rounds, ms: 0, warmup: !ctx.smoke };

    // 1. the reference machine, same machine and bound as getAdjacencyMap
    const nSmall = ctx.smoke ? 5 : 20;
    const small = referenceModel(nSmall);
    ctx.log(`reference machine N=${nSmall} (${(2 * nSmall) ** 3} states): explore vs getAdjacencyMap`);
    const ref = await interleave(
      [
        { name: 'kspec', run: () => check(small, 10_000_000) },
        { name: 'graph', run: () => graphStates(small.machine, () => EVENTS, undefined, 10_000_000) },
      ],
      once,
    );
    rows.push(
      row({
        metric: `reference machine, ${(2 * nSmall) ** 3} states: distinct states/s`,
        unit: 'states/s',
        kspec: ref.get('kspec')!.cpu,
        baseline: ref.get('graph')!.cpu,
        baselineName: 'xstate/graph',
        target: atLeast(20),
      }),
    );

    // 2. the reference machine at 1M states against SPIN
    const nBig = ctx.smoke ? 6 : 50;
    const big = referenceModel(nBig);
    ctx.log(`reference machine N=${nBig} (${(2 * nBig) ** 3} states): explore vs SPIN`);
    const spinRates: number[] = [];
    const spinBytes: number[] = [];
    let spinWhy: string | undefined;
    const vsSpin = await interleave(
      [
        { name: 'kspec', run: () => check(big, 10_000_000) },
        {
          name: 'spin',
          run: () => {
            const s = spin(nBig);
            if (typeof s === 'string') spinWhy = s;
            else {
              spinRates.push(s.rate);
              spinBytes.push(s.bytes);
            }
            return 1;
          },
        },
      ],
      once,
    );
    const spinRate = spinRates.length ? stat(ctx.smoke ? spinRates : spinRates.slice(1)) : null; // the first is the warm-up
    rows.push(
      row({
        metric: `reference machine, ${(2 * nBig) ** 3} states: distinct states/s (SPIN: per CPU-second of pan)`,
        unit: 'states/s',
        kspec: vsSpin.get('kspec')!.cpu,
        baseline: spinRate,
        baselineName: 'SPIN pan -DNOREDUCE',
        target: atLeast(0.25),
        note: spinWhy ? `SPIN not measured: ${spinWhy}` : 'target: move toward SPIN (24% before issue 14)',
      }),
    );

    // 3. the real models
    const evBudget = ctx.smoke ? 2000 : 30_000;
    const shmif = shmifBusModels[0]!;
    const real: { label: string; model: MachineCheckModel; max: number }[] = [
      {
        label: `xen-evtchn device model, ${evBudget.toLocaleString('en-US')} states`,
        model: evtchnDeviceCheckModel as never,
        max: evBudget,
      },
      { label: 'shmif bus composition (steadyState, complete)', model: shmif as never, max: 200_000 },
    ];
    for (const { label, model, max } of real) {
      ctx.log(`${label}: explore (fingerprints, exact, no cache) vs getAdjacencyMap`);
      const states = check(model, max, { stateKeys: 'fingerprint' });
      const rates = await interleave(
        [
          { name: 'fingerprint', run: () => check(model, max, { stateKeys: 'fingerprint' }) },
          { name: 'exact', run: () => check(model, max, { stateKeys: 'exact' }) },
          { name: 'uncached', run: () => check(model, max, { stateKeys: 'fingerprint', compiled: false }) },
          {
            name: 'graph',
            run: () => graphStates(model.machine, model.alphabet as never, model.input, states),
          },
        ],
        once,
      );
      const exact = explore(model, { maxStates: max, deadlock: false, stateKeys: 'exact' });
      // where the time goes: one profiled run (wall time by phase, per distinct state)
      const prof = explore(model, {
        maxStates: max,
        deadlock: false,
        stateKeys: 'fingerprint',
        profile: true,
      });
      const perState = Object.fromEntries(
        Object.entries(prof.phases!).map(([k, v]) => [
          k.replace(/Ms$/, 'UsPerState'),
          (1000 * v) / prof.states,
        ]),
      );
      const where = Object.entries(perState)
        .map(([k, v]) => `${k.replace(/UsPerState$/, '')} ${v.toFixed(1)}`)
        .join(', ');
      ctx.log(`${label}: µs per state by phase (profiled run): ${where}`);
      const fp = rates.get('fingerprint')!.cpu;
      rows.push(
        row({
          metric: `${label}: distinct states/s`,
          unit: 'states/s',
          kspec: fp,
          target: atLeast(100_000, 'value'),
          note: `µs per state by phase (one profiled run): ${where}`,
        }),
        row({
          metric: `${label}: distinct states/s vs xstate/graph`,
          unit: 'states/s',
          kspec: fp,
          baseline: rates.get('graph')!.cpu,
          baselineName: 'xstate/graph',
          target: atLeast(10),
        }),
        row({
          metric: `${label}: key bytes/state (fingerprint mode; exact keys ${exact.keys.keyBytesPerState.toFixed(0)} B)`,
          unit: 'B',
          kspec: 8,
          target: atMost(64, 'value'),
        }),
        row({
          metric: `${label}: exact keys vs fingerprints, states/s`,
          unit: 'states/s',
          kspec: rates.get('exact')!.cpu,
          baseline: fp,
          baselineName: 'fingerprints',
        }),
        row({
          metric: `${label}: transition cache off vs on, states/s`,
          unit: 'states/s',
          kspec: rates.get('uncached')!.cpu,
          baseline: fp,
          baselineName: 'cache on',
        }),
      );
      details[label] = {
        states,
        exactKeyBytes: exact.keys.keyBytesPerState,
        keys: exact.keys,
        phasesUsPerState: perState,
      };
    }

    // 4. partial-order reduction (sleep sets) on a composition with independent actors
    const por = porModel(ctx.smoke ? 6 : 20, 10);
    const full = explore(por, { deadlock: false });
    const reduced = explore(por, { deadlock: false, reduce: true });
    if (full.states !== reduced.states || full.depth !== reduced.depth || full.verdict !== reduced.verdict)
      throw new Error(
        `reduction changed the answer: ${full.states}/${full.depth} vs ${reduced.states}/${reduced.depth}`,
      );
    const porRates = await interleave(
      [
        { name: 'full', run: () => explore(por, { deadlock: false }).states },
        { name: 'reduced', run: () => explore(por, { deadlock: false, reduce: true }).states },
      ],
      once,
    );
    rows.push(
      row({
        metric: `composition, 2 independent + 2 coupled actors, ${full.states.toLocaleString('en-US')} states: states/s with sleep sets vs without`,
        unit: 'states/s',
        kspec: porRates.get('reduced')!.cpu,
        baseline: porRates.get('full')!.cpu,
        baselineName: 'no reduction',
        note: `edges ${reduced.edges.toLocaleString('en-US')} vs ${full.edges.toLocaleString('en-US')}; same states, depth ${full.depth} and verdict`,
      }),
    );

    // 5. scaling, each point in its own process
    const points = ctx.smoke ? [1000, 8000] : [10_000, 100_000, 1_000_000, 4_000_000];
    const sweep = [];
    for (const p of points) {
      ctx.log(`scaling point: reference machine at ${p.toLocaleString('en-US')} states`);
      sweep.push(runPoint(p));
    }
    details['scaling'] = sweep;
    series.push(
      {
        name: 'checker: states/s by state count (reference machine)',
        x: 'distinct states',
        y: 'states per CPU-second',
        logX: true,
        points: sweep.map((s) => ({ line: 'explore', x: s.states, y: s.rate })),
      },
      {
        name: 'checker: memory by state count (reference machine)',
        x: 'distinct states',
        y: 'bytes per state',
        logX: true,
        points: sweep.flatMap((s) => [
          { line: 'retained / state', x: s.states, y: s.bytesPerState },
          { line: 'peak RSS / state', x: s.states, y: (s.peakRssMiB * 1048576) / s.states },
        ]),
      },
    );
    const last = sweep[sweep.length - 1]!;
    rows.push(
      row({
        metric: `reference machine, ${last.states.toLocaleString('en-US')} states: retained bytes/state`,
        unit: 'B',
        kspec: last.bytesPerState,
        baseline: spinBytes.length ? stat(spinBytes) : null,
        baselineName: 'SPIN (its state store at 1M)',
        target: atMost(300, 'value'),
        note: `peak RSS ${last.peakRssMiB.toFixed(0)} MiB, ${last.seconds.toFixed(1)} s`,
      }),
    );
    return { rows, series, details };
  },
});

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--point');
  if (at >= 0) point(Number(process.argv[at + 1]));
}

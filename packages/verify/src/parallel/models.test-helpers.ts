/**
 * Fixture models for the parallel and distributed explorers and the disk-spilling store,
 * exported as models (workers import this module by its file URL and pick a model by name).
 * `grid(n)` is wide (a square of (n+1)^2 states reached by many paths each), `counter600`
 * deep (600 levels).
 */
import { assign, setup } from 'xstate';
import { src, type MachineCheckModel } from '@kspec/spec-kit';
import type { CheckReport } from '../report.js';
import { abbaModel, counterModel, raceModel, senderModel } from '../fixtures.test-helpers.js';

// synthetic, as in ../fixtures.test-helpers.ts: references inside a real seed function
const S = (a: number) => ({ source: src('linux-xen-evtchn.c', 'evtchn_ioctl', 429 + a, 429 + a) });

/** Two counters stepped independently up to `n`; `x` may never pass `y + n / 2`. */
const gridMachine = setup({
  types: {} as {
    context: { x: number; y: number; n: number };
    events: { type: 'x' } | { type: 'y' };
    input: { n: number };
  },
  guards: {
    xRoom: ({ context }) => context.x < context.n,
    yRoom: ({ context }) => context.y < context.n,
  },
  actions: {
    incX: assign({ x: ({ context }) => context.x + 1 }),
    incY: assign({ y: ({ context }) => context.y + 1 }),
  },
}).createMachine({
  id: 'grid',
  context: ({ input }) => ({ x: 0, y: 0, n: input.n }),
  initial: 'stepping',
  meta: S(1),
  states: {
    stepping: {
      meta: S(2),
      on: {
        x: { guard: 'xRoom', actions: 'incX', meta: S(3) },
        y: { guard: 'yRoom', actions: 'incY', meta: S(4) },
      },
    },
  },
});

function grid(n: number, name: string): MachineCheckModel<typeof gridMachine> {
  return {
    kind: 'machine',
    name,
    machine: gridMachine,
    input: { n },
    alphabet: () => [{ type: 'x' }, { type: 'y' }],
    encode: (s, w) => {
      w.num(s.context.x);
      w.num(s.context.y);
    },
    invariants: [
      { name: 'xNotFarAhead', statement: 'x <= y + n/2', holds: (s) => s.context.x <= s.context.y + n / 2 },
    ],
    configs: [],
  };
}

export const models = [
  counterModel(5),
  { ...counterModel(600), name: 'counter600', invariants: counterModel(600).invariants.slice(0, 1) },
  grid(40, 'grid40'),
  abbaModel,
  raceModel(false),
  raceModel(true),
  senderModel(2),
];

/** This module's specifier for workers. */
export const fixturesModule = new URL('./models.test-helpers.ts', import.meta.url).href;

/** What must agree between two runs of one model (edges only for complete runs). */
export function essence(r: CheckReport): unknown {
  return {
    verdict: r.verdict,
    complete: r.complete,
    stoppedBy: r.stoppedBy,
    states: r.states,
    edges: r.complete ? r.edges : undefined,
    depth: r.depth,
    depthBounded: r.depthBounded,
    violations: r.violations.map((v) => `${v.kind}:${v.name}:${v.trace.length}:${v.findingId ?? ''}`).sort(),
    sentinels: r.sentinels.map((s) => `${s.name}:${s.reached}:${s.trace?.length}`),
    covered: r.coverage.covered,
  };
}

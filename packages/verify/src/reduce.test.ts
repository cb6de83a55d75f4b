// Partial-order reduction by sleep sets: a composition whose actors declare disjoint shared
// footprints gives the same verdict, states, depth, findings, coverage and counterexample
// lengths with `reduce: true` as without, and fewer edges.
import { describe, expect, it } from 'vitest';
import { assign, setup, type EventObject, type SnapshotFrom } from 'xstate';
import { src } from '@kspec/spec-kit';
import { compose } from './compose.js';
import { explore } from './explore.js';
import { ModelError } from './errors.js';
import { incrementerMachine } from './fixtures.test-helpers.js';
import type { CheckReport } from './report.js';

const S = (a: number) => ({ source: src('linux-xen-evtchn.c', 'evtchn_ioctl', 429 + a) });

/** A thread that counts modulo n on its own shared field. */
const tickerMachine = setup({
  types: {} as { context: { n: number; mod: number }; events: { type: 'tick' }; input: { mod: number } },
  actions: { bump: assign({ n: ({ context }) => (context.n + 1) % context.mod }) },
}).createMachine({
  id: 'ticker',
  meta: S(120),
  context: ({ input }) => ({ n: 0, mod: input.mod }),
  on: { tick: { actions: 'bump', meta: S(121) } },
});

type Shared = { counter: number; lock: string | null; x: number; y: number };
type IncSnapshot = SnapshotFrom<typeof incrementerMachine>;
type TickSnapshot = SnapshotFrom<typeof tickerMachine>;

function model(opts: { locked: boolean; mods: readonly number[]; footprints?: boolean; badWrite?: boolean }) {
  const fp = opts.footprints ?? true;
  const inc = (me: 'a' | 'b') => ({
    machine: incrementerMachine,
    ...(fp ? { footprint: ['counter', 'lock'] } : {}),
    alphabet: ({ self, shared }: { self: IncSnapshot; shared: Shared }) => {
      if (self.matches('idle'))
        return !opts.locked || shared.lock === null ? [{ type: 'load', value: shared.counter }] : [];
      if (self.matches('loaded')) return [{ type: 'store' }];
      return [];
    },
    write: ({ shared, self, event }: { shared: Shared; self: IncSnapshot; event: EventObject }): Shared => {
      if (event.type === 'load') return opts.locked ? { ...shared, lock: me } : shared;
      if (event.type === 'store') return { ...shared, counter: self.context.out, lock: null };
      return shared;
    },
  });
  const ticker = (field: 'x' | 'y', mod: number) => ({
    machine: tickerMachine,
    input: { mod },
    ...(fp ? { footprint: opts.badWrite && field === 'y' ? ['y'] : [field] } : {}),
    alphabet: () => [{ type: 'tick' }],
    write: ({ shared, self }: { shared: Shared; self: TickSnapshot }): Shared =>
      opts.badWrite && field === 'y'
        ? { ...shared, y: self.context.n, counter: 7 }
        : { ...shared, [field]: self.context.n },
  });
  const tickers = Object.fromEntries(
    opts.mods.map((m, i) => [i === 0 ? 'x' : 'y', ticker(i === 0 ? 'x' : 'y', m)]),
  );
  return compose({
    name: `race+tickers(${opts.locked ? 'locked' : 'unlocked'}, ${opts.mods.join('/')})`,
    shared: { counter: 0, lock: null, x: 0, y: 0 } as Shared,
    actors: { ...tickers, a: inc('a'), b: inc('b') } as never,
    invariants: [
      {
        name: 'noLostUpdate',
        statement: 'when both incrementers are done, the counter is 2',
        holds: (s: { shared: Shared; actors: Record<string, { status: string }> }) =>
          !(s.actors['a']!.status === 'done' && s.actors['b']!.status === 'done') || s.shared.counter === 2,
      },
    ] as never,
    sentinels: [
      {
        name: 'tickersWrap',
        statement: 'the first ticker goes back to 0 after counting',
        reached: (s: { shared: Shared }) => s.shared.x === (opts.mods[0] ?? 1) - 1,
      },
    ] as never,
  });
}

/** What the reduction must not change. */
function answers(r: CheckReport) {
  return {
    verdict: r.verdict,
    complete: r.complete,
    states: r.states,
    depth: r.depth,
    violations: r.violations.map((v) => ({ kind: v.kind, name: v.name, length: v.trace.length })),
    sentinels: r.sentinels.map((s) => ({ name: s.name, reached: s.reached, length: s.trace?.length })),
    coverage: r.coverage,
  };
}

describe('partial-order reduction (sleep sets)', () => {
  for (const locked of [false, true])
    for (const mods of [[3], [4, 3], [2, 5]]) {
      it(`${locked ? 'locked' : 'unlocked'} race beside tickers modulo ${mods.join(', ')}: same answers, fewer edges`, () => {
        const m = model({ locked, mods });
        const full = explore(m);
        const reduced = explore(m, { reduce: true });
        expect(answers(reduced)).toEqual(answers(full));
        expect(reduced.reduction?.independent).toEqual(mods.length === 1 ? ['x'] : ['x', 'y']);
        expect(reduced.reduction!.skippedSteps).toBeGreaterThan(0);
        expect(reduced.edges).toBeLessThan(full.edges);
        if (!locked) expect(full.violations.map((v) => v.name)).toEqual(['noLostUpdate']);
      });
    }

  it('with a deadlock check: the states where only asleep steps are enabled are not deadlocks', () => {
    // once both incrementers are done only the tickers move, and from states reached by an
    // incrementer step their steps are asleep
    const m = model({ locked: true, mods: [3] });
    const reduced = explore(m, { reduce: true, deadlock: true });
    expect(reduced.violations.filter((v) => v.kind === 'deadlock')).toEqual([]);
    expect(answers(reduced)).toEqual(answers(explore(m, { deadlock: true })));
  });

  it('no reduction unless every actor declares a footprint', () => {
    const m = model({ locked: false, mods: [3], footprints: false });
    const r = explore(m, { reduce: true });
    expect(r.reduction).toBeUndefined();
    expect(r.edges).toBe(explore(m).edges);
  });

  it('a write outside the declared footprint is refused', () => {
    expect(() => explore(model({ locked: false, mods: [3, 3], badWrite: true }), { reduce: true })).toThrow(
      ModelError,
    );
    expect(() => explore(model({ locked: false, mods: [3, 3], badWrite: true }))).toThrow(
      /wrote shared field 'counter', which is not in its footprint \[y\]/,
    );
  });

  it('is off by default: edges as before', () => {
    const m = model({ locked: false, mods: [3] });
    expect(explore(m).reduction).toBeUndefined();
  });
});

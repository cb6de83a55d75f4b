import { describe, expect, it } from 'vitest';
import { assign, fromPromise, raise, setup } from 'xstate';
import { src, type MachineCheckModel } from '@kspec/spec-kit';
import { explore } from './explore.js';
import { compileBlocker } from './compiled.js';
import type { CheckReport } from './report.js';
import type { CheckModel } from './system.js';
import { abbaModel, counterModel, raceModel, senderModel } from './fixtures.test-helpers.js';

// synthetic machines: their references cite lines inside a real seed function, offset by the fixture's own numbering
const S = (a: number) => ({ source: src('linux-xen-evtchn.c', 'evtchn_ioctl', 429 + a) });

/** A machine using eventless transitions, history, a targetless assign and a raise. */
const tricky = setup({
  types: {} as {
    context: { n: number; hits: number };
    events: { type: 'go' } | { type: 'poke' } | { type: 'back' } | { type: 'echo' };
  },
  guards: { isEven: ({ context }) => context.n % 2 === 0, isBig: ({ context }) => context.n >= 3 },
  actions: {
    bump: assign({ n: ({ context }) => (context.n + 1) % 5 }),
    hit: assign({ hits: ({ context }) => Math.min(context.hits + 1, 2) }),
    echoBack: raise({ type: 'back' }),
  },
}).createMachine({
  id: 'tricky',
  context: { n: 0, hits: 0 },
  initial: 'a',
  meta: S(1),
  states: {
    a: {
      meta: S(2),
      initial: 'a1',
      states: {
        a1: { meta: S(3), on: { poke: { target: 'a2', meta: S(4) } } },
        a2: { meta: S(5), on: { poke: { target: 'a1', actions: 'hit', meta: S(6) } } },
        hist: { type: 'history', meta: S(7) },
      },
      on: {
        go: { target: 'b', actions: 'bump', meta: S(8) },
        echo: { actions: 'echoBack', meta: S(9) },
        back: { actions: 'hit', meta: S(10) },
      },
    },
    b: {
      meta: S(11),
      always: [
        { guard: 'isBig', target: 'c', meta: S(12) },
        { guard: 'isEven', target: '#tricky.a.hist', meta: S(13) },
      ],
      on: { back: { target: '#tricky.a.hist', meta: S(14) }, go: { actions: 'bump', meta: S(15) } },
    },
    c: { meta: S(16), on: { back: { target: 'a', actions: 'bump', meta: S(17) } } },
  },
});

const trickyModel: MachineCheckModel<typeof tricky> = {
  kind: 'machine',
  name: 'tricky',
  machine: tricky,
  alphabet: () => [{ type: 'go' }, { type: 'poke' }, { type: 'back' }, { type: 'echo' }],
  invariants: [],
  configs: [],
};

function comparable(r: CheckReport) {
  const { seconds: _s, statesPerSecond: _r, engine: _e, ...rest } = r;
  return rest;
}

describe('the transition cache (compiled path)', () => {
  // [name, model, does the cache serve some edges?] (abba and the sender visit each
  // configuration and event once or so: nothing to reuse)
  const models: [string, CheckModel, boolean][] = [
    ['counter', counterModel(6), true],
    ['abba', abbaModel, false],
    ['sender', senderModel(-1), false],
    ['sender bounded', senderModel(4), true],
    ['race', raceModel(false), true],
    ['tricky', trickyModel, true],
  ];
  for (const [name, model, reuses] of models) {
    it(`${name}: equals xstate's public transition() on every explored edge`, () => {
      const fast = explore(model, { crossCheck: true });
      const slow = explore(model, { compiled: false });
      expect(comparable(fast)).toEqual(comparable(slow));
      expect(slow.engine.compiled).toBe(0);
      if (reuses) expect(fast.engine.compiled).toBeGreaterThan(0);
      // every edge was computed by one of the two (key sampling adds a few extra steps)
      expect(fast.engine.compiled + fast.engine.xstate).toBeGreaterThanOrEqual(fast.edges);
    });
  }

  it('a raise is computed by xstate (ineligible leaf), yet the result is the same', () => {
    const r = explore(trickyModel, { crossCheck: true });
    expect(r.engine.xstate).toBeGreaterThan(0);
    expect(r.coverage.covered).toContain('tricky.a|echo|0');
    expect(r.coverage.covered).toContain('tricky.a|back|0');
  });

  it('does not compile machines it cannot replay, and says why', () => {
    const invoking = setup({ actors: { job: fromPromise(async () => 1) } }).createMachine({
      id: 'inv',
      initial: 'a',
      meta: S(1),
      states: { a: { meta: S(2), invoke: { src: 'job' } } },
    });
    expect(compileBlocker(invoking)).toMatch(/state 'inv.a' invokes an actor/);
    expect(compileBlocker(tricky)).toBeUndefined();
  });
});

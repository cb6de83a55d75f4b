import { describe, expect, it } from 'vitest';
import { assign, createActor, setup } from 'xstate';
import { assertConformance, checkConformance } from './conformance.js';
import { listTransitions } from './chart.js';
import { src } from './source.js';

const S = (fn: string, a: number, b = a) => ({ source: src('linux-xen-evtchn.c', fn, a, b) });

/** A conforming machine with nested, parallel, delayed, eventless and invoked parts. */
const conforming = setup({
  types: {} as { context: { n: number }; events: { type: 'go' } | { type: 'stop' } },
  guards: { isPositive: ({ context }) => context.n > 0, isBig: ({ context }) => context.n > 10 },
  actions: { bump: assign({ n: ({ context }) => context.n + 1 }), noop: () => {} },
  delays: { shortWait: 5 },
}).createMachine({
  id: 'sample',
  context: { n: 0 },
  initial: 'top',
  meta: S('evtchn_open', 618, 643),
  states: {
    top: {
      meta: S('evtchn_ioctl', 429, 597),
      type: 'parallel',
      states: {
        left: {
          meta: S('evtchn_read', 195, 265),
          initial: 'idle',
          states: {
            idle: {
              meta: S('evtchn_read', 211, 232),
              entry: 'noop',
              on: { go: { target: 'busy', actions: 'bump', meta: S('evtchn_read', 220, 221) } },
            },
            busy: {
              meta: S('evtchn_read', 234, 260),
              always: { guard: 'isBig', target: 'idle', meta: S('evtchn_read', 262, 264) },
              after: { shortWait: { target: 'idle', meta: S('evtchn_read', 228, 231) } },
            },
          },
        },
        right: {
          meta: S('evtchn_write', 267, 311),
          initial: 'a',
          states: {
            a: {
              meta: S('evtchn_write', 280, 289),
              on: { stop: { guard: 'isPositive', target: 'b', meta: S('evtchn_write', 291, 306) } },
            },
            b: { meta: S('evtchn_write', 306, 310), type: 'final' },
          },
        },
      },
    },
  },
});

describe('checkConformance', () => {
  it('accepts a conforming machine with nested, parallel, delayed and eventless transitions', () => {
    expect(checkConformance(conforming)).toEqual([]);
    expect(() => assertConformance(conforming)).not.toThrow();
    const kinds = new Set(listTransitions(conforming).map((t) => t.kind));
    expect(kinds).toEqual(new Set(['event', 'always', 'after']));
    // the machine really runs
    const actor = createActor(conforming).start();
    actor.send({ type: 'go' });
    expect(actor.getSnapshot().context.n).toBe(1);
    actor.stop();
  });

  it('rejects a state node without meta.source, naming it', () => {
    const m = setup({}).createMachine({
      id: 'm',
      meta: S('evtchn_open', 618),
      initial: 'a',
      states: {
        a: { on: { x: { target: 'b', meta: S('evtchn_open', 620) } } },
        b: { meta: S('evtchn_open', 621) },
      },
    });
    const issues = checkConformance(m);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ problem: 'missing-source', stateNode: 'm.a', where: 'state' });
    expect(() => assertConformance(m)).toThrow(/m\.a \(state\): state node has no meta\.source/);
  });

  it('rejects a transition without meta.source (eventless and delayed ones too)', () => {
    const m = setup({}).createMachine({
      id: 'm',
      meta: S('evtchn_open', 618),
      initial: 'a',
      states: {
        a: { meta: S('evtchn_open', 620), always: { target: 'b' } },
        b: { meta: S('evtchn_open', 621), after: { 10: { target: 'a' } } },
      },
    });
    const issues = checkConformance(m).map((i) => `${i.problem} ${i.stateNode} ${i.where}`);
    expect(issues.sort()).toEqual([
      'missing-source m.a always #0',
      'missing-source m.b on xstate.after.10.m.b #0',
    ]);
  });

  it('rejects an inline guard', () => {
    const m = setup({}).createMachine({
      id: 'm',
      meta: S('evtchn_open', 618),
      initial: 'a',
      states: {
        a: {
          meta: S('evtchn_open', 620),
          on: { x: { guard: () => true, target: 'b', meta: S('evtchn_open', 622) } },
        },
        b: { meta: S('evtchn_open', 621) },
      },
    });
    const issues = checkConformance(m);
    expect(issues.map((i) => i.problem)).toEqual(['inline-guard']);
    expect(issues[0]?.where).toBe('on x #0');
  });

  it('rejects an inline action, in transitions and in entry/exit', () => {
    const m = setup({ types: {} as { context: { n: number } } }).createMachine({
      id: 'm',
      context: { n: 0 },
      meta: S('evtchn_open', 618),
      initial: 'a',
      states: {
        a: {
          meta: S('evtchn_open', 620),
          exit: () => {},
          on: { x: { actions: assign({ n: 1 }), target: 'b', meta: S('evtchn_open', 622) } },
        },
        b: { meta: S('evtchn_open', 621) },
      },
    });
    const issues = checkConformance(m).map((i) => `${i.problem} ${i.where}`);
    expect(issues).toEqual(['inline-action exit', 'inline-action on x #0']);
  });

  it('rejects an invoked actor given inline and a guard name missing from setup()', () => {
    const m = setup({}).createMachine({
      id: 'm',
      meta: S('evtchn_open', 618),
      initial: 'a',
      states: {
        a: {
          meta: S('evtchn_open', 620),
          // an inline machine as invoked logic (setup() has no actors, so the config is cast)
          invoke: {
            src: setup({}).createMachine({}),
            onDone: { target: 'b', meta: S('evtchn_open', 623) },
          } as never,
          on: { y: { guard: 'nope' as never, target: 'b', meta: S('evtchn_open', 624) } },
        },
        b: { meta: S('evtchn_open', 621) },
      },
    });
    const problems = checkConformance(m)
      .map((i) => i.problem)
      .sort();
    expect(problems).toEqual(['inline-actor', 'unknown-guard']);
  });

  it('gives a clear error for something that is not a machine', () => {
    expect(() => checkConformance({} as never)).toThrow(TypeError);
  });
});

describe('source references against the seed index', () => {
  const cites = (fn: string, a: number, b: number) =>
    setup({}).createMachine({
      id: 'cites',
      meta: S(fn, a, b),
      initial: 'only',
      states: { only: { meta: S('evtchn_open', 618, 643) } },
    });

  it('accepts lines inside the named function (evtchn_open is lines 618-643)', () => {
    expect(checkConformance(cites('evtchn_open', 620, 640))).toEqual([]);
  });

  it.each([
    ['a function the seed does not have', 'evtchn_frobnicate', 620, 630, /no symbol 'evtchn_frobnicate'/],
    [
      'lines outside the named function',
      'evtchn_open',
      600,
      630,
      /outside evtchn_open \(linux-xen-evtchn.c:618-643\)/,
    ],
    ['lines past the end of the 709-line seed', 'evtchn_open', 700, 720, /709 lines/],
  ])('reports %s', (_what, fn, a, b, message) => {
    const issues = checkConformance(cites(fn, a, b));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.problem).toBe('source-not-in-seed');
    expect(issues[0]!.message).toMatch(message);
  });
});

import { describe, expect, it } from 'vitest';
import { explore } from './explore.js';
import { compose } from './compose.js';
import { ModelError, NonCanonicalKeyError, OptionsError } from './errors.js';
import { counterMachine, counterModel, incrementerMachine } from './fixtures.test-helpers.js';

describe('bad input gives a clear error, never a hang', () => {
  it('an alphabet yielding an event the machine does not know', () => {
    const model = counterModel(3, { alphabet: () => [{ type: 'inc' }, { type: 'incc' } as never] });
    expect(() => explore(model)).toThrow(ModelError);
    expect(() => explore(model)).toThrow(
      /alphabet yielded event 'incc', which machine 'counter' does not know/,
    );
  });

  it('an alphabet yielding something that is not an event, or not an array', () => {
    expect(() => explore(counterModel(3, { alphabet: () => [{ kind: 'inc' } as never] }))).toThrow(
      /not an event object with a string type/,
    );
    expect(() => explore(counterModel(3, { alphabet: () => 'inc' as never }))).toThrow(
      /must return an array/,
    );
  });

  it('an invariant that throws is reported as an error violation naming it, with the trace', () => {
    const model = counterModel(3, {
      sentinels: [],
      invariants: [
        {
          name: 'fragile',
          statement: 'throws at count 2',
          holds: (s) => {
            if (s.context.count === 2) throw new TypeError('boom');
            return true;
          },
        },
      ],
    });
    const r = explore(model);
    expect(r.verdict).toBe('fail');
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatchObject({ kind: 'error', name: 'fragile', trace: [{ type: 'inc2' }] });
    expect(r.violations[0]!.message).toMatch(/invariant 'fragile' threw: TypeError: boom/);
  });

  it('a guard or action that throws is reported as an error violation with the event that threw', () => {
    const broken = counterMachine.provide({
      guards: {
        canInc2: ({ context }) => {
          if (context.count === 1) throw new Error('guard exploded');
          return context.count + 2 <= context.max;
        },
      },
    });
    const r = explore(counterModel(3, { machine: broken, sentinels: [], invariants: [] }));
    const v = r.violations.find((x) => x.kind === 'error')!;
    expect(v.trace).toEqual([{ type: 'inc' }, { type: 'inc2' }]);
    expect(v.message).toMatch(/guard exploded/);
  });

  it('a zero or negative budget', () => {
    expect(() => explore(counterModel(3), { maxStates: 0 })).toThrow(OptionsError);
    expect(() => explore(counterModel(3), { timeBudgetMs: 0 })).toThrow(
      /timeBudgetMs must be a positive integer, got 0/,
    );
    expect(() => explore(counterModel(3), { maxDepth: -1 })).toThrow(/maxDepth must be a positive integer/);
    expect(() => explore(counterModel(3), { maxStates: 1.5 })).toThrow(OptionsError);
  });

  it('an unknown invariant name', () => {
    expect(() => explore(counterModel(3), { invariants: ['nope'] })).toThrow(
      /no invariant 'nope' \(it has: countWithinMax, countBelowFour\)/,
    );
  });

  it('a state key that is not canonical: two snapshots with one key that behave differently', () => {
    // the projection drops the count, which decides whether inc is enabled
    const model = counterModel(3, { project: () => null, invariants: [], sentinels: [] });
    let err: unknown;
    try {
      explore(model);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonCanonicalKeyError);
    expect((err as Error).message).toMatch(/is not canonical: two snapshots share it but behave differently/);
  });

  it('a projection that drops only what does not matter is accepted', () => {
    // `log` counts steps; it never influences behaviour, and the default projection here drops it
    const r = explore(counterModel(3, { invariants: [], sentinels: [] }));
    expect(r.complete).toBe(true);
  });

  it('an infinite state space stops at the state budget instead of hanging', () => {
    const r = explore(counterModel(Number.MAX_SAFE_INTEGER, { invariants: [], sentinels: [] }), {
      maxStates: 2000,
    });
    expect(r).toMatchObject({ complete: false, stoppedBy: 'maxStates', states: 2000 });
  });

  it('something that is not a model, or a composition not built with compose()', () => {
    expect(() => explore({} as never)).toThrow(ModelError);
    expect(() => explore({ kind: 'composition', name: 'x', invariants: [] } as never)).toThrow(
      /build compositions with compose/,
    );
    expect(() => compose({ name: 'c', shared: 0, actors: {}, invariants: [] })).toThrow(
      /needs at least one actor/,
    );
    expect(() =>
      compose({
        name: 'c',
        shared: 0n as never,
        actors: { a: { machine: incrementerMachine, alphabet: () => [] } },
        invariants: [],
      }),
    ).toThrow(/JSON-serialisable/);
  });
});

import { describe, expect, it } from 'vitest';
import { assign, setup, type SnapshotFrom } from 'xstate';
import { assertConformance, src } from '@kspec/spec-kit';
import { compose } from './compose.js';
import { explore } from './explore.js';
import { replay } from './replay.js';
import { raceModel } from './fixtures.test-helpers.js';

// synthetic machines: their references cite lines inside a real seed function, offset by the fixture's own numbering
const S = (a: number) => ({ source: src('netbsd-rump-if_shmem.c', 'shmif_rcv', 610 + a) });

/** A thread taking two locks in a given order, then releasing both and finishing. */
const locker = setup({
  types: {} as { context: { held: number }; events: { type: 'take' } | { type: 'release' } },
  actions: { countHeld: assign({ held: ({ context }) => context.held + 1 }), dropAll: assign({ held: 0 }) },
}).createMachine({
  id: 'locker',
  context: { held: 0 },
  initial: 'first',
  meta: S(1),
  states: {
    first: { meta: S(2), on: { take: { target: 'second', actions: 'countHeld', meta: S(3) } } },
    second: { meta: S(4), on: { take: { target: 'holding', actions: 'countHeld', meta: S(5) } } },
    holding: { meta: S(6), on: { release: { target: 'finished', actions: 'dropAll', meta: S(7) } } },
    finished: { meta: S(8), type: 'final' },
  },
});

type Locks = { A: string | null; B: string | null };
type L = SnapshotFrom<typeof locker>;

function lockerMember(me: string, order: ['A' | 'B', 'A' | 'B']) {
  const want = (s: L): 'A' | 'B' | undefined =>
    s.matches('first') ? order[0] : s.matches('second') ? order[1] : undefined;
  return {
    machine: locker,
    alphabet: ({ self, shared }: { self: L; shared: Locks }) => {
      const lock = want(self);
      if (lock) return shared[lock] === null ? [{ type: 'take' }] : [];
      return self.matches('holding') ? [{ type: 'release' }] : [];
    },
    write: ({ shared, before, event }: { shared: Locks; before: L; event: { type: string } }): Locks => {
      if (event.type === 'take') return { ...shared, [want(before)!]: me };
      if (event.type === 'release') return { A: null, B: null };
      return shared;
    },
  };
}

describe('compose', () => {
  it('the fixture machine conforms', () => assertConformance(locker));

  it('finds a deadlock of two actors taking two locks in opposite order (not every actor done, nothing enabled)', () => {
    const model = compose({
      name: 'abbaComposed',
      shared: { A: null, B: null } as Locks,
      actors: { t1: lockerMember('t1', ['A', 'B']), t2: lockerMember('t2', ['B', 'A']) },
      invariants: [],
    });
    const r = explore(model, { crossCheck: true });
    const d = r.violations.find((v) => v.kind === 'deadlock')!;
    expect(d.trace.map((e) => e.type).sort()).toEqual(['t1.take', 't2.take']);
    const s = replay(model, d.trace);
    expect(s.shared).toEqual({ A: 't1', B: 't2' });
    expect(s.actors.t1.value).toBe('second');
    expect(s.actors.t2.value).toBe('second');
    // both finishing is reachable too, and is not a deadlock
    expect(r.violations.filter((v) => v.kind === 'deadlock')).toHaveLength(1);
  });

  it('same order: no deadlock; every actor done is a valid end', () => {
    const model = compose({
      name: 'sameOrder',
      shared: { A: null, B: null } as Locks,
      actors: { t1: lockerMember('t1', ['A', 'B']), t2: lockerMember('t2', ['A', 'B']) },
      invariants: [
        {
          name: 'locksHaveOneOwner',
          statement: 'a lock is held by at most one thread',
          holds: (s) =>
            s.shared.A === null ||
            s.shared.A !== s.shared.B ||
            s.actors.t1.context.held + s.actors.t2.context.held <= 2,
        },
      ],
      sentinels: [
        {
          name: 'bothFinish',
          statement: 'both threads finish',
          reached: (s) => s.actors.t1.status === 'done' && s.actors.t2.status === 'done',
        },
      ],
    });
    const r = explore(model);
    expect(r.violations).toEqual([]);
    expect(r.sentinels[0]!.reached).toBe(true);
    expect(r.verdict).toBe('pass');
  });

  it('monitors observe composed steps: a lost update is also caught by a monitor that never cools', () => {
    const base = raceModel(false);
    const model = compose({
      ...base,
      name: 'raceWithMonitor',
      invariants: [],
      findings: [],
      configs: [],
      monitors: [
        {
          name: 'counterReachesTwo',
          statement: 'once both threads are done the counter is 2 (owed until then)',
          initial: 'owed',
          hot: ['owed', 'lost'],
          observe: (m, _e, next) =>
            next.shared.counter === 2
              ? 'paid'
              : next.actors.a.status === 'done' && next.actors.b.status === 'done'
                ? 'lost'
                : m,
        },
      ],
    });
    const r = explore(model);
    const v = r.violations.find((x) => x.kind === 'liveness')!;
    expect(v.name).toBe('counterReachesTwo');
    expect(v.lasso!.cycle).toEqual([]); // it ends with both done and the counter at 1
    expect(replay(model, v.trace).shared.counter).toBe(1);
  });
});

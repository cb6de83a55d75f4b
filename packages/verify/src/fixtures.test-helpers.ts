/**
 * Small machines and models the tests of this package explore. They are fixtures, not models
 * of a seed: each one conforms to spec-kit's rules (every node and transition carries a
 * `meta.source`, every guard and action is named in `setup()`), with references pointing at
 * arbitrary lines of one seed.
 */
import { and, assign, not, setup, type EventObject, type SnapshotFrom } from 'xstate';
import { src, type MachineCheckModel } from '@kspec/spec-kit';
import { compose } from './compose.js';

// synthetic machines: their references cite lines inside a real seed function, offset by the fixture's own numbering
const S = (a: number, b = a) => ({ source: src('linux-xen-evtchn.c', 'evtchn_ioctl', 429 + a, 429 + b) });

/** A counter with steps of 1 and 2, bounded at `max`, and an unreachable `reset` from `overflow`. */
export const counterMachine = setup({
  types: {} as {
    context: { count: number; max: number; log: number };
    events: { type: 'inc' } | { type: 'inc2' } | { type: 'reset' } | { type: 'stop' };
    input: { max: number };
  },
  guards: {
    canInc: ({ context }) => context.count + 1 <= context.max,
    canInc2: ({ context }) => context.count + 2 <= context.max,
    isNegative: ({ context }) => context.count < 0,
  },
  actions: {
    inc: assign({ count: ({ context }) => context.count + 1, log: ({ context }) => context.log + 1 }),
    inc2: assign({ count: ({ context }) => context.count + 2, log: ({ context }) => context.log + 1 }),
    clear: assign({ count: 0 }),
  },
}).createMachine({
  id: 'counter',
  context: ({ input }) => ({ count: 0, max: input.max, log: 0 }),
  initial: 'counting',
  meta: S(1, 10),
  states: {
    counting: {
      meta: S(11, 20),
      on: {
        inc: { guard: 'canInc', actions: 'inc', meta: S(12) },
        inc2: { guard: 'canInc2', actions: 'inc2', meta: S(13) },
        reset: [
          { guard: 'isNegative', target: 'overflow', meta: S(14) },
          { actions: 'clear', meta: S(15) },
        ],
        stop: { target: 'stopped', meta: S(16) },
      },
    },
    overflow: { meta: S(21), on: { reset: { target: 'counting', actions: 'clear', meta: S(22) } } },
    stopped: { meta: S(23), type: 'final' },
  },
});

/** The counter as a check model: `countBelowFour` fails at count 4 (shortest: inc2, inc2). */
export function counterModel(
  max = 5,
  extra: Partial<MachineCheckModel<typeof counterMachine>> = {},
): MachineCheckModel<typeof counterMachine> {
  return {
    kind: 'machine',
    name: 'counter',
    machine: counterMachine,
    input: { max },
    alphabet: () => [{ type: 'inc' }, { type: 'inc2' }, { type: 'reset' }, { type: 'stop' }],
    project: (s) => ({ count: s.context.count }),
    invariants: [
      {
        name: 'countWithinMax',
        statement: 'count never exceeds max',
        holds: (s) => s.context.count <= s.context.max,
      },
      { name: 'countBelowFour', statement: 'count stays below 4', holds: (s) => s.context.count < 4 },
    ],
    sentinels: [
      { name: 'reachesThree', statement: 'count 3 is reachable', reached: (s) => s.context.count === 3 },
      { name: 'reachesSeven', statement: 'count 7 is reachable', reached: (s) => s.context.count === 7 },
    ],
    configs: [
      {
        name: 'small',
        description: 'max 2: every invariant holds',
        bounds: { maxStates: 1000 },
        invariants: ['countWithinMax', 'countBelowFour'],
        expect: { verdict: 'pass', states: 6, depth: 2 },
      },
    ],
    ...extra,
  };
}

type Lock = 'none' | 't1' | 't2';

/**
 * Two threads as parallel regions taking two locks in opposite order (the classic ABBA
 * deadlock): t1 takes A then B, t2 takes B then A.
 */
export const abbaMachine = setup({
  types: {} as {
    context: { a: Lock; b: Lock };
    events:
      | { type: 't1.lockA' }
      | { type: 't1.lockB' }
      | { type: 't1.unlock' }
      | { type: 't2.lockB' }
      | { type: 't2.lockA' }
      | { type: 't2.unlock' };
  },
  guards: {
    isAFree: ({ context }) => context.a === 'none',
    isBFree: ({ context }) => context.b === 'none',
  },
  actions: {
    t1TakeA: assign({ a: 't1' as Lock }),
    t1TakeB: assign({ b: 't1' as Lock }),
    t2TakeA: assign({ a: 't2' as Lock }),
    t2TakeB: assign({ b: 't2' as Lock }),
    releaseBoth: assign({ a: 'none' as Lock, b: 'none' as Lock }),
  },
}).createMachine({
  id: 'abba',
  type: 'parallel',
  context: { a: 'none', b: 'none' },
  meta: S(30, 60),
  states: {
    t1: {
      meta: S(31),
      initial: 'idle',
      states: {
        idle: {
          meta: S(32),
          on: { 't1.lockA': { guard: 'isAFree', target: 'hasA', actions: 't1TakeA', meta: S(33) } },
        },
        hasA: {
          meta: S(34),
          on: { 't1.lockB': { guard: 'isBFree', target: 'hasBoth', actions: 't1TakeB', meta: S(35) } },
        },
        hasBoth: {
          meta: S(36),
          on: { 't1.unlock': { target: 'idle', actions: 'releaseBoth', meta: S(37) } },
        },
      },
    },
    t2: {
      meta: S(41),
      initial: 'idle',
      states: {
        idle: {
          meta: S(42),
          on: { 't2.lockB': { guard: 'isBFree', target: 'hasB', actions: 't2TakeB', meta: S(43) } },
        },
        hasB: {
          meta: S(44),
          on: { 't2.lockA': { guard: 'isAFree', target: 'hasBoth', actions: 't2TakeA', meta: S(45) } },
        },
        hasBoth: {
          meta: S(46),
          on: { 't2.unlock': { target: 'idle', actions: 'releaseBoth', meta: S(47) } },
        },
      },
    },
  },
});

export const abbaModel: MachineCheckModel<typeof abbaMachine> = {
  kind: 'machine',
  name: 'abba',
  machine: abbaMachine,
  alphabet: () => [
    { type: 't1.lockA' },
    { type: 't1.lockB' },
    { type: 't1.unlock' },
    { type: 't2.lockB' },
    { type: 't2.lockA' },
    { type: 't2.unlock' },
  ],
  invariants: [
    {
      name: 'mutualExclusion',
      statement: 'the two threads never both hold both locks',
      holds: (s) => !(s.matches({ t1: 'hasBoth' }) && s.matches({ t2: 'hasBoth' })),
    },
  ],
  configs: [],
};

/**
 * A sender with unbounded retries: `send` owes an acknowledgement, `nak` backs off and `retry`
 * sends again, so the sender can loop forever without ever being acknowledged. With
 * `maxRetries` the loop is bounded by a guard and the sender gives up.
 */
export const senderMachine = setup({
  types: {} as {
    context: { retries: number; maxRetries: number };
    events: { type: 'send' } | { type: 'ack' } | { type: 'nak' } | { type: 'retry' };
    input: { maxRetries: number };
  },
  guards: {
    isUnbounded: ({ context }) => context.maxRetries < 0,
    hasRetriesLeft: ({ context }) => context.retries < context.maxRetries,
    mayRetry: and([not('isUnbounded'), 'hasRetriesLeft']),
  },
  actions: {
    countRetry: assign({ retries: ({ context }) => context.retries + 1 }),
    clearRetries: assign({ retries: 0 }),
  },
}).createMachine({
  id: 'sender',
  context: ({ input }) => ({ retries: 0, maxRetries: input.maxRetries }),
  initial: 'idle',
  meta: S(70, 90),
  states: {
    idle: { meta: S(71), on: { send: { target: 'sending', meta: S(72) } } },
    sending: {
      meta: S(73),
      on: {
        ack: { target: 'idle', actions: 'clearRetries', meta: S(74) },
        nak: { target: 'backoff', meta: S(75) },
      },
    },
    backoff: {
      meta: S(76),
      on: {
        retry: [
          { guard: 'isUnbounded', target: 'sending', meta: S(77) },
          { guard: 'mayRetry', target: 'sending', actions: 'countRetry', meta: S(78) },
          { target: 'idle', actions: 'clearRetries', meta: S(79) },
        ],
      },
    },
  },
});

/** The sender; `acked` is a P-style monitor: hot from `send` until `ack` (or giving up). */
export function senderModel(maxRetries: number): MachineCheckModel<typeof senderMachine> {
  return {
    kind: 'machine',
    name: `sender(maxRetries=${maxRetries})`,
    machine: senderMachine,
    input: { maxRetries },
    // the network acks only after the first nak in this scenario: a send may be lost once
    alphabet: (s) =>
      s.matches('sending') && s.context.retries === 0
        ? [{ type: 'nak' }]
        : [{ type: 'send' }, { type: 'ack' }, { type: 'nak' }, { type: 'retry' }],
    invariants: [],
    monitors: [
      {
        name: 'eventuallyDone',
        statement: 'every send is eventually acknowledged or abandoned',
        initial: 'quiet',
        hot: ['owed'],
        observe: (m, e, next) => (e.type === 'send' ? 'owed' : next.matches('idle') ? 'quiet' : m),
      },
    ],
    configs: [],
  };
}

/** One thread's `counter++` as two atomic steps: load the shared counter, store it plus one. */
export const incrementerMachine = setup({
  types: {} as {
    context: { tmp: number; out: number };
    events: { type: 'load'; value: number } | { type: 'store' };
  },
  actions: {
    keepLoaded: assign({ tmp: ({ event }) => (event.type === 'load' ? event.value : 0) }),
    computeStore: assign({ out: ({ context }) => context.tmp + 1 }),
  },
}).createMachine({
  id: 'incrementer',
  context: { tmp: 0, out: 0 },
  initial: 'idle',
  meta: S(100, 110),
  states: {
    idle: { meta: S(101), on: { load: { target: 'loaded', actions: 'keepLoaded', meta: S(102) } } },
    loaded: { meta: S(103), on: { store: { target: 'done', actions: 'computeStore', meta: S(104) } } },
    done: { meta: S(105), type: 'final' },
  },
});

type RaceShared = { counter: number; lock: string | null };
type IncSnapshot = SnapshotFrom<typeof incrementerMachine>;

/**
 * Two incrementers on one shared counter. `locked` makes each thread take a lock around its
 * load/store pair (the load is offered only when the lock is free or already its own).
 */
export function raceModel(locked: boolean) {
  const member = (me: 'a' | 'b') => ({
    machine: incrementerMachine,
    alphabet: ({ self, shared }: { self: IncSnapshot; shared: RaceShared }) => {
      if (self.matches('idle')) {
        return !locked || shared.lock === null ? [{ type: 'load', value: shared.counter }] : [];
      }
      if (self.matches('loaded')) return [{ type: 'store' }];
      return [];
    },
    write: ({
      shared,
      self,
      event,
    }: {
      shared: RaceShared;
      self: IncSnapshot;
      event: EventObject;
    }): RaceShared => {
      if (event.type === 'load') return locked ? { ...shared, lock: me } : shared;
      if (event.type === 'store') return { counter: self.context.out, lock: null };
      return shared;
    },
  });
  return compose({
    name: locked ? 'race(locked)' : 'race',
    shared: { counter: 0, lock: null } as RaceShared,
    actors: { a: member('a'), b: member('b') },
    invariants: [
      {
        name: 'noLostUpdate',
        statement: 'when both threads are done, the counter is 2',
        holds: (s) =>
          !(s.actors.a.status === 'done' && s.actors.b.status === 'done') || s.shared.counter === 2,
      },
    ],
    findings: [
      {
        id: 'FIXTURE-1',
        title: 'unlocked counter++ loses an update',
        invariant: 'noLostUpdate',
        seed: [src('linux-xen-evtchn.c', 'evtchn_ioctl', 529, 534)],
        summary: 'two threads load the same value and both store value+1',
      },
    ],
    configs: [
      {
        name: 'race',
        description: 'exhibits the lost update',
        bounds: { maxStates: 1000 },
        expect: { verdict: locked ? 'pass' : 'findings', ...(locked ? {} : { findings: ['FIXTURE-1'] }) },
      },
    ],
  });
}

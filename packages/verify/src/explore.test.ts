import { describe, expect, it } from 'vitest';
import { assertConformance } from '@kspec/spec-kit';
import type { AnyMachineSnapshot } from 'xstate';
import { explore } from './explore.js';
import { replay } from './replay.js';
import { checkConfig } from './check-config.js';
import { formatReport } from './report.js';
import {
  abbaMachine,
  abbaModel,
  counterMachine,
  counterModel,
  incrementerMachine,
  raceModel,
  senderMachine,
  senderModel,
} from './fixtures.test-helpers.js';

describe('fixtures', () => {
  it('every fixture machine conforms to spec-kit (meta.source everywhere, named guards/actions)', () => {
    for (const m of [counterMachine, abbaMachine, senderMachine, incrementerMachine]) assertConformance(m);
  });
});

describe('explore: invariants and shortest counterexamples', () => {
  it('finds the seeded violation with the shortest trace (inc2, inc2), not the longer inc chains', () => {
    const model = counterModel(5);
    const r = explore(model, { crossCheck: true });
    expect(r.complete).toBe(true);
    // count 0..5 in `counting`, plus `stopped` for each count reached before the cut (0..3)
    const v = r.violations.find((x) => x.name === 'countBelowFour')!;
    expect(v.kind).toBe('invariant');
    expect(v.trace).toEqual([{ type: 'inc2' }, { type: 'inc2' }]);
    expect(v.state).toEqual({ value: 'counting', projected: { count: 4 } });
    expect(r.verdict).toBe('fail');
    // countWithinMax holds: the guard bounds the counter
    expect(r.violations.map((x) => x.name)).not.toContain('countWithinMax');
  });

  it('does not expand a violating state, so count 5 (reachable only through 4... or 3+2) is still found via 3', () => {
    const r = explore(counterModel(5), { invariants: ['countBelowFour'] });
    // states: counting 0..3, counting 4 (violating, unexpanded), counting 5 (via 3 + inc2), stopped 0..3
    expect(r.states).toBe(10);
  });

  it('the counterexample replays on a live actor to the same violating state', () => {
    const model = counterModel(5);
    const r = explore(model);
    for (const v of r.violations) {
      const snap = replay(model, v.trace);
      expect({ value: snap.value, projected: { count: snap.context.count } }).toEqual(v.state);
      expect(model.invariants.find((i) => i.name === v.name)!.holds(snap)).toBe(false);
    }
  });

  it('reports a known finding as a finding, not a failure', () => {
    const model = counterModel(5, {
      sentinels: [],
      findings: [
        {
          id: 'FIX-4',
          title: 'count reaches 4',
          invariant: 'countBelowFour',
          seed: [],
          summary: 'fixture',
        },
      ],
    });
    const r = explore(model);
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]!.findingId).toBe('FIX-4');
    expect(r.verdict).toBe('findings');
    expect(formatReport(r)).toMatch(/known finding FIX-4/);
  });

  it('passes when the invariants hold, with exact state count and depth', () => {
    const r = explore(counterModel(2));
    // counting 0,1,2 and stopped 0,1,2; stopped(2) is the deepest: inc2, stop
    expect(r.states).toBe(6);
    expect(r.depth).toBe(2);
    expect(r.violations).toEqual([]);
  });
});

describe('explore: sentinels', () => {
  it('reports a reachable sentinel with its shortest trace and an unreachable one as not reached (fail)', () => {
    const r = explore(counterModel(5), { invariants: [] });
    const three = r.sentinels.find((s) => s.name === 'reachesThree')!;
    const seven = r.sentinels.find((s) => s.name === 'reachesSeven')!;
    expect(three.reached).toBe(true);
    expect(three.trace).toHaveLength(2); // inc + inc2 (or inc2 + inc)
    expect(replay(counterModel(5), three.trace!).context.count).toBe(3);
    expect(seven).toMatchObject({ reached: false });
    expect(seven.trace).toBeUndefined();
    expect(r.complete).toBe(true);
    expect(r.verdict).toBe('fail');
    expect(formatReport(r)).toMatch(/NOT REACHED reachesSeven/);
  });
});

describe('explore: deadlocks', () => {
  it('finds the ABBA deadlock in a machine with one parallel region per thread, shortest trace', () => {
    const r = explore(abbaModel, { crossCheck: true });
    const d = r.violations.find((v) => v.kind === 'deadlock')!;
    expect(d).toBeDefined();
    expect(d.trace).toHaveLength(2);
    expect(new Set(d.trace.map((e) => e.type))).toEqual(new Set(['t1.lockA', 't2.lockB']));
    expect(d.state?.value).toEqual({ t1: 'hasA', t2: 'hasB' });
    // the deadlocked state on a live actor: no alphabet event changes it
    const snap = replay(abbaModel, d.trace);
    for (const e of abbaModel.alphabet(snap)) expect(snap.can(e)).toBe(false);
    // mutual exclusion holds
    expect(r.violations.filter((v) => v.kind === 'invariant')).toEqual([]);
  });

  it('a final state is not a deadlock, and deadlock checking can be turned off', () => {
    // the counter's `stopped` is final: no deadlock although its alphabet enables nothing
    expect(explore(counterModel(2)).violations.filter((v) => v.kind === 'deadlock')).toEqual([]);
    expect(explore(abbaModel, { deadlock: false }).violations).toEqual([]);
  });
});

describe('explore: liveness monitors (hot cycles)', () => {
  it('finds a cycle staying hot with its lasso (stem: send; cycle: nak, retry)', () => {
    const model = senderModel(-1);
    const r = explore(model, { crossCheck: true });
    const v = r.violations.find((x) => x.kind === 'liveness')!;
    expect(v.name).toBe('eventuallyDone');
    expect(v.lasso).toEqual({ stem: [{ type: 'send' }], cycle: [{ type: 'nak' }, { type: 'retry' }] });
    expect(v.trace).toEqual([...v.lasso!.stem, ...v.lasso!.cycle]);
    // the cycle really returns to the same state on a live actor
    const atStem = replay(model, v.lasso!.stem) as AnyMachineSnapshot;
    const afterCycle = replay(model, v.trace) as AnyMachineSnapshot;
    expect(afterCycle.value).toEqual(atStem.value);
    expect(afterCycle.context).toEqual(atStem.context);
    expect(atStem.value).toBe('sending');
  });

  it('bounded retries give up: no hot cycle', () => {
    const r = explore(senderModel(2));
    expect(r.violations).toEqual([]);
    expect(r.verdict).toBe('pass');
  });
});

describe('explore: interleavings of two actors sharing memory', () => {
  it('finds the lost update, reachable only by interleaving the two threads', () => {
    const model = raceModel(false);
    const r = explore(model, { crossCheck: true });
    const v = r.violations.find((x) => x.name === 'noLostUpdate')!;
    expect(v.findingId).toBe('FIXTURE-1');
    expect(r.verdict).toBe('findings');
    // shortest: both load 0 before either stores
    expect(v.trace).toHaveLength(4);
    const types = v.trace.map((e) => e.type);
    expect(types.slice(0, 2).sort()).toEqual(['a.load', 'b.load']);
    expect(types.slice(2).sort()).toEqual(['a.store', 'b.store']);
    // replay on live actors: both done, counter 1
    const s = replay(model, v.trace);
    expect(s.actors.a.status).toBe('done');
    expect(s.actors.b.status).toBe('done');
    expect(s.shared.counter).toBe(1);
    expect(model.invariants[0]!.holds(s)).toBe(false);
  });

  it('with the lock (no interleaving of the critical sections) no update is lost', () => {
    const r = explore(raceModel(true), { crossCheck: true });
    expect(r.violations).toEqual([]);
    expect(r.complete).toBe(true);
  });

  it('runs named configs and compares them with their expectations', () => {
    expect(checkConfig(raceModel(false), 'race')).toMatchObject({ ok: true, mismatches: [] });
    expect(checkConfig(raceModel(true), 'race')).toMatchObject({ ok: true, mismatches: [] });
  });
});

describe('checkConfig', () => {
  it('matches verdict, states and depth', () => {
    const model = counterModel(2, { sentinels: [] });
    const c = checkConfig(model, 'small');
    expect(c.mismatches).toEqual([]);
    expect(c.ok).toBe(true);
  });

  it('names every expectation that does not hold', () => {
    const model = counterModel(5, {
      sentinels: [],
      configs: [
        {
          name: 'wrong',
          description: '',
          bounds: { maxStates: 3 },
          expect: { verdict: 'pass', states: 4, depth: 9 },
        },
      ],
    });
    const c = checkConfig(model, 'wrong');
    expect(c.ok).toBe(false);
    expect(c.mismatches.join('\n')).toMatch(/states: expected 4, but the space was not exhausted/);
    expect(c.mismatches.join('\n')).toMatch(/depth: expected 9/);
    expect(() => checkConfig(model, 'nope')).toThrow(/has no check config 'nope' \(it has: wrong\)/);
  });

  it("honours a configuration's deadlock flag unless the caller overrides it", () => {
    const configs = [
      { name: 'strict', description: '', bounds: {}, expect: { verdict: 'pass' as const } },
      {
        name: 'quiescent',
        description: '',
        bounds: {},
        deadlock: false,
        expect: { verdict: 'pass' as const },
      },
    ];
    const model = { ...abbaModel, configs };
    expect(checkConfig(model, 'strict').report.violations.map((v) => v.kind)).toContain('deadlock');
    expect(checkConfig(model, 'quiescent')).toMatchObject({ ok: true, mismatches: [] });
    expect(checkConfig(model, 'quiescent', { deadlock: true }).ok).toBe(false);
  });
});

describe('coverage', () => {
  it('lists the chart transitions taken and the one that is unreachable (guard isNegative never holds)', () => {
    const r = explore(counterModel(3), { invariants: [] });
    expect(r.coverage.uncovered).toEqual(['counter.counting|reset|0', 'counter.overflow|reset|0']);
    expect(r.coverage.covered).toEqual([
      'counter.counting|inc|0',
      'counter.counting|inc2|0',
      'counter.counting|reset|1',
      'counter.counting|stop|0',
    ]);
  });
});

describe('bounds and JSON', () => {
  it('stops at maxStates and says so; the report is JSON-serialisable', () => {
    const r = explore(counterModel(50), { maxStates: 5, invariants: [] });
    expect(r.complete).toBe(false);
    expect(r.stoppedBy).toBe('maxStates');
    expect(r.states).toBe(5);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('maxDepth bounds the depth and is reported as depthBounded, not incomplete', () => {
    const r = explore(counterModel(50), { maxDepth: 2, invariants: [] });
    expect(r.depth).toBe(2);
    expect(r.complete).toBe(true);
    expect(r.depthBounded).toBe(true);
  });

  it('reports progress through onProgress, monotonically, ending with the final figures', () => {
    const seen: number[] = [];
    const r = explore(counterModel(3000), { invariants: [], onProgress: (p) => seen.push(p.states) });
    expect(seen.length).toBeGreaterThan(0);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen[seen.length - 1]).toBe(r.states);
  });
});

import { describe, expect, it } from 'vitest';
import { createActor, type AnyTransitionDefinition } from 'xstate';
import { listTransitions } from '@kspec/spec-kit';
import { testPaths } from './test-paths.js';
import { explore } from './explore.js';
import { abbaModel, counterMachine, counterModel, raceModel } from './fixtures.test-helpers.js';

/** Runs events on a live actor and returns the ids of the chart transitions it took (via inspection). */
function liveCoverage(
  machine: typeof counterMachine,
  input: { max: number },
  events: readonly { type: string }[],
) {
  const ids = new Map(listTransitions(machine).map((t) => [t.definition, t.id]));
  const taken = new Set<string>();
  const actor = createActor(machine, {
    input,
    inspect: (ev) => {
      if (ev.type !== '@xstate.microstep') return;
      for (const t of (ev as unknown as { _transitions: AnyTransitionDefinition[] })._transitions) {
        const id = ids.get(t);
        if (id) taken.add(id);
      }
    },
  }).start();
  for (const e of events) actor.send(e as never);
  actor.stop();
  return taken;
}

describe('testPaths', () => {
  it('covers every reachable transition of a sample machine, and only those', () => {
    const model = counterModel(3, { invariants: [], sentinels: [] });
    const suite = testPaths(model);
    const report = explore(model);
    expect(suite.complete).toBe(true);
    expect(suite.covered).toEqual(report.coverage.covered);
    expect(suite.uncovered).toEqual(['counter.counting|reset|0', 'counter.overflow|reset|0']);
    const all = listTransitions(counterMachine).map((t) => t.id);
    expect([...suite.covered, ...suite.uncovered].sort()).toEqual([...all].sort());
  });

  it('each path, run on a live actor, takes exactly the transitions it claims and ends where it says', () => {
    const model = counterModel(3, { invariants: [], sentinels: [] });
    const suite = testPaths(model);
    const union = new Set<string>();
    for (const p of suite.paths) {
      const live = liveCoverage(counterMachine, { max: 3 }, p.events);
      expect([...live].sort()).toEqual([...p.covers].sort());
      live.forEach((x) => union.add(x));
      const actor = createActor(counterMachine, { input: { max: 3 } }).start();
      for (const e of p.events) actor.send(e as never);
      expect({
        value: actor.getSnapshot().value,
        projected: { count: actor.getSnapshot().context.count },
      }).toEqual(p.final);
      actor.stop();
    }
    expect([...union].sort()).toEqual([...suite.covered].sort());
  });

  it('no kept path is a prefix of another, and the suite is plain JSON', () => {
    const suite = testPaths(abbaModel, { deadlock: false });
    const keys = suite.paths.map((p) => JSON.stringify(p.events).slice(0, -1));
    for (const a of keys) for (const b of keys) if (a !== b) expect(b.startsWith(a + ',')).toBe(false);
    expect(JSON.parse(JSON.stringify(suite))).toEqual(suite);
    expect(suite.uncovered).toEqual([]);
  });

  it('works for compositions, with actor-prefixed transition ids', () => {
    const suite = testPaths(raceModel(false));
    expect(suite.covered).toEqual([
      'a:incrementer.idle|load|0',
      'a:incrementer.loaded|store|0',
      'b:incrementer.idle|load|0',
      'b:incrementer.loaded|store|0',
    ]);
    for (const p of suite.paths) for (const e of p.events) expect(e).toHaveProperty('actor');
  });
});

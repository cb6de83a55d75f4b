import { describe, expect, it } from 'vitest';
import { assertConformance } from '@kspec/spec-kit';
import { createActor } from 'xstate';
import { describeChart } from './graph.js';
import { fixtureBalloonMachine, fixtureGadgetMachine, manifest } from './fixtures/index.js';

describe('exporter fixtures', () => {
  it('conform (every node and transition has meta.source, nothing inline)', () => {
    for (const entry of manifest.machines) expect(() => assertConformance(entry.machine)).not.toThrow();
  });

  it('together use every construct the exporters carry', () => {
    const graphs = [describeChart(fixtureBalloonMachine), describeChart(fixtureGadgetMachine)];
    const kinds = new Set(graphs.flatMap((g) => [...g.states.values()].map((s) => s.kind)));
    expect(kinds).toEqual(new Set(['atomic', 'compound', 'parallel', 'final', 'history']));
    const histories = new Set(graphs.flatMap((g) => [...g.states.values()].map((s) => s.history)));
    expect(histories).toEqual(new Set([undefined, 'shallow', 'deep']));
    const edgeKinds = new Set(graphs.flatMap((g) => g.edges.map((e) => e.kind)));
    expect(edgeKinds).toEqual(new Set(['event', 'always', 'after', 'state.done']));
    const edges = graphs.flatMap((g) => g.edges);
    expect(edges.some((e) => e.guard && e.kind === 'always')).toBe(true);
    expect(edges.some((e) => e.guard && e.kind === 'event')).toBe(true);
    expect(edges.some((e) => e.targets.length === 0)).toBe(true);
    expect(edges.some((e) => e.targets.length > 1)).toBe(true);
    expect(edges.some((e) => e.reenter)).toBe(true);
    expect(edges.some((e) => e.sourceId === 'fixtureGadget')).toBe(true);
  });

  it('run: the balloon thread adjusts unless hotplug is suspended (the mapped stateIn guard)', () => {
    const actor = createActor(fixtureBalloonMachine).start();
    actor.send({ type: 'module.init' });
    actor.send({ type: 'thread.wake' });
    expect(actor.getSnapshot().context.loaned).toBe(1);
    actor.send({ type: 'memory.goingOffline' });
    actor.send({ type: 'thread.wake' });
    expect(actor.getSnapshot().context.loaned).toBe(1);
    expect(actor.getSnapshot().matches({ running: { thread: 'sleeping' } })).toBe(true);
    actor.stop();
  });
});

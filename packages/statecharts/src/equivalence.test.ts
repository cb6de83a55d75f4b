/**
 * The exported SCXML, run by an independent SCXML interpreter (SCION) with the machine's own
 * data model, passes through the same state configurations and contexts as the XState machine
 * on random walks (events chosen from the check model's alphabet at each snapshot, and clock
 * advances that fire delayed transitions), on every machine that invokes no actors: the
 * fixtures (one guard-free, one with a `stateIn` guard, an event-data guard and delays) and
 * every manifest machine. `scxml-runs.test.ts` drives the transition-covering test paths.
 */
import { describe, expect, it } from 'vitest';
import { describeChart } from './graph.js';
import { exportScxml } from './scxml.js';
import { allMachines } from './test-support/all-machines.js';
import { compareRun, randomWalks } from './test-support/equivalence.js';
import { advancesOf, modelsOf } from './test-support/models.js';
import { fixtureGadgetMachine, fixtureGuardConditions } from './fixtures/index.js';

const WALKS = 40;
const LENGTH = 25;

const all = await allMachines();
const runnable = all.filter((m) => {
  const graph = describeChart(m.entry.machine);
  // what SCXML cannot host: invoked actors
  return [...graph.states.values()].every((s) => s.invoke.length === 0);
});

describe('SCXML executed by SCION matches XState', () => {
  it('covers every machine (none invokes actors)', () => {
    expect(runnable.map((m) => m.label)).toEqual(all.map((m) => m.label));
  });

  it.each(runnable)('$label: same configurations and contexts on random walks', async (m) => {
    const seen = new Set<string>();
    const model = modelsOf(m)[0]!;
    // a check model's alphabet carries the data its actions read; the chart's bare event types
    // may lack it, and then XState and SCION must both reject the event (which ends the walk)
    const own = m.manifest.models.includes(model) || m.manifest.name === 'fixtures';
    for (const walk of randomWalks(
      20240611,
      WALKS,
      LENGTH,
      model.alphabet as never,
      advancesOf(m.entry.machine),
    )) {
      const r = await compareRun(model.machine, walk, { input: model.input });
      expect(r.divergence).toBeUndefined();
      if (own) expect(r.rejected).toBeUndefined();
      r.configurations.forEach((c) => seen.add(c));
    }
    // the walks really move the machine (more than its initial configuration)
    if (own) expect(seen.size).toBeGreaterThan(1);
  });

  it('the fixture walks reach every configuration of the balloon (10) and the gadget (8)', async () => {
    for (const [label, expected] of [
      ['fixtures/fixtureBalloon', 10],
      ['fixtures/fixtureGadget', 8],
    ] as const) {
      const m = runnable.find((x) => x.label === label)!;
      const model = modelsOf(m)[0]!;
      const seen = new Set<string>();
      for (const walk of randomWalks(
        7,
        WALKS,
        LENGTH,
        model.alphabet as never,
        advancesOf(m.entry.machine),
      )) {
        (await compareRun(m.entry.machine, walk)).configurations.forEach((c) => seen.add(c));
      }
      expect(seen.size).toBe(expected);
    }
  });

  it('SCXML matches events by prefix: a transition on "read" does not take "read.signal"', async () => {
    const device = runnable.find((x) => x.label === 'xen-evtchn/evtchnDevice')!;
    const { xml } = exportScxml(device.entry.machine);
    expect(xml).toContain(
      `event="read" cond="_event.name === 'read' &amp;&amp; guards.readCountRoundsToZero(`,
    );
    const steps = [{ event: { type: 'read.signal' } }];
    expect(
      (await compareRun(device.entry.machine, steps, { input: device.entry.input })).divergence,
    ).toBeUndefined();
    const prefixMatching = (x: string) => x.replace(/cond="_event\.name === 'read' &amp;&amp; /g, 'cond="');
    const r = await compareRun(device.entry.machine, steps, {
      input: device.entry.input,
      tamper: prefixMatching,
    });
    expect(r.divergence?.context).toBeDefined();
  });

  it('detects a wrong export: a tampered target diverges', async () => {
    const tamper = (xml: string): string =>
      xml.replace(
        'event="host.suspend" target="fixtureGadget.online.power.suspended"',
        'event="host.suspend" target="fixtureGadget.unbound"',
      );
    const r = await compareRun(
      fixtureGadgetMachine,
      [{ event: { type: 'module.init' } }, { event: { type: 'host.suspend' } }],
      { tamper },
    );
    expect(r.divergence?.xstate).toContain('fixtureGadget.online.power.suspended');
    expect(r.divergence?.scxml).toContain('fixtureGadget.unbound');
  });

  it('without the machine as its data model the stub guards are false: the guarded path is not taken, without an interpreter error', async () => {
    const balloon = runnable.find((x) => x.label === 'fixtures/fixtureBalloon')!;
    const steps = [{ event: { type: 'module.init' } }, { event: { type: 'oom.notify', pages: 2 } }];
    const r = await compareRun(balloon.entry.machine, steps, { dataModel: false });
    expect(r.divergence?.xstate).toContain('fixtureBalloon.running.oom.freeing');
    expect(r.divergence?.scxml).toContain('fixtureBalloon.running.oom.idle');
    // with a mapped condition instead, the document decides it alone
    const mapped = await compareRun(balloon.entry.machine, steps, {
      dataModel: false,
      guardConditions: fixtureGuardConditions,
    });
    expect(mapped.divergence).toBeUndefined();
  });
});

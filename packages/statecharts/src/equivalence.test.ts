/**
 * The exported SCXML, run by an independent SCXML interpreter (SCION), passes through the same
 * state configurations as the XState machine for the same event sequences (events, and clock
 * advances that fire delayed transitions), on every machine whose guards are all mapped to
 * SCXML conditions and that invokes no actors: the fixtures (one guard-free, one with a
 * `stateIn` guard and an event-data guard) and every such manifest machine in the repository.
 */
import { describe, expect, it } from 'vitest';
import { describeChart } from './graph.js';
import { exportScxml } from './scxml.js';
import type { MachineUnderTest } from './test-support/all-machines.js';
import { allMachines } from './test-support/all-machines.js';
import { compareRun, randomWalks } from './test-support/equivalence.js';
import { fixtureGadgetMachine, fixtureGuardConditions } from './fixtures/index.js';

const WALKS = 40;
const LENGTH = 25;

function alphabetOf(m: MachineUnderTest): { type: string; [k: string]: unknown }[] {
  const graph = describeChart(m.entry.machine);
  const types = [
    ...new Set(
      graph.edges.filter((e) => e.kind === 'event' && !e.eventType.includes('*')).map((e) => e.eventType),
    ),
  ];
  return [...types.map((type) => ({ type })), ...(m.entry.sampleEvents ?? []).map((e) => ({ ...e }))];
}

function advancesOf(m: MachineUnderTest): number[] {
  const delays = describeChart(m.entry.machine)
    .edges.map((e) => e.delayMs)
    .filter((d): d is number => d !== undefined);
  return [...new Set([1, ...delays, ...delays.map((d) => Math.max(0, d - 1))])];
}

const all = await allMachines();
const runnable = all.filter((m) => {
  const graph = describeChart(m.entry.machine);
  const exported = exportScxml(m.entry.machine, { guardConditions: fixtureGuardConditions });
  // SCXML runs the chart alone: no unmapped guard, no invoked actor, no event raised with data
  return (
    exported.unmappedGuards.length === 0 &&
    [...graph.states.values()].every((s) => s.invoke.length === 0) &&
    exported.notes.every((n) => !n.includes('raises an event'))
  );
});

describe('SCXML executed by SCION matches XState', () => {
  it('covers both fixtures at least', () => {
    expect(runnable.map((m) => m.label)).toEqual(
      expect.arrayContaining(['fixtures/fixtureBalloon', 'fixtures/fixtureGadget']),
    );
  });

  it.each(runnable)('$label: same configurations on random event sequences', async (m) => {
    const seen = new Set<string>();
    for (const walk of randomWalks(20240611, WALKS, LENGTH, alphabetOf(m), advancesOf(m))) {
      const r = await compareRun(m.entry.machine, walk, {
        guardConditions: fixtureGuardConditions,
        input: m.entry.input,
      });
      expect(r.divergence).toBeUndefined();
      r.configurations.forEach((c) => seen.add(c));
    }
    // the walks really move the machine (more than its initial configuration)
    expect(seen.size).toBeGreaterThan(1);
  });

  it('the fixture walks reach every configuration of the balloon (10) and the gadget (8)', async () => {
    for (const [label, expected] of [
      ['fixtures/fixtureBalloon', 10],
      ['fixtures/fixtureGadget', 8],
    ] as const) {
      const m = runnable.find((x) => x.label === label)!;
      const seen = new Set<string>();
      for (const walk of randomWalks(7, WALKS, LENGTH, alphabetOf(m), advancesOf(m))) {
        (
          await compareRun(m.entry.machine, walk, { guardConditions: fixtureGuardConditions })
        ).configurations.forEach((c) => seen.add(c));
      }
      expect(seen.size).toBe(expected);
    }
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
      {
        tamper,
      },
    );
    expect(r.divergence?.xstate).toContain('fixtureGadget.online.power.suspended');
    expect(r.divergence?.scxml).toContain('fixtureGadget.unbound');
  });

  it('an unmapped guard (cond is the bare guard name) is an interpreter error on the guarded path', async () => {
    const balloon = runnable.find((x) => x.label === 'fixtures/fixtureBalloon')!;
    const steps = [{ event: { type: 'module.init' } }, { event: { type: 'oom.notify', pages: 2 } }];
    await expect(compareRun(balloon.entry.machine, steps)).rejects.toThrow(/hasPagesToFree is not defined/);
  });
});

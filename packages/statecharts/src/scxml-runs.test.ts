/**
 * Every exported SCXML file, exactly as `kspec export` writes it, runs in an independent SCXML
 * interpreter (SCION 4.3.27):
 * - alone, with the stub data model written into the document (guards false, actions keep the
 *   context): it loads, starts and takes every event of its chart without an interpreter
 *   error (no `error.execution`, no endless eventless loop);
 * - with the machine's own data model (`scxmlDataModel`: its guards, actions and initial
 *   context) passed as invocation parameters: every transition-covering test path of the
 *   machine (`testPaths` of `@kspec/verify`, over the package's check models, or over the
 *   chart's events and the manifest's sample events for a machine without one) drives SCION
 *   and XState side by side, and after every event the active configurations and the contexts
 *   are equal.
 */
import { describe, expect, it } from 'vitest';
import { testPaths } from '@kspec/verify';
import { exportMachine } from './export-all.js';
import { exportScxml } from './scxml.js';
import { allMachines } from './test-support/all-machines.js';
import { VirtualClock } from './test-support/clock.js';
import { compareRun } from './test-support/equivalence.js';
import { chartEvents, modelsOf, type AnyEvent } from './test-support/models.js';
import { startScion } from './test-support/scion.js';

/** State budget per check model for the test paths (they cover what the bounds reach). */
const MAX_STATES = 5000;

const machines = await allMachines();

describe.each(machines)('$label: the exported SCXML file in SCION', (m) => {
  const fileOf = async (): Promise<string> => (await exportMachine(m.entry, ['scxml'])).files.scxml!;

  it('is the document exportScxml writes, declaring its data model', async () => {
    const xml = await fileOf();
    expect(xml).toBe(exportScxml(m.entry.machine).xml);
    expect(xml).toContain('<datamodel>');
    expect(xml).not.toMatch(/<kspec:/); // kspec detail only in attributes, which SCXML ignores
  });

  it('runs alone on its stub data model: starts and takes every chart event without an interpreter error', async () => {
    const clock = new VirtualClock();
    const session = await startScion(await fileOf(), clock);
    expect(session.configuration().length).toBeGreaterThan(0);
    for (const ev of chartEvents(m)) session.send(ev);
    clock.advance(60_000);
    expect(session.configuration().length).toBeGreaterThan(0);
  });

  it('with the machine as its data model, follows every test path in the same configurations and contexts as XState', async () => {
    const xml = await fileOf();
    let paths = 0;
    let steps = 0;
    const covered = new Set<string>();
    for (const model of modelsOf(m)) {
      const bounds = model.configs[0]?.bounds ?? {};
      const suite = testPaths(model, {
        maxStates: Math.min(bounds.maxStates ?? MAX_STATES, MAX_STATES),
        ...(bounds.maxDepth !== undefined ? { maxDepth: bounds.maxDepth } : { maxDepth: 12 }),
        deadlock: false,
      });
      for (const path of suite.paths) {
        const r = await compareRun(
          model.machine,
          path.events.map((event) => ({ event: event as AnyEvent })),
          {
            input: model.input,
            xml,
          },
        );
        expect(r.divergence, `${model.name}: ${JSON.stringify(path.events)}`).toBeUndefined();
        expect(r.rejected).toBeUndefined();
        paths++;
        steps += path.events.length;
        path.covers.forEach((t) => covered.add(t));
      }
    }
    expect(paths).toBeGreaterThan(0);
    expect(steps).toBeGreaterThan(0);
    expect(covered.size).toBeGreaterThan(0);
  }, 60_000);
});

describe('the comparison fails on a wrong export', () => {
  const device = machines.find((x) => x.label === 'xen-evtchn/evtchnDevice')!;
  const model = modelsOf(device)[0]!;
  const path = testPaths(model, { maxStates: 2000, maxDepth: 4, deadlock: false }).paths.find((p) =>
    p.events.some((e) => e.type === 'ioctl.bindUnboundPort'),
  )!;
  const run = async (edit: (xml: string) => string) =>
    compareRun(
      model.machine,
      path.events.map((event) => ({ event: event as AnyEvent })),
      { input: model.input, tamper: edit },
    );

  it('a negated guard condition takes the other branch: the contexts differ (EACCES instead of a port)', async () => {
    const r = await run((xml) =>
      xml.replace(/(event="ioctl\.bindUnboundPort" cond=")guards\.isRestricted/, '$1!guards.isRestricted'),
    );
    expect(r.divergence?.context).toBeDefined();
    expect(JSON.stringify((r.divergence?.context?.scxml as { result?: unknown }).result)).toContain('-13');
  });

  it('a dropped action leaves the context behind', async () => {
    const r = await run((xml) => xml.replace(/<assign [^>]*kspec:action="replyBoundPort"\/>/, ''));
    expect(r.divergence?.context).toBeDefined();
  });
});

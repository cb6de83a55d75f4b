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
import { assign, raise, setup } from 'xstate';
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

describe('raised events with data, computed or delayed', () => {
  type E = { type: 'go'; n: number } | { type: 'ping'; n: number } | { type: 'pong' } | { type: 'late' };
  const machine = setup({
    types: {} as { context: { seen: number[] }; events: E },
    delays: { settle: ({ context }) => 5 + context.seen.length },
    guards: { isBig: ({ event }) => event.type === 'ping' && event.n > 1 },
    actions: {
      note: assign({ seen: ({ context, event }) => [...context.seen, 'n' in event ? event.n : -1] }),
      pingWithData: raise({ type: 'ping', n: 1 }),
      pingComputed: raise(({ event }) => ({ type: 'ping' as const, n: event.type === 'go' ? event.n : 0 })),
      pongLater: raise({ type: 'pong' }, { delay: 'settle' }),
      lateFixed: raise({ type: 'late' }, { delay: 3 }),
    },
  }).createMachine({
    id: 'raiser',
    context: { seen: [] },
    initial: 'idle',
    states: {
      idle: { on: { go: { target: 'pinging', actions: ['pingWithData', 'pingComputed'] } } },
      pinging: {
        on: {
          ping: [
            { guard: 'isBig', target: 'waiting', actions: ['note', 'pongLater', 'lateFixed'] },
            { actions: 'note' },
          ],
        },
      },
      waiting: { on: { pong: 'ponged', late: { actions: 'note' } } },
      ponged: { on: { late: { target: 'idle', actions: 'note' } } },
    },
  });

  it('is exported as <send target="#_internal"> with <content>, and SCION follows XState', async () => {
    const { xml, notes } = exportScxml(machine, { allowMissingSources: true });
    expect(notes).toEqual([]);
    expect(xml).toContain('<send event="ping" target="#_internal" kspec:action="pingWithData">');
    expect(xml).toContain('<content expr="({&quot;type&quot;:&quot;ping&quot;,&quot;n&quot;:1})"/>');
    expect(xml).toContain('eventexpr="raises.pingComputed(context, _event).type" target="#_internal"');
    expect(xml).toContain('delayexpr="delays.settle(context, _event)"');
    expect(xml).toContain('<send event="late" delay="3ms"');
    // alone, on its stubs (the computed ping raises kspec.stub), it runs without an error
    const alone = await startScion(xml, new VirtualClock());
    alone.send({ type: 'go', n: 2 });
    expect(alone.configuration()).toContain('raiser.pinging');
    const steps = [{ event: { type: 'go', n: 2 } }, { advance: 3 }, { advance: 5 }, { advance: 10 }];
    const r = await compareRun(machine, steps, { allowMissingSources: true });
    expect(r.divergence).toBeUndefined();
    // go raises ping 1 (noted, stays) and ping 2 (to waiting; pong due after 5 + 2 ms, late after
    // 3 ms); at 3 ms late (noted), at 8 ms pong (ponged), then nothing more
    expect(r.configurations).toEqual([
      'raiser.idle',
      'raiser.waiting',
      'raiser.waiting',
      'raiser.ponged',
      'raiser.ponged',
    ]);
  });
});

describe('an eventless loop that only its actions end (a C `while (1)` with a break)', () => {
  const machine = setup({
    types: {} as { context: { n: number }; events: { type: 'start' } },
    guards: { isDone: ({ context }) => context.n >= 3 },
    actions: { step: assign({ n: ({ context }) => context.n + 1 }) },
  }).createMachine({
    id: 'looper',
    context: { n: 0 },
    initial: 'idle',
    states: {
      idle: { on: { start: 'looping' } },
      looping: { always: [{ guard: 'isDone', target: 'done' }, { actions: 'step' }] },
      done: {},
    },
  });

  it('the stub document leaves the loop instead of spinning; with the data model it runs as XState', async () => {
    const { xml } = exportScxml(machine, { allowMissingSources: true });
    expect(xml).toContain('cond="guards[&quot;kspec.loops&quot;](context, _event)"');
    const alone = await startScion(xml, new VirtualClock());
    alone.send({ type: 'start' });
    expect(alone.configuration()).toContain('looper.looping');
    expect(alone.configuration()).not.toContain('looper.done');
    const r = await compareRun(machine, [{ event: { type: 'start' } }], { allowMissingSources: true });
    expect(r.divergence).toBeUndefined();
    expect(r.configurations).toEqual(['looper.idle', 'looper.done']);
  });
});

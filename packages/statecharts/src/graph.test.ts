import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { src } from '@kspec/spec-kit';
import { activeStateIds, describeChart, edgeLabel, StatechartExportError } from './graph.js';
import { toDot } from './dot.js';
import { toMermaid } from './mermaid.js';
import { toScxml } from './scxml.js';
import { toXStateJson } from './json.js';
import { toSvg } from './svg.js';
import { fixtureBalloonMachine, fixtureGadgetMachine } from './fixtures/index.js';

const S = (a: number) => ({ source: src('linux-xen-evtchn.c', 'evtchn_ioctl', a) });

const inlineGuarded = setup({}).createMachine({
  id: 'bad',
  meta: S(429),
  initial: 'open',
  states: {
    open: { meta: S(430), on: { 'ioctl.bind': { guard: () => true, target: 'bound', meta: S(444) } } },
    bound: { meta: S(446) },
  },
});

const exporters: [string, (m: unknown) => unknown][] = [
  ['scxml', toScxml],
  ['dot', toDot],
  ['mermaid', toMermaid],
  ['json', toXStateJson],
];

describe('bad input', () => {
  it.each(exporters)(
    '%s: something that is not a machine is refused, saying what it got',
    (_name, exporter) => {
      expect(() => exporter({ id: 'x', states: {} })).toThrow(StatechartExportError);
      expect(() => exporter({ id: 'x', states: {} })).toThrow(
        /cannot export a plain object: expected an XState machine/,
      );
      expect(() => exporter(undefined)).toThrow(/cannot export a undefined/);
      expect(() => exporter(setup({}))).toThrow(/expected an XState machine/);
    },
  );

  it.each(exporters)(
    '%s: an inline guard is refused, naming the state node and transition',
    (_name, exporter) => {
      expect(() => exporter(inlineGuarded)).toThrow(
        /state node bad\.open \(on ioctl\.bind #0\): inline guard/,
      );
      try {
        exporter(inlineGuarded);
      } catch (err) {
        expect((err as StatechartExportError).issues.map((i) => [i.problem, i.stateNode])).toEqual([
          ['inline-guard', 'bad.open'],
        ]);
      }
    },
  );

  it('svg: an inline guard is refused too', async () => {
    await expect(toSvg(inlineGuarded)).rejects.toThrow(/bad\.open/);
  });

  it('a missing source reference is refused unless allowed', () => {
    const m = setup({}).createMachine({ id: 'm', meta: S(429), initial: 'a', states: { a: {} } });
    expect(() => toScxml(m)).toThrow(/m\.a \(state\): state node has no meta\.source/);
    expect(toScxml(m, { allowMissingSources: true })).toContain('<state id="m.a"');
  });
});

describe('describeChart', () => {
  it('reads eventless, delayed and done transitions with names, delays and seed lines', () => {
    const g = describeChart(fixtureBalloonMachine);
    const adjusting = g.edges.filter((e) => e.sourceId === 'fixtureBalloon.running.thread.adjusting');
    expect(adjusting.map((e) => [e.kind, e.guard, e.actions, e.targets])).toEqual([
      ['always', 'isHotplugSuspended', [], ['fixtureBalloon.running.thread.sleeping']],
      ['always', undefined, ['loanPages'], ['fixtureBalloon.running.thread.sleeping']],
    ]);
    const after = g.edges.find((e) => e.kind === 'after' && e.sourceId.endsWith('sleeping'))!;
    expect([after.delay, after.delayMs, after.event]).toEqual(['cmmDelay', 1000, 'after cmmDelay (1000ms)']);
    expect(after.source).toEqual({
      file: 'linux-powerpc-pseries-cmm.c',
      fn: 'cmm_thread',
      lines: [298, 299],
    });
    const oom = g.edges.find((e) => e.id === 'fixtureBalloon.running.oom.idle|oom.notify|0')!;
    expect(edgeLabel(oom)).toBe('oom.notify [hasPagesToFree] / freePages');
    const history = g.states.get('fixtureGadget.online.function.last');
    expect(history).toBeUndefined();
    const gh = describeChart(fixtureGadgetMachine).states.get('fixtureGadget.online.function.last')!;
    expect([gh.kind, gh.history, gh.historyDefault]).toEqual([
      'history',
      'deep',
      ['fixtureGadget.online.function.ecm'],
    ]);
  });

  it('activeStateIds lists every active node of a state value, root first', () => {
    expect(
      activeStateIds(fixtureBalloonMachine, {
        running: { thread: 'sleeping', hotplug: 'online', oom: 'idle' },
      }),
    ).toEqual([
      'fixtureBalloon',
      'fixtureBalloon.running',
      'fixtureBalloon.running.thread',
      'fixtureBalloon.running.thread.sleeping',
      'fixtureBalloon.running.hotplug',
      'fixtureBalloon.running.hotplug.online',
      'fixtureBalloon.running.oom',
      'fixtureBalloon.running.oom.idle',
    ]);
    expect(activeStateIds(fixtureBalloonMachine, 'halted')).toEqual([
      'fixtureBalloon',
      'fixtureBalloon.halted',
    ]);
  });
});

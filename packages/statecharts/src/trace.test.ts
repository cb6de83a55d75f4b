import { describe, expect, it } from 'vitest';
import { parseTraceJsonl, traceActorMatches } from './trace.js';

const line = (o: unknown): string => JSON.stringify(o);

describe('trace JSON Lines', () => {
  it('decodes records, skipping blank lines', () => {
    const text = [
      line({
        t: 0,
        actor: 'fixtures/fixtureGadget',
        event: { type: 'module.init' },
        before: 'unloaded',
        after: { online: { function: 'ecm', power: 'active' } },
        source: null,
      }),
      '',
      line({
        t: 5,
        actor: 'fixtures/fixtureGadget#1',
        event: { type: 'host.suspend', n: 1 },
        before: 'a',
        after: 'b',
        source: { file: 'linux-usb-gadget-ether.c', fn: 'eth_bind', lines: [350, 355] },
      }),
    ].join('\n');
    const records = parseTraceJsonl(text);
    expect(records.map((r) => [r.t, r.event.type])).toEqual([
      [0, 'module.init'],
      [5, 'host.suspend'],
    ]);
  });

  it('rejects a bad line naming the line and the field', () => {
    expect(() =>
      parseTraceJsonl(`${line({ t: 0, actor: 'a', event: { type: 'x' }, before: 's', after: 's' })}\n{oops`),
    ).toThrow(/trace line 2: not JSON/);
    expect(() =>
      parseTraceJsonl(line({ t: 'zero', actor: 'a', event: { type: 'x' }, before: 's', after: 's' })),
    ).toThrow(/trace line 1: bad field 't' \(got "zero"\)/);
    expect(() =>
      parseTraceJsonl(line({ t: 0, actor: 'a', event: { kind: 'x' }, before: 's', after: 's' })),
    ).toThrow(/trace line 1: bad field 'event\.type'/);
    expect(() =>
      parseTraceJsonl(line({ t: 0, actor: 'a', event: { type: 'x' }, before: 's', after: 3 })),
    ).toThrow(/trace line 1: bad field 'after'/);
  });

  it('matches actors by package/machine (short or npm name, optional #instance), machine name or id', () => {
    const m = {
      packageNames: ['fixtures', '@kspec/statecharts'],
      machineName: 'fixtureGadget',
      machineId: 'fixtureGadget',
    };
    expect(traceActorMatches('fixtures/fixtureGadget', m)).toBe(true);
    expect(traceActorMatches('@kspec/statecharts/fixtureGadget#2', m)).toBe(true);
    expect(traceActorMatches('fixtureGadget', m)).toBe(true);
    expect(traceActorMatches('fixtures/fixtureBalloon', m)).toBe(false);
  });
});

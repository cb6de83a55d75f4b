// explore's `profile` option (phases.ts) and the structural snapshot comparison the canonicity
// sampling uses (canonical.ts sameValue).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { explore } from './explore.js';
import { sameValue } from './canonical.js';
import { counterModel, raceModel } from './fixtures.test-helpers.js';

describe('explore: profile', () => {
  it('reports time by phase without changing the answer', () => {
    for (const model of [counterModel(5), raceModel(false)]) {
      const plain = explore(model);
      const timed = explore(model, { profile: true });
      // engine counts depend on what the shared transition cache learnt in earlier runs
      const strip = ({ seconds: _s, statesPerSecond: _r, phases: _p, engine: _e, ...rest }: typeof timed) =>
        rest;
      expect(strip(timed)).toEqual(strip(plain));
      expect(plain.phases).toBeUndefined();
      const p = timed.phases!;
      for (const v of Object.values(p)) expect(v).toBeGreaterThanOrEqual(0);
      const sum = p.alphabetMs + p.stepMs + p.keyMs + p.visitedMs + p.invariantMs + p.otherMs;
      expect(sum).toBeGreaterThanOrEqual(timed.seconds * 1000 - 1e-6);
      expect(p.stepMs).toBeGreaterThan(0);
      expect(p.keyMs).toBeGreaterThan(0);
    }
  });
});

describe('sameValue', () => {
  const json = fc.jsonValue();
  it('same values give the same JSON (1000 runs)', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        if (sameValue(a, b)) expect(JSON.stringify(a)).toBe(JSON.stringify(b));
        expect(sameValue(a, structuredClone(a))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('byte arrays by their bytes, other types apart', () => {
    expect(sameValue(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(sameValue(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(sameValue(Uint8Array.of(1), [1])).toBe(false);
    expect(sameValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false); // key order is part of the JSON
    expect(sameValue({ a: undefined }, {})).toBe(false); // stricter than JSON: one more comparison only
    const shared = { big: [1, 2, 3] };
    expect(sameValue({ x: 1, shared }, { x: 1, shared })).toBe(true);
  });
});

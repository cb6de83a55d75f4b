/**
 * Disk spilling of the visited set: with an in-memory budget of a few fingerprints the run
 * merges into the sorted file many times and still finds every state once: identical counts,
 * depths, verdicts and counterexample lengths to the all-in-memory run.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explore } from '../explore.js';
import { OptionsError } from '../errors.js';
import { tmpdir } from 'node:os';
import { counterModel } from '../fixtures.test-helpers.js';
import { diskSpill } from './spill.js';
import { models } from './models.test-helpers.js';

const cases = models.filter((m) => !m.monitors?.length).map((m) => [m.name, m] as const);

describe('diskSpill', () => {
  it.each(cases)('%s: a budget of 8 fingerprints in memory gives the in-memory counts', (_, model) => {
    const mem = explore(model as never, { stateKeys: 'fingerprint' });
    const spilled = explore(model as never, { visited: diskSpill({ memoryStates: 8 }) });
    expect(spilled.states).toBe(mem.states);
    expect(spilled.edges).toBe(mem.edges);
    expect(spilled.depth).toBe(mem.depth);
    expect(spilled.verdict).toBe(mem.verdict);
    expect(spilled.violations.map((v) => [v.name, v.trace.length])).toEqual(
      mem.violations.map((v) => [v.name, v.trace.length]),
    );
    expect(spilled.coverage).toEqual(mem.coverage);
    if (mem.states >= 16) {
      expect(spilled.keys.spilled!.spills).toBeGreaterThan(1);
      expect(spilled.keys.spilled!.onDisk).toBeGreaterThan(mem.states / 2);
    }
  });

  it('removes its file at the end of the run', () => {
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith('kspec-visited-')).length;
    explore(counterModel(100) as never, { visited: diskSpill({ memoryStates: 4 }) });
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('kspec-visited-')).length).toBe(before);
  });

  it('keeps fingerprints only, and wants a positive budget', () => {
    expect(() => explore(counterModel(5) as never, { stateKeys: 'exact', visited: diskSpill() })).toThrow(
      OptionsError,
    );
    expect(() => diskSpill({ memoryStates: 0 })).toThrow(/memoryStates/);
  });
});

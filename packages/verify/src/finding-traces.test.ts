import { describe, expect, it } from 'vitest';
import { explore } from './explore.js';
import { findingTraces } from './finding-traces.js';
import { ModelError } from './errors.js';
import { replay } from './replay.js';
import { raceModel } from './fixtures.test-helpers.js';

describe('findingTraces', () => {
  it('gives each finding a trace that violates its invariant and is the shortest', () => {
    const model = raceModel(false);
    const traces = findingTraces([model], { maxStates: 1000 });
    expect(Object.keys(traces)).toEqual(['FIXTURE-1']);
    const trace = traces['FIXTURE-1']!;
    const inv = model.invariants.find((i) => i.name === 'noLostUpdate')!;
    expect(inv.holds(replay(model, trace.slice(0, -1)) as never)).toBe(true);
    expect(inv.holds(replay(model, trace) as never)).toBe(false);
    // one event less of depth and the violation is out of reach
    const shorter = explore(model, {
      maxDepth: trace.length - 1,
      invariants: ['noLostUpdate'],
      deadlock: false,
    });
    expect(shorter.violations).toEqual([]);
  });

  it('names the model and finding that the bounds do not reach', () => {
    expect(() => findingTraces([raceModel(false)], { maxDepth: 1 })).toThrow(ModelError);
    expect(() => findingTraces([raceModel(false)], { maxDepth: 1 })).toThrow(
      /model 'race': finding FIXTURE-1 \(noLostUpdate\) not reached/,
    );
  });
});

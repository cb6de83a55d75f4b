/**
 * exploreParallel against explore on the fixture models: the same verdicts, state and edge
 * counts, depths, coverage and counterexample lengths, with 1, 2 and 3 worker threads; bounds
 * stop it as they stop explore; what it refuses it refuses by name.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../explore.js';
import { OptionsError, VerifyError } from '../errors.js';
import { exploreParallel } from './threads.js';
import { essence, fixturesModule, models } from './models.test-helpers.js';

describe('exploreParallel', () => {
  const plain = models.filter((m) => !m.monitors?.length);
  it.each(plain.map((m) => m.name))(
    '%s: the same report as explore with 1, 2 and 3 threads',
    async (name) => {
      const model = plain.find((m) => m.name === name)!;
      const one = explore(model as never, {});
      for (const workers of [1, 2, 3]) {
        const par = await exploreParallel({ module: fixturesModule, model: name }, { workers });
        expect(essence(par)).toEqual(essence(one));
        expect(par.keys.mode).toBe('fingerprint');
      }
    },
    60_000,
  );

  it('stops at maxStates with exactly that many states, and at the depth bound', async () => {
    const src = { module: fixturesModule, model: 'counter600' };
    const capped = await exploreParallel(src, { workers: 2, maxStates: 50 });
    expect(capped.complete).toBe(false);
    expect(capped.stoppedBy).toBe('maxStates');
    expect(capped.states).toBe(50);
    const shallow = await exploreParallel(src, { workers: 2, maxDepth: 7 });
    expect(essence(shallow)).toEqual(essence(explore(models[1] as never, { maxDepth: 7 })));
    expect(shallow.depthBounded).toBe(true);
  }, 60_000);

  it('reports progress', async () => {
    const seen: number[] = [];
    await exploreParallel(
      { module: fixturesModule, model: 'counter600' },
      { workers: 2, onProgress: (p) => seen.push(p.states) },
    );
    expect(seen.at(-1)).toBe(explore(models[1] as never).states);
  }, 60_000);

  it('refuses monitors, unknown models and bad worker counts by name', async () => {
    const withMonitor = models.find((m) => m.monitors?.length)!;
    await expect(
      exploreParallel({ module: fixturesModule, model: withMonitor.name }, { workers: 2 }),
    ).rejects.toThrow(/liveness monitors/);
    await expect(exploreParallel({ module: fixturesModule, model: 'nope' }, { workers: 2 })).rejects.toThrow(
      OptionsError,
    );
    await expect(exploreParallel({ module: fixturesModule, model: 'abba' }, { workers: 0 })).rejects.toThrow(
      /workers must be a positive integer/,
    );
    await expect(exploreParallel({ module: 'file:///no/such/module.js', model: 'abba' })).rejects.toThrow(
      VerifyError,
    );
  }, 60_000);
});

// encodeShmifContext (the checker's binary key) must identify exactly what projectShmifContext
// identifies: every check model explored, both keys compared both ways on every state reached.
import { describe, expect, it } from 'vitest';
import { checkEncoding, explore } from '@kspec/verify';
import { SHMIF_MODELS } from './check.js';

describe('encodeShmifContext agrees with projectShmifContext', () => {
  for (const model of SHMIF_MODELS) {
    it(model.name, () => {
      const r = checkEncoding(model, { maxStates: 1500 });
      expect(r.mismatches).toEqual([]);
      expect(r.states).toBeGreaterThan(10);
    });
  }
});

// The checker's fast paths (the transition cache replaying guards, assignments, constant
// raise() and final states; binary keys) against xstate's own transition() on every edge.
describe('the checker on the shmif models equals xstate step by step', () => {
  for (const model of SHMIF_MODELS) {
    it(
      model.name,
      () => {
        const r = explore(model, { maxStates: 600, crossCheck: true, deadlock: false });
        expect(r.states).toBeGreaterThan(10);
        expect(r.engine.compiled).toBeGreaterThan(0);
      },
      60_000,
    );
  }
});

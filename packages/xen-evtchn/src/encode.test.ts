// evtchnEncode (the checker's binary key) must identify exactly what evtchnProject identifies:
// every check model explored, both keys compared both ways on every state reached.
import { describe, expect, it } from 'vitest';
import { checkEncoding, explore } from '@kspec/verify';
import { evtchnCheckModels } from './check-models.js';

describe('evtchnEncode agrees with evtchnProject', () => {
  for (const model of evtchnCheckModels) {
    it(model.name, () => {
      const r = checkEncoding(model, { maxStates: 2000 });
      expect(r.mismatches).toEqual([]);
      expect(r.states).toBeGreaterThan(10);
      // compact: about 50-80 bytes of key per state
      expect(r.bytesPerState).toBeLessThan(100);
    });
  }
});

// The checker's fast paths (the transition cache replaying guards, assignments, constant
// raise() and final states; binary keys) against xstate's own transition() on every edge.
describe('the checker on the xen-evtchn models equals xstate step by step', () => {
  for (const model of evtchnCheckModels) {
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

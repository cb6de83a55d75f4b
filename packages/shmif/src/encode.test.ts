// encodeShmifContext (the checker's binary key) must identify exactly what projectShmifContext
// identifies: every check model explored, both keys compared both ways on every state reached.
import { describe, expect, it } from 'vitest';
import { checkEncoding } from '@kspec/verify';
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

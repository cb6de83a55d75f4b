import { defineProject } from 'vitest/config';
import { kspecProject } from '../../vitest.shared.js';

// the SCION equivalence tests run hundreds of sessions; on a loaded 2-core machine one can pass 5 s
export default defineProject(kspecProject('statecharts', { testTimeout: 60_000 }));

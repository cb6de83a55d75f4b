import { defineProject } from 'vitest/config';
import { kspecProject } from '../../vitest.shared.js';

export default defineProject(kspecProject('orchestrator', { testTimeout: 60_000, hookTimeout: 60_000 }));

import { defineProject } from 'vitest/config';
import { kspecProject } from '../../vitest.shared.js';

export default defineProject(kspecProject('packaging', { testTimeout: 120_000, hookTimeout: 300_000 }));

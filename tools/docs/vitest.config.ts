import { defineProject } from 'vitest/config';
import { kspecProject } from '../../vitest.shared.js';

export default defineProject(kspecProject('docs-site', { testTimeout: 30_000, hookTimeout: 60_000 }));

import { defineProject } from 'vitest/config';
import { kspecProject } from '../../vitest.shared';

export default defineProject(kspecProject('bench', { include: ['harness/**/*.test.ts'] }));

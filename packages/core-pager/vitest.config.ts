import { defineProject } from 'vitest/config';
import { kspecProject } from '../../vitest.shared.js';

export default defineProject(kspecProject('core-pager'));

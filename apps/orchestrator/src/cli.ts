#!/usr/bin/env node
/**
 * The `kspec` executable (`npx kspec`, or `node apps/orchestrator/dist/cli.js`).
 *
 * @module
 */
import { main } from './program.js';

process.exitCode = await main(process.argv);

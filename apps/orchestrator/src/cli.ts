#!/usr/bin/env node
/**
 * The `kspec` executable (`npx kspec`, or `node apps/orchestrator/dist/cli.js`). The first
 * SIGINT stops a `kspec run` between two ticks (it prints what was interrupted, closes the
 * trace on a line boundary, stops the workers and exits 130); a second one exits at once.
 *
 * @module
 */
import { main } from './program.js';

const interrupt = new AbortController();
const onSigint = (): void => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
};
// only `run` stops cleanly; every other command keeps the default (exit at once)
const isRun = process.argv.slice(2).find((a) => !a.startsWith('-')) === 'run';
if (isRun) process.on('SIGINT', onSigint);
process.exitCode = await main(process.argv, undefined, isRun ? { signal: interrupt.signal } : {});
process.off('SIGINT', onSigint);

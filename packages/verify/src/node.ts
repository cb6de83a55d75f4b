/**
 * `@kspec/verify/node`: the parts of `@kspec/verify` that need Node (a terminal): the progress
 * display of long explorations. The main entry stays browser-safe.
 *
 * @module @kspec/verify/node
 */
export { progressPrinter } from './progress.js';
export type { ProgressPrinter, ProgressStream } from './progress.js';

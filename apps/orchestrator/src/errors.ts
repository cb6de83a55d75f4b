/**
 * Errors the CLI maps to exit codes: bad input from the command line or a file is a
 * {@link UsageError} or a `ScenarioError` (exit 2, nothing written); anything else that goes
 * wrong while running is a failure (exit 1).
 *
 * @module
 */
export { ScenarioError } from './codec.js';

/**
 * Bad command-line input (an unknown package, a missing file, a directory that does not
 * exist). The CLI prints the message and exits with status 2.
 * @category CLI
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Conventional exit codes.
 * @category CLI
 */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2, interrupted: 130 } as const);

/**
 * A run stopped from outside (SIGINT) between two ticks: every run and the trace were closed.
 * The CLI prints the message and exits with status 130.
 * @category CLI
 */
export class RunInterrupted extends Error {
  override readonly name = 'RunInterrupted';
  constructor(
    readonly scenario: string,
    readonly tick: number,
    readonly done: number,
    readonly total: number,
    /** Trace lines written (whole), or `null` without a trace. */
    readonly traceLines: number | null,
  ) {
    super(`run ${scenario} interrupted at tick ${tick} (${done}/${total} work items done)`);
  }
}

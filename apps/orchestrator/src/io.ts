/**
 * Where the commands write: stdout for results, stderr for messages and progress. Tests pass
 * their own.
 *
 * @module
 */

/**
 * The stream progress displays draw on: `process.stderr`, or a test's stand-in. (A minimal
 * shape of its own, so the CLI's declarations need no Node type definitions.)
 * @category CLI
 */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(s: string): unknown;
}

/**
 * Output streams of a command.
 * @category CLI
 */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** The stream for progress displays (shown only when it is a TTY). */
  readonly progressStream?: ProgressStream;
}

/**
 * The process's own streams.
 * @category CLI
 */
export const processIo: CommandIo = {
  out: (s) => void process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => void process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  progressStream: process.stderr,
};

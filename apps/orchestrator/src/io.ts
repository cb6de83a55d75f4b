/**
 * Where the commands write: stdout for results, stderr for messages and progress. Tests pass
 * their own.
 *
 * @module
 */

/**
 * Output streams of a command.
 * @category CLI
 */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** The stream for progress displays (shown only when it is a TTY). */
  readonly progressStream?: NodeJS.WriteStream;
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

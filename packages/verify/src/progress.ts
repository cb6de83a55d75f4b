/**
 * A one-line progress display for long explorations (states, depth, rate), redrawn in place
 * on a TTY and silent otherwise (CI logs, pipes).
 *
 * @module
 */
import type { Progress } from './explore.js';

/**
 * A progress display: pass `onProgress` to {@link explore}, call `end()` when it returns.
 * @category Exploration
 */
export interface ProgressPrinter {
  readonly onProgress: (p: Progress) => void;
  /** Clears the line (on a TTY). */
  readonly end: () => void;
}

/**
 * Creates a progress display writing to `stream` (default `process.stderr`), quiet when the
 * stream is not a TTY unless `force` is set.
 * @category Exploration
 */
export function progressPrinter(
  stream: { isTTY?: boolean; write(s: string): unknown } = process.stderr,
  force = false,
): ProgressPrinter {
  const on = force || stream.isTTY === true;
  let drawn = false;
  return {
    onProgress: (p) => {
      if (!on) return;
      drawn = true;
      stream.write(
        `\r${p.model}: ${p.states.toLocaleString('en-US')} states, depth ${p.depth}, ` +
          `${Math.round(p.statesPerSecond).toLocaleString('en-US')} states/s, frontier ${p.frontier.toLocaleString('en-US')}, ` +
          `${p.seconds.toFixed(1)} s\x1b[K`,
      );
    },
    end: () => {
      if (on && drawn) stream.write('\r\x1b[K');
    },
  };
}

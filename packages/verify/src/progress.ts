/**
 * A one-line progress display for long explorations (states, depth, rate, frontier), drawn by
 * cli-progress: redrawn in place on a TTY and silent otherwise (CI logs, pipes). Node only
 * (cli-progress drives the terminal through `readline`), so it is exported from
 * `@kspec/verify/node`, not from the browser-safe main entry.
 *
 * @module
 */
import cliProgress from 'cli-progress';
import type { Progress } from './explore.js';

/**
 * A progress display: pass `onProgress` to `explore` (`@kspec/verify`), call `end()` when it returns.
 * @category Exploration
 */
export interface ProgressPrinter {
  readonly onProgress: (p: Progress) => void;
  /** Clears the line (on a TTY); the next `onProgress` draws a new one. */
  readonly end: () => void;
}

/** The stream the display writes to: a TTY (`process.stderr`) or anything with `write`. */
export type ProgressStream = { isTTY?: boolean; columns?: number; write(s: string): unknown };

const FORMAT = '{model}: {states} states, depth {depth}, {rate} states/s, frontier {frontier}, {seconds} s';

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * Creates a progress display writing to `stream` (default `process.stderr`), quiet when the
 * stream is not a TTY unless `force` is set (then it is drawn as on a terminal).
 * @category Exploration
 */
export function progressPrinter(stream: ProgressStream = process.stderr, force = false): ProgressPrinter {
  if (!force && stream.isTTY !== true) return { onProgress: () => undefined, end: () => undefined };
  const out = {
    isTTY: true,
    columns: stream.columns ?? 120,
    write: (s: string, cb?: () => void) => {
      stream.write(s);
      cb?.();
      return true;
    },
  };
  let bar: cliProgress.SingleBar | undefined;
  return {
    onProgress: (p) => {
      const payload = {
        model: p.model,
        states: count(p.states),
        depth: p.depth,
        rate: count(p.statesPerSecond),
        frontier: count(p.frontier),
        seconds: p.seconds.toFixed(1),
      };
      if (bar === undefined) {
        bar = new cliProgress.SingleBar({
          stream: out as unknown as NodeJS.WritableStream,
          format: FORMAT,
          clearOnComplete: true,
          hideCursor: false,
          // explore runs synchronously: draw on update (it reports about four times a second)
          fps: 10,
          synchronousUpdate: true,
        });
        bar.start(0, 0, payload);
      } else {
        bar.update(0, payload);
      }
    },
    end: () => {
      bar?.stop();
      bar = undefined;
    },
  };
}

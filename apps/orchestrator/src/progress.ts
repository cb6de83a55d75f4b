/**
 * The progress display of `kspec run` on stderr: on a terminal, a cli-progress bar redrawn in
 * place (not with `--json`); elsewhere (CI logs, pipes), one line every
 * {@link PROGRESS_LINE_MS} of wall time, so a long run shows it is alive and how far it is,
 * and a short one prints nothing. `KSPEC_PROGRESS_MS` in the environment changes the interval.
 *
 * @module
 */
import cliProgress from 'cli-progress';
import type { CommandIo } from './io.js';

/**
 * A progress display for a run.
 * @category Output
 */
export interface RunProgress {
  readonly update: (p: { readonly tick: number; readonly done: number; readonly total: number }) => void;
  readonly stop: () => void;
}

/**
 * Wall time between two progress lines off a terminal (10 s).
 * @category Output
 */
export const PROGRESS_LINE_MS = 10_000;

/**
 * Options of {@link runProgress}.
 * @category Output
 */
export interface RunProgressOptions {
  /** Draw the bar on a terminal (default true). */
  readonly bar?: boolean;
  /** Milliseconds between two lines off a terminal (default `KSPEC_PROGRESS_MS` or {@link PROGRESS_LINE_MS}). */
  readonly lineEveryMs?: number;
}

function lineInterval(o: RunProgressOptions): number {
  if (o.lineEveryMs !== undefined) return o.lineEveryMs;
  const env = Number(process.env['KSPEC_PROGRESS_MS']);
  return Number.isFinite(env) && env > 0 ? env : PROGRESS_LINE_MS;
}

/**
 * A bar on `io.progressStream` when it is a terminal, else progress lines through `io.err`.
 * @category Output
 */
export function runProgress(label: string, o: RunProgressOptions, io: CommandIo): RunProgress {
  const stream = io.progressStream;
  if (!stream?.isTTY) {
    const every = lineInterval(o);
    const started = performance.now();
    let next = started + every;
    return {
      update: ({ tick, done, total }) => {
        const t = performance.now();
        if (t < next) return;
        next = t + every;
        const pct = total > 0 ? ` (${Math.floor((100 * done) / total)}%)` : '';
        io.err(
          `${label}: tick ${tick}, ${done}/${total} work items${pct}, ${Math.round((t - started) / 1000)} s`,
        );
      },
      stop: () => undefined,
    };
  }
  if (o.bar === false) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      // a terminal here (isTTY), in practice process.stderr: cli-progress moves its cursor
      stream: stream as unknown as NodeJS.WritableStream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} work items | tick {tick}`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: ({ tick, done, total }) => {
      if (!started) {
        bar.start(Math.max(total, 1), done, { tick });
        started = true;
      }
      bar.setTotal(Math.max(total, done, 1));
      bar.update(done, { tick });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

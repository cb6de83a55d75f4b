/**
 * The progress display of `kspec run`: a cli-progress bar on stderr, redrawn in place while
 * the run goes on, and nothing at all when stderr is not a terminal (CI logs, pipes) or with
 * `--json`.
 *
 * @module
 */
import cliProgress from 'cli-progress';

/**
 * A progress display for a run.
 * @category Output
 */
export interface RunProgress {
  readonly update: (p: { readonly tick: number; readonly done: number; readonly total: number }) => void;
  readonly stop: () => void;
}

/**
 * A bar on `stream` when it is a TTY and `enabled`; otherwise a display that does nothing.
 * @category Output
 */
export function runProgress(
  label: string,
  enabled: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): RunProgress {
  if (!enabled || !stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
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

/**
 * The shape every benchmark of the suite declares, and what it returns. A benchmark is a file
 * `tools/bench/<name>.bench.ts` whose default export is `defineBench({ name, title, run })`:
 * the runner (`run.ts`) finds every such file, runs each in its own process (`child.ts`), and
 * gathers the rows into one table, one JSON file and one HTML page. A new subsystem package
 * joins the suite by adding its file; nothing else changes.
 *
 * @module
 */

/** `>= 10` on a ratio or a value, `<= 3` ... */
export interface Target {
  /** What the target bounds: the ratio column, or the kspec value itself. */
  readonly on: 'ratio' | 'value';
  readonly op: '>=' | '<=';
  readonly bound: number;
}

/** A median with its spread over the rounds. */
export interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Every round's figure, in order. */
  readonly rounds: readonly number[];
}

/**
 * One line of the table: a kspec figure and, when it has one, the baseline measured beside it
 * in the same run, their ratio, the target and whether it is met.
 */
export interface Row {
  /** What is measured, e.g. `checker states/s, xen-evtchn device`. */
  readonly metric: string;
  readonly unit: string;
  readonly kspec: Stat | null;
  readonly baseline: Stat | null;
  /** What the baseline is, e.g. `xstate/graph getAdjacencyMap`. */
  readonly baselineName?: string;
  /** kspec / baseline of the medians (for a cost: how many times the baseline's cost kspec pays). */
  readonly ratio: number | null;
  readonly target?: Target;
  readonly met: boolean | null;
  readonly note?: string;
}

/** A curve for the page: y against x for one or more named lines. */
export interface Series {
  readonly name: string;
  readonly x: string;
  readonly y: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly points: readonly { readonly line: string; readonly x: number; readonly y: number }[];
}

/** What one benchmark returns. */
export interface BenchOutput {
  readonly rows: readonly Row[];
  readonly series?: readonly Series[];
  /** Anything else worth keeping in the JSON (configuration, raw figures). */
  readonly details?: Record<string, unknown>;
}

/** What the runner gives a benchmark. */
export interface BenchContext {
  /** `--smoke`: tiny sizes, one or two rounds; checks that the benchmark runs, measures nothing. */
  readonly smoke: boolean;
  /** Measured rounds after the warm-up (>= 5 unless smoke). */
  readonly rounds: number;
  /** Time per path per round for rate measurements, in ms. */
  readonly roundMs: number;
  /** Progress lines (stderr, not the table). */
  log(line: string): void;
}

/** The declared shape of a `*.bench.ts` file's default export. */
export interface BenchSpec {
  /** Short name, the file's base name (`xen-evtchn` for `xen-evtchn.bench.ts`). */
  readonly name: string;
  readonly title: string;
  /** System tools the benchmark needs, installed by the runner when missing (see tools/scripts/system-deps.mjs). */
  readonly needs?: readonly string[];
  run(ctx: BenchContext): Promise<BenchOutput> | BenchOutput;
}

/** The JSON the runner writes for a whole run. */
export interface SuiteResult {
  readonly commit: string;
  readonly dirty: boolean;
  readonly date: string;
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly smoke: boolean;
  readonly benches: readonly {
    readonly name: string;
    readonly title: string;
    readonly seconds: number;
    readonly ok: boolean;
    readonly error?: string;
    readonly output?: BenchOutput;
  }[];
}

/** Declares a benchmark (identity; gives the file its type). */
export function defineBench(spec: BenchSpec): BenchSpec {
  return spec;
}

/**
 * Assembling one {@link CheckReport} from what many workers found level by level: counts are
 * summed, coverage is the union, and of each property's violations the one found in the
 * earliest level is kept (within a level, the smallest path, so the report does not depend on
 * which worker was faster). Paths are replayed here into events and state views, so a report
 * from threads or from Redis reads exactly like a one-process report.
 *
 * @module
 */
import type { EventObject } from 'xstate';
import type { Invariant } from '@kspec/spec-kit';
import type { CheckReport, SentinelResult, StopReason, Violation } from '../report.js';
import type { KeyStats } from '../visited.js';
import type { System } from '../system.js';
import { comparePaths, type Expander, type FoundViolation, type LevelResult } from './expander.js';

const before = (a: readonly number[], b: readonly number[]): boolean => comparePaths(a, b) < 0;

function fullPath(v: FoundViolation): number[] {
  return v.extra === undefined ? [...v.path] : [...v.path, v.extra];
}

/** How a run ended, for {@link ResultMerger.report}. @internal */
export interface RunEnd {
  readonly states: number;
  readonly depth: number;
  readonly depthCut: boolean;
  readonly stopped: StopReason | undefined;
  readonly started: number;
  readonly bounds: CheckReport['bounds'];
  /** Bytes of the visited store per state, when known. */
  readonly storeBytesPerState: number;
  /** TLC's estimate from the stored fingerprints, when computed (else the optimistic one). */
  readonly observed?: number;
  /** Steps taken by the workers' transition cache and by xstate. */
  readonly engine: { readonly compiled: number; readonly xstate: number };
}

/**
 * Merges level results in level order.
 * @internal
 */
export class ResultMerger {
  edges = 0;
  generated = 0;
  private readonly covered = new Set<number>();
  private readonly found = new Map<string, { level: number; v: FoundViolation }>();
  private readonly sentinels: ({ level: number; path: readonly number[] } | undefined)[];

  constructor(sentinels: number) {
    this.sentinels = new Array<undefined>(sentinels).fill(undefined);
  }

  add(level: number, r: LevelResult): void {
    this.edges += r.edges;
    this.generated += r.generated;
    for (const t of r.covered) this.covered.add(t);
    for (const v of r.violations) {
      const tag = `${v.kind}:${v.name}`;
      const held = this.found.get(tag);
      if (!held || level < held.level || (level === held.level && before(fullPath(v), fullPath(held.v))))
        this.found.set(tag, { level, v });
    }
    r.sentinels.forEach((p, i) => {
      if (!p) return;
      const held = this.sentinels[i];
      if (!held || level < held.level || (level === held.level && before(p, held.path)))
        this.sentinels[i] = { level, path: p };
    });
  }

  /** The report, replaying every kept path with `ex`. */
  report<S, E extends EventObject>(
    sys: System<S, E>,
    invariants: readonly Invariant<S>[],
    ex: Expander<S, E>,
    end: RunEnd,
  ): CheckReport {
    const seconds = (performance.now() - end.started) / 1000;
    const findingFor = (name: string): string | undefined =>
      sys.findings.find((f) => f.invariant === name)?.id;
    const violations: Violation[] = [...this.found.values()]
      .sort((a, b) => a.level - b.level)
      .map(({ v }) => {
        if (v.name === 'initial' && v.path.length === 0 && !v.withState)
          return { kind: v.kind, name: v.name, message: v.message, trace: [] };
        const { state, events } = ex.replay(v.path);
        const trace: EventObject[] = [...events];
        if (v.extra !== undefined) trace.push(sys.events(state)[v.extra]!);
        const fid = findingFor(v.name);
        return {
          kind: v.kind,
          name: v.name,
          message: v.message,
          trace,
          ...(v.withState ? { state: sys.view(state) } : {}),
          ...(fid ? { findingId: fid } : {}),
        };
      });
    const sentinels: SentinelResult[] = sys.sentinels.map((s, i) => {
      const hit = this.sentinels[i];
      return {
        name: s.name,
        statement: s.statement,
        reached: hit !== undefined,
        ...(hit ? { trace: ex.replay(hit.path).events } : {}),
      };
    });
    const failing = violations.some((v) => !v.findingId) || sentinels.some((s) => !s.reached);
    const verdict = failing ? 'fail' : violations.length ? 'findings' : 'pass';
    const ids = sys.transitionIds;
    const n = end.states;
    const optimistic = Math.min(1, (n * Math.max(this.generated - n, 0)) / 2 ** 64);
    const keys: KeyStats = {
      mode: 'fingerprint',
      fingerprintBits: 64,
      keyBytesPerState: 8,
      storeBytesPerState: end.storeBytesPerState,
      collisionProbability: optimistic,
      collisionProbabilityObserved: end.observed ?? optimistic,
    };
    return {
      model: sys.name,
      verdict,
      complete: end.stopped === undefined,
      ...(end.stopped ? { stoppedBy: end.stopped } : {}),
      depthBounded: end.depthCut,
      states: Math.max(n, 1),
      edges: this.edges,
      depth: end.depth,
      seconds,
      statesPerSecond: seconds > 0 ? n / seconds : 0,
      violations,
      sentinels,
      coverage: {
        covered: ids.filter((_, i) => this.covered.has(i)),
        uncovered: ids.filter((_, i) => !this.covered.has(i)),
      },
      invariants: invariants.map((i) => i.name),
      bounds: end.bounds,
      engine: end.engine,
      keys,
    };
  }
}

/**
 * Equivalence of an XState machine and its exported SCXML run by SCION: the same event
 * sequences (events and clock advances; random walks from a seeded PRNG, or test paths) drive
 * both, and after every step the sets of active state ids must be equal. With the machine's own
 * data model (`scxmlDataModel`) passed to SCION, the SCXML session evaluates the real guards
 * and runs the real actions, and its context must equal XState's after every step too.
 */
import { isDeepStrictEqual } from 'node:util';
import { createActor } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { activeStateIds } from '../graph.js';
import type { ScxmlOptions } from '../scxml.js';
import { exportScxml } from '../scxml.js';
import { scxmlDataModel } from '../scxml-host.js';
import { VirtualClock } from './clock.js';
import { startScion } from './scion.js';

/** One step: an event or a clock advance. */
export type Step = { readonly event: { type: string; [k: string]: unknown } } | { readonly advance: number };

/** The steps of a run: a list, or chosen one at a time from XState's snapshot (undefined ends the run). */
export type StepSource =
  readonly Step[] | ((snapshot: AnyMachineSnapshot, index: number) => Step | undefined);

/** Mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a walk saw when the two disagreed. */
export interface Divergence {
  readonly steps: readonly Step[];
  readonly xstate: readonly string[];
  readonly scxml: readonly string[];
  /** Set when the configurations agree but the contexts do not. */
  readonly context?: { readonly xstate: unknown; readonly scxml: unknown };
}

/** Options of {@link compareRun}. */
export interface CompareOptions extends ScxmlOptions {
  readonly input?: unknown;
  /** The document to run (default: what exportScxml writes for the machine). */
  readonly xml?: string;
  /** Edits the exported document before SCION loads it (to show that the comparison can fail). */
  readonly tamper?: (xml: string) => string;
  /** Pass the machine's own guards, actions and context to SCION (default true). */
  readonly dataModel?: boolean;
}

/** What {@link compareRun} saw. */
export interface CompareResult {
  /** The first disagreement, if any. */
  readonly divergence?: Divergence;
  /** The configuration after each step (space-separated state ids). */
  readonly configurations: string[];
  /** The index of a step both rejected (a guard or action threw in both), which ended the run. */
  readonly rejected?: number;
}

/** Runs one sequence in both; returns the first divergence, or undefined. Also returns configurations seen. */
export async function compareRun(
  machine: AnyStateMachine,
  steps: StepSource,
  options: CompareOptions = {},
): Promise<CompareResult> {
  const exported = exportScxml(machine, options);
  const given = options.xml ?? exported.xml;
  const xml = options.tamper ? options.tamper(given) : given;
  const back = new Map([...exported.stateIds].map(([x, s]) => [s, x]));
  const xClock = new VirtualClock();
  const sClock = new VirtualClock();
  const actor = createActor(machine, { clock: xClock, input: options.input });
  // an event XState rejects (a guard or action throws) ends the run; SCXML must reject it too
  actor.subscribe({ error: () => undefined });
  actor.start();
  const withData = options.dataModel ?? true;
  const params = withData
    ? (scxmlDataModel(machine, { input: options.input }) as unknown as Record<string, unknown>)
    : undefined;
  const session = await startScion(xml, sClock, params);
  const root = machine.root.id;
  const norm = (ids: Iterable<string>): string[] => [...new Set(ids)].filter((i) => i !== root).sort();
  const xConf = (): string[] => norm(activeStateIds(machine, actor.getSnapshot().value));
  const sConf = (): string[] =>
    norm(
      session
        .configuration()
        .filter((s) => !s.startsWith('$generated-'))
        .map((s) => back.get(s) ?? `?${s}`),
    );
  const configurations: string[] = [];
  const done: Step[] = [];
  const check = (): Divergence | undefined => {
    const x = xConf();
    const s = sConf();
    configurations.push(x.join(' '));
    if (x.join(' ') !== s.join(' ')) return { steps: [...done], xstate: x, scxml: s };
    if (withData) {
      const xc: unknown = actor.getSnapshot().context;
      const sc = session.datamodel()['context'];
      if (!isDeepStrictEqual(xc, sc))
        return { steps: [...done], xstate: x, scxml: s, context: { xstate: xc, scxml: sc } };
    }
    return undefined;
  };
  try {
    let d = check();
    if (d) return { divergence: d, configurations };
    for (let i = 0; ; i++) {
      const snapshot = actor.getSnapshot() as AnyMachineSnapshot;
      if (snapshot.status !== 'active') break;
      const step = typeof steps === 'function' ? steps(snapshot, i) : steps[i];
      if (step === undefined) break;
      done.push(step);
      let scxmlError: unknown;
      try {
        if ('event' in step) {
          actor.send(step.event as never);
          session.send(step.event);
        } else {
          xClock.advance(step.advance);
          sClock.advance(step.advance);
        }
      } catch (err) {
        scxmlError = err;
      }
      if (actor.getSnapshot().status === 'error') {
        if (scxmlError === undefined) {
          const x = xConf();
          return {
            divergence: { steps: [...done], xstate: [...x, '(error)'], scxml: sConf() },
            configurations,
          };
        }
        return { configurations, rejected: done.length - 1 };
      }
      if (scxmlError !== undefined) throw scxmlError;
      d = check();
      if (d) return { divergence: d, configurations };
    }
    return { configurations };
  } finally {
    actor.stop();
  }
}

/** Events a walk may send in a snapshot. */
export type WalkAlphabet = (
  snapshot: AnyMachineSnapshot,
) => readonly { type: string; [k: string]: unknown }[];

/**
 * `count` random walks of `length` steps from a seeded PRNG: at each step, with probability 0.2
 * a clock advance from `advances` (when there are any), else an event from `alphabet` at
 * XState's current snapshot (a walk ends early where the alphabet is empty).
 */
export function randomWalks(
  seed: number,
  count: number,
  length: number,
  alphabet: WalkAlphabet,
  advances: readonly number[],
): StepSource[] {
  const rnd = prng(seed);
  return Array.from({ length: count }, () => (snapshot: AnyMachineSnapshot, i: number): Step | undefined => {
    if (i >= length) return undefined;
    if (advances.length > 0 && rnd() < 0.2)
      return { advance: advances[Math.floor(rnd() * advances.length)]! };
    const events = alphabet(snapshot);
    return events.length === 0 ? undefined : { event: events[Math.floor(rnd() * events.length)]! };
  });
}

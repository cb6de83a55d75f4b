/**
 * Equivalence of an XState machine and its exported SCXML run by SCION: the same random event
 * sequences (events and clock advances) drive both, and after every step the sets of active
 * state ids must be equal. A seeded PRNG makes every run the same.
 */
import { createActor } from 'xstate';
import type { AnyStateMachine } from 'xstate';
import { activeStateIds } from '../graph.js';
import type { ScxmlOptions } from '../scxml.js';
import { exportScxml } from '../scxml.js';
import { VirtualClock } from './clock.js';
import { startScion } from './scion.js';

/** One step: an event or a clock advance. */
export type Step = { readonly event: { type: string; [k: string]: unknown } } | { readonly advance: number };

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
}

/** Runs one sequence in both; returns the first divergence, or undefined. Also returns configurations seen. */
export async function compareRun(
  machine: AnyStateMachine,
  steps: readonly Step[],
  options: ScxmlOptions & { input?: unknown; tamper?: (xml: string) => string } = {},
): Promise<{ divergence?: Divergence; configurations: string[] }> {
  const exported = exportScxml(machine, options);
  const xml = options.tamper ? options.tamper(exported.xml) : exported.xml;
  const back = new Map([...exported.stateIds].map(([x, s]) => [s, x]));
  const xClock = new VirtualClock();
  const sClock = new VirtualClock();
  const actor = createActor(machine, { clock: xClock, input: options.input }).start();
  const session = await startScion(xml, sClock);
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
    return x.join(' ') === s.join(' ') ? undefined : { steps: [...done], xstate: x, scxml: s };
  };
  try {
    let d = check();
    if (d) return { divergence: d, configurations };
    for (const step of steps) {
      if (actor.getSnapshot().status !== 'active') break;
      done.push(step);
      if ('event' in step) {
        actor.send(step.event as never);
        session.send(step.event);
      } else {
        xClock.advance(step.advance);
        sClock.advance(step.advance);
      }
      d = check();
      if (d) return { divergence: d, configurations };
    }
    return { configurations };
  } finally {
    actor.stop();
  }
}

/** Random sequences over `alphabet` and clock advances over `advances`. */
export function randomWalks(
  seed: number,
  count: number,
  length: number,
  alphabet: readonly { type: string; [k: string]: unknown }[],
  advances: readonly number[],
): Step[][] {
  const rnd = prng(seed);
  const walks: Step[][] = [];
  for (let w = 0; w < count; w++) {
    const steps: Step[] = [];
    for (let i = 0; i < length; i++) {
      if (advances.length > 0 && rnd() < 0.2) {
        steps.push({ advance: advances[Math.floor(rnd() * advances.length)]! });
      } else {
        steps.push({ event: alphabet[Math.floor(rnd() * alphabet.length)]! });
      }
    }
    walks.push(steps);
  }
  return walks;
}

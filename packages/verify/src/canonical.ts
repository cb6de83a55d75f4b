/**
 * Pieces of the explorer kept apart: the parent-pointer arrays, the frontier entries (the
 * current and next BFS levels hold live snapshots; everything older is a key in the visited set
 * and two integers), and the canonicity comparison run when two snapshots share a key.
 *
 * @module
 */
import type { EventObject } from 'xstate';
import type { Invariant } from '@kspec/spec-kit';
import type { KeyBuffer } from './key.js';
import type { System } from './system.js';

/** @internal A growable Int32Array (parent numbers, event numbers). */
export class GrowInt32 {
  a = new Int32Array(1024);
  set(i: number, v: number): void {
    if (i >= this.a.length) {
      const b = new Int32Array(Math.max(this.a.length * 2, i + 1));
      b.set(this.a);
      this.a = b;
    }
    this.a[i] = v;
  }
  get(i: number): number {
    return this.a[i]!;
  }
}

/** @internal A state waiting in the current or next BFS level. */
export interface Entry<S> {
  readonly id: number;
  readonly state: S;
  /** Monitor state indices (empty without monitors). */
  readonly mon: readonly number[];
  /** Sleep sets: the smallest group whose steps are explored from this state (0: all). */
  mode: number;
}

/**
 * @internal How two snapshots that share a key behave differently (alphabets, invariant
 * verdicts, successors' keys or chart transitions), or undefined when they do not.
 */
export function behaviourDifference<S, E extends EventObject>(
  sys: System<S, E>,
  invariants: readonly Invariant<S>[],
  a: S,
  b: S,
  keyA: (s: S) => KeyBuffer,
  keyB: (s: S) => KeyBuffer,
): string | undefined {
  const evA = sys.events(a);
  const evB = sys.events(b);
  const ja = JSON.stringify(evA);
  if (ja !== JSON.stringify(evB)) return `alphabets differ: ${ja} vs ${JSON.stringify(evB)}`;
  for (const inv of invariants) {
    let ha: unknown, hb: unknown;
    try {
      ha = inv.holds(a);
      hb = inv.holds(b);
    } catch {
      continue;
    }
    if (ha !== hb) return `invariant '${inv.name}' is ${String(ha)} for one and ${String(hb)} for the other`;
  }
  for (const e of evA) {
    let ra: { next: S; taken: readonly number[]; accepted: boolean };
    let rb: { next: S; taken: readonly number[]; accepted: boolean };
    try {
      ra = sys.step(a, e);
      rb = sys.step(b, e);
    } catch {
      continue;
    }
    const ka = keyA(ra.next);
    const kb2 = keyB(rb.next);
    if (!ka.equals(kb2))
      return `on ${JSON.stringify(e)} one goes to key ${ka.hex()}, the other to ${kb2.hex()}`;
    const ta = ra.taken.map((t) => sys.transitionIds[t]).join(' ');
    const tb = rb.taken.map((t) => sys.transitionIds[t]).join(' ');
    if (ra.accepted !== rb.accepted || ta !== tb) {
      return `on ${JSON.stringify(e)} one takes [${ta}], the other [${tb}]`;
    }
  }
  return undefined;
}

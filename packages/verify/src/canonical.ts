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
 * @internal Whether two values are the same structurally, strictly (same own enumerable keys in
 * the same order, same primitives by `Object.is`, same prototypes, byte arrays by their bytes):
 * whatever holds it gives the same JSON. Parts shared by identity are not walked, so two
 * snapshots that share most of their context compare in time proportional to what differs.
 * (A cheaper stand-in for comparing two JSON fingerprints; it may call two values different
 * that JSON does not tell apart, which only means one more behaviour comparison.)
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const yv = b as ArrayBufferView;
    if (yv.byteLength !== x.length) return false;
    const y = new Uint8Array(yv.buffer, yv.byteOffset, yv.byteLength);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], y[i])) return false;
    return true;
  }
  if (a instanceof Map || a instanceof Set) return false; // not walked: call them different
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i]) return false;
    if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
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

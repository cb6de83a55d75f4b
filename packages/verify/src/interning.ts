/**
 * The explorer's small interning tables: events (one id per distinct event, so a state's
 * parent pointer is two integers) and the states of P-style liveness monitors (one index per
 * monitor state name, with whether it is hot). Internal to `explore.ts`.
 *
 * @module
 */
import type { EventObject } from 'xstate';
import type { Monitor } from '@kspec/spec-kit';
import { ModelError } from './errors.js';

/** Event ids: by identity first (alphabets hand out the same objects), then by JSON. */
export class EventTable {
  readonly list: EventObject[] = [];
  private readonly byId = new Map<object, number>();
  private readonly byJson = new Map<string, number>();

  intern(e: EventObject): number {
    let id = this.byId.get(e);
    if (id !== undefined) return id;
    const j = JSON.stringify(e);
    id = this.byJson.get(j);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(e);
      this.byJson.set(j, id);
    }
    // identity entries are a cache only; alphabets that build fresh events would grow it unbounded
    if (this.byId.size < 100_000) this.byId.set(e, id);
    return id;
  }
}

/** Per monitor: state name <-> index, and whether each state is hot. */
export class MonitorStates<S> {
  private readonly names: string[][];
  private readonly index: Map<string, number>[];
  private readonly hotness: boolean[][];

  constructor(
    private readonly model: string,
    private readonly monitors: readonly Monitor<S, EventObject>[],
  ) {
    for (const m of monitors) {
      if (typeof m.observe !== 'function' || typeof m.initial !== 'string' || !Array.isArray(m.hot))
        throw new ModelError(`model '${model}': monitor '${m.name}' needs initial, hot[] and observe()`);
    }
    this.names = monitors.map((m) => [m.initial]);
    this.index = monitors.map((m) => new Map([[m.initial, 0]]));
    this.hotness = monitors.map((m) => [m.hot.includes(m.initial)]);
  }

  /** The name of state `ix` of monitor `i`. */
  name(i: number, ix: number): string {
    return this.names[i]![ix]!;
  }

  /** Whether state `ix` of monitor `i` is hot. */
  hot(i: number, ix: number): boolean {
    return this.hotness[i]![ix]!;
  }

  /** The index of the state `name` of monitor `i` (what its `observe()` returned). */
  intern(i: number, name: string): number {
    if (typeof name !== 'string') {
      throw new ModelError(
        `model '${this.model}': monitor '${this.monitors[i]!.name}' observe() returned ${JSON.stringify(name)}, not a state name`,
      );
    }
    let ix = this.index[i]!.get(name);
    if (ix === undefined) {
      ix = this.names[i]!.length;
      this.names[i]!.push(name);
      this.index[i]!.set(name, ix);
      this.hotness[i]!.push(this.monitors[i]!.hot.includes(name));
    }
    return ix;
  }
}

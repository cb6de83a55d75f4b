/**
 * Watching the live actors of a run: every event an actor processes is counted, and with a
 * trace sink each one becomes a line of the trace JSONL the docs viewer replays
 * (`@kspec/statecharts` `TraceRecordCodec`):
 *
 * ```json
 * {"t":12,"actor":"xen-evtchn/evtchnDevice","event":{"type":"hv.raise","port":1},"before":{...},"after":{...},"source":{"file":"linux-xen-evtchn.c","fn":"evtchn_interrupt","lines":[170,190]}}
 * ```
 *
 * `actor` is `<manifest name>/<chart name>`, with `#<instance>` when a run has several actors
 * of one chart; `source` is the `meta.source` of the first transition the event took (the one
 * it selected; later microsteps are eventless follow-ups), `null` when it took none. When the
 * event took more than one transition (eventless follow-ups, parallel regions), `steps` lists
 * the sources of all of them in order (an extra field: the viewer's decoder ignores it).
 *
 * The watcher uses XState's inspection API (`actor.system.inspect`), so actors created inside
 * a facade can be watched without changing the facade.
 *
 * @module
 */
import type { AnyActorRef, AnyEventObject, InspectionEvent } from 'xstate';
import { sourceOfTransition, type SourceRef } from '@kspec/spec-kit';
import { reserveOutputs, type PendingOutput } from '@kspec/statecharts/node';

/**
 * One line of a trace (the format `@kspec/statecharts` decodes).
 * @category Trace
 */
export interface TraceLine {
  readonly t: number;
  readonly actor: string;
  readonly event: { readonly type: string; readonly [k: string]: unknown };
  readonly before: unknown;
  readonly after: unknown;
  readonly source: SourceRef | null;
  /** Sources of every transition the event took, when it took more than one. */
  readonly steps?: readonly SourceRef[];
}

/**
 * Where trace lines go.
 * @category Trace
 */
export interface TraceSink {
  write(line: TraceLine): void;
  /** The run ended (finished or interrupted): every line written is flushed, whole. */
  close(): void;
  /** The run failed: what was written may be dropped (a file sink leaves no partial file). */
  abort?(): void;
}

/**
 * A sink writing JSON Lines, buffered, always flushed on a line boundary. Given a path, it
 * writes a temporary file beside it and renames it into place at {@link TraceSink.close}
 * (`abort` removes it; see `@kspec/statecharts` `reserveOutputs`); given a reserved
 * `PendingOutput`, it only writes into it and its owner commits or discards it.
 * @category Trace
 */
export function fileTraceSink(target: string | PendingOutput): TraceSink & { readonly lines: number } {
  const own = typeof target === 'string';
  const out = own ? reserveOutputs([{ flag: '--trace', path: target }]).all[0]! : target;
  let buf: string[] = [];
  let size = 0;
  let lines = 0;
  let open = true;
  const flush = (): void => {
    if (buf.length === 0) return;
    out.write(buf.join(''));
    buf = [];
    size = 0;
  };
  return {
    get lines() {
      return lines;
    },
    write(line) {
      if (!open) return;
      const s = `${JSON.stringify(line, jsonSafe)}\n`;
      buf.push(s);
      size += s.length;
      lines++;
      if (size > 1 << 16) flush();
    },
    close() {
      if (!open) return;
      open = false;
      flush();
      if (own) out.commit();
    },
    abort() {
      if (!open) return;
      open = false;
      buf = [];
      if (own) out.discard();
    },
  };
}

/**
 * A sink keeping lines in memory (tests, the report).
 * @category Trace
 */
export function memoryTraceSink(): TraceSink & { readonly lines: TraceLine[] } {
  const lines: TraceLine[] = [];
  return {
    lines,
    write: (l) => void lines.push(JSON.parse(JSON.stringify(l, jsonSafe)) as TraceLine),
    close: () => undefined,
  };
}

/** JSON replacer: bytes as arrays of numbers, bigints as strings, functions and actors dropped. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function') return undefined;
  return value;
}

/** What the watcher keeps per actor. */
interface Watched {
  readonly name: string;
  readonly ref: AnyActorRef;
  before: unknown;
  source: SourceRef | null | undefined;
  steps: SourceRef[];
  transitions: number;
  events: number;
}

/**
 * Counts the events each watched actor processes and, with a sink, writes one trace line per
 * event.
 * @category Trace
 */
export class ActorWatcher {
  private readonly watched = new Map<AnyActorRef, Watched>();
  private readonly order: Watched[] = [];
  private readonly subs: { unsubscribe(): void }[] = [];

  constructor(
    private readonly now: () => number,
    private readonly sink: TraceSink | null,
  ) {}

  /** True when lines are written. */
  get tracing(): boolean {
    return this.sink !== null;
  }

  /** Starts watching `ref` (already started) under `name`. */
  watch(ref: AnyActorRef, name: string): void {
    if (this.watched.has(ref)) return;
    const w: Watched = {
      name,
      ref,
      before: ref.getSnapshot().value,
      source: undefined,
      steps: [],
      transitions: 0,
      events: 0,
    };
    this.watched.set(ref, w);
    this.order.push(w);
    // Without a trace, counting is all: a snapshot observer is called once per event processed
    // and costs less than an inspection observer, which sees every microstep and action.
    const sub = this.sink
      ? ref.system.inspect((ev: InspectionEvent) => this.onInspect(ev))
      : ref.subscribe({ next: () => void w.events++, error: () => undefined });
    this.subs.push(sub);
  }

  private onInspect(ev: InspectionEvent): void {
    const w = this.watched.get(ev.actorRef as AnyActorRef);
    if (!w) return;
    if (ev.type === '@xstate.microstep') {
      if (w.source === undefined) {
        const first = ev._transitions[0];
        w.source = first ? (sourceOfTransition(first) ?? null) : null;
      }
      if (this.sink) {
        for (const t of ev._transitions) {
          w.transitions++;
          const ref = sourceOfTransition(t);
          if (ref) w.steps.push(ref);
        }
      }
    } else if (ev.type === '@xstate.snapshot') {
      const event = ev.event as AnyEventObject;
      if (event.type === 'xstate.init' || event.type === 'xstate.stop') return;
      w.events++;
      const after = (ev.snapshot as { value?: unknown }).value;
      if (this.sink) {
        const line: TraceLine = {
          t: this.now(),
          actor: w.name,
          event,
          before: w.before,
          after,
          source: w.source ?? null,
        };
        this.sink.write(w.transitions > 1 ? { ...line, steps: w.steps } : line);
        w.steps = [];
        w.transitions = 0;
      }
      w.before = after;
      w.source = undefined;
    }
  }

  /** Writes a line for an actor running elsewhere (a worker thread). */
  external(line: TraceLine): void {
    this.sink?.write(line);
  }

  /** Events processed by each watched actor, in the order they were first watched. */
  counts(): { name: string; events: number; state: unknown }[] {
    return this.order.map((w) => ({ name: w.name, events: w.events, state: w.ref.getSnapshot().value }));
  }

  /** Events processed by the actors whose name starts with `prefix`. */
  eventsOf(prefix: string): number {
    let n = 0;
    for (const w of this.order) if (w.name.startsWith(prefix)) n += w.events;
    return n;
  }

  /** Stops watching. */
  close(): void {
    for (const s of this.subs) s.unsubscribe();
    this.subs.length = 0;
  }
}

/**
 * A state value as one compact line: `open.{reader:idle, irq:idle}`.
 * @category Trace
 */
export function stateText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [k, v] = entries[0]!;
    return `${k}.${stateText(v)}`;
  }
  return `{${entries.map(([k, v]) => `${k}:${stateText(v)}`).join(', ')}}`;
}

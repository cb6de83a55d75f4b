/**
 * The trace format the docs viewer replays and `kspec run --trace` writes: JSON Lines, one
 * step per line,
 *
 * ```json
 * {"t":12,"actor":"xen-evtchn/evtchnDevice","event":{"type":"ioctl.bindVirq","virq":3},"before":"open","after":"open","source":{"file":"linux-xen-evtchn.c","fn":"evtchn_ioctl","lines":[444,446]}}
 * ```
 *
 * - `t`: time of the step (milliseconds of the run's virtual clock, or a step counter);
 * - `actor`: which machine instance took the step: `<package name>/<machine name>`, optionally
 *   followed by `#<instance>` (`xen-evtchn/evtchnPort#3`); the machine id alone is accepted too;
 * - `event`: the event sent (an object with a string `type`);
 * - `before`, `after`: the state values (as in `snapshot.value`) before and after the step;
 * - `source`: the seed reference of the transition taken, or `null` when none was taken.
 *
 * Decoding is strict (io-ts): a bad line is rejected with its line number and the path of the
 * field at fault, never half-read.
 *
 * @module
 */
import * as t from 'io-ts/lib/index.js';
import { isLeft } from 'fp-ts/lib/Either.js';

/**
 * A state value as in `snapshot.value`: a state key, or an object of child state values.
 * @category Trace
 */
export type TraceStateValue = string | { readonly [key: string]: TraceStateValue };
const StateValue: t.Type<TraceStateValue> = t.recursion('StateValue', () =>
  t.union([t.string, t.record(t.string, StateValue)]),
);

const SourceRefCodec = t.type({
  file: t.string,
  fn: t.string,
  lines: t.tuple([t.number, t.number]),
});

/**
 * The io-ts codec of one trace line.
 * @category Trace
 */
export const TraceRecordCodec = t.intersection([
  t.type({
    t: t.number,
    actor: t.string,
    event: t.intersection([t.type({ type: t.string }), t.record(t.string, t.unknown)]),
    before: StateValue,
    after: StateValue,
  }),
  t.partial({ source: t.union([SourceRefCodec, t.null]) }),
]);

/**
 * One step of a trace.
 * @category Trace
 */
export type TraceRecord = t.TypeOf<typeof TraceRecordCodec>;

function pathOf(context: t.Context): string {
  return context
    .map((c) => c.key)
    .filter((k) => k !== '' && !/^\d+$/.test(k))
    .join('.');
}

/**
 * Decodes trace JSON Lines (blank lines are skipped). Throws a `SyntaxError` or `TypeError`
 * naming the line and the field at fault.
 * @category Trace
 */
export function parseTraceJsonl(text: string): TraceRecord[] {
  const out: TraceRecord[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new SyntaxError(`trace line ${i + 1}: not JSON (${(err as Error).message})`, { cause: err });
    }
    const decoded = TraceRecordCodec.decode(value);
    if (isLeft(decoded)) {
      const first = decoded.left[0];
      const where = first ? pathOf(first.context) || '(record)' : '(record)';
      const got = first ? JSON.stringify(first.value) : '?';
      throw new TypeError(`trace line ${i + 1}: bad field '${where}' (got ${got ?? 'undefined'})`);
    }
    out.push(decoded.right);
  });
  return out;
}

/**
 * True when a trace record's `actor` names the given machine: `<package>/<machine>` with the
 * manifest's short name or npm name as `<package>`, optionally followed by `#<instance>`, or
 * the machine name or machine id alone.
 * @category Trace
 */
export function traceActorMatches(
  actor: string,
  machine: {
    readonly packageNames: readonly string[];
    readonly machineName: string;
    readonly machineId: string;
  },
): boolean {
  const base = actor.split('#')[0];
  return (
    base === machine.machineName ||
    base === machine.machineId ||
    machine.packageNames.some((p) => base === `${p}/${machine.machineName}`)
  );
}

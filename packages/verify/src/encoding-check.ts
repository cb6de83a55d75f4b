/**
 * Checks that a model's binary `encode` identifies exactly what its `project` identifies:
 * explores breadth first with the JSON of `project` as the key and, on every reached state,
 * compares the two keys both ways (equal projections must give equal bytes, equal bytes equal
 * projections). Compositions compare every actor's `encode` and the shared `encodeShared` the
 * same way, as one key.
 *
 * @module
 */
import type { EventObject } from 'xstate';
import type { CompositionCheckModel } from './compose.js';
import { ModelError } from './errors.js';
import { KeyBuffer } from './key.js';
import { systemOf, type CheckModel } from './system.js';

/**
 * The outcome of {@link checkEncoding}.
 * @category Exploration
 */
export interface EncodingCheck {
  /** States compared. */
  readonly states: number;
  /** Average bytes of the binary key per state. */
  readonly bytesPerState: number;
  /** Up to ten disagreements, each with the traces of the two states. */
  readonly mismatches: readonly string[];
}

/** The model without its binary encoders (keys from the JSON of the projections). */
function withoutEncoders(model: CheckModel): CheckModel {
  if (model.kind === 'machine') return { ...model, encode: undefined };
  const comp = model as CompositionCheckModel;
  const actors = Object.fromEntries(
    Object.entries(comp.actors as Record<string, object>).map(([n, a]) => [n, { ...a, encode: undefined }]),
  );
  return { ...comp, encodeShared: undefined, actors } as CompositionCheckModel;
}

/**
 * Explores up to `maxStates` states of `model` and reports where `encode` and `project`
 * disagree (an empty `mismatches` when they agree on every state reached).
 *
 * @example
 * ```ts
 * expect(checkEncoding(evtchnDeviceCheckModel, { maxStates: 5000 }).mismatches).toEqual([]);
 * ```
 * @category Exploration
 */
export function checkEncoding(
  model: CheckModel,
  options: { readonly maxStates?: number } = {},
): EncodingCheck {
  const max = options.maxStates ?? 10_000;
  const bin = systemOf(model);
  const json = systemOf(withoutEncoders(model));
  const kb = new KeyBuffer();
  const kj = new KeyBuffer();
  const byJson = new Map<string, { hex: string; trace: EventObject[] }>();
  const byBin = new Map<string, string>();
  const mismatches: string[] = [];
  let bytes = 0;
  const keys = (s: unknown): { j: string; b: string; len: number } => {
    kj.reset();
    json.encode(s, kj);
    kb.reset();
    bin.encode(s, kb);
    return {
      j: Buffer.from(kj.copy()).toString('latin1'),
      b: Buffer.from(kb.copy()).toString('latin1'),
      len: kb.len,
    };
  };
  let level: { s: unknown; trace: EventObject[] }[] = [{ s: json.initial().next, trace: [] }];
  const first = keys(level[0]!.s);
  byJson.set(first.j, { hex: first.b, trace: [] });
  byBin.set(first.b, first.j);
  bytes += first.len;
  while (level.length > 0 && byJson.size < max && mismatches.length < 10) {
    const next: typeof level = [];
    for (const { s, trace } of level) {
      if (json.isFinal(s)) continue;
      let events: readonly EventObject[];
      try {
        events = json.events(s);
      } catch (err) {
        if (err instanceof ModelError) throw err;
        continue;
      }
      for (const e of events) {
        let r;
        try {
          r = json.step(s, e);
        } catch {
          continue;
        }
        const k = keys(r.next);
        const t = [...trace, e];
        const seen = byJson.get(k.j);
        if (seen !== undefined) {
          if (seen.hex !== k.b)
            mismatches.push(
              `equal projections, different encodings: ${JSON.stringify(seen.trace)} and ${JSON.stringify(t)}`,
            );
          continue;
        }
        const other = byBin.get(k.b);
        if (other !== undefined && other !== k.j) {
          mismatches.push(
            `equal encodings, different projections: ${JSON.stringify(byJson.get(other)?.trace)} and ${JSON.stringify(t)}`,
          );
          continue;
        }
        byJson.set(k.j, { hex: k.b, trace: t });
        byBin.set(k.b, k.j);
        bytes += k.len;
        if (byJson.size >= max) break;
        next.push({ s: r.next, trace: t });
      }
      if (byJson.size >= max || mismatches.length >= 10) break;
    }
    level = next;
  }
  return { states: byJson.size, bytesPerState: byJson.size ? bytes / byJson.size : 0, mismatches };
}

/**
 * io-ts building blocks for scenario files: bounded integers, strict objects that reject
 * unknown fields (a misspelt field is an error, never silently ignored), and the decoder that
 * turns io-ts errors into one message naming the JSON path (`$.subsystems.shmif.interfaces`),
 * the expected type and the value found.
 *
 * @module
 */
import * as t from 'io-ts/lib/index.js';
import { isLeft } from 'fp-ts/lib/Either.js';

/**
 * Thrown for a scenario (or option) that does not decode: `issues` name each JSON path, the
 * expected type and what was found. The CLI prints the message and exits with status 2.
 * @category Scenarios
 */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    message: string,
    /** One entry per problem: `{ path, expected, got }`. */
    readonly issues: readonly ScenarioIssue[] = [],
  ) {
    super(message);
  }
}

/**
 * One problem found while decoding.
 * @category Scenarios
 */
export interface ScenarioIssue {
  /** JSON path, `$` for the root, e.g. `$.subsystems.shmif.frameLength.min`. */
  readonly path: string;
  /** The expected type, e.g. `integer in [14, 1514]`. */
  readonly expected: string;
  /** The value found, as JSON (`undefined` when missing). */
  readonly got: string;
}

/**
 * An integer in `[min, max]`.
 * @category Scenarios
 */
export function intIn(min: number, max: number = Number.MAX_SAFE_INTEGER): t.Type<number, number, unknown> {
  const name = max === Number.MAX_SAFE_INTEGER ? `integer >= ${min}` : `integer in [${min}, ${max}]`;
  return t.refinement(t.number, (n) => Number.isInteger(n) && n >= min && n <= max, name);
}

/**
 * A number in `[min, max]`.
 * @category Scenarios
 */
export function numberIn(min: number, max: number): t.Type<number, number, unknown> {
  return t.refinement(
    t.number,
    (n) => Number.isFinite(n) && n >= min && n <= max,
    `number in [${min}, ${max}]`,
  );
}

/**
 * A JSON object with the given required and optional fields and no others.
 * @category Scenarios
 */
export function strictObject<R extends t.Props, O extends t.Props>(
  name: string,
  required: R,
  optional: O,
): t.Type<t.TypeOf<t.TypeC<R>> & Partial<t.TypeOf<t.PartialC<O>>>, unknown, unknown> {
  const base = t.intersection([t.type(required), t.partial(optional)]);
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  type A = t.TypeOf<t.TypeC<R>> & Partial<t.TypeOf<t.PartialC<O>>>;
  return new t.Type<A, unknown, unknown>(
    name,
    (u): u is A => base.is(u),
    (u, c) => {
      if (!isPlainObject(u)) return t.failure(u, c, `expected ${name} (an object)`);
      const extra = Object.keys(u).filter((k) => !known.has(k));
      if (extra.length > 0) {
        const k = extra[0]!;
        return t.failure(
          (u as Record<string, unknown>)[k],
          [...c, { key: k, type: t.never, actual: (u as Record<string, unknown>)[k] }],
          `unknown field ${quoteKey(k)} (known: ${[...known].join(', ')})`,
        );
      }
      const r = base.validate(u, c);
      return isLeft(r) ? r : t.success(r.right as A);
    },
    t.identity,
  );
}

/**
 * A field name for a message: `'name'` when it is a plain word, else JSON-quoted (control
 * characters escaped) and cut at 40 characters, so a hostile key keeps the message one line.
 * @category Scenarios
 */
export function quoteKey(k: string): string {
  return /^[\w$.-]{1,40}$/.test(k) ? `'${k}'` : pathKey(k);
}

/**
 * A JSON path step for a field name: `.name`, or `["..."]` JSON-quoted and cut at 40 characters.
 * @category Scenarios
 */
export function pathStep(k: string): string {
  return /^[A-Za-z_$][\w$-]{0,39}$/.test(k) ? `.${k}` : `[${pathKey(k)}]`;
}

function pathKey(k: string): string {
  return k.length > 40 ? `${JSON.stringify(k.slice(0, 40)).slice(0, -1)}..."` : JSON.stringify(k);
}

function jsonPath(context: t.Context): string {
  let p = '$';
  context.forEach((entry, k) => {
    if (entry.key === '') return;
    // intersection and union members are keyed by their index and validate the same value
    if (k > 0 && context[k - 1]!.actual === entry.actual && /^\d+$/.test(entry.key)) return;
    if (/^\d+$/.test(entry.key) && Array.isArray(context[k - 1]?.actual)) p += `[${entry.key}]`;
    else p += pathStep(entry.key);
  });
  return p;
}

/**
 * A value as JSON, cut at `max` characters, without recursing deeper than the text it
 * shows (so a deeply nested value cannot overflow the stack) and with numbers as written.
 */
function preview(value: unknown, max: number): string {
  let out = '';
  const put = (s: string): boolean => {
    out += s;
    return out.length <= max;
  };
  const visit = (v: unknown): boolean => {
    if (v === null || v === undefined) return put('null');
    if (typeof v === 'string') return put(JSON.stringify(v.length > max ? v.slice(0, max) : v));
    if (typeof v === 'number') return put(Number.isFinite(v) ? String(v) : 'null');
    if (typeof v === 'boolean') return put(String(v));
    if (typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function')
      return put(String((v as { toJSON(): unknown }).toJSON()));
    if (Array.isArray(v)) {
      if (!put('[')) return false;
      for (let i = 0; i < v.length; i++) if ((i > 0 && !put(',')) || !visit(v[i])) return false;
      return put(']');
    }
    if (typeof v === 'object') {
      if (!put('{')) return false;
      let first = true;
      for (const k of Object.keys(v)) {
        if ((!first && !put(',')) || !put(`${JSON.stringify(k)}:`)) return false;
        first = false;
        if (!visit((v as Record<string, unknown>)[k])) return false;
      }
      return put('}');
    }
    return put(String(v));
  };
  visit(value);
  return out;
}

function shown(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  const s = preview(value, 61);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * True for a plain JSON object (`{...}` as parsed), not an array, `null` or a class instance.
 * @category Scenarios
 */
export function isPlainObject(u: unknown): u is Record<string, unknown> {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return false;
  const proto = Object.getPrototypeOf(u) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A JSON object with any fields (the values are decoded by whoever knows them).
 * @category Scenarios
 */
export const PlainRecord = new t.Type<Record<string, unknown>, Record<string, unknown>, unknown>(
  'object',
  isPlainObject,
  (u, c) => (isPlainObject(u) ? t.success(u) : t.failure(u, c, 'expected object')),
  t.identity,
);

/**
 * Decodes `value` with `codec`; on failure throws a {@link ScenarioError} whose message starts
 * with `where` and names each JSON path, expected type and value found.
 * @category Scenarios
 */
export function decodeWith<A>(
  codec: t.Decoder<unknown, A>,
  value: unknown,
  where: string,
  base: t.Context = [],
): A {
  const r = codec.validate(
    value,
    base.length ? base : [{ key: '', type: codec as t.Decoder<unknown, unknown> as t.Any, actual: value }],
  );
  if (!isLeft(r)) return r.right;
  const seen = new Set<string>();
  const issues: ScenarioIssue[] = [];
  for (const e of r.left) {
    const last = e.context[e.context.length - 1];
    const expected = e.message?.startsWith('unknown field')
      ? 'no such field'
      : (e.message?.replace(/^expected /, '') ?? last?.type.name ?? '?');
    const issue: ScenarioIssue = { path: jsonPath(e.context), expected, got: shown(e.value) };
    const key = `${issue.path}|${issue.expected}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(e.message?.startsWith('unknown field') ? { ...issue, expected: e.message } : issue);
  }
  const lines = issues
    .slice(0, 8)
    .map((i) =>
      i.expected.startsWith('unknown field')
        ? `  at ${i.path}: ${i.expected}`
        : `  at ${i.path}: expected ${i.expected}, got ${i.got}`,
    );
  if (issues.length > 8) lines.push(`  ... and ${issues.length - 8} more`);
  throw new ScenarioError(`${where}: invalid\n${lines.join('\n')}`, issues);
}

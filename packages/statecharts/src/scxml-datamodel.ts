/**
 * The data model of exported SCXML: how a kspec machine's context, named guards, named actions
 * and computed delays appear in the ECMAScript data model so that any conforming SCXML
 * processor loads and runs the document unchanged.
 *
 * A kspec machine's guards and actions are TypeScript functions over a context that SCXML
 * cannot express (persistent maps, port objects, bigints). The export therefore declares them
 * as data and calls them from standard executable content:
 *
 * - `<data id="context">`: the machine's context (its initial value when the machine gives one
 *   as plain data, else `null`: a context computed from the input is the host's to pass);
 * - `<data id="guards">`: one function per named guard, `(context, event, params) => boolean`;
 *   a guarded transition's `cond` is `guards.isRestricted(context, _event)` (with the guard's
 *   static params as a third argument), and `!`, `&&`, `||` for XState's `not`/`and`/`or`;
 * - `<data id="actions">`: one function per named action, `(context, event, params) => context`;
 *   every action is `<assign location="context" expr="actions.replyEacces(context, _event)"/>`;
 * - `<data id="delays">` (only when a delay is computed at run time): `(context, event, params)
 *   => 'Nms'`, used as a `<send delayexpr>`;
 * - `<data id="raises">` (only when an action raises an event computed at run time): `(context,
 *   event, params) => { type, ... }`, sent as `<send target="#_internal" eventexpr>` with the
 *   event as `<content>`.
 *
 * The defaults written into the document are stubs: every guard is false, every action returns
 * the context unchanged, every computed delay is `0ms`, every computed raise raises `kspec.stub`
 * (which no transition takes). So the bare document runs its control
 * structure (unguarded and eventless transitions, raises, delayed sends) without an
 * `error.execution`. A host supplies the real functions and the initial context as invocation
 * parameters, which replace a top-level `<data>`'s value (SCXML 1.0 §5.3 and §5.10); for the
 * TypeScript model itself, {@link scxmlDataModel} builds them from the machine.
 *
 * @module
 */
import type { XmlComment, XmlElement } from './xml.js';

/** The ids of the data items (part of the format: hosts pass values under these names). */
export const SCXML_DATA = {
  context: 'context',
  guards: 'guards',
  actions: 'actions',
  delays: 'delays',
  raises: 'raises',
} as const;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await'.split(
    ' ',
  ),
);

/** `obj.name`, or `obj["name"]` when `name` is not an ECMAScript identifier. */
export function member(obj: string, name: string): string {
  return IDENTIFIER.test(name) && !RESERVED.has(name) ? `${obj}.${name}` : `${obj}[${JSON.stringify(name)}]`;
}

/** A property key of an object literal. */
function key(name: string): string {
  return IDENTIFIER.test(name) && !RESERVED.has(name) ? name : JSON.stringify(name);
}

/** True when `value` survives JSON (plain data: what an ECMAScript literal can carry). */
export function isJsonData(value: unknown): boolean {
  return isPlainData(value);
}

function isPlainData(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    return (proto === Object.prototype || proto === null) && Object.values(value).every(isPlainData);
  }
  return false;
}

/** What the data model of one document needs, collected while its elements are written. */
export class ScxmlDataModelUse {
  readonly guards = new Set<string>();
  readonly actions = new Set<string>();
  readonly delays = new Set<string>();
  readonly raises = new Set<string>();

  constructor(private readonly notes: string[]) {}

  /** The arguments of a call: the context, the event, and the static params when there are any. */
  private args(params: unknown, owner: string, what: string): string {
    if (params === undefined) return `${SCXML_DATA.context}, _event`;
    if (isPlainData(params)) return `${SCXML_DATA.context}, _event, ${JSON.stringify(params)}`;
    this.notes.push(
      `${owner}: ${what} has params that are computed or not plain data: the SCXML call passes none`,
    );
    return `${SCXML_DATA.context}, _event`;
  }

  /** The `cond` calling a named guard. */
  guardCall(name: string, params: unknown, owner: string): string {
    this.guards.add(name);
    return `${member(SCXML_DATA.guards, name)}(${this.args(params, owner, `guard '${name}'`)})`;
  }

  /** The `<assign>` running a named action on the context. */
  actionElement(name: string, params: unknown, owner: string): XmlElement {
    this.actions.add(name);
    return {
      name: 'assign',
      attrs: {
        location: SCXML_DATA.context,
        expr: `${member(SCXML_DATA.actions, name)}(${this.args(params, owner, `action '${name}'`)})`,
        'kspec:action': name,
      },
    };
  }

  /** The expression of the event a raise computes at run time (an XState event object). */
  raiseCall(name: string, params: unknown, owner: string): string {
    this.raises.add(name);
    return `${member(SCXML_DATA.raises, name)}(${this.args(params, owner, `raise '${name}'`)})`;
  }

  /** The `delayexpr` of a delay computed at run time. */
  delayExpr(name: string): string {
    this.delays.add(name);
    return `${member(SCXML_DATA.delays, name)}(${SCXML_DATA.context}, _event)`;
  }

  /**
   * The `<datamodel>` element (always declares `context`: the machine's own initial context
   * when it is plain data given in the machine, else `null`).
   */
  element(initialContext?: unknown): XmlElement {
    // one stub function shared by every entry: (function (stub) { return { a: stub, … }; })(function …)
    const table = (names: Set<string>, body: string): string =>
      `(function (stub) { return { ${[...names]
        .sort()
        .map((n) => `${key(n)}: stub`)
        .join(', ')} }; })(function (context, event, params) { ${body} })`;
    const children: (XmlElement | XmlComment)[] = [
      {
        comment:
          'kspec: the machine context and its named guards, actions and computed delays as data. ' +
          'The guards, actions, delays and raises below are stubs (false, the context unchanged, 0ms, kspec.stub); a host passes ' +
          'the real ones, and a context computed from the input, as invocation parameters under the same ids ' +
          '(SCXML 1.0 5.3; @kspec/statecharts scxmlDataModel).',
      },
      {
        name: 'data',
        attrs: {
          id: SCXML_DATA.context,
          expr:
            initialContext !== undefined && isPlainData(initialContext)
              ? JSON.stringify(initialContext)
              : 'null',
        },
      },
    ];
    if (this.guards.size > 0)
      children.push({
        name: 'data',
        attrs: { id: SCXML_DATA.guards, expr: table(this.guards, 'return false;') },
      });
    if (this.actions.size > 0) {
      children.push({
        name: 'data',
        attrs: { id: SCXML_DATA.actions, expr: table(this.actions, 'return context;') },
      });
    }
    if (this.raises.size > 0) {
      children.push({
        name: 'data',
        attrs: { id: SCXML_DATA.raises, expr: table(this.raises, "return { type: 'kspec.stub' };") },
      });
    }
    if (this.delays.size > 0)
      children.push({
        name: 'data',
        attrs: { id: SCXML_DATA.delays, expr: table(this.delays, "return '0ms';") },
      });
    return { name: 'datamodel', children };
  }
}

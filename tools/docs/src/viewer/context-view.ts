/**
 * The context view of the viewer: what the machine holds after the last step and what that step
 * did.
 *
 * - The reply: every context field shaped like a C return (`{ op, rc }` for Linux seeds,
 *   `{ op, rv }` for NetBSD ones, e.g. xen-evtchn's `result` and `readResult`, shmif's `result`)
 *   is shown as the value the C entry point returns, with its errno name.
 * - The last step: the transitions XState took for it (every microstep, eventless ones too),
 *   each with its seed reference linking to the seed block on the page, which is marked.
 * - The context: one row per field (ring, ports, bound channels, counters…), nested values to a
 *   few levels, long arrays cut, functions and port objects named rather than expanded; the
 *   fields the last step changed are marked.
 *
 * @module
 */
import { linuxErrnoName, netbsdErrnoName } from '@kspec/spec-kit';
import { el } from './dom.js';

/** What the page tells the viewer about one transition. */
export interface TransitionInfo {
  /** `source --event--> target` in the page's short state names. */
  readonly label: string;
  /** `file:lines` of its seed reference, and the seed block's anchor on the page. */
  readonly seed?: string;
  readonly anchor?: string;
}

const MAX_ITEMS = 16;
const MAX_DEPTH = 5;

/** An object of functions (a port implementation), perhaps with a string `name`. */
function isPortLike(v: object): boolean {
  const entries = Object.entries(v).filter(([k, x]) => !(k === 'name' && typeof x === 'string'));
  return entries.length > 0 && entries.every(([, x]) => typeof x === 'function');
}

const items = (n: number): string => `${n} item${n === 1 ? '' : 's'}`;

function primitive(v: unknown): string | undefined {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'function') return `ƒ ${(v as { name?: string }).name || 'function'}`;
  return undefined;
}

/** A value as a DOM node (see the module notes). */
function valueNode(v: unknown, depth: number): Node {
  const p = primitive(v);
  if (p !== undefined) return el('code', {}, p);
  if (v instanceof Uint8Array) {
    const hex = [...v.slice(0, MAX_ITEMS)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    return el('code', {}, `bytes[${v.length}] ${hex}${v.length > MAX_ITEMS ? ' …' : ''}`);
  }
  if (Array.isArray(v)) {
    const list = v as unknown[];
    if (list.every((x) => primitive(x) !== undefined)) {
      const shown = list
        .slice(0, MAX_ITEMS)
        .map((x) => primitive(x))
        .join(', ');
      return el('code', {}, `[${shown}${list.length > MAX_ITEMS ? `, … ${items(list.length)}` : ''}]`);
    }
    if (depth >= MAX_DEPTH) return el('code', {}, `[… ${items(list.length)}]`);
    const ol = el('ol', { class: 'ctx-list', start: '0' });
    for (const x of list.slice(0, MAX_ITEMS)) {
      const li = el('li');
      li.append(valueNode(x, depth + 1));
      ol.append(li);
    }
    if (list.length > MAX_ITEMS) ol.append(el('li', { class: 'muted' }, `… ${list.length - MAX_ITEMS} more`));
    return list.length === 0 ? el('code', {}, '[]') : ol;
  }
  const o = v as object;
  if (isPortLike(o)) {
    const { name, ...fns } = o as { name?: unknown };
    const label = typeof name === 'string' ? `"${name}": ` : '';
    return el('code', { class: 'muted' }, `‹port ${label}${Object.keys(fns).join(', ')}›`);
  }
  const entries = Object.entries(o);
  if (entries.length === 0) return el('code', {}, '{}');
  if (depth >= MAX_DEPTH) return el('code', {}, `{… ${entries.length} fields}`);
  const dl = el('dl', { class: 'ctx-fields' });
  for (const [k, x] of entries) {
    const dd = el('dd');
    dd.append(valueNode(x, depth + 1));
    dl.append(el('dt', {}, k), dd);
  }
  return dl;
}

/** A C return value with its errno name, for a Linux (`rc = -errno`) or NetBSD (`rv = errno`) seed. */
export function describeReturn(value: number, flavour: 'linux' | 'netbsd'): string {
  if (flavour === 'linux') {
    const name = value < 0 ? linuxErrnoName(value) : undefined;
    return name ? `${value} (-${name})` : String(value);
  }
  const name = value > 0 ? netbsdErrnoName(value) : undefined;
  return name ? `${value} (${name})` : String(value);
}

/** The context fields that hold a C return (`{ op, rc }` / `{ op, rv }`). */
function replies(context: Record<string, unknown>): [string, { op: string; value: number; rest: object }][] {
  const out: [string, { op: string; value: number; rest: object }][] = [];
  for (const [k, v] of Object.entries(context)) {
    if (typeof v !== 'object' || v === null) continue;
    const r = v as { op?: unknown; rc?: unknown; rv?: unknown };
    const value = typeof r.rc === 'number' ? r.rc : typeof r.rv === 'number' ? r.rv : undefined;
    if (typeof r.op !== 'string' || value === undefined) continue;
    const { op: _op, rc: _rc, rv: _rv, ...rest } = v as Record<string, unknown>;
    out.push([k, { op: r.op, value, rest }]);
  }
  return out;
}

/** Renders the context view into `box`. */
export function renderContextView(
  box: HTMLElement,
  input: {
    readonly context: unknown;
    readonly previous: unknown;
    readonly event: string | undefined;
    readonly taken: readonly string[];
    readonly transitions: Readonly<Record<string, TransitionInfo>>;
    readonly flavour: 'linux' | 'netbsd';
  },
): void {
  box.textContent = '';
  const ctx = (typeof input.context === 'object' && input.context !== null ? input.context : {}) as Record<
    string,
    unknown
  >;
  const prev = (
    typeof input.previous === 'object' && input.previous !== null ? input.previous : {}
  ) as Record<string, unknown>;

  box.append(el('h4', {}, 'Reply'));
  const rs = replies(ctx);
  const reply = el('ul', { id: 'ctx-reply', class: 'ctx-reply' });
  for (const [field, r] of rs) {
    const li = el('li', { 'data-field': field, class: ctx[field] !== prev[field] ? 'changed' : '' });
    li.append(el('code', {}, `${r.op}() returns ${describeReturn(r.value, input.flavour)}`));
    if (Object.keys(r.rest).length > 0)
      li.append(' ', el('code', { class: 'muted' }, JSON.stringify(r.rest)));
    li.append(el('span', { class: 'muted' }, ` · ${field}`));
    reply.append(li);
  }
  if (rs.length === 0) reply.append(el('li', { class: 'muted' }, 'no return value recorded'));
  box.append(reply);

  box.append(el('h4', {}, input.event ? `Last step: ${input.event}` : 'Last step: start'));
  const taken = el('ul', { id: 'ctx-taken', class: 'ctx-taken' });
  for (const id of input.taken) {
    const t = input.transitions[id];
    const li = el('li', { 'data-transition-id': id });
    li.append(el('code', {}, t?.label ?? id));
    if (t?.seed) {
      li.append(' · ');
      li.append(
        el('a', t.anchor ? { href: `#${t.anchor}`, class: 'seed-ref' } : { class: 'seed-ref' }, t.seed),
      );
    }
    taken.append(li);
  }
  if (input.taken.length === 0) taken.append(el('li', { class: 'muted' }, 'no transition taken'));
  box.append(taken);

  box.append(el('h4', {}, 'Context'));
  const table = el('table', { id: 'ctx-fields', class: 'ctx' });
  for (const [k, v] of Object.entries(ctx)) {
    const tr = el('tr', { 'data-field': k, class: v !== prev[k] ? 'changed' : '' });
    const td = el('td');
    td.append(valueNode(v, 1));
    tr.append(el('th', {}, k), td);
    table.append(tr);
  }
  box.append(table);
}

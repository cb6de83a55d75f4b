/**
 * Persistent storage for the device's per-port state, so that one machine step costs
 * O(log n) in the number of bound ports instead of copying every array it touches.
 *
 * - {@link PortMap}: an immutable map from u32 keys (ports, ring slot indices) to values, a
 *   32-way radix trie over the key's bits. An update copies the path to one leaf (at most
 *   seven nodes of 32 slots; three for ports below 32768) and shares everything else with the
 *   map it came from. Iteration is in ascending key order, so everything read from it is
 *   canonical whatever the history. {@link PortMap.edit} opens a batch in which nodes created by
 *   the batch are changed in place (a transient, as in Clojure): a batched upcall of k ports
 *   costs O(k log n) with small constants, and the maps it started from stay unchanged.
 * - Array views: the context's public fields keep their array types (`evtchns`,
 *   `ring.slots`, `env.hv.channels`, `env.irq.bindings`, the ghost's lists). Each is a
 *   read-only array whose elements are materialized from its map on first access (a `Proxy`
 *   over a frozen array; `Array.isArray`, indexing, iteration, `JSON.stringify`, `util.inspect`
 *   and test matchers see an ordinary frozen array). A step that does not read a field never
 *   materializes it. The model's own code reads the map behind a view ({@link sourceOf}) and
 *   accepts plain arrays too (it builds a map from them, O(n) once per call).
 *
 * Snapshots stay immutable: a map is never changed after it is built, a view never changes
 * after it is created, and an edit batch owns only the nodes it allocated itself.
 *
 * What a view does not do: `structuredClone` (and `postMessage`) refuse proxies; take
 * `JSON.parse(JSON.stringify(...))` or `actor.getPersistedSnapshot()` (plain arrays) instead.
 *
 * @module
 */

const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;
/** The shift of the level that holds bits 30-31 of a u32 key: the deepest a trie gets. */
const TOP_SHIFT = Math.floor(31 / BITS) * BITS;

/** Whether `key` is an integer in [0, 2^32). */
function isU32(key: number): boolean {
  return key >>> 0 === key;
}

/** Whether a trie whose root level starts at `shift` can hold `key`. */
function fits(key: number, shift: number): boolean {
  return shift >= TOP_SHIFT || key >>> (shift + BITS) === 0;
}

/** The shift of the smallest root that can hold `key`. */
function shiftFor(key: number): number {
  let shift = 0;
  while (!fits(key, shift)) shift += BITS;
  return shift;
}

/**
 * A trie node: slots 0-31 hold children (inner levels) or values (leaf level); slot 32 holds
 * the edit batch that allocated the node and may still change it in place (or nothing); slot 33
 * counts the slots in use.
 */
type TrieNode = unknown[];
const OWNER = WIDTH;
const COUNT = WIDTH + 1;

/**
 * Objects here are made by `slice()`, `Array.of()` and classes, never by array or object
 * literals or `new Array(n)` on hot paths: V8 moves an allocation site of those to the old
 * generation for good once it sees most of its objects survive (as the trie nodes made while
 * binding thousands of ports do); short-lived old objects that point at young ones then keep
 * them alive through every minor GC, which made garbage collection most of a raise's cost.
 */
const EMPTY_NODE: TrieNode = Array.of<unknown>();
EMPTY_NODE.length = WIDTH + 2;

function newNode(owner: object): TrieNode {
  const node = EMPTY_NODE.slice();
  node[OWNER] = owner;
  node[COUNT] = 0;
  return node;
}

/** The token of one edit batch. */
class EditOwner {}

/** Calls `fn(value, key)` in ascending key order; stops (returning true) when `fn` returns true. */
function walk<V>(
  node: TrieNode,
  shift: number,
  base: number,
  fn: (value: V, key: number) => boolean | void,
): boolean {
  if (shift === 0) {
    for (let i = 0; i < WIDTH; i++) {
      const v = node[i];
      if (v !== undefined && fn(v as V, base * WIDTH + i) === true) return true;
    }
    return false;
  }
  for (let i = 0; i < WIDTH; i++) {
    const child = node[i] as TrieNode | undefined;
    if (child !== undefined && walk(child, shift - BITS, base * WIDTH + i, fn)) return true;
  }
  return false;
}

/**
 * An immutable map from u32 keys to values (never `undefined`), iterated in ascending key order.
 * @category Persistent storage
 */
export class PortMap<V> {
  /** The empty map. */
  static empty<V>(): PortMap<V> {
    return EMPTY_MAP as PortMap<V>;
  }

  /** A map of `entries` (later entries win). */
  static from<V>(entries: Iterable<readonly [number, V]>): PortMap<V> {
    const e = PortMap.empty<V>().edit();
    for (const [k, v] of entries) e.set(k, v);
    return e.done();
  }

  /** @internal Use {@link PortMap.empty}, {@link PortMap.from} or an edit. */
  constructor(
    /** The number of keys. */
    readonly size: number,
    private readonly root: TrieNode | undefined,
    private readonly shift: number,
  ) {}

  /** The value of `key`, or `undefined` (also for keys that are not u32). */
  get(key: number): V | undefined {
    return lookup(this.root, this.shift, key) as V | undefined;
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  /** This map with `key` set to `value` (this map itself when it already holds that value). */
  set(key: number, value: V): PortMap<V> {
    if (this.get(key) === value) return this;
    const e = this.edit();
    e.set(key, value);
    return e.done();
  }

  /** This map without `key` (this map itself when `key` is absent). */
  delete(key: number): PortMap<V> {
    if (this.get(key) === undefined) return this;
    const e = this.edit();
    e.delete(key);
    return e.done();
  }

  /** Opens an edit batch on this map (which itself stays unchanged). */
  edit(): PortMapEditor<V> {
    return new PortMapEditor<V>(this.size, this.root, this.shift);
  }

  /** Calls `fn(value, key)` for every entry in ascending key order. */
  forEach(fn: (value: V, key: number) => void): void {
    if (this.root !== undefined) walk<V>(this.root, this.shift, 0, (v, k) => void fn(v, k));
  }

  /** The first value in key order for which `pred` holds. */
  find(pred: (value: V, key: number) => boolean): V | undefined {
    let found: V | undefined;
    if (this.root !== undefined)
      walk<V>(this.root, this.shift, 0, (v, k) => {
        if (!pred(v, k)) return false;
        found = v;
        return true;
      });
    return found;
  }

  /** The entry with the smallest key. */
  first(): readonly [number, V] | undefined {
    let out: readonly [number, V] | undefined;
    if (this.root !== undefined)
      walk<V>(this.root, this.shift, 0, (v, k) => {
        out = [k, v];
        return true;
      });
    return out;
  }

  /** The values in ascending key order. */
  values(): V[] {
    const out: V[] = [];
    this.forEach((v) => void out.push(v));
    return out;
  }

  /** The keys in ascending order. */
  keys(): number[] {
    const out: number[] = [];
    this.forEach((_v, k) => void out.push(k));
    return out;
  }
}

function lookup(root: TrieNode | undefined, shift: number, key: number): unknown {
  if (root === undefined || !isU32(key) || !fits(key, shift)) return undefined;
  let node = root;
  for (let s = shift; s > 0; s -= BITS) {
    const child = node[(key >>> s) & MASK] as TrieNode | undefined;
    if (child === undefined) return undefined;
    node = child;
  }
  return node[key & MASK];
}

const EMPTY_MAP: PortMap<unknown> = new PortMap<unknown>(0, undefined, 0);

/**
 * An edit batch on a {@link PortMap}: `set`/`delete` change nodes this batch allocated in
 * place and copy shared ones once; `done()` ends the batch and returns the new map.
 * @category Persistent storage
 */
export class PortMapEditor<V> {
  private owner: object | null = new EditOwner();

  /** @internal Use {@link PortMap.edit}. */
  constructor(
    private size: number,
    private root: TrieNode | undefined,
    private shift: number,
  ) {}

  private token(): object {
    if (this.owner === null) throw new Error('PortMapEditor: the edit batch is already done');
    return this.owner;
  }

  private own(node: TrieNode, owner: object): TrieNode {
    if (node[OWNER] === owner) return node;
    const copy = node.slice();
    copy[OWNER] = owner;
    return copy;
  }

  get(key: number): V | undefined {
    return lookup(this.root, this.shift, key) as V | undefined;
  }

  set(key: number, value: V): void {
    const owner = this.token();
    if (!isU32(key)) throw new RangeError(`PortMap: key ${key} is not a u32`);
    if (value === undefined) throw new RangeError('PortMap: values cannot be undefined');
    if (this.root === undefined) {
      this.shift = shiftFor(key);
      this.root = newNode(owner);
    }
    while (!fits(key, this.shift)) {
      const up = newNode(owner);
      up[0] = this.root;
      up[COUNT] = 1;
      this.root = up;
      this.shift += BITS;
    }
    let node = this.own(this.root, owner);
    this.root = node;
    for (let s = this.shift; s > 0; s -= BITS) {
      const i = (key >>> s) & MASK;
      const child = node[i] as TrieNode | undefined;
      let next: TrieNode;
      if (child === undefined) {
        next = newNode(owner);
        (node[COUNT] as number)++;
      } else next = this.own(child, owner);
      node[i] = next;
      node = next;
    }
    const i = key & MASK;
    if (node[i] === undefined) {
      this.size++;
      (node[COUNT] as number)++;
    }
    node[i] = value;
  }

  delete(key: number): void {
    const owner = this.token();
    if (this.get(key) === undefined) return;
    const root = this.own(this.root as TrieNode, owner);
    this.root = root;
    this.deleteIn(root, this.shift, key, owner);
    this.size--;
    if (this.size === 0) {
      this.root = undefined;
      this.shift = 0;
    }
  }

  /** Deletes `key` (present) below `node` (owned); true when `node` is left empty. */
  private deleteIn(node: TrieNode, shift: number, key: number, owner: object): boolean {
    const i = (key >>> shift) & MASK;
    if (shift > 0) {
      const child = this.own(node[i] as TrieNode, owner);
      // Prune children left empty, so that iteration and first() never descend into them.
      if (!this.deleteIn(child, shift - BITS, key, owner)) {
        node[i] = child;
        return false;
      }
    }
    node[i] = undefined;
    return --(node[COUNT] as number) === 0;
  }

  /** Ends the batch: the returned map is immutable, and this editor cannot be used again. */
  done(): PortMap<V> {
    this.token();
    this.owner = null;
    if (this.size === 0) return PortMap.empty<V>();
    return new PortMap<V>(this.size, this.root, this.shift);
  }
}

// ---------------------------------------------------------------------------------------------
// Array views

const SOURCE: unique symbol = Symbol('kspec.xen-evtchn.viewSource');
const ELEMENTS: unique symbol = Symbol('kspec.xen-evtchn.viewElements');
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** How a view's elements are made from its map. */
const enum ViewKind {
  /** The values, in key order. */
  Records,
  /** The keys, ascending. */
  Keys,
  /** `{ port: key, n: value }`, in key order. */
  Counts,
  /** Slots 0 .. length-1, absent slots 0. */
  Slots,
}

/**
 * The prototype of a view's target before it is filled (an array of `Array.prototype` plus a
 * `util.inspect` hook: util.inspect formats a proxy's target without going through the traps, but
 * calls the hook on the proxy, whose traps fill it). Filling gives the target `Array.prototype`
 * back, writes the elements and freezes it; every trap fills it first, so nothing else is seen
 * through a view. (A plain array whose prototype is set: constructing an `Array` subclass is
 * slow when the class's `name` is redefined, as esbuild's keepNames does under tsx.)
 */
const UNFILLED: object = Object.create(Array.prototype, {
  [INSPECT]: {
    value(this: unknown[]): unknown[] {
      return Array.prototype.slice.call(this);
    },
  },
});

/**
 * The proxy handler of one view: fills the target on first access, and from then on forwards to
 * it, so every proxy invariant holds.
 */
class ViewHandler implements ProxyHandler<unknown[]> {
  private filled = false;

  constructor(
    private readonly source: PortMap<unknown>,
    private readonly length: number,
    private readonly kind: ViewKind,
  ) {}

  fill(target: unknown[]): unknown[] {
    if (this.filled) return target;
    this.filled = true;
    Object.setPrototypeOf(target, Array.prototype);
    const map = this.source;
    switch (this.kind) {
      case ViewKind.Records:
        map.forEach((v) => void target.push(v));
        break;
      case ViewKind.Keys:
        map.forEach((_v, k) => void target.push(k));
        break;
      case ViewKind.Counts:
        map.forEach((n, port) => void target.push({ port, n }));
        break;
      case ViewKind.Slots:
        for (let i = 0; i < this.length; i++) target.push(map.get(i) ?? 0);
        break;
    }
    Object.freeze(target);
    return target;
  }

  get(target: unknown[], key: string | symbol): unknown {
    if (key === SOURCE) return this.source;
    if (key === ELEMENTS) return this.fill(target);
    if (key === 'length') return this.length;
    return Reflect.get(this.fill(target), key);
  }

  has(target: unknown[], key: string | symbol): boolean {
    return Reflect.has(this.fill(target), key);
  }

  ownKeys(target: unknown[]): ArrayLike<string | symbol> {
    return Reflect.ownKeys(this.fill(target));
  }

  getOwnPropertyDescriptor(target: unknown[], key: string | symbol): PropertyDescriptor | undefined {
    return Reflect.getOwnPropertyDescriptor(this.fill(target), key);
  }

  getPrototypeOf(target: unknown[]): object | null {
    return Reflect.getPrototypeOf(this.fill(target));
  }

  set(target: unknown[], key: string | symbol, value: unknown): boolean {
    return Reflect.set(this.fill(target), key, value);
  }

  defineProperty(target: unknown[], key: string | symbol, desc: PropertyDescriptor): boolean {
    return Reflect.defineProperty(this.fill(target), key, desc);
  }

  deleteProperty(target: unknown[], key: string | symbol): boolean {
    return Reflect.deleteProperty(this.fill(target), key);
  }

  isExtensible(target: unknown[]): boolean {
    return Reflect.isExtensible(this.fill(target));
  }

  preventExtensions(target: unknown[]): boolean {
    return Reflect.preventExtensions(this.fill(target));
  }

  setPrototypeOf(target: unknown[], proto: object | null): boolean {
    return Reflect.setPrototypeOf(this.fill(target), proto);
  }
}

/** A frozen array of `length` elements made from `map` on first access; remembers `map`. */
function arrayView<T>(map: PortMap<unknown>, length: number, kind: ViewKind): readonly T[] {
  const target = Array.of<unknown>();
  Object.setPrototypeOf(target, UNFILLED);
  return new Proxy(target, new ViewHandler(map, length, kind)) as unknown as readonly T[];
}

/** The map behind a view made by this module, or `undefined` for any other array. */
export function sourceOf<V>(arr: readonly unknown[]): PortMap<V> | undefined {
  return (arr as unknown as { [SOURCE]?: PortMap<V> })[SOURCE];
}

/**
 * The elements of a view as the frozen plain array behind it (filled on the way; reading it
 * costs no trap per element), or `arr` itself when it is not a view of this module.
 */
export function elementsOf<T>(arr: readonly T[]): readonly T[] {
  return (arr as unknown as { [ELEMENTS]?: readonly T[] })[ELEMENTS] ?? arr;
}

/** Records identified by their `port`. */
export interface Keyed {
  readonly port: number;
}

/** The records of `map` in port order, as a read-only array view. */
export function recordView<T extends Keyed>(map: PortMap<T>): readonly T[] {
  return map.size === 0 ? EMPTY_VIEW : arrayView<T>(map, map.size, ViewKind.Records);
}

/** The map of records by port behind `arr` (built when `arr` is a plain array). */
export function recordMap<T extends Keyed>(arr: readonly T[]): PortMap<T> {
  return sourceOf<T>(arr) ?? PortMap.from(arr.map((r) => [r.port, r] as const));
}

/** A ring's `size` slots as an array view (absent slots read 0). */
export function slotsView(map: PortMap<number>, size: number): readonly number[] {
  return arrayView<number>(map, size, ViewKind.Slots);
}

/** The slot map behind `slots` (built from a plain array, zeros left out). */
export function slotsMap(slots: readonly number[]): PortMap<number> {
  const m = sourceOf<number>(slots);
  if (m) return m;
  const e = PortMap.empty<number>().edit();
  slots.forEach((v, i) => {
    if (v !== 0) e.set(i, v);
  });
  return e.done();
}

/** A set of ports (the keys of `map`), ascending, as an array view. */
export function portSetView(map: PortMap<true>): readonly number[] {
  return map.size === 0 ? EMPTY_VIEW : arrayView<number>(map, map.size, ViewKind.Keys);
}

/** The set behind `ports` (built from a plain array, duplicates merged). */
export function portSetMap(ports: readonly number[]): PortMap<true> {
  return sourceOf<true>(ports) ?? PortMap.from(ports.map((p) => [p, true] as const));
}

/** A count per port. */
export interface PortCount {
  readonly port: number;
  readonly n: number;
}

/** The counts of `map` as `{ port, n }` records in port order, as an array view. */
export function countView(map: PortMap<number>): readonly PortCount[] {
  return map.size === 0 ? EMPTY_VIEW : arrayView<PortCount>(map, map.size, ViewKind.Counts);
}

/** The map of counts behind `arr` (built from a plain array; later records win). */
export function countMap(arr: readonly PortCount[]): PortMap<number> {
  return sourceOf<number>(arr) ?? PortMap.from(arr.map((q) => [q.port, q.n] as const));
}

const EMPTY_VIEW: readonly never[] = arrayView<never>(EMPTY_MAP, 0, ViewKind.Records);

/** The empty view (its source is the empty map). */
export function emptyPortView<T>(): readonly T[] {
  return EMPTY_VIEW;
}

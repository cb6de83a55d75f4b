/**
 * Plain data and pure functions mirroring the helpers of `drivers/xen/evtchn.c` one to one:
 * the notification ring (`evtchn_ring_offset`, the copy-twice `evtchn_resize_ring`, the push
 * of `evtchn_interrupt`, the two-chunk copy of `evtchn_read`, the mask of `evtchn_poll`, the
 * reset of `IOCTL_EVTCHN_RESET`) and the per-file set of bound ports (`add_evtchn`,
 * `del_evtchn`, `find_evtchn`). No xstate here: the machines call these.
 *
 * Arithmetic is C's: ring indices are free-running `unsigned int` (`(a - b) >>> 0`), the ring
 * size is a power of two and slots are `idx & (size - 1)`; ports are little-endian u32 on the
 * wire (x86, arm64).
 *
 * What it abstracts: the rb-tree is kept twice: its `user_evtchn` records as a port-sorted
 * array (what `find_evtchn` answers) and its shape (links and colours, `rbtree.ts`), which
 * decides the order `evtchn_release` unbinds in and what `rb_erase` of a node that was never
 * linked does (see {@link delEvtchn}); kernel memory is arrays. The arrays these helpers return
 * are read-only views over persistent maps (`persistent.ts`), so an update costs O(log n), not a
 * copy of the whole tree or ring; plain arrays are accepted as input.
 *
 * Where the C departs from its evident intent: `add_evtchn` counts the node before its
 * duplicate check (lines 111-124), and `del_evtchn` erases a node that may not be in the tree
 * (lines 134-139); both are modelled as written and surface as finding EVTCHN-4.
 *
 * Not covered: `fasync`/SIGIO (only counted), `kill_fasync`, memory barriers (the model is
 * sequentially consistent; the interleavings that matter are explored with the machine's
 * split steps).
 *
 * @module
 */
import { linuxErr } from '@kspec/spec-kit';
import {
  PortMap,
  recordMap,
  recordView,
  slotsMap,
  slotsView,
  sourceOf,
  type PortMapEditor,
} from './persistent.js';
import {
  EMPTY_EVTCHN_RBTREE,
  rbAddEvtchn,
  rbEraseEvtchn,
  rbEraseUnlinked,
  type EvtchnRbTree,
} from './rbtree.js';

/** `PAGE_SIZE` (4 KiB): the cap of one read or write. @category Constants */
export const PAGE_SIZE = 4096;
/** `sizeof(evtchn_port_t)`. @category Constants */
export const EVTCHN_PORT_BYTES = 4;
/** `UNRESTRICTED_DOMID ((domid_t)-1)`, line 81. @category Constants */
export const UNRESTRICTED_DOMID = 0xffff;
/** `DOMID_FIRST_RESERVED` = `DOMID_SELF` = 0x7FF0 (facts 3.3). @category Constants */
export const DOMID_FIRST_RESERVED = 0x7ff0;
/** `DOMID_SELF` (facts 3.3). @category Constants */
export const DOMID_SELF = 0x7ff0;
/** `EVTCHN_2L_NR_CHANNELS` with a 64-bit `xen_ulong_t`: the default `xen_evtchn_nr_channels()`. @category Constants */
export const EVTCHN_2L_NR_CHANNELS = 4096;
/** The first ring size `evtchn_resize_ring` allocates (line 326). @category Constants */
export const EVTCHN_FIRST_RING_SIZE = 64;

/** Poll bits (asm-generic values). @category Constants */
export const EPOLL = Object.freeze({
  EPOLLIN: 0x001,
  EPOLLERR: 0x008,
  EPOLLOUT: 0x004,
  EPOLLRDNORM: 0x040,
  EPOLLWRNORM: 0x100,
} as const);

/**
 * The notification ring of one open file: `ring_size`, `ring`, `ring_cons`, `ring_prod`,
 * `ring_overflow` of `struct per_user_data` (lines 66-69).
 *
 * Writers: `prod`, `overflow` and slots by the interrupt handler under `ring_prod_lock`;
 * `cons` by `evtchn_read` under `ring_cons_mutex`; `size`/`slots` by resize and all four by
 * reset under both locks.
 * @category Ring
 */
export interface EvtchnRing {
  /** `ring_size`: 0 until the first bind, then a power of two from 64. */
  readonly size: number;
  /** `ring[]`, `size` slots (empty array while `size` is 0). */
  readonly slots: readonly number[];
  /** `ring_cons`, free-running u32. */
  readonly cons: number;
  /** `ring_prod`, free-running u32. */
  readonly prod: number;
  /** `ring_overflow`, sticky until `IOCTL_EVTCHN_RESET`. */
  readonly overflow: boolean;
}

/**
 * A ring value built by the model (the same fields as {@link EvtchnRing}). A class, not an object
 * literal: V8 may move an allocation site of a literal that once saw its objects survive to the
 * old generation for good ("pretenuring"); a short-lived old ring pointing at a young slot view
 * then keeps every step's new slots alive through minor GCs, which was most of the cost of a
 * raise. Instances of a class are not pretenured.
 */
class RingValue implements EvtchnRing {
  constructor(
    readonly size: number,
    readonly slots: readonly number[],
    readonly cons: number,
    readonly prod: number,
    readonly overflow: boolean,
  ) {}
}

/** A ring being updated in place (a draft owned by one transition). @category Ring */
export interface MutableEvtchnRing {
  size: number;
  slots: number[];
  cons: number;
  prod: number;
  overflow: boolean;
}

/** The ring of a freshly opened file (kzalloc'd `per_user_data`, line 622). @category Ring */
export const EMPTY_RING: EvtchnRing = Object.freeze({
  size: 0,
  slots: Object.freeze([]) as readonly number[],
  cons: 0,
  prod: 0,
  overflow: false,
});

/** `unsigned int` wrap-around. @category Ring */
export function u32(x: number): number {
  return x >>> 0;
}

/** `evtchn_ring_offset(u, idx)`: `idx & (ring_size - 1)` (lines 95-99). @category Ring */
export function evtchnRingOffset(size: number, idx: number): number {
  return (idx & (size - 1)) >>> 0;
}

/** `prod - cons` as unsigned: the number of queued ports. @category Ring */
export function evtchnRingOccupancy(ring: Pick<EvtchnRing, 'cons' | 'prod'>): number {
  return u32(ring.prod - ring.cons);
}

/** A mutable copy of `ring` (one allocation per transition). @category Ring */
export function evtchnRingDraft(ring: EvtchnRing): MutableEvtchnRing {
  return {
    size: ring.size,
    slots: ring.slots.slice(),
    cons: ring.cons,
    prod: ring.prod,
    overflow: ring.overflow,
  };
}

/**
 * The ports queued between `cons` and `prod`, oldest first.
 * @category Ring
 */
export function evtchnRingQueued(ring: EvtchnRing): number[] {
  const n = evtchnRingOccupancy(ring);
  const out: number[] = [];
  if (ring.size === 0) return out;
  const slot = slotReader(ring.slots);
  for (let i = 0; i < n; i++) out.push(slot(evtchnRingOffset(ring.size, ring.cons + i)));
  return out;
}

/** Reads slots without materializing a view: through its map, or the array itself. */
function slotReader(slots: readonly number[]): (i: number) => number {
  const m = sourceOf<number>(slots);
  return m ? (i) => m.get(i) ?? 0 : (i) => slots[i] ?? 0;
}

/**
 * The size check of `evtchn_resize_ring` (lines 322-328): the new size, or `undefined` when
 * `nr_evtchns <= ring_size` and nothing is to be done.
 * @category Ring
 */
export function evtchnResizeTarget(nrEvtchns: number, size: number): number | undefined {
  if (nrEvtchns <= size) return undefined;
  return size === 0 ? EVTCHN_FIRST_RING_SIZE : 2 * size;
}

/**
 * The copy of `evtchn_resize_ring` under both locks (lines 354-359): the old contents copied
 * twice into a ring of `newSize` slots (new slots beyond `2 * size` stay 0, as `kvmalloc_array`
 * garbage is not observable). Indices are unchanged: a free-running index `i` finds the same
 * port at `i & (2n - 1)` as at `i & (n - 1)`.
 * @category Ring
 */
export function evtchnResizeRing(ring: EvtchnRing, newSize: number): EvtchnRing {
  const old = slotReader(ring.slots);
  const e = PortMap.empty<number>().edit();
  for (let i = 0; i < ring.size; i++) {
    const v = old(i);
    if (v === 0) continue;
    e.set(i, v);
    if (ring.size + i < newSize) e.set(ring.size + i, v);
  }
  return new RingValue(newSize, slotsView(e.done(), newSize), ring.cons, ring.prod, ring.overflow);
}

/**
 * What the interrupt handler reads under `ring_prod_lock` (lines 175-176).
 * @category Ring
 */
export interface ProdSnapshot {
  readonly prod: number;
  readonly cons: number;
}

/** Outcome of {@link evtchnInterruptPushInPlace}. @category Ring */
export type PushOutcome = 'pushedAndWoke' | 'pushed' | 'overflowed';

/**
 * The decision of `evtchn_interrupt` from its snapshot (lines 178-188): `pushedAndWoke` when
 * there is room and the snapshot was empty (`cons == prod`), `pushed` with room, `overflowed`
 * without.
 * @category Ring
 */
export function evtchnPushOutcome(size: number, snap: ProdSnapshot): PushOutcome {
  if (u32(snap.prod - snap.cons) < size) return snap.cons === snap.prod ? 'pushedAndWoke' : 'pushed';
  return 'overflowed';
}

/**
 * The body of `evtchn_interrupt` after the snapshot (lines 178-188), in place: store the port
 * at `prod`, publish `prod + 1`, or set the sticky overflow flag. Uses the snapshot, not the
 * current `cons`, exactly as the C does.
 * @category Ring
 */
export function evtchnInterruptPushInPlace(
  ring: MutableEvtchnRing,
  port: number,
  snap: ProdSnapshot,
): PushOutcome {
  const outcome = evtchnPushOutcome(ring.size, snap);
  if (outcome === 'overflowed') {
    ring.overflow = true;
  } else {
    ring.slots[evtchnRingOffset(ring.size, snap.prod)] = port;
    ring.prod = u32(snap.prod + 1);
  }
  return outcome;
}

/**
 * The same body of `evtchn_interrupt` (lines 178-188) on an immutable ring: a new ring that
 * shares all slots but the one written. O(log size).
 * @category Ring
 */
export function evtchnInterruptPush(
  ring: EvtchnRing,
  port: number,
  snap: ProdSnapshot,
): { readonly ring: EvtchnRing; readonly outcome: PushOutcome } {
  const outcome = evtchnPushOutcome(ring.size, snap);
  if (outcome === 'overflowed')
    return {
      ring: ring.overflow ? ring : new RingValue(ring.size, ring.slots, ring.cons, ring.prod, true),
      outcome,
    };
  const slots = slotsMap(ring.slots).set(evtchnRingOffset(ring.size, snap.prod), port);
  return {
    ring: new RingValue(ring.size, slotsView(slots, ring.size), ring.cons, u32(snap.prod + 1), ring.overflow),
    outcome,
  };
}

/**
 * A ring being pushed into by one batch (the batched upcall): the slots are edited in place in
 * a batch of the persistent slot map; `done()` returns the new immutable ring.
 * @category Ring
 */
export class EvtchnRingBatch {
  private readonly slots: PortMapEditor<number>;
  private readonly size: number;
  private readonly cons: number;
  private prod: number;
  private overflow: boolean;
  private touched = false;

  constructor(private readonly ring: EvtchnRing) {
    this.slots = slotsMap(ring.slots).edit();
    this.size = ring.size;
    this.cons = ring.cons;
    this.prod = ring.prod;
    this.overflow = ring.overflow;
  }

  /** `evtchn_interrupt`'s push (lines 175-188) with a snapshot taken now. */
  push(port: number): PushOutcome {
    const outcome = evtchnPushOutcome(this.size, { prod: this.prod, cons: this.cons });
    this.touched = true;
    if (outcome === 'overflowed') {
      this.overflow = true;
    } else {
      this.slots.set(evtchnRingOffset(this.size, this.prod), port);
      this.prod = u32(this.prod + 1);
    }
    return outcome;
  }

  done(): EvtchnRing {
    const slots = this.slots.done();
    if (!this.touched) return this.ring;
    return new RingValue(this.size, slotsView(slots, this.size), this.cons, this.prod, this.overflow);
  }
}

/**
 * `count &= ~(sizeof(evtchn_port_t)-1)` then the `PAGE_SIZE` cap (lines 202-209 of read,
 * 277-285 of write). `count` is a `size_t`; values beyond 2^53 are not modelled.
 * @category Read and write
 */
export function evtchnRoundCount(count: number): number {
  const whole = count - (count % EVTCHN_PORT_BYTES);
  return whole > PAGE_SIZE ? PAGE_SIZE : whole;
}

/** Byte lengths of the two chunks of one read. @category Read and write */
export interface ReadChunks {
  readonly bytes1: number;
  readonly bytes2: number;
}

/**
 * The chunking of `evtchn_read` (lines 234-250): the split, if any, is at the ring wrap,
 * detected by `(c ^ p) & ring_size`; both chunks are then truncated to `count`.
 * @category Read and write
 */
export function evtchnReadChunks(c: number, p: number, size: number, count: number): ReadChunks {
  let bytes1: number;
  let bytes2: number;
  if (((c ^ p) & size) !== 0) {
    bytes1 = (size - evtchnRingOffset(size, c)) * EVTCHN_PORT_BYTES;
    bytes2 = evtchnRingOffset(size, p) * EVTCHN_PORT_BYTES;
  } else {
    bytes1 = u32(p - c) * EVTCHN_PORT_BYTES;
    bytes2 = 0;
  }
  if (bytes1 > count) {
    bytes1 = count;
    bytes2 = 0;
  } else if (bytes1 + bytes2 > count) {
    bytes2 = count - bytes1;
  }
  return { bytes1, bytes2 };
}

/** Which `copy_to_user` of a read faults: the first chunk's, the second's, or none. @category Read and write */
export type ReadFault = 'firstChunk' | 'secondChunk' | null;

/**
 * The two `copy_to_user` calls of `evtchn_read` (lines 254-256) against a user buffer that
 * faults at byte `faultAt` (an unmapped page from there on; `null`: the whole buffer is
 * writable): the first fails when its `bytes1` reach `faultAt`, the second (made only when
 * `bytes2 != 0`) when it reaches past `bytes1` to `faultAt`. Either way the read returns -EFAULT
 * and `ring_cons` is not advanced (line 259 is skipped): the ports stay queued.
 * @category Read and write
 */
export function evtchnReadFault(chunks: ReadChunks, faultAt: number | null): ReadFault {
  if (faultAt === null) return null;
  if (chunks.bytes1 > 0 && faultAt < chunks.bytes1) return 'firstChunk';
  if (chunks.bytes2 > 0 && faultAt < chunks.bytes1 + chunks.bytes2) return 'secondChunk';
  return null;
}

/** Result of {@link evtchnReadCopy}. @category Read and write */
export interface ReadCopy {
  /** The ports copied, in ring order (chunk 1 then chunk 2). */
  readonly ports: readonly number[];
  /** `bytes1 + bytes2`: the return value of the read. */
  readonly bytes: number;
  /** The new `ring_cons` (line 259). */
  readonly cons: number;
}

/**
 * The copy of `evtchn_read` (lines 252-260): `bytes1` from slot `c`, then `bytes2` from slot
 * 0, and `ring_cons = c + (bytes1 + bytes2) / 4`.
 * @category Read and write
 */
export function evtchnReadCopy(ring: EvtchnRing, c: number, p: number, count: number): ReadCopy {
  const { bytes1, bytes2 } = evtchnReadChunks(c, p, ring.size, count);
  const ports: number[] = [];
  const start = evtchnRingOffset(ring.size, c);
  const slot = slotReader(ring.slots);
  for (let i = 0; i < bytes1 / EVTCHN_PORT_BYTES; i++) ports.push(slot(start + i));
  for (let i = 0; i < bytes2 / EVTCHN_PORT_BYTES; i++) ports.push(slot(i));
  return { ports, bytes: bytes1 + bytes2, cons: u32(c + (bytes1 + bytes2) / EVTCHN_PORT_BYTES) };
}

/**
 * `evtchn_poll` (lines 599-610): `EPOLLOUT|EPOLLWRNORM`, plus `EPOLLIN|EPOLLRDNORM` when the
 * ring is not empty; on overflow the mask is replaced by `EPOLLERR` alone.
 * @category Read and write
 */
export function evtchnPollMask(ring: Pick<EvtchnRing, 'cons' | 'prod' | 'overflow'>): number {
  let mask = EPOLL.EPOLLOUT | EPOLL.EPOLLWRNORM;
  if (ring.cons !== ring.prod) mask |= EPOLL.EPOLLIN | EPOLL.EPOLLRDNORM;
  if (ring.overflow) mask = EPOLL.EPOLLERR;
  return mask;
}

/** `IOCTL_EVTCHN_RESET` on the ring (lines 556-566): both indices 0, overflow cleared. @category Ring */
export function evtchnResetRing(ring: EvtchnRing): EvtchnRing {
  return { ...ring, cons: 0, prod: 0, overflow: false };
}

/** Little-endian u32 ports as bytes (what `read()` copies to the user buffer). @category Read and write */
export function evtchnPortsToBytes(ports: readonly number[]): Uint8Array {
  const n = ports.length;
  const out = new Uint8Array(n * EVTCHN_PORT_BYTES);
  // byte by byte, little-endian whatever the host (a DataView per call cost more than the copy)
  for (let i = 0, o = 0; i < n; i++, o += EVTCHN_PORT_BYTES) {
    const p = ports[i]!;
    out[o] = p;
    out[o + 1] = p >>> 8;
    out[o + 2] = p >>> 16;
    out[o + 3] = p >>> 24;
  }
  return out;
}

/** The first `floor(length / 4)` little-endian u32 values of `bytes`. @category Read and write */
export function evtchnBytesToPorts(bytes: Uint8Array, length: number = bytes.length): number[] {
  const n = Math.floor(Math.min(length, bytes.length) / EVTCHN_PORT_BYTES);
  const out = new Array<number>(n);
  for (let i = 0, o = 0; i < n; i++, o += EVTCHN_PORT_BYTES)
    out[i] = (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)) >>> 0;
  return out;
}

/**
 * One `struct user_evtchn` (lines 83-88): the port and its `enabled` flag.
 * @category Bound ports
 */
export interface UserEvtchn {
  readonly port: number;
  readonly enabled: boolean;
}

/** Binary search in a port-sorted plain array: the index of `port`, or `-(insertion point) - 1`. */
function search(tree: readonly UserEvtchn[], port: number): number {
  let lo = 0;
  let hi = tree.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const p = (tree[mid] as UserEvtchn).port;
    if (p < port) lo = mid + 1;
    else if (p > port) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/** `find_evtchn(u, port)` (lines 141-159). O(log n). @category Bound ports */
export function findEvtchn(tree: readonly UserEvtchn[], port: number): UserEvtchn | undefined {
  const m = sourceOf<UserEvtchn>(tree);
  if (m) return m.get(port);
  const i = search(tree, port);
  return i >= 0 ? tree[i] : undefined;
}

/** Result of {@link addEvtchn}. @category Bound ports */
export interface AddEvtchnResult {
  readonly tree: readonly UserEvtchn[];
  readonly nrEvtchns: number;
  /** 0, or `-EEXIST` when the port is already in the tree. */
  readonly rc: number;
  /** The tree's shape after the insert (unchanged on -EEXIST). */
  readonly shape: EvtchnRbTree;
}

/**
 * `add_evtchn(u, evtchn)` (lines 107-132) as written: `nr_evtchns++` first, then the
 * duplicate check returns `-EEXIST` (with the count already incremented and the node not
 * linked); otherwise the node is linked where the descent ends and `rb_insert_color`
 * rebalances `shape` ({@link rbAddEvtchn}). Without `shape`, as {@link delEvtchn}.
 * @category Bound ports
 */
export function addEvtchn(
  tree: readonly UserEvtchn[],
  nrEvtchns: number,
  evtchn: UserEvtchn,
  shape?: EvtchnRbTree,
): AddEvtchnResult {
  const nr = u32(nrEvtchns + 1);
  const m = recordMap(tree);
  const s = shape ?? shapeInAscendingOrder(m);
  if (m.has(evtchn.port)) return { tree, nrEvtchns: nr, rc: linuxErr('EEXIST'), shape: s };
  return {
    tree: recordView(m.set(evtchn.port, evtchn)),
    nrEvtchns: nr,
    rc: 0,
    shape: rbAddEvtchn(s, evtchn.port),
  };
}

/** Result of {@link delEvtchn}. @category Bound ports */
export interface DelEvtchnResult {
  readonly tree: readonly UserEvtchn[];
  readonly nrEvtchns: number;
  /** Nodes that were in the tree and are no longer reachable from it (not freed). */
  readonly lost: readonly UserEvtchn[];
  /** The tree's shape after `rb_erase`. */
  readonly shape: EvtchnRbTree;
}

/**
 * `del_evtchn(u, evtchn)` (lines 134-139): `nr_evtchns--` and `rb_erase` with its rebalancing
 * ({@link rbEraseEvtchn}). When `linked` is false (the node `add_evtchn` refused with -EEXIST:
 * kzalloc'd, never linked, parent pointer NULL), `rb_erase` takes the node for the root and sets
 * `root->rb_node` to its (NULL) child: the whole tree becomes empty and every node in it is lost
 * (lib/rbtree.c `__rb_erase_augmented` case 1 with `__rb_change_child(node, NULL, NULL, root)`;
 * inferred from the rbtree code, not observed on a running kernel).
 *
 * `shape` must hold the same ports as `tree`; when it is left out, the shape is rebuilt by
 * inserting the ports of `tree` in ascending order (for callers that do not track it).
 * @category Bound ports
 */
export function delEvtchn(
  tree: readonly UserEvtchn[],
  nrEvtchns: number,
  port: number,
  linked: boolean,
  shape?: EvtchnRbTree,
): DelEvtchnResult {
  const nr = u32(nrEvtchns - 1);
  if (!linked)
    return {
      tree: recordView(PortMap.empty<UserEvtchn>()),
      nrEvtchns: nr,
      lost: tree,
      shape: rbEraseUnlinked(),
    };
  const m = recordMap(tree);
  const s = shape ?? shapeInAscendingOrder(m);
  if (!m.has(port)) return { tree, nrEvtchns: nr, lost: [], shape: s };
  return { tree: recordView(m.delete(port)), nrEvtchns: nr, lost: [], shape: rbEraseEvtchn(s, port) };
}

/** The shape of a tree whose ports were inserted in ascending order. */
function shapeInAscendingOrder(m: PortMap<UserEvtchn>): EvtchnRbTree {
  let s = EMPTY_EVTCHN_RBTREE;
  m.forEach((_e, port) => {
    s = rbAddEvtchn(s, port);
  });
  return s;
}

/** Replaces the `enabled` flag of `port` (a no-op when absent). O(log n). @category Bound ports */
export function setEvtchnEnabled(
  tree: readonly UserEvtchn[],
  port: number,
  enabled: boolean,
): readonly UserEvtchn[] {
  const e = findEvtchn(tree, port);
  if (e === undefined || e.enabled === enabled) return tree;
  return recordView(recordMap(tree).set(port, { port, enabled }));
}

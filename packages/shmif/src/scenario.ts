/**
 * Bus scenarios for the checker: a peer writer (interface 0, already attached and up) and
 * one full interface (interface 1) on a tiny bus, with the bounds of what the environment may
 * do — how many frames each side sends and their lengths, how often the interface is brought
 * up and down, whether it is destroyed or its link string unset. The alphabet offers exactly
 * those calls (the kernel lock serialises `ether_output`, ioctls and destroy, so they are
 * offered only while the transmitter is idle); every thread's step is always offered and
 * the checker drops steps that are not enabled.
 *
 * Frames are Ethernet headers `ff:ff:ff:ff:ff:ff`, the sender's MAC, type `0x88 <n>` (n
 * counts the sender's frames), padded to the scenario's lengths: all distinct, so the ghost
 * can tell which frame a read returned.
 *
 * @module
 */
import type { KeyWriter } from '@kspec/spec-kit';
import { IFF_RUNNING, IFF_UP, IFLINKSTR_UNSET } from './constants.js';
import type { ShmifContext, ShmifEvent, ShmifPacket } from './context.js';
import { createShmifContext } from './init.js';
import type { ShmifSnapshot } from './invariants.js';
import { scOf, toHex } from './model/common.js';
import * as lc from './model/lifecycle.js';
import * as tx from './model/start.js';
import { imageHostPort } from './ports.js';
import type { ShmifHostPort } from './ports.js';

/**
 * Bounds of one bus scenario.
 * @category Checking
 */
export interface BusScenario {
  /** Data-area size of the bus (tiny: wrap and overrun within a few frames). */
  readonly dataSize: number;
  /** Lengths of successive peer frames (cycled); at least 14. */
  readonly peerLens: readonly number[];
  /** Frames the peer wrote before interface 1 attaches. */
  readonly prefill: number;
  /** Frames the peer may send during the exploration. */
  readonly peerFrames: number;
  /** Frames interface 1 may send. */
  readonly ownFrames: number;
  /** `if.up` calls interface 1 may make (the first included). */
  readonly ups: number;
  /** `if.down` calls. */
  readonly downs: number;
  readonly destroy: boolean;
  /** `SIOCSLINKSTR` with `IFLINKSTR_UNSET` while down. */
  readonly unset: boolean;
  /** Seed of the MAC randomness. */
  readonly seed?: number;
}

/** The bus file every scenario uses. @category Checking */
export const SCENARIO_BUS = '/shmbus';

/**
 * The frame the scenario's sender `mac` sends as its `n`-th frame, `len` bytes long.
 * @category Checking
 */
export function scenarioFrame(mac: readonly number[], n: number, len: number): number[] {
  const f = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...mac, 0x88, n & 0xff];
  while (f.length < len) f.push(0xa0 + (f.length & 0xf));
  return f;
}

function peerLen(sc: BusScenario, n: number): number {
  return sc.peerLens[n % sc.peerLens.length]!;
}

/** Runs the peer's `shmif_start` for one frame through the model (setup only). */
function peerSend(ctx: ShmifContext, frame: number[]): ShmifContext {
  let c = tx.startBegin(ctx, 0, [frame]);
  c = tx.dequeueAndLock(c, 0);
  c = tx.writePacket(c, 0);
  c = tx.genAndUnlock(c, 0);
  return tx.startFinish(c, 0);
}

/**
 * The initial context of a scenario: a fresh bus, the peer created on it (first attacher:
 * it initialises the bus), brought up, with `prefill` frames written; interface 1 not yet
 * created.
 * @category Checking
 */
export function scenarioContext(
  sc: BusScenario,
  host: ShmifHostPort = imageHostPort({ dataSize: sc.dataSize }),
): ShmifContext {
  let c = createShmifContext({
    host,
    interfaces: 2,
    seed: sc.seed ?? 7,
    ghostPath: SCENARIO_BUS,
    mclbytes: Math.max(32, Math.ceil(sc.dataSize / 2)),
  });
  // the peer: rump_shmif_create(SCENARIO_BUS) without a receiver thread, then up
  c = lc.createBegin(c, 0, SCENARIO_BUS);
  c = lc.openBusFile(c, 0);
  c = lc.allocUnit(c, 0);
  c = lc.allocif(c, 0);
  c = lc.mapBus(c, 0);
  c = lc.lockBus(c, SCENARIO_BUS);
  c = lc.initBusAndReader(c, 0);
  c = lc.unlockBus(c, 0, SCENARIO_BUS);
  c = lc.setupWatch(c, 0);
  c = lc.recordBackfileFromCreate(c, 0);
  c = lc.setIffUp(c, 0);
  c = lc.shmifInit(c, 0);
  const mac = scOf(c, 0).myaddr;
  for (let n = 0; n < sc.prefill; n++) c = peerSend(c, scenarioFrame(mac, n, peerLen(sc, n)));
  const g = c.ghost!;
  return { ...c, ghost: { ...g, counts: {} } };
}

function regionState(s: ShmifSnapshot, region: string): string | undefined {
  const v = s.value as { kernel?: Record<string, unknown> } | string;
  if (typeof v !== 'object') return undefined;
  const r = v.kernel?.[region];
  if (r === undefined) return undefined;
  return typeof r === 'string' ? r : Object.keys(r as object)[0];
}

const STEP_PEER: ShmifEvent = { type: 'peer.tx.step' };
const STEP_TX: ShmifEvent = { type: 'tx.step' };
const STEP_RCV: ShmifEvent = { type: 'rcv.step' };
const STEP_IFNET: ShmifEvent = { type: 'ifnet.step' };

/**
 * The alphabet of a scenario over `shmifBusSystemMachine` snapshots.
 * @category Checking
 */
export function scenarioAlphabet(sc: BusScenario): (s: ShmifSnapshot) => readonly ShmifEvent[] {
  return (s) => {
    if (s.value === 'panicked') return [];
    const c = s.context;
    const counts = c.ghost?.counts ?? {};
    const out: ShmifEvent[] = [];
    // the peer writer
    const peerTx = regionState(s, 'peerTx');
    const sent0 = counts['output0'] ?? 0;
    if (peerTx === 'idle') {
      if (sent0 < sc.peerFrames) {
        const n = sc.prefill + sent0;
        out.push({ type: 'peer.if.output', frames: [scenarioFrame(scOf(c, 0).myaddr, n, peerLen(sc, n))] });
      }
    } else out.push(STEP_PEER);
    // interface 1: entry points
    const me = scOf(c, 1);
    const ifnet = regionState(s, 'ifnet');
    const txState = regionState(s, 'tx');
    const txIdle = txState === 'idle';
    if (ifnet === 'unattached') out.push({ type: 'if.create', path: SCENARIO_BUS });
    else if (ifnet === 'attaching' || ifnet === 'initbackend' || ifnet === 'unclone') out.push(STEP_IFNET);
    else if (ifnet === 'attached' && txIdle) {
      const up = (me.flags & IFF_UP) !== 0;
      if (up && (counts['stop1'] ?? 0) < sc.downs) out.push({ type: 'if.down' });
      if (!up && (counts['up1'] ?? 0) < sc.ups) out.push({ type: 'if.up' });
      if (!up && sc.unset && me.backfile !== null)
        out.push({ type: 'ioctl.SIOCSLINKSTR', cmd: IFLINKSTR_UNSET, len: 0 });
      if (sc.destroy) out.push({ type: 'if.destroy' });
    }
    // interface 1: transmitter
    const running = (me.flags & (IFF_UP | IFF_RUNNING)) === (IFF_UP | IFF_RUNNING);
    if (txIdle) {
      const sent1 = counts['output1'] ?? 0;
      if (ifnet === 'attached' && running && sent1 < sc.ownFrames) {
        out.push({ type: 'if.output', frames: [scenarioFrame(me.myaddr, sent1, 14)] });
      }
    } else if (txState !== undefined) out.push(STEP_TX);
    // interface 1: receiver thread
    out.push(STEP_RCV);
    return out;
  };
}

const hexCache = new WeakMap<Uint8Array, string>();

/** Hex of an immutable byte array, cached (images and frames are never mutated in the checker). */
function hexOf(b: Uint8Array): string {
  let h = hexCache.get(b);
  if (h === undefined) {
    h = toHex(b);
    hexCache.set(b, h);
  }
  return h;
}

/** One mbuf as hex; a chain as its segments' hex joined by `/` (the cut is state: it decides the writes). */
function packetHex(p: ShmifPacket): string {
  return p instanceof Uint8Array ? hexOf(p) : p.map(hexOf).join('/');
}

const softcKeys = new WeakMap<object, string>();
const ghostKeys = new WeakMap<object, string>();

function softcKey(x: ShmifContext['ifs'][number]): string {
  let k = softcKeys.get(x);
  if (k === undefined) {
    k = JSON.stringify({
      ...x,
      snd: x.snd.map(packetHex),
      tx: { ...x.tx, m0: x.tx.m0 === null ? null : packetHex(x.tx.m0) },
      rx: { ...x.rx, m: x.rx.m === null ? null : hexOf(x.rx.m) },
    });
    softcKeys.set(x, k);
  }
  return k;
}

function ghostKey(g: NonNullable<ShmifContext['ghost']>): string {
  let k = ghostKeys.get(g);
  if (k === undefined) {
    k = JSON.stringify(g);
    ghostKeys.set(g, k);
  }
  return k;
}

/**
 * The canonical projection of a shmif context for state keys: everything but the ports, as
 * one string (byte arrays as hex; the encodings of unchanged, immutable parts are cached).
 * @category Checking
 */
export function projectShmifContext(c: ShmifContext): string {
  const parts: string[] = [JSON.stringify(c.kernel), JSON.stringify(c.faults), JSON.stringify(c.panic)];
  for (const p of Object.keys(c.host.buses).sort()) parts.push(p, hexOf(c.host.buses[p]!.bytes));
  parts.push(c.ghost === null ? '-' : ghostKey(c.ghost));
  for (const x of c.ifs) parts.push(softcKey(x));
  return parts.join('|');
}

const writeBytes = (b: Uint8Array, w: KeyWriter): void => w.bytes(b);
const EMPTY = new Uint8Array(0);
/**
 * A packet as its segments (a lone array is one segment; no segment writes as one empty one,
 * since `packetHex` joins the segments' hex with '/' and gives '' for both).
 */
const writePacket = (p: ShmifPacket, w: KeyWriter): void => {
  const segs = p instanceof Uint8Array ? [p] : p.length === 0 ? [EMPTY] : p;
  w.num(segs.length);
  for (const b of segs) w.memo(b, writeBytes);
};
const writeBytesOrNull = (b: ShmifPacket | null, w: KeyWriter): void => {
  w.bool(b !== null);
  if (b !== null) writePacket(b, w);
};
/** An object's fields as `value()` writes them, with the byte array under `bytesKey` kept out. */
function writeFields(o: Record<string, unknown>, bytesKey: string, w: KeyWriter): void {
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined) continue;
    w.str(k);
    if (k === bytesKey) writeBytesOrNull(v as Uint8Array | null, w);
    else w.value(v);
  }
  w.str('');
}
const writeTx = (tx: object, w: KeyWriter): void => writeFields(tx as Record<string, unknown>, 'm0', w);
const writeRx = (rx: object, w: KeyWriter): void => writeFields(rx as Record<string, unknown>, 'm', w);
/** One writer per softc field, so each field's recent objects have their own memo. */
const fieldWriters = new Map<string, (v: object, w: KeyWriter) => void>();
function fieldWriter(k: string): (v: object, w: KeyWriter) => void {
  let f = fieldWriters.get(k);
  if (f === undefined) fieldWriters.set(k, (f = (v, w) => w.value(v)));
  return f;
}
/**
 * A JSON-like object as `value()` writes it (the same fields in the same order as its JSON, so
 * it identifies what the JSON identifies), each object-valued field memoized on its own: a
 * step that bumps one counter of the ghost rewrites the counters, not the write history.
 */
const writeObjectFields = (o: object, w: KeyWriter): void => {
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    const v = r[k];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    w.str(k);
    if (typeof v === 'object' && v !== null) w.memo(v, fieldWriter(k));
    else w.value(v);
  }
  w.str('');
};
const writeSoftc = (x: ShmifContext['ifs'][number], w: KeyWriter): void => {
  // the softc's fields as projectShmifContext's JSON has them, the byte arrays as bytes
  const o = x as unknown as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined) continue;
    w.str(k);
    if (k === 'snd') {
      w.num(x.snd.length);
      for (const p of x.snd) writePacket(p, w);
    } else if (k === 'tx') w.memo(x.tx, writeTx);
    else if (k === 'rx') w.memo(x.rx, writeRx);
    else if (typeof v === 'object' && v !== null) w.memo(v, fieldWriter(k));
    else w.value(v);
  }
  w.str('');
};

/**
 * {@link projectShmifContext} as compact binary for the checker: the same parts, byte arrays
 * as bytes instead of hex, each part written once per object and replayed from the
 * checker's memo while a step leaves it alone.
 * @category Checking
 */
export function encodeShmifContext(c: ShmifContext, w: KeyWriter): void {
  w.memo(c.kernel, writeObjectFields);
  w.str(JSON.stringify(c.faults));
  w.str(JSON.stringify(c.panic));
  const paths = Object.keys(c.host.buses).sort();
  w.num(paths.length);
  for (const p of paths) {
    w.str(p);
    w.memo(c.host.buses[p]!.bytes, writeBytes);
  }
  w.bool(c.ghost !== null);
  if (c.ghost !== null) w.memo(c.ghost, writeObjectFields);
  w.num(c.ifs.length);
  for (const x of c.ifs) w.memo(x, writeSoftc);
}

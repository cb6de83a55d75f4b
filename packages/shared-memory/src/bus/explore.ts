/**
 * A small breadth-first explorer of the shmif receive protocol on a tiny bus: one writer
 * sending frames of a few lengths, one receiver that may attach (at the start or anywhere)
 * and take receive steps. Writer packets and receive steps are atomic, as they are under the
 * bus lock, so a schedule is a sequence of `write(len)`, `attach` and `read` steps. Each
 * frame carries its id (in `sp_sec` and in every payload byte), so the explorer can check
 * what the receiver delivers against a ghost record of what was written:
 *
 * - `notWritten`: bytes delivered as a frame that no writer wrote as one frame;
 * - `duplicate`: a frame delivered twice; `outOfOrder`: an older frame after a newer one;
 * - `silentLoss`: a frame skipped by a step that did not report an overrun (frames older than
 *   the newest one on the bus at attach time need not be delivered);
 * - `kassert`: a `KASSERT` of the seed fires (a panic with DIAGNOSTIC, undefined behaviour
 *   without).
 *
 * Breadth-first, so the first counterexample of each kind is a shortest schedule. This is the
 * explorer behind findings SHMIF-BUS-1..3; the statechart-level checking of the whole
 * interface is `@kspec/verify`'s over `@kspec/shmif`.
 *
 * @module
 */
import { ShmifError, kassert } from './errors.js';
import { createShmifMem, setGen, shmifMemOver } from './layout.js';
import type { ShmifMem } from './layout.js';
import { shmifReaderStart, shmifRcvNeedsData, shmifRcvReadLocked } from './receiver.js';
import type { ShmifReaderPosition, ShmifReaderVariant } from './receiver.js';
import { shmifInitbackendBus, shmifWritePacketLocked } from './transmit.js';
import { genCompare, u64Increment, u64String } from './u64.js';

/**
 * One step of a schedule.
 * @category Shmif receiver
 */
export type ReaderScheduleStep =
  { readonly op: 'write'; readonly len: number } | { readonly op: 'attach' } | { readonly op: 'read' };

/**
 * What a schedule can violate.
 * @category Shmif receiver
 */
export type ReaderViolationKind = 'notWritten' | 'duplicate' | 'outOfOrder' | 'silentLoss' | 'kassert';

/**
 * A schedule that violates a property, with what happened at each step.
 * @category Shmif receiver
 */
export interface ReaderCounterexample {
  readonly kind: ReaderViolationKind;
  readonly message: string;
  readonly schedule: readonly ReaderScheduleStep[];
  /** One line per step, e.g. `write 14 -> #1 at 12`, `read -> #1 at 12 (overrun)`. */
  readonly log: readonly string[];
}

/**
 * Options of {@link exploreReaderSchedules} and {@link replayReaderSchedule}.
 * @category Shmif receiver
 */
export interface ReaderExploreOptions {
  /** Data area size (tiny, e.g. 64). */
  readonly dataSize: number;
  /** Payload lengths the writer may send. */
  readonly payloadLengths: readonly number[];
  readonly variant: ShmifReaderVariant;
  /** `'start'`: the receiver attaches to the fresh bus only; `'anywhere'`: at any step. */
  readonly attach: 'start' | 'anywhere';
  /** Longest schedule explored. */
  readonly maxDepth: number;
  /** `shm_gen` of the fresh bus (default 0): a bus that has made this many laps, or a bus file written so. */
  readonly initialGen?: bigint;
}

interface Node {
  bytes: Uint8Array;
  pos: ShmifReaderPosition | null;
  nextId: number;
  written: Map<number, number>;
  delivered: Set<number>;
  lastId: number;
  /** Oldest frame the receiver must deliver: the newest frame on the bus at attach. */
  floor: number;
  schedule: ReaderScheduleStep[];
  log: string[];
}

const DEST = new Uint8Array(2048);

function cloneNode(n: Node): Node {
  return {
    bytes: n.bytes.slice(),
    pos: n.pos === null ? null : { ...n.pos },
    nextId: n.nextId,
    written: new Map(n.written),
    delivered: new Set(n.delivered),
    lastId: n.lastId,
    floor: n.floor,
    schedule: [...n.schedule],
    log: [...n.log],
  };
}

function freshNode(dataSize: number, initialGen: bigint = 0n): Node {
  const mem = createShmifMem(dataSize);
  shmifInitbackendBus(mem);
  setGen(mem, initialGen);
  return {
    bytes: mem.bytes,
    pos: null,
    nextId: 1,
    written: new Map(),
    delivered: new Set(),
    lastId: 0,
    floor: 1,
    schedule: [],
    log: [],
  };
}

/** Applies one step in place; returns a violation or null. */
function applyStep(
  n: Node,
  step: ReaderScheduleStep,
  dataSize: number,
  variant: ShmifReaderVariant,
): { kind: ReaderViolationKind; message: string } | null {
  const mem: ShmifMem = shmifMemOver(n.bytes.buffer, dataSize);
  n.schedule.push(step);
  try {
    if (step.op === 'write') {
      const id = n.nextId++;
      const r = shmifWritePacketLocked(mem, [new Uint8Array(step.len).fill(id & 0xff)], id, 0);
      n.written.set(id, step.len);
      n.log.push(`write ${step.len} -> #${id} at ${r.offset}${r.wrapped ? ' (wrap)' : ''}`);
      return null;
    }
    if (step.op === 'attach') {
      n.pos = shmifReaderStart(mem, variant);
      n.delivered = new Set();
      n.lastId = 0;
      n.floor = Math.max(1, n.nextId - 1);
      n.log.push(`attach at ${n.pos.nextpacket}/gen ${u64String(n.pos.devgen)}`);
      return null;
    }
    const pos = n.pos;
    if (pos === null) {
      n.log.push('read (not attached)');
      return null;
    }
    // shmif_rcv 641-694 without the lock (steps are atomic here)
    kassert(genCompare(mem, pos.devgen) >= 0, 'shmif_rcv', 'busmem->shm_gen >= sc->sc_devgen');
    if (shmifRcvNeedsData(mem, pos)) {
      n.log.push('read -> no new data');
      return null;
    }
    const f = shmifRcvReadLocked(mem, pos, DEST, variant);
    if (f.wrapped) pos.devgen = u64Increment(pos.devgen);
    const what = f.skipped ? `skipped ${f.len}-byte frame` : `#${f.sec}`;
    n.log.push(`read -> ${what} at ${f.offset}${f.overrun ? ' (overrun)' : ''}`);
    if (f.skipped) return null;
    const id = f.sec;
    const wlen = n.written.get(id);
    const body = DEST.subarray(0, f.len);
    if (wlen === undefined || wlen !== f.len || !body.every((b) => b === (id & 0xff))) {
      return {
        kind: 'notWritten',
        message: `delivered ${f.len} bytes at ${f.offset} that were never written as one frame`,
      };
    }
    if (n.delivered.has(id)) return { kind: 'duplicate', message: `frame #${id} delivered twice` };
    if (id <= n.lastId) return { kind: 'outOfOrder', message: `frame #${id} after #${n.lastId}` };
    const missedFrom = Math.max(n.lastId + 1, n.floor);
    if (id > missedFrom && !f.overrun) {
      return { kind: 'silentLoss', message: `frames #${missedFrom}..#${id - 1} skipped without an overrun` };
    }
    n.delivered.add(id);
    n.lastId = id;
    return null;
  } catch (e) {
    if (e instanceof ShmifError) {
      n.log.push(`${step.op} -> ${e.message}`);
      return { kind: 'kassert', message: e.message };
    }
    throw e;
  }
}

/**
 * Replays one schedule from a fresh bus; stops at the first violation.
 * @category Shmif receiver
 */
export function replayReaderSchedule(
  options: Pick<ReaderExploreOptions, 'dataSize' | 'variant' | 'initialGen'>,
  schedule: readonly ReaderScheduleStep[],
): { readonly log: readonly string[]; readonly violation: ReaderCounterexample | null } {
  const n = freshNode(options.dataSize, options.initialGen);
  for (const step of schedule) {
    const v = applyStep(n, step, options.dataSize, options.variant);
    if (v !== null) return { log: n.log, violation: { ...v, schedule: n.schedule, log: n.log } };
  }
  return { log: n.log, violation: null };
}

/**
 * Explores every schedule up to `maxDepth` breadth-first; returns the first (shortest)
 * counterexample of each kind found, and how many schedules were run.
 * @category Shmif receiver
 */
export function exploreReaderSchedules(options: ReaderExploreOptions): {
  readonly counterexamples: readonly ReaderCounterexample[];
  readonly schedules: number;
} {
  const found = new Map<ReaderViolationKind, ReaderCounterexample>();
  let frontier: Node[] = [freshNode(options.dataSize, options.initialGen)];
  if (options.attach === 'start') {
    const n = frontier[0] as Node;
    applyStep(n, { op: 'attach' }, options.dataSize, options.variant);
  }
  const steps: ReaderScheduleStep[] = [
    ...options.payloadLengths.map((len) => ({ op: 'write', len }) as const),
    { op: 'read' },
    ...(options.attach === 'anywhere' ? [{ op: 'attach' } as const] : []),
  ];
  let schedules = 0;
  for (let depth = 0; depth < options.maxDepth && frontier.length > 0; depth++) {
    const next: Node[] = [];
    for (const n of frontier) {
      for (const step of steps) {
        if (step.op === 'read' && n.pos === null) continue;
        const c = cloneNode(n);
        schedules++;
        const v = applyStep(c, step, options.dataSize, options.variant);
        if (v !== null) {
          if (!found.has(v.kind)) found.set(v.kind, { ...v, schedule: c.schedule, log: c.log });
          continue;
        }
        next.push(c);
      }
    }
    frontier = next;
  }
  return { counterexamples: [...found.values()], schedules };
}

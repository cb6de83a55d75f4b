/**
 * The two sides of the bus stress test and benchmark, as plain functions over a
 * {@link ShmifBus} so they run the same in a worker thread and in a single-threaded test.
 *
 * A writer sends `count` frames (see `frames.ts`) in batches, as `shmif_start` drains its send
 * queue: one bus lock per packet, one wake-up after each batch. A reader attaches (the bus part
 * of `initbackend`), then runs the `shmif_rcv` loop body on the bus: a receive step, or a wait
 * for a wake-up when there is no new data. It checks every frame it takes: byte-identical to
 * the frame its writer sent for that sequence number, each writer's frames in increasing order,
 * and every frame it misses accounted for by an overrun the reader reported since that writer's
 * previous frame (or at the end).
 *
 * Control words (`ctl`, an Int32Array on its own SharedArrayBuffer): `[0]` writers finished,
 * `[1]` start flag (writers wait for it), `[2]` readers attached.
 *
 * @module
 */
import type { ShmifBus } from '../bus/bus.js';
import { shmifLockbus, shmifUnlockbus } from '../bus/lock.js';
import { shmifRcvStep, shmifReaderStart } from '../bus/receiver.js';
import type { ShmifReaderVariant } from '../bus/receiver.js';
import { checkStressFrame, fillStressFrame, stressFrameLength } from './frames.js';

/** Control word indices. @category Stress */
export const CTL_WRITERS_DONE = 0;
/** @category Stress */
export const CTL_START = 1;
/** @category Stress */
export const CTL_READERS_ATTACHED = 2;
/** Size of the control buffer in bytes. @category Stress */
export const CTL_BYTES = 16;

/**
 * What a writer does.
 * @category Stress
 */
export interface StressWriterParams {
  readonly writer: number;
  readonly count: number;
  readonly minLen: number;
  readonly maxLen: number;
  /** Frames per wake-up (the length of one send-queue drain). */
  readonly batch: number;
}

/**
 * Sends the frames; waits first for the start flag when `ctl` is given; then counts itself in
 * `ctl[CTL_WRITERS_DONE]` and wakes everyone. Returns the bytes sent.
 * @category Stress
 */
export function runStressWriter(
  bus: ShmifBus,
  p: StressWriterParams,
  ctl?: Int32Array,
): { frames: number; bytes: number } {
  if (ctl !== undefined) while (Atomics.load(ctl, CTL_START) === 0) Atomics.wait(ctl, CTL_START, 0, 100);
  const buf = new Uint8Array(2048);
  let bytes = 0;
  for (let seq = 1; seq <= p.count; seq++) {
    const len = stressFrameLength(p.writer, seq, p.minLen, p.maxLen);
    bus.send(fillStressFrame(buf, p.writer, seq, len), p.writer, seq % 1_000_000);
    bytes += len;
    if (seq % p.batch === 0) bus.wakeup();
  }
  if (ctl !== undefined) Atomics.add(ctl, CTL_WRITERS_DONE, 1);
  bus.wakeup();
  return { frames: p.count, bytes };
}

/**
 * What a reader does.
 * @category Stress
 */
export interface StressReaderParams {
  readonly writers: number;
  readonly countPerWriter: number;
  readonly minLen: number;
  readonly maxLen: number;
  readonly variant: ShmifReaderVariant;
  /** Stop after this many protocol violations (default 20). */
  readonly maxErrors?: number;
  /** Give up waiting for a wake-up after this long and report it (default 30 s). */
  readonly idleTimeoutMs?: number;
}

/**
 * What a reader saw.
 * @category Stress
 */
export interface StressReaderResult {
  /** Frames taken and checked. */
  frames: number;
  bytes: number;
  /** Receive steps that resynchronised after an overrun. */
  overruns: number;
  /** Frames missed, each accounted for by an overrun. */
  missed: number;
  /** Frames the corrected reader skipped (shorter than an Ethernet header: the phantom). */
  skipped: number;
  /** Receive steps that found no new data and waited. */
  waits: number;
  /** Violations: torn frames, duplicates, reordering, silent losses, KASSERTs, timeouts. */
  errors: string[];
  /** Last sequence number taken per writer. */
  last: number[];
}

/**
 * Attaches a reader (`initbackend`: under the bus lock) and its write watch; returns a function
 * that runs it to the end (all writers done and no new data).
 * @category Stress
 */
export function attachStressReader(
  bus: ShmifBus,
  p: StressReaderParams,
  ctl?: Int32Array,
): () => StressReaderResult {
  shmifLockbus(bus.mem, bus.lockOptions);
  const pos = shmifReaderStart(bus.mem, p.variant);
  shmifUnlockbus(bus.mem);
  const watch = bus.watch();
  if (ctl !== undefined) {
    Atomics.add(ctl, CTL_READERS_ATTACHED, 1);
    Atomics.notify(ctl, CTL_READERS_ATTACHED);
  }
  return () => {
    const maxErrors = p.maxErrors ?? 20;
    const idle = p.idleTimeoutMs ?? 30_000;
    const r: StressReaderResult = {
      frames: 0,
      bytes: 0,
      overruns: 0,
      missed: 0,
      skipped: 0,
      waits: 0,
      errors: [],
      last: new Array<number>(p.writers).fill(0),
    };
    const overrunSince = new Array<boolean>(p.writers).fill(false);
    const dest = new Uint8Array(2048);
    const options = { variant: p.variant, lock: bus.lockOptions };
    while (r.errors.length < maxErrors) {
      const doneBefore = ctl === undefined || Atomics.load(ctl, CTL_WRITERS_DONE) === p.writers;
      let f;
      try {
        f = shmifRcvStep(bus.mem, pos, dest, options);
      } catch (e) {
        r.errors.push(`receive step: ${(e as Error).message}`);
        break;
      }
      if (f === null) {
        if (doneBefore) break;
        r.waits++;
        if (watch.wait(idle) === 'timed-out' && !watch.pending()) {
          r.errors.push(`no wake-up for ${idle} ms while writers were still running`);
          break;
        }
        continue;
      }
      if (f.overrun) {
        r.overruns++;
        overrunSince.fill(true);
      }
      if (f.skipped) {
        r.skipped++;
        continue;
      }
      const id = checkStressFrame(dest.subarray(0, f.len), p.minLen, p.maxLen);
      if (id === null || id.writer >= p.writers || id.seq > p.countPerWriter || id.seq === 0) {
        r.errors.push(`torn or foreign frame: ${f.len} bytes at offset ${f.offset}`);
        continue;
      }
      const last = r.last[id.writer] ?? 0;
      if (id.seq <= last) {
        r.errors.push(
          `writer ${id.writer}: frame ${id.seq} after ${last} (duplicate or reordered) at offset ${f.offset}`,
        );
        continue;
      }
      if (id.seq > last + 1) {
        if (overrunSince[id.writer] === true) r.missed += id.seq - last - 1;
        else
          r.errors.push(`writer ${id.writer}: frames ${last + 1}..${id.seq - 1} missed without an overrun`);
      }
      overrunSince[id.writer] = false;
      r.last[id.writer] = id.seq;
      r.frames++;
      r.bytes += f.len;
    }
    for (let w = 0; w < p.writers; w++) {
      const last = r.last[w] ?? 0;
      if (last < p.countPerWriter) {
        if (overrunSince[w] === true) r.missed += p.countPerWriter - last;
        else if (r.errors.length === 0)
          r.errors.push(`writer ${w}: frames ${last + 1}..${p.countPerWriter} never arrived`);
      }
    }
    return r;
  };
}

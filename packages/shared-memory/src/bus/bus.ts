/**
 * `ShmifBus`: one shmif bus on a `SharedArrayBuffer` that worker threads share, in NetBSD's
 * v2 byte layout (facts.md 1.3), with the lock, the wake-up and the bus file.
 *
 * Buffer layout: bytes `[0, 32 + dataSize)` are the bus exactly as a rump kernel maps the
 * bus file (header + data area); the Int32 word at byte `wakeupWordOffset(dataSize)` just
 * after it is the wake-up sequence counter (the model of the kqueue NOTE_WRITE event, see
 * `wakeup.ts`). Only the bus part is ever saved to a file.
 *
 * To share a bus with a worker: post `bus.buffer` and `bus.dataSize`, and in the worker
 * `ShmifBus.fromBuffer(buffer, { dataSize })`. Both ends then work on the same memory.
 *
 * What is not modelled: the file mapping itself (`rumpuser_filemmap`), page prefaulting, and
 * file-level coherence between a mapped file and other processes: a bus file is loaded into
 * memory and saved back, it is not live-mapped.
 *
 * @module
 */
import { ShmifError } from './errors.js';
import {
  BUSMEM_DATASIZE,
  busSizeFor,
  getFirst,
  getGen,
  getLast,
  getLock,
  getMagic,
  getSpare,
  getVersion,
  readHeader,
  setFirst,
  setGen,
  setLast,
  setMagic,
  shmifMemOver,
} from './layout.js';
import type { ShmifHeader, ShmifMem } from './layout.js';
import { shmifLockbus, shmifTrylockbus, shmifUnlockbus } from './lock.js';
import type { LockOptions } from './lock.js';
import { shmifAttachBus, shmifInitbackendBus, shmifSendPacket } from './transmit.js';
import type { ShmifAttachResult, ShmifWriteResult } from './transmit.js';
import { ShmifWriteWatch, shmifDowakeup, wakeupWordOffset } from './wakeup.js';

/**
 * Options for creating or attaching a {@link ShmifBus}.
 * @category Shmif bus
 */
export interface ShmifBusOptions {
  /** Size of the data area; default `BUSMEM_DATASIZE` (0xFFFE0, a 1 MiB bus). */
  readonly dataSize?: number;
  /** Lock options used by the bus's own locking methods (e.g. a watchdog for tests). */
  readonly lock?: LockOptions;
}

/**
 * The buffer size a {@link ShmifBus} needs for `dataSize`: the bus plus the wake-up word.
 * @category Shmif bus
 */
export function shmifBusBufferSize(dataSize: number = BUSMEM_DATASIZE): number {
  return wakeupWordOffset(dataSize) + 8;
}

/**
 * A shmif bus in shared memory. The C functions are available on its `mem` (see
 * `busops.ts`, `transmit.ts`); the methods here are conveniences over them.
 * @category Shmif bus
 */
export class ShmifBus {
  /** The buffer to post to workers (bus + wake-up word). */
  readonly buffer: SharedArrayBuffer;
  /** The bus memory the C bus operations take. */
  readonly mem: ShmifMem;
  /** The wake-up sequence counter receivers wait on (Int32 word at `wakeupWordOffset`). */
  readonly wakeWord: Int32Array;
  readonly dataSize: number;
  /** Lock options of this handle. */
  readonly lockOptions: LockOptions;

  private constructor(buffer: SharedArrayBuffer, dataSize: number, lock: LockOptions) {
    this.buffer = buffer;
    this.dataSize = dataSize;
    this.mem = shmifMemOver(buffer, dataSize, 0);
    this.wakeWord = new Int32Array(buffer, wakeupWordOffset(dataSize), 1);
    this.lockOptions = lock;
  }

  /** A fresh bus: all zero, as a newly created and truncated bus file (magic 0, not yet initialised). */
  static create(options: ShmifBusOptions = {}): ShmifBus {
    const dataSize = options.dataSize ?? BUSMEM_DATASIZE;
    return new ShmifBus(new SharedArrayBuffer(shmifBusBufferSize(dataSize)), dataSize, options.lock ?? {});
  }

  /** Attaches to a bus another thread created (`bus.buffer` posted to a worker). */
  static fromBuffer(buffer: SharedArrayBuffer, options: ShmifBusOptions = {}): ShmifBus {
    const dataSize = options.dataSize ?? BUSMEM_DATASIZE;
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new ShmifError('badOption', 'ShmifBus.fromBuffer: need a SharedArrayBuffer');
    }
    if (buffer.byteLength < shmifBusBufferSize(dataSize)) {
      throw new ShmifError(
        'truncatedFile',
        `ShmifBus.fromBuffer: buffer of ${buffer.byteLength} bytes is shorter than ${shmifBusBufferSize(dataSize)} for dataSize ${dataSize}`,
      );
    }
    return new ShmifBus(buffer, dataSize, options.lock ?? {});
  }

  /**
   * A bus holding a copy of `image` (exactly `32 + dataSize` bytes, e.g. the bytes of a bus
   * file already checked by `parseBusFile`). No validation here beyond the size.
   */
  static fromImage(image: Uint8Array, options: ShmifBusOptions = {}): ShmifBus {
    const dataSize = options.dataSize ?? BUSMEM_DATASIZE;
    const size = busSizeFor(dataSize);
    if (image.length !== size) {
      throw new ShmifError(
        'truncatedFile',
        `ShmifBus.fromImage: image is ${image.length} bytes, a bus of dataSize ${dataSize} is ${size}`,
      );
    }
    const bus = ShmifBus.create({ ...options, dataSize });
    bus.mem.bytes.set(image);
    return bus;
  }

  /** A copy of the bus bytes (header + data), laid out as the bus file. */
  toImage(): Uint8Array {
    return this.mem.bytes.slice();
  }

  // ---- header fields (plain reads; take the lock for a consistent view) ----
  get magic(): number {
    return getMagic(this.mem);
  }
  get version(): number {
    return getVersion(this.mem);
  }
  get gen(): bigint {
    return getGen(this.mem);
  }
  get first(): number {
    return getFirst(this.mem);
  }
  get last(): number {
    return getLast(this.mem);
  }
  get lock(): number {
    return getLock(this.mem);
  }
  get spare(): number {
    return getSpare(this.mem);
  }
  /** The whole header. */
  header(): ShmifHeader {
    return readHeader(this.mem);
  }
  /** Test helper: sets `shm_first`/`shm_last`/`shm_gen`/`shm_magic` directly (no lock). */
  poke(fields: {
    readonly magic?: number;
    readonly first?: number;
    readonly last?: number;
    readonly gen?: bigint;
  }): void {
    if (fields.magic !== undefined) setMagic(this.mem, fields.magic);
    if (fields.first !== undefined) setFirst(this.mem, fields.first);
    if (fields.last !== undefined) setLast(this.mem, fields.last);
    if (fields.gen !== undefined) setGen(this.mem, fields.gen);
  }

  // ---- C entry points ----
  /** The bus part of `initbackend`; throws `notMagical` (ENOEXEC) on a foreign magic. */
  attach(): ShmifAttachResult {
    return shmifAttachBus(this.mem, this.lockOptions);
  }
  /** The bus part of `initbackend`, returning `{ error: ENOEXEC }` instead of throwing. */
  initbackend(): ShmifAttachResult {
    return shmifInitbackendBus(this.mem, this.lockOptions);
  }
  /** `shmif_lockbus` with this handle's lock options. */
  lockbus(): number {
    return shmifLockbus(this.mem, this.lockOptions);
  }
  /** One CAS attempt. */
  trylockbus(): boolean {
    return shmifTrylockbus(this.mem);
  }
  /** `shmif_unlockbus`. */
  unlockbus(): void {
    shmifUnlockbus(this.mem);
  }
  /** One packet of `shmif_start` (lock, write, unlock); no wake-up. */
  send(frame: Uint8Array | readonly Uint8Array[], sec = 0, usec = 0): ShmifWriteResult {
    return shmifSendPacket(this.mem, frame, sec, usec, this.lockOptions);
  }
  /** The wake-up `pwrite` of `SHMIF_VERSION` at `IFMEM_WAKEUP`, plus the notify. */
  wakeup(): number {
    return shmifDowakeup(this.mem, this.wakeWord);
  }
  /** `rumpuser_writewatchfile_setup`: a receiver's watch on the bus (sees later wake-ups). */
  watch(): ShmifWriteWatch {
    return new ShmifWriteWatch(this.wakeWord);
  }
}

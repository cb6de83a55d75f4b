/**
 * `ShmifBus`: one shmif bus on a `SharedArrayBuffer` that worker threads share, in NetBSD's
 * v2 byte layout (facts.md 1.3), with the lock, the wake-up and the bus file.
 *
 * Buffer layout: bytes `[0, 32 + dataSize)` are the bus exactly as a rump kernel maps the
 * bus file (header + data area); then, from byte `wakeupWordOffset(dataSize)`, a 64-byte host
 * area: Int32 word 0 is the wake-up sequence counter (the model of the kqueue NOTE_WRITE event,
 * see `wakeup.ts`), word 1 the staging allocation cursor; then staging space for per-thread
 * frame buffers ({@link ShmifBus.allocStaging}). Only the bus part is ever saved to a file.
 *
 * The buffer is the `SharedArrayBuffer` of a shared WebAssembly memory when the platform has
 * one (copies between the ring and staging buffers then run at memcpy speed, `fastcopy.ts`),
 * else a plain `SharedArrayBuffer`; the bytes are the same either way.
 *
 * To share a bus with a worker: post `bus.shareable` (the WebAssembly memory, or the buffer)
 * and `bus.dataSize`, and in the worker `ShmifBus.fromBuffer(shareable, { dataSize })`. Both
 * ends then work on the same memory.
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
import { createSharedWasmMemory, registerWasmMemory } from './fastcopy.js';
import type { SharedWasmMemory } from './fastcopy.js';

/**
 * Options for creating or attaching a {@link ShmifBus}.
 * @category Shmif bus
 */
export interface ShmifBusOptions {
  /** Size of the data area; default `BUSMEM_DATASIZE` (0xFFFE0, a 1 MiB bus). */
  readonly dataSize?: number;
  /** Lock options used by the bus's own locking methods (e.g. a watchdog for tests). */
  readonly lock?: LockOptions;
  /** Staging space for frame buffers ({@link ShmifBus.allocStaging}); default 64 KiB. */
  readonly stagingBytes?: number;
  /** Put the bus in a shared WebAssembly memory when available (default true). */
  readonly wasm?: boolean;
}

/** Size of the host area after the bus (wake-up counter, staging cursor). @category Shmif bus */
export const SHMIF_HOST_AREA = 64;

/**
 * The smallest buffer size a {@link ShmifBus} needs for `dataSize`: the bus plus the host area
 * (no staging space).
 * @category Shmif bus
 */
export function shmifBusBufferSize(dataSize: number = BUSMEM_DATASIZE): number {
  return wakeupWordOffset(dataSize) + SHMIF_HOST_AREA;
}

function isSharedWasmMemory(x: unknown): x is SharedWasmMemory {
  return (
    typeof x === 'object' &&
    x !== null &&
    !(x instanceof SharedArrayBuffer) &&
    (x as { buffer?: unknown }).buffer instanceof SharedArrayBuffer
  );
}

/**
 * A shmif bus in shared memory. The C functions are available on its `mem` (see
 * `busops.ts`, `transmit.ts`); the methods here are conveniences over them.
 * @category Shmif bus
 */
export class ShmifBus {
  /** The whole shared buffer (bus, host area, staging). */
  readonly buffer: SharedArrayBuffer;
  /** The shared WebAssembly memory holding `buffer`, when there is one. */
  readonly memory: SharedWasmMemory | null;
  /** The bus memory the C bus operations take. */
  readonly mem: ShmifMem;
  /** The wake-up sequence counter receivers wait on (Int32 word at `wakeupWordOffset`). */
  readonly wakeWord: Int32Array;
  readonly dataSize: number;
  /** Lock options of this handle. */
  readonly lockOptions: LockOptions;

  private readonly host: Int32Array;

  private constructor(
    buffer: SharedArrayBuffer,
    memory: SharedWasmMemory | null,
    dataSize: number,
    lock: LockOptions,
  ) {
    this.buffer = buffer;
    this.memory = memory;
    this.dataSize = dataSize;
    this.mem = shmifMemOver(buffer, dataSize, 0);
    this.host = new Int32Array(buffer, wakeupWordOffset(dataSize), SHMIF_HOST_AREA / 4);
    this.wakeWord = new Int32Array(buffer, wakeupWordOffset(dataSize), 1);
    this.lockOptions = lock;
  }

  /** A fresh bus: all zero, as a newly created and truncated bus file (magic 0, not yet initialised). */
  static create(options: ShmifBusOptions = {}): ShmifBus {
    const dataSize = options.dataSize ?? BUSMEM_DATASIZE;
    const stagingBase = shmifBusBufferSize(dataSize);
    const total = stagingBase + (options.stagingBytes ?? 65536);
    const memory = options.wasm === false ? null : createSharedWasmMemory(Math.ceil(total / 65536));
    const buffer = memory === null ? new SharedArrayBuffer(total) : (memory.buffer as SharedArrayBuffer);
    const bus = new ShmifBus(buffer, memory, dataSize, options.lock ?? {});
    Atomics.store(bus.host, 1, stagingBase);
    return bus;
  }

  /** Attaches to a bus another thread created (`bus.shareable`, or `bus.buffer`, posted to a worker). */
  static fromBuffer(shared: SharedArrayBuffer | SharedWasmMemory, options: ShmifBusOptions = {}): ShmifBus {
    const dataSize = options.dataSize ?? BUSMEM_DATASIZE;
    let memory: SharedWasmMemory | null = null;
    let buffer: SharedArrayBuffer;
    if (isSharedWasmMemory(shared)) {
      memory = registerWasmMemory(shared) ? shared : null;
      buffer = shared.buffer as SharedArrayBuffer;
    } else if (shared instanceof SharedArrayBuffer) {
      buffer = shared;
    } else {
      throw new ShmifError(
        'badOption',
        'ShmifBus.fromBuffer: need a SharedArrayBuffer or a shared WebAssembly memory',
      );
    }
    if (buffer.byteLength < shmifBusBufferSize(dataSize)) {
      throw new ShmifError(
        'truncatedFile',
        `ShmifBus.fromBuffer: buffer of ${buffer.byteLength} bytes is shorter than ${shmifBusBufferSize(dataSize)} for dataSize ${dataSize}`,
      );
    }
    return new ShmifBus(buffer, memory, dataSize, options.lock ?? {});
  }

  /** What to post to a worker thread: the shared WebAssembly memory, or the buffer. */
  get shareable(): SharedArrayBuffer | SharedWasmMemory {
    return this.memory ?? this.buffer;
  }

  /**
   * A `size`-byte frame buffer in the bus's shared memory (64-byte aligned), for one thread's
   * own use: copies between it and the ring take the fast path. Allocation is a shared bump
   * pointer (never freed); throws when the staging space is used up.
   */
  allocStaging(size: number): Uint8Array {
    const n = Math.ceil(size / 64) * 64;
    const at = Atomics.add(this.host, 1, n);
    if (at === 0 || at + n > this.buffer.byteLength) {
      throw new ShmifError(
        'badOption',
        `ShmifBus.allocStaging: no room for ${size} bytes (staging ends at ${this.buffer.byteLength})`,
      );
    }
    return new Uint8Array(this.buffer, at, size);
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

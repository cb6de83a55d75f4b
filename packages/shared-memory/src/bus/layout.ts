/**
 * The shmif bus memory in NetBSD's version 2 layout (`shmifvar.h` as of if_shmem.c rev 1.33,
 * facts.md 1.3): a 32-byte `struct shmif_mem` header followed by the circular data area,
 * `BUSMEM_SIZE` = 1 MiB in all, host byte order (little endian here; the C code does no
 * endian conversion, so a bus file is only portable between hosts of the same byte order).
 *
 * | offset | size | field        |
 * |-------:|-----:|--------------|
 * |      0 |    4 | shm_magic    |
 * |      4 |    4 | shm_version  (IFMEM_WAKEUP: only the wake-up pwrite stores here) |
 * |      8 |    8 | shm_gen      |
 * |     16 |    4 | shm_first    |
 * |     20 |    4 | shm_last     |
 * |     24 |    4 | shm_lock     |
 * |     28 |    4 | shm_spare[1] |
 * |     32 |      | shm_data[]   (IFMEM_DATA) |
 *
 * A packet header (`struct shmif_pkthdr`, 12 bytes) is `sp_len`, `sp_sec`, `sp_usec`, each u32.
 *
 * What it abstracts: the data area size is a parameter (`dataSize`, default
 * `BUSMEM_DATASIZE` = 0xFFFE0) so tests and the model checker can use tiny buses; every bus
 * operation takes the size from the memory it works on, where C uses the constant.
 *
 * @module
 */
import { ShmifError } from './errors.js';
import { fastCopyFor, wasmAtomicsFor } from './fastcopy.js';
import type { FastCopy, WasmAtomics } from './fastcopy.js';

/** `SHMIF_MAGIC`. @category Shmif bus */
export const SHMIF_MAGIC = 0xca11d054;
/** `SHMIF_VERSION` of the v2 layout (if_shmem.c 1.33). @category Shmif bus */
export const SHMIF_VERSION = 2;
/** `BUSMEM_SIZE`: the size NetBSD maps and truncates the bus file to. @category Shmif bus */
export const BUSMEM_SIZE = 1024 * 1024;
/** `sizeof(struct shmif_mem)` = `IFMEM_DATA`: the header size. @category Shmif bus */
export const SHMIF_HEADER_SIZE = 32;
/** `IFMEM_DATA = offsetof(struct shmif_mem, shm_data)`. @category Shmif bus */
export const IFMEM_DATA = 32;
/** `IFMEM_WAKEUP = offsetof(struct shmif_mem, shm_version)`: where the wake-up pwrite stores. @category Shmif bus */
export const IFMEM_WAKEUP = 4;
/** `BUSMEM_DATASIZE = BUSMEM_SIZE - sizeof(struct shmif_mem)` = 0xFFFE0. @category Shmif bus */
export const BUSMEM_DATASIZE = BUSMEM_SIZE - SHMIF_HEADER_SIZE;
/** `sizeof(struct shmif_pkthdr)` in v2: `sp_len`, `sp_sec`, `sp_usec`. @category Shmif bus */
export const SHMIF_PKTHDR_SIZE = 12;
/** `ETHERMTU + ETHER_HDR_LEN`: the largest frame a writer sends and a reader accepts. @category Shmif bus */
export const SHMIF_MAX_FRAME = 1514;
/** `ETHER_HDR_LEN`. @category Shmif bus */
export const ETHER_HDR_LEN = 14;
/** `LOCK_UNLOCKED` (if_shmem.c 103). @category Shmif bus */
export const LOCK_UNLOCKED = 0;
/** `LOCK_LOCKED` (if_shmem.c 104). @category Shmif bus */
export const LOCK_LOCKED = 1;
/** `LOCK_COOLDOWN` (if_shmem.c 105): failed CAS attempts before the 1 ms sleep. @category Shmif bus */
export const LOCK_COOLDOWN = 1001;

/**
 * Byte offsets of the `struct shmif_mem` fields (table above).
 * @category Shmif bus
 */
export const SHM_OFFSETS = Object.freeze({
  magic: 0,
  version: 4,
  gen: 8,
  first: 16,
  last: 20,
  lock: 24,
  spare: 28,
  data: 32,
} as const);

/**
 * Byte offsets of the `struct shmif_pkthdr` v2 fields.
 * @category Shmif bus
 */
export const PKTHDR_OFFSETS = Object.freeze({ len: 0, sec: 4, usec: 8 } as const);

/** The C code uses host byte order; this model fixes little endian (x86, arm64). @category Shmif bus */
export const LITTLE_ENDIAN = true;

/** The smallest data area the bus operations accept (a header must be shorter than half the ring). @category Shmif bus */
export const MIN_DATASIZE = 2 * SHMIF_PKTHDR_SIZE + 1;
/** The largest data area this model accepts (offsets stay below 2^31). @category Shmif bus */
export const MAX_DATASIZE = 0x7fff0000;

/**
 * One bus memory: the header and the data area as views over one buffer (a
 * `SharedArrayBuffer` shared between threads, or a plain `ArrayBuffer` for single-threaded
 * use and the checker). The bus operations take this, as the C functions take
 * `struct shmif_mem *`.
 * @category Shmif bus
 */
export interface ShmifMem {
  /** The whole bus: header followed by the data area (`IFMEM_DATA + dataSize` bytes). */
  readonly bytes: Uint8Array;
  /** The same bytes as a `DataView`, for the header fields. */
  readonly view: DataView;
  /** `shm_data`: the data area (`dataSize` bytes). */
  readonly data: Uint8Array;
  /** `BUSMEM_DATASIZE` of this bus. */
  readonly dataSize: number;
  /** The eight header words (`shm_magic` .. `shm_spare`) as u32, host (little-endian) order. */
  readonly words: Uint32Array;
  /** The same words as Int32, for `Atomics` (the lock is index 6, the wake-up word index 1). */
  readonly atomics: Int32Array;
  /** A memcpy-speed copy within `bytes.buffer` when it is a shared WebAssembly memory (see `fastcopy.ts`). */
  readonly fastCopy: FastCopy | null;
  /**
   * The lock's compare-and-swap and swap as WebAssembly atomics when `bytes.buffer` is a shared
   * WebAssembly memory (see `fastcopy.ts`; byte addresses in that buffer), else null.
   */
  readonly wasmAtomics: WasmAtomics | null;
  /** `bytes.byteOffset`: where the bus starts in its buffer (the typed-array getter is a call). */
  readonly base: number;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Checks a data-area size: an integer in [{@link MIN_DATASIZE}, {@link MAX_DATASIZE}].
 * @category Shmif bus
 */
export function checkDataSize(dataSize: number): number {
  if (!Number.isInteger(dataSize) || dataSize < MIN_DATASIZE || dataSize > MAX_DATASIZE) {
    throw new ShmifError(
      'badOption',
      `shmif bus: dataSize must be an integer in [${MIN_DATASIZE}, ${MAX_DATASIZE}], got ${String(dataSize)}`,
    );
  }
  return dataSize;
}

/**
 * The total bus size (header + data) for a data-area size: `BUSMEM_SIZE` for the default.
 * @category Shmif bus
 */
export function busSizeFor(dataSize: number = BUSMEM_DATASIZE): number {
  return IFMEM_DATA + checkDataSize(dataSize);
}

/**
 * Views `IFMEM_DATA + dataSize` bytes of `buffer` from `byteOffset` (a multiple of 8) as a bus.
 * Does not initialise anything: fresh memory is all zero, like a freshly truncated bus file.
 * @category Shmif bus
 */
export function shmifMemOver(
  buffer: ArrayBufferLike,
  dataSize: number = BUSMEM_DATASIZE,
  byteOffset = 0,
): ShmifMem {
  const size = busSizeFor(dataSize);
  if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % 8 !== 0) {
    throw new ShmifError(
      'badOption',
      `shmif bus: byteOffset must be a non-negative multiple of 8, got ${byteOffset}`,
    );
  }
  if (buffer.byteLength < byteOffset + size) {
    throw new ShmifError(
      'truncatedFile',
      `shmif bus: buffer of ${buffer.byteLength} bytes cannot hold a bus of ${size} bytes at ${byteOffset}`,
    );
  }
  if (!HOST_LITTLE_ENDIAN)
    throw new ShmifError('badOption', 'shmif bus: this model needs a little-endian host');
  const bytes = new Uint8Array(buffer, byteOffset, size);
  return {
    bytes,
    view: new DataView(buffer, byteOffset, size),
    data: bytes.subarray(IFMEM_DATA),
    dataSize,
    words: new Uint32Array(buffer, byteOffset, 8),
    atomics: new Int32Array(buffer, byteOffset, 8),
    fastCopy: fastCopyFor(buffer),
    wasmAtomics: wasmAtomicsFor(buffer),
    base: byteOffset,
  };
}

/**
 * A fresh, all-zero bus memory on a new `ArrayBuffer` (or `SharedArrayBuffer` when `shared`).
 * @category Shmif bus
 */
export function createShmifMem(dataSize: number = BUSMEM_DATASIZE, shared = false): ShmifMem {
  const size = busSizeFor(dataSize);
  return shmifMemOver(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size), dataSize);
}

// ---- header field accessors (plain loads and stores; callers hold the bus lock) ----

/** `shm_magic`. @category Shmif bus */
export function getMagic(mem: ShmifMem): number {
  return mem.words[0] as number;
}
/** Stores `shm_magic`. @category Shmif bus */
export function setMagic(mem: ShmifMem, v: number): void {
  mem.words[0] = v;
}
/** `shm_version` (0 until the first wake-up). @category Shmif bus */
export function getVersion(mem: ShmifMem): number {
  return mem.words[1] as number;
}
/** Stores `shm_version` (plain store; the wake-up uses {@link shmifDowakeup}). @category Shmif bus */
export function setVersion(mem: ShmifMem, v: number): void {
  mem.words[1] = v;
}
/** `shm_gen` (u64) as a bigint. @category Shmif bus */
export function getGen(mem: ShmifMem): bigint {
  return (BigInt(mem.words[3] as number) << 32n) | BigInt(mem.words[2] as number);
}
/** Stores `shm_gen` (taken modulo 2^64). @category Shmif bus */
export function setGen(mem: ShmifMem, v: bigint): void {
  const g = BigInt.asUintN(64, v);
  mem.words[2] = Number(g & 0xffffffffn);
  mem.words[3] = Number(g >> 32n);
}
/** The low 32 bits of `shm_gen`, what `stillvalid_p`'s `unsigned gendiff` sees. @category Shmif bus */
export function getGenLow32(mem: ShmifMem): number {
  return mem.words[2] as number;
}
/** `busmem->shm_gen++` (u64 wrap-around). @category Shmif bus */
export function incrementGen(mem: ShmifMem): void {
  const w = mem.words;
  const lo = w[2] as number;
  if (lo === 0xffffffff) w[3] = ((w[3] as number) + 1) >>> 0;
  w[2] = (lo + 1) >>> 0;
}
/** `shm_first`. @category Shmif bus */
export function getFirst(mem: ShmifMem): number {
  return mem.words[4] as number;
}
/** Stores `shm_first`. @category Shmif bus */
export function setFirst(mem: ShmifMem, v: number): void {
  mem.words[4] = v;
}
/** `shm_last`: the offset of the header of the newest frame. @category Shmif bus */
export function getLast(mem: ShmifMem): number {
  return mem.words[5] as number;
}
/** Stores `shm_last`. @category Shmif bus */
export function setLast(mem: ShmifMem, v: number): void {
  mem.words[5] = v;
}
/** `shm_lock` (plain load; the lock itself uses Atomics, see {@link shmifLockbus}). @category Shmif bus */
export function getLock(mem: ShmifMem): number {
  return mem.words[6] as number;
}
/** Stores `shm_lock` (plain store: for building test states only). @category Shmif bus */
export function setLock(mem: ShmifMem, v: number): void {
  mem.words[6] = v;
}
/** `shm_spare[0]` (never written by the C code). @category Shmif bus */
export function getSpare(mem: ShmifMem): number {
  return mem.words[7] as number;
}

/**
 * A decoded `struct shmif_mem` header, for display, tests and file checks.
 * @category Shmif bus
 */
export interface ShmifHeader {
  readonly magic: number;
  readonly version: number;
  readonly gen: bigint;
  readonly first: number;
  readonly last: number;
  readonly lock: number;
  readonly spare: number;
}

/** Reads the whole header. @category Shmif bus */
export function readHeader(mem: ShmifMem): ShmifHeader {
  return {
    magic: getMagic(mem),
    version: getVersion(mem),
    gen: getGen(mem),
    first: getFirst(mem),
    last: getLast(mem),
    lock: getLock(mem),
    spare: getSpare(mem),
  };
}

/**
 * A decoded `struct shmif_pkthdr` (v2).
 * @category Shmif bus
 */
export interface ShmifPkthdr {
  readonly len: number;
  readonly sec: number;
  readonly usec: number;
}

/** Encodes a packet header into 12 bytes. @category Shmif bus */
export function encodePkthdr(
  hdr: ShmifPkthdr,
  out: Uint8Array = new Uint8Array(SHMIF_PKTHDR_SIZE),
): Uint8Array {
  putU32le(out, PKTHDR_OFFSETS.len, hdr.len);
  putU32le(out, PKTHDR_OFFSETS.sec, hdr.sec);
  putU32le(out, PKTHDR_OFFSETS.usec, hdr.usec);
  return out;
}

/** Decodes 12 bytes as a packet header. @category Shmif bus */
export function decodePkthdr(bytes: Uint8Array): ShmifPkthdr {
  if (bytes.length < SHMIF_PKTHDR_SIZE) {
    throw new ShmifError(
      'truncatedFile',
      `shmif_pkthdr: need ${SHMIF_PKTHDR_SIZE} bytes, got ${bytes.length}`,
    );
  }
  return {
    len: getU32le(bytes, PKTHDR_OFFSETS.len),
    sec: getU32le(bytes, PKTHDR_OFFSETS.sec),
    usec: getU32le(bytes, PKTHDR_OFFSETS.usec),
  };
}

/** Stores `v` as a little-endian u32 at `off` of `b` (byte stores: any alignment). @category Shmif bus */
export function putU32le(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

/** Loads a little-endian u32 at `off` of `b` (byte loads: any alignment). @category Shmif bus */
export function getU32le(b: Uint8Array, off: number): number {
  return (
    ((b[off] as number) |
      ((b[off + 1] as number) << 8) |
      ((b[off + 2] as number) << 16) |
      ((b[off + 3] as number) << 24)) >>>
    0
  );
}

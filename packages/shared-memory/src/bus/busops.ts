/**
 * The shmif bus operations, one function per C function of `shmif_busops.c` (rev 1.8.2.1;
 * the algorithm is the same in 1.9 and 1.12, facts.md 1.4): `shmif_advance`,
 * `shmif_busread`, `shmif_advancefirst`, `shmif_buswrite`, `shmif_nextpktoff`.
 *
 * The functions work on any {@link ShmifMem}: a `SharedArrayBuffer` shared by worker threads
 * (callers hold the bus lock, as in C), or a small plain buffer the model checker copies and
 * hashes (see `image.ts`). They are faithful, quirks included:
 * - `busread`/`buswrite` set `*wrap` when a copy ends exactly at the end of the data area,
 *   even if nothing continues at offset 0;
 * - `buswrite` calls `advancefirst(off, chunk + 1)` when the write fills the bus to its end
 *   (the "+1"), which is what first moves `shm_first` off its `BUSMEM_DATASIZE` sentinel;
 * - `off == DATASIZE` is a legal offset and reads/writes like offset 0 with wrap set.
 *
 * Where C departs from safety and this model does not follow: a `KASSERT` that would fire
 * throws a `kassert` {@link ShmifError} instead of panicking or reading out of bounds, and
 * `advancefirst` on a corrupt bus whose `sp_len` makes `shm_first` stand still (C spins
 * forever) throws `impossibleLength`. On a well-formed bus neither happens.
 *
 * @module
 */
import { ShmifError, kassert } from './errors.js';
import {
  BUSMEM_DATASIZE,
  IFMEM_DATA,
  SHMIF_PKTHDR_SIZE,
  getFirst,
  getU32le,
  putU32le,
  setFirst,
} from './layout.js';
import type { ShmifMem } from './layout.js';
import { fastCopyFor } from './fastcopy.js';
import type { FastCopy } from './fastcopy.js';

/** Copies up to this long are byte loops when there is no fast copy (no view allocation, no slow shared-memory path). */
const SMALL_COPY = 32;

// Where the last two arrays seen lie: the fast copy of their buffer (if any) and their byte
// offset in it (a small cache per thread). The `buffer` and `byteOffset` getters of a typed array
// are calls of some 20-50 ns here, and a thread sends from and receives into the same one or two
// frame buffers every time.
let cacheA: Uint8Array | null = null;
let cacheACopy: FastCopy | null = null;
let cacheAOffset = 0;
let cacheB: Uint8Array | null = null;
let cacheBCopy: FastCopy | null = null;
let cacheBOffset = 0;

/**
 * The byte address of `a` in `mem`'s buffer when both lie in one shared WebAssembly memory (so
 * `mem.fastCopy` can copy between them), else -1.
 */
function fastAddressOf(mem: ShmifMem, a: Uint8Array): number {
  const fc = mem.fastCopy;
  if (fc === null) return -1;
  if (a === cacheA) return cacheACopy === fc ? cacheAOffset : -1;
  if (a === cacheB) return cacheBCopy === fc ? cacheBOffset : -1;
  cacheB = cacheA;
  cacheBCopy = cacheACopy;
  cacheBOffset = cacheAOffset;
  cacheA = a;
  // One fast copy function is registered per buffer: the same function means the same buffer.
  cacheACopy = fastCopyFor(a.buffer);
  cacheAOffset = a.byteOffset;
  return cacheACopy === fc ? cacheAOffset : -1;
}

/** memcpy(dest + destOff, shm_data + off, n). */
function copyOut(mem: ShmifMem, dest: Uint8Array, destOff: number, off: number, n: number): void {
  const at = fastAddressOf(mem, dest);
  if (at >= 0) {
    (mem.fastCopy as FastCopy)(at + destOff, mem.base + IFMEM_DATA + off, n);
  } else if (n <= SMALL_COPY) {
    const d = mem.data;
    for (let i = 0; i < n; i++) dest[destOff + i] = d[off + i] as number;
  } else {
    dest.set(mem.data.subarray(off, off + n), destOff);
  }
}

/** memcpy(shm_data + off, src + srcOff, n). */
function copyIn(mem: ShmifMem, off: number, src: Uint8Array, srcOff: number, n: number): void {
  const at = fastAddressOf(mem, src);
  if (at >= 0) {
    (mem.fastCopy as FastCopy)(mem.base + IFMEM_DATA + off, at + srcOff, n);
  } else if (n <= SMALL_COPY) {
    const d = mem.data;
    for (let i = 0; i < n; i++) d[off + i] = src[srcOff + i] as number;
  } else {
    mem.data.set(src.subarray(srcOff, srcOff + n), off);
  }
}

/**
 * The C `bool *wrap` out-parameter: the operations set `wrap` to true, never back to false
 * (callers reset it, as `shmif_start` and `shmif_rcv` do with `wrap = false`).
 * @category Shmif bus
 */
export interface WrapFlag {
  wrap: boolean;
}

/**
 * `shmif_advance(oldoff, delta)`: `oldoff + delta` (u32), minus `BUSMEM_DATASIZE` once if
 * that reaches or passes the end. Assumes `delta < DATASIZE` as C does (no loop).
 * @category Shmif bus
 */
export function shmifAdvance(oldoff: number, delta: number, dataSize: number = BUSMEM_DATASIZE): number {
  let newoff = (oldoff + delta) >>> 0;
  if (newoff >= dataSize) newoff = (newoff - dataSize) >>> 0;
  return newoff;
}

/**
 * `shmif_busread(busmem, dest, off, len, &wrap)`: copies `len` bytes of the ring from `off`
 * into `dest`, continuing at offset 0 if the end is reached; sets `wrap.wrap` when the first
 * chunk ends exactly at the end of the data area. Returns the offset after the read.
 * @category Shmif bus
 */
export function shmifBusread(
  mem: ShmifMem,
  dest: Uint8Array,
  off: number,
  len: number,
  wrap: WrapFlag,
): number {
  const size = mem.dataSize;
  kassert(
    len < Math.floor(size / 2) && off <= size,
    'shmif_busread',
    'len < (BUSMEM_DATASIZE/2) && off <= BUSMEM_DATASIZE',
    off,
  );
  if (dest.length < len) {
    throw new ShmifError(
      'badOption',
      `shmif_busread: destination of ${dest.length} bytes cannot take ${len}`,
    );
  }
  const chunk = Math.min(len, size - off);
  copyOut(mem, dest, 0, off, chunk);
  len -= chunk;

  if (off + chunk === size) wrap.wrap = true;

  if (len === 0) return (off + chunk) % size;

  /* finish reading */
  copyOut(mem, dest, chunk, 0, len);
  return len;
}

/**
 * `shmif_advancefirst(busmem, off, len)`: while the region `[off, off+len)` about to be
 * written overlaps the start of the oldest frame (`off <= shm_first + 12 && off + len >
 * shm_first`), push `shm_first` to the next frame.
 * @category Shmif bus
 */
export function shmifAdvancefirst(mem: ShmifMem, off: number, len: number): void {
  let first = getFirst(mem);
  // C compares in size_t: no u32 wrap-around of first + 12 or off + len.
  while (off <= first + SHMIF_PKTHDR_SIZE && off + len > first) {
    const next = shmifNextpktoff(mem, first);
    if (next === first) {
      // C spins here forever: sp_len == DATASIZE - 12 passes nextpktoff's KASSERT.
      throw new ShmifError(
        'impossibleLength',
        `shmif_advancefirst: frame at ${first} has a length that wraps onto itself; shm_first cannot advance`,
        { offset: first },
      );
    }
    first = next;
    setFirst(mem, first);
  }
}

/**
 * `shmif_buswrite(busmem, off, data, len, &wrap)`: evicts the frames the write will overlap
 * (`advancefirst`, with the "+1" when the write fills the bus to its end), copies `len`
 * bytes of `data` into the ring at `off`, continuing at 0; sets `wrap.wrap` when the first
 * chunk ends exactly at the end. Returns the offset after the write.
 * @category Shmif bus
 */
export function shmifBuswrite(
  mem: ShmifMem,
  off: number,
  data: Uint8Array,
  len: number,
  wrap: WrapFlag,
): number {
  const size = mem.dataSize;
  kassert(
    len < Math.floor(size / 2) && off <= size,
    'shmif_buswrite',
    'len < (BUSMEM_DATASIZE/2) && off <= BUSMEM_DATASIZE',
    off,
  );
  if (data.length < len) {
    throw new ShmifError('badOption', `shmif_buswrite: source of ${data.length} bytes cannot give ${len}`);
  }

  const chunk = Math.min(len, size - off);
  len -= chunk;
  const filledbus = off + chunk === size;

  shmifAdvancefirst(mem, off, chunk + (filledbus ? 1 : 0));

  copyIn(mem, off, data, 0, chunk);

  if (filledbus) wrap.wrap = true;

  if (len === 0) return (off + chunk) % size;

  shmifAdvancefirst(mem, 0, len);

  /* finish writing */
  copyIn(mem, 0, data, chunk, len);
  return len;
}

/**
 * Reads the `sp_len` field of the packet header at `off` exactly as `shmif_busread` of the
 * whole header would see it (straddling the end of the ring when it does).
 * @category Shmif bus
 */
export function shmifPeekLen(mem: ShmifMem, off: number): number {
  const size = mem.dataSize;
  kassert(
    SHMIF_PKTHDR_SIZE < Math.floor(size / 2) && off <= size,
    'shmif_busread',
    'len < (BUSMEM_DATASIZE/2) && off <= BUSMEM_DATASIZE',
    off,
  );
  if (off === size) off = 0;
  if (off + 4 <= size) return mem.view.getUint32(IFMEM_DATA + off, true);
  const d = mem.data;
  const b0 = d[off] ?? 0;
  const b1 = d[(off + 1) % size] ?? 0;
  const b2 = d[(off + 2) % size] ?? 0;
  const b3 = d[(off + 3) % size] ?? 0;
  return (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0;
}

/**
 * `shmif_nextpktoff(busmem, oldoff)`: the offset just past the frame whose header is at
 * `oldoff` (header read with the wrap flag discarded; `KASSERT(sp_len < BUSMEM_DATASIZE)`).
 * @category Shmif bus
 */
export function shmifNextpktoff(mem: ShmifMem, oldoff: number): number {
  const spLen = shmifPeekLen(mem, oldoff);
  kassert(spLen < mem.dataSize, 'shmif_nextpktoff', 'sp.sp_len < BUSMEM_DATASIZE', oldoff);
  return shmifAdvance(oldoff, SHMIF_PKTHDR_SIZE + spLen, mem.dataSize);
}

/**
 * A decoded packet header that {@link shmifBusreadPkthdr} fills in (the C `struct
 * shmif_pkthdr sp` on the receiver's stack).
 * @category Shmif bus
 */
export interface PkthdrOut {
  len: number;
  sec: number;
  usec: number;
}

const HDR_BYTES = new Uint8Array(SHMIF_PKTHDR_SIZE);

/**
 * `shmif_buswrite(busmem, off, &sp, sizeof(sp), &wrap)` for the packet header `{ len, sec,
 * usec }` (what `shmif_start` writes at `shm_last`). The same as {@link shmifBuswrite} of the
 * 12 encoded bytes; when the header does not reach the end of the ring the three words are
 * stored directly (after `shmif_advancefirst`, as `buswrite` does), with no staging copy.
 * @category Shmif bus
 */
export function shmifBuswritePkthdr(
  mem: ShmifMem,
  off: number,
  len: number,
  sec: number,
  usec: number,
  wrap: WrapFlag,
): number {
  const size = mem.dataSize;
  if (off + SHMIF_PKTHDR_SIZE >= size || SHMIF_PKTHDR_SIZE >= Math.floor(size / 2)) {
    // reaches the end (wrap, the "+1") or a ring too small for the KASSERT: the general path
    putU32le(HDR_BYTES, 0, len);
    putU32le(HDR_BYTES, 4, sec);
    putU32le(HDR_BYTES, 8, usec);
    return shmifBuswrite(mem, off, HDR_BYTES, SHMIF_PKTHDR_SIZE, wrap);
  }
  // chunk = 12, filledbus = false: advancefirst(off, 12), copy, return off + 12
  shmifAdvancefirst(mem, off, SHMIF_PKTHDR_SIZE);
  const v = mem.view;
  const at = IFMEM_DATA + off;
  v.setUint32(at, len, true);
  v.setUint32(at + 4, sec, true);
  v.setUint32(at + 8, usec, true);
  return off + SHMIF_PKTHDR_SIZE;
}

/**
 * `shmif_busread(busmem, &sp, off, sizeof(sp), &wrap)`: reads the packet header at `off` into
 * `out`, returns the offset after it. The same as {@link shmifBusread} of 12 bytes; when the
 * header does not reach the end of the ring the three words are loaded directly.
 * @category Shmif bus
 */
export function shmifBusreadPkthdr(mem: ShmifMem, off: number, wrap: WrapFlag, out: PkthdrOut): number {
  const size = mem.dataSize;
  if (off + SHMIF_PKTHDR_SIZE >= size || SHMIF_PKTHDR_SIZE >= Math.floor(size / 2)) {
    const next = shmifBusread(mem, HDR_BYTES, off, SHMIF_PKTHDR_SIZE, wrap);
    out.len = getU32le(HDR_BYTES, 0);
    out.sec = getU32le(HDR_BYTES, 4);
    out.usec = getU32le(HDR_BYTES, 8);
    return next;
  }
  const v = mem.view;
  const at = IFMEM_DATA + off;
  out.len = v.getUint32(at, true);
  out.sec = v.getUint32(at + 4, true);
  out.usec = v.getUint32(at + 8, true);
  return off + SHMIF_PKTHDR_SIZE;
}

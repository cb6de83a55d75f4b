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
import { BUSMEM_DATASIZE, IFMEM_DATA, SHMIF_PKTHDR_SIZE, getFirst, getU32le, setFirst } from './layout.js';
import type { ShmifMem } from './layout.js';

/** Copies shorter than this are byte loops (no view allocation, no slow shared-memory path). */
const SMALL_COPY = 32;

/** memcpy(dest + destOff, shm_data + off, n). */
function copyOut(mem: ShmifMem, dest: Uint8Array, destOff: number, off: number, n: number): void {
  if (n <= SMALL_COPY) {
    const d = mem.data;
    for (let i = 0; i < n; i++) dest[destOff + i] = d[off + i] as number;
  } else if (mem.fastCopy !== null && dest.buffer === mem.bytes.buffer) {
    mem.fastCopy(dest.byteOffset + destOff, mem.bytes.byteOffset + IFMEM_DATA + off, n);
  } else {
    dest.set(mem.data.subarray(off, off + n), destOff);
  }
}

/** memcpy(shm_data + off, src + srcOff, n). */
function copyIn(mem: ShmifMem, off: number, src: Uint8Array, srcOff: number, n: number): void {
  if (n <= SMALL_COPY) {
    const d = mem.data;
    for (let i = 0; i < n; i++) d[off + i] = src[srcOff + i] as number;
  } else if (mem.fastCopy !== null && src.buffer === mem.bytes.buffer) {
    mem.fastCopy(mem.bytes.byteOffset + IFMEM_DATA + off, src.byteOffset + srcOff, n);
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
  const d = mem.data;
  if (off + 4 <= size) return getU32le(d, off);
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

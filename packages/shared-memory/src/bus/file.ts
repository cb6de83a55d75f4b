/**
 * Bus files: the bytes a NetBSD rump kernel maps (`rumpuser_filemmap(fd, 0, BUSMEM_SIZE,
 * TRUNCATE|SHARED|READ|WRITE)`), checked before use, and the walk `shmif_dumpbus` makes over
 * the frames from `shm_first` to `shm_last`.
 *
 * Checks, in order, each failing with a typed {@link ShmifError} that names the offset:
 * - size: exactly `32 + dataSize` bytes (`truncatedFile` when shorter, `wrongSize` when
 *   longer). The C code instead `ftruncate`s the file to `BUSMEM_SIZE`, zero-filling a short
 *   file and cutting a long one; `{ size: 'ftruncate' }` does the same.
 * - magic: 0 (a fresh file) or `SHMIF_MAGIC`; anything else is `notMagical` with errno
 *   `ENOEXEC`, as `initbackend` returns (if_shmem.c 216-221).
 * - version: `SHMIF_VERSION` or 0 (never woken yet), `badVersion` otherwise (dumpbus
 *   requires exactly `SHMIF_VERSION`; `initbackend` does not look; `{ version: 'ignore' }`).
 * - offsets: `shm_first <= dataSize`, `shm_last < dataSize` (`offsetOutOfRange`).
 * - frames: walking from `shm_first` to `shm_last`, every `sp_len` is at most 1514
 *   (`impossibleLength`), and the walk reaches `shm_last` (`offsetOutOfRange`).
 *
 * @module
 */
import { shmifBusread } from './busops.js';
import type { WrapFlag } from './busops.js';
import { ENOEXEC, ShmifError } from './errors.js';
import {
  BUSMEM_DATASIZE,
  SHMIF_MAGIC,
  SHMIF_MAX_FRAME,
  SHMIF_PKTHDR_SIZE,
  SHMIF_VERSION,
  busSizeFor,
  decodePkthdr,
  readHeader,
  shmifMemOver,
} from './layout.js';
import type { ShmifHeader, ShmifMem } from './layout.js';

/**
 * Options of {@link parseBusFile}.
 * @category Bus files
 */
export interface ParseBusFileOptions {
  /** Data area size; default `BUSMEM_DATASIZE`. */
  readonly dataSize?: number;
  /** `'exact'` (default) rejects a file of the wrong size; `'ftruncate'` zero-extends or cuts it as the C code does. */
  readonly size?: 'exact' | 'ftruncate';
  /** `'dumpbus'` (default) accepts version 0 or `SHMIF_VERSION`; `'ignore'` accepts any, as `initbackend` does. */
  readonly version?: 'dumpbus' | 'ignore';
}

/**
 * A parsed bus file: its image (header + data, a fresh copy) and decoded header.
 * @category Bus files
 */
export interface ParsedBusFile {
  readonly dataSize: number;
  readonly image: Uint8Array;
  readonly header: ShmifHeader;
  /** True when `shm_magic` is 0: nobody has attached yet. */
  readonly fresh: boolean;
}

/**
 * Checks bus file bytes (see the module header) and returns a copy as a bus image.
 * @category Bus files
 */
export function parseBusFile(bytes: Uint8Array, options: ParseBusFileOptions = {}): ParsedBusFile {
  const dataSize = options.dataSize ?? BUSMEM_DATASIZE;
  const size = busSizeFor(dataSize);
  let image: Uint8Array;
  if (bytes.length === size) {
    image = bytes.slice();
  } else if (options.size === 'ftruncate') {
    image = new Uint8Array(size);
    image.set(bytes.subarray(0, Math.min(size, bytes.length)));
  } else if (bytes.length < size) {
    throw new ShmifError(
      'truncatedFile',
      `bus file: ${bytes.length} bytes, a bus of data size ${dataSize} needs ${size}`,
      {
        offset: bytes.length,
      },
    );
  } else {
    throw new ShmifError(
      'wrongSize',
      `bus file: ${bytes.length} bytes, a bus of data size ${dataSize} is exactly ${size}`,
      {
        offset: size,
      },
    );
  }
  const mem = shmifMemOver(image.buffer, dataSize);
  const header = readHeader(mem);
  if (header.magic !== 0 && header.magic !== SHMIF_MAGIC) {
    throw new ShmifError(
      'notMagical',
      `bus file: bus is not magical (shm_magic 0x${header.magic.toString(16)} at file offset 0, want 0x${SHMIF_MAGIC.toString(16)})`,
      { errno: ENOEXEC, offset: 0 },
    );
  }
  if (
    (options.version ?? 'dumpbus') === 'dumpbus' &&
    header.version !== 0 &&
    header.version !== SHMIF_VERSION
  ) {
    throw new ShmifError(
      'badVersion',
      `bus file: shm_version ${header.version} at file offset 4, want ${SHMIF_VERSION}`,
      {
        offset: 4,
      },
    );
  }
  if (header.magic !== 0) walkBusFrames(mem, () => undefined);
  return { dataSize, image, header, fresh: header.magic === 0 };
}

/**
 * One frame of a walk over the bus: its header offset, packet header and payload (a copy).
 * @category Bus files
 */
export interface BusFrame {
  readonly offset: number;
  readonly len: number;
  readonly sec: number;
  readonly usec: number;
  readonly payload: Uint8Array;
}

/**
 * Options of {@link walkBusFrames}.
 * @category Bus files
 */
export interface WalkBusFramesOptions {
  /**
   * `'safe'` (default): stop after the frame at `shm_last`, checking offsets and lengths as it
   * goes. `'dumpbus'`: the loop of `shmif_dumpbus` exactly, asserts included (see
   * {@link walkBusFrames}).
   */
  readonly walk?: 'safe' | 'dumpbus';
  /** `'dumpbus'` only: `-p` (pcap) mode, which asserts `curlen <= BUFSIZE` (64 KiB) before each payload read. */
  readonly pcap?: boolean;
  /** `'dumpbus'` only: `sb.st_size`, which its asserts compare offsets with (default the image size, 32 + dataSize). */
  readonly fileSize?: number;
}

/** `BUFSIZE` of shmif_dumpbus.c: its payload buffer (64 KiB). @category Bus files */
export const DUMPBUS_BUFSIZE = 64 * 1024;

/**
 * Walks the frames from `shm_first` to `shm_last` as `shmif_dumpbus` does: start at
 * `shm_first` (the `BUSMEM_DATASIZE` sentinel meaning 0), allow one wrap when `shm_last <
 * shm_first` (the "bonus"), skip `sp_len == 0` records (the phantom frame), and call `visit`
 * for every other frame. Returns the number of frames visited.
 *
 * The default (`walk: 'safe'`) checks offsets and lengths as it goes, so a corrupt bus gives a
 * typed error instead of an out-of-bounds read, and it stops after the frame at `shm_last`.
 *
 * `walk: 'dumpbus'` runs the tool's loop as written (usr.bin/shmif_dumpbus, facts.md 1.8):
 * `while (curbus <= buslast || bonus)`, with no stop at `shm_last`. When the newest frame
 * straddles the end of the ring, reading it returns an offset below `shm_last`, so the loop
 * goes on from the end of that frame into stale bytes (what is left of overwritten frames):
 * it takes them for packet headers, dumps what they describe, and stops at the first `assert`
 * that fails, normally the `KASSERT(len < BUSMEM_DATASIZE/2 ...)` of `shmif_busread` (an
 * `assert` in userland) on a stale `sp_len`, or in `-p` mode `assert(curlen <= BUFSIZE)`: an
 * abort, thrown here as a `kassert` {@link ShmifError} naming the assertion. When the newest
 * frame ends exactly at the end, the read returns 0 and the walk starts over from offset 0; when
 * it comes back to an offset it has already started an iteration at, the tool loops forever,
 * thrown here as `walkLoops`. Frames visited before either are visited.
 * @category Bus files
 */
export function walkBusFrames(
  mem: ShmifMem,
  visit: (frame: BusFrame) => void,
  options: WalkBusFramesOptions = {},
): number {
  if ((options.walk ?? 'safe') === 'dumpbus') return dumpbusWalk(mem, visit, options);
  const size = mem.dataSize;
  const { first, last } = readHeader(mem);
  if (first > size) {
    throw new ShmifError(
      'offsetOutOfRange',
      `bus: shm_first ${first} (file offset 16) is beyond the data area of ${size} bytes`,
      {
        offset: first,
      },
    );
  }
  if (last >= size) {
    throw new ShmifError(
      'offsetOutOfRange',
      `bus: shm_last ${last} (file offset 20) is outside the data area of ${size} bytes`,
      {
        offset: last,
      },
    );
  }
  let cur = first === size ? 0 : first;
  let bonus = last < cur;
  const hdr = new Uint8Array(SHMIF_PKTHDR_SIZE);
  let frames = 0;
  // Frames are at least 12 bytes: more than size/12 + 2 headers means the walk went astray.
  const maxSteps = Math.floor(size / SHMIF_PKTHDR_SIZE) + 2;
  for (let steps = 0; cur <= last || bonus; steps++) {
    if (steps > maxSteps) {
      throw new ShmifError(
        'offsetOutOfRange',
        `bus: the walk from shm_first ${first} never reaches shm_last ${last}`,
        {
          offset: cur,
        },
      );
    }
    const wrap: WrapFlag = { wrap: false };
    const offset = cur;
    cur = shmifBusread(mem, hdr, cur, SHMIF_PKTHDR_SIZE, wrap);
    if (wrap.wrap) bonus = false;
    const sp = decodePkthdr(hdr);
    if (sp.len > SHMIF_MAX_FRAME || sp.len >= Math.floor(size / 2)) {
      throw new ShmifError(
        'impossibleLength',
        `bus: packet header at data offset ${offset} has sp_len ${sp.len}: more than ETHERMTU + ETHER_HDR_LEN = ` +
          `${SHMIF_MAX_FRAME} or not below half the data area (${size})`,
        { offset },
      );
    }
    const payload = new Uint8Array(sp.len);
    cur = shmifBusread(mem, payload, cur, sp.len, wrap);
    if (wrap.wrap) bonus = false;
    if (sp.len !== 0) {
      visit({ offset, len: sp.len, sec: sp.sec, usec: sp.usec, payload });
      frames++;
    }
    if (offset === last) return frames;
  }
  // The loop ended without a frame at shm_last: shm_last is not on a frame boundary.
  throw new ShmifError(
    'offsetOutOfRange',
    `bus: the walk from shm_first ${first} passes shm_last ${last} without a frame starting there`,
    {
      offset: last,
    },
  );
}

/** `assert(cond)` of the userland tool: an abort, as a `kassert` error. */
function dumpbusAssert(cond: boolean, expr: string, offset: number): void {
  if (!cond) {
    throw new ShmifError('kassert', `shmif_dumpbus: assert(${expr}) failed at offset ${offset}`, { offset });
  }
}

/** The main loop of shmif_dumpbus.c, as written (see {@link walkBusFrames}). */
function dumpbusWalk(mem: ShmifMem, visit: (frame: BusFrame) => void, options: WalkBusFramesOptions): number {
  const size = mem.dataSize;
  const stSize = options.fileSize ?? busSizeFor(size);
  const { first, last } = readHeader(mem);
  let curbus = first;
  const buslast = last;
  if (curbus === size) curbus = 0;
  let bonus = buslast < curbus;
  const hdr = new Uint8Array(SHMIF_PKTHDR_SIZE);
  const seen = new Set<number>();
  let frames = 0;
  while (curbus <= buslast || bonus) {
    // The bus is read-only and the loop deterministic: an iteration that starts where an
    // earlier one did, with the same bonus, repeats forever.
    const at = curbus * 2 + (bonus ? 1 : 0);
    if (seen.has(at)) {
      throw new ShmifError(
        'walkLoops',
        `shmif_dumpbus: the walk is back at offset ${curbus}${bonus ? ' with its bonus' : ''} and loops forever (shm_first ${first}, shm_last ${last})`,
        { offset: curbus },
      );
    }
    seen.add(at);
    dumpbusAssert(curbus < stSize, 'curbus < sb.st_size', curbus);
    const wrap: WrapFlag = { wrap: false };
    const oldoff = curbus;
    curbus = shmifBusread(mem, hdr, oldoff, SHMIF_PKTHDR_SIZE, wrap);
    if (wrap.wrap) bonus = false;
    dumpbusAssert(curbus < stSize, 'curbus < sb.st_size', curbus);
    const sp = decodePkthdr(hdr);
    const curlen = sp.len;
    if (curlen === 0) continue;
    if (options.pcap) dumpbusAssert(curlen <= DUMPBUS_BUFSIZE, 'curlen <= BUFSIZE', oldoff);
    // shmif_busread asserts len < BUSMEM_DATASIZE/2 (assert() in userland)
    const payload = new Uint8Array(curlen < size ? curlen : 0);
    curbus = shmifBusread(mem, payload, curbus, curlen, wrap);
    if (wrap.wrap) bonus = false;
    visit({ offset: oldoff, len: curlen, sec: sp.sec, usec: sp.usec, payload });
    frames++;
  }
  return frames;
}

/**
 * What the seed needs of a bus file before any rump kernel attaches to it, beyond what
 * `parseBusFile` checks (size, magic, version, offsets, the frame walk from `shm_first` to
 * `shm_last`). Each condition below makes every interface of a run stop or hang at once in
 * the C code, so a bus file with it is bad input (exit 2), not a run:
 *
 * - `shm_lock` not 0: `initbackend` takes the bus lock (if_shmem.c 227) and `shmif_lockbus`
 *   (114-133) spins until it is free; the file is loaded, not mapped live, so nobody holds
 *   it and nobody will free it.
 * - `shm_magic` set and `shm_first == shm_last`: a receiver attaches at `shm_last` (234),
 *   is not up to date there (646-648 compares `shmif_nextpktoff(shm_last)`), and stops at
 *   `KASSERT(busmem->shm_first != busmem->shm_last)` in `stillvalid_p` (586).
 * - `shm_magic` 0 (nobody attached yet): `initbackend` sets only `shm_magic` and `shm_first`
 *   (229-232) and takes `shm_last` as it is (234), and the first `shmif_start` reads the
 *   packet header there (`shmif_nextpktoff`, 522). So `shm_last` must lie in the data area
 *   and its packet header must have a length `shmif_busread`'s `KASSERT(sp.sp_len <= ETHERMTU
 *   + ETHER_HDR_LEN)` (681) accepts.
 *
 * A bus that passes and still makes a faithful receiver stop during the run is reported by
 * the run as a failed check (`noKassertFails`, with the findings that explain it).
 *
 * @module
 */
import {
  SHMIF_MAGIC,
  SHMIF_MAX_FRAME,
  SHMIF_PKTHDR_SIZE,
  SHM_OFFSETS,
  getU32le,
  readHeader,
  shmifMemOver,
} from '@kspec/shared-memory';

/**
 * Why the seed cannot run on this bus image (`32 + dataSize` bytes that passed
 * `parseBusFile`), or `null` when it can.
 * @category Engine
 */
export function busSeedProblem(image: Uint8Array, dataSize: number): string | null {
  const mem = shmifMemOver(image.buffer, dataSize, image.byteOffset);
  const h = readHeader(mem);
  if (h.lock !== 0) {
    return (
      `shm_lock (file offset ${SHM_OFFSETS.lock}) is ${h.lock}, not 0: the bus is locked and nobody will unlock it ` +
      '(the file is loaded, not shared live), so initbackend would spin in shmif_lockbus forever (if_shmem.c 114-133, 227)'
    );
  }
  if (h.magic === SHMIF_MAGIC && h.first === h.last) {
    return (
      `shm_first == shm_last == ${h.first}: every receiver attaches at shm_last (if_shmem.c 234) and stops at ` +
      'KASSERT(busmem->shm_first != busmem->shm_last) in stillvalid_p (586)'
    );
  }
  if (h.magic === 0) {
    const fresh =
      'shm_magic is 0 (nobody attached yet), so initbackend sets only shm_magic and shm_first (if_shmem.c 229-232)';
    if (h.last >= dataSize || h.last + SHMIF_PKTHDR_SIZE > dataSize) {
      return `${fresh} and attaches at shm_last ${h.last} (234), but that is outside the data area of ${dataSize} bytes`;
    }
    const len = getU32le(mem.data, h.last);
    if (len > SHMIF_MAX_FRAME || len >= dataSize) {
      return (
        `${fresh} and the first write reads the packet header at shm_last ${h.last} (shmif_start 522): its sp_len ${len} ` +
        `is more than ${SHMIF_MAX_FRAME} (KASSERT(sp.sp_len <= ETHERMTU + ETHER_HDR_LEN), 681)`
      );
    }
  }
  return null;
}

/**
 * pcap export of a shmif bus, as `shmif_dumpbus -p` writes it (facts.md 1.8): the classic
 * libpcap format, global header magic 0xa1b2c3d4 in host byte order, version 2.4, thiszone
 * and sigfigs 0, snaplen 1518, link type `DLT_EN10MB` (1); then for each frame from
 * `shm_first` to `shm_last` (the walk of {@link walkBusFrames}, phantom frames skipped) a
 * 16-byte record header `ts_sec`, `ts_usec`, `caplen`, `len` (u32 each; caplen = len =
 * `sp_len`, the timestamp from `sp_sec`/`sp_usec`, the sender's uptime) and the frame bytes.
 *
 * Where the C tool departed from intent: dumpbus of that era wrote the in-memory
 * `struct pcap_pkthdr` (with a native `struct timeval`) instead of the 16-byte on-disk record,
 * which corrupted the file on LP64 hosts; this export writes the on-disk record, as the later
 * fix does.
 *
 * @module
 */
import { walkBusFrames } from './file.js';
import type { BusFrame } from './file.js';
import type { ShmifMem } from './layout.js';

/** pcap global header magic (microsecond timestamps). @category pcap */
export const PCAP_MAGIC = 0xa1b2c3d4;
/** `DLT_EN10MB`: Ethernet. @category pcap */
export const DLT_EN10MB = 1;
/** The snaplen dumpbus uses. @category pcap */
export const SHMIF_PCAP_SNAPLEN = 1518;
/** Size of the pcap global header. @category pcap */
export const PCAP_GLOBAL_HEADER_SIZE = 24;
/** Size of the on-disk pcap record header. @category pcap */
export const PCAP_RECORD_HEADER_SIZE = 16;

/**
 * Encodes frames as a pcap file (little endian, microsecond timestamps, Ethernet).
 * @category pcap
 */
export function framesToPcap(frames: readonly Pick<BusFrame, 'sec' | 'usec' | 'payload'>[]): Uint8Array {
  let size = PCAP_GLOBAL_HEADER_SIZE;
  for (const f of frames) size += PCAP_RECORD_HEADER_SIZE + f.payload.length;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, PCAP_MAGIC, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setInt32(8, 0, true);
  dv.setUint32(12, 0, true);
  dv.setUint32(16, SHMIF_PCAP_SNAPLEN, true);
  dv.setUint32(20, DLT_EN10MB, true);
  let off = PCAP_GLOBAL_HEADER_SIZE;
  for (const f of frames) {
    dv.setUint32(off, f.sec >>> 0, true);
    dv.setUint32(off + 4, f.usec >>> 0, true);
    dv.setUint32(off + 8, f.payload.length, true);
    dv.setUint32(off + 12, f.payload.length, true);
    out.set(f.payload, off + PCAP_RECORD_HEADER_SIZE);
    off += PCAP_RECORD_HEADER_SIZE + f.payload.length;
  }
  return out;
}

/**
 * The pcap export of a bus: every frame from `shm_first` to `shm_last` as dumpbus walks them.
 * Take the bus lock (or work on a copy) if writers are active.
 * @category pcap
 */
export function busToPcap(mem: ShmifMem): Uint8Array {
  const frames: BusFrame[] = [];
  walkBusFrames(mem, (f) => frames.push(f));
  return framesToPcap(frames);
}

/**
 * The Ethernet frames the scenario's interfaces exchange. Each is a broadcast frame from the
 * sending interface's own MAC (`sc_myaddr`, so the receiver's own-frame test at if_shmem.c
 * 700-707 applies), ethertype 0x88B5 (IEEE 802 local experimental), and a payload that
 * identifies it: the tag `KSPC`, the run's nonce (frames of an earlier run on the same bus
 * file carry another), the sender's index, its sequence number, the frame length, then filler
 * bytes computed from those, so a receiver can tell a whole frame from a torn one.
 *
 * ```
 *  0  dst ff:ff:ff:ff:ff:ff   6  src sc_myaddr   12  type 0x88b5
 * 14  "KSPC"   18  nonce u32 BE   22  sender u16 BE   24  seq u32 BE   28  length u16 BE   30  filler
 * ```
 *
 * @module
 */

/** IEEE 802 local experimental ethertype 1. @category shmif driver */
export const KSPEC_ETHERTYPE = 0x88b5;
/** Bytes before the filler. @category shmif driver */
export const KSPEC_FRAME_HEADER = 30;
const TAG = [0x4b, 0x53, 0x50, 0x43]; // "KSPC"

function fill(nonce: number, sender: number, seq: number, k: number): number {
  return (nonce + sender * 31 + seq * 7 + k * 13) & 0xff;
}

/**
 * A scenario frame of `length` bytes (30..1514) from `mac`.
 * @category shmif driver
 */
export function makeFrame(
  mac: readonly number[],
  nonce: number,
  sender: number,
  seq: number,
  length: number,
): Uint8Array {
  const f = new Uint8Array(length);
  f.fill(0xff, 0, 6);
  for (let k = 0; k < 6; k++) f[6 + k] = mac[k] ?? 0;
  const v = new DataView(f.buffer);
  v.setUint16(12, KSPEC_ETHERTYPE);
  f.set(TAG, 14);
  v.setUint32(18, nonce >>> 0);
  v.setUint16(22, sender);
  v.setUint32(24, seq);
  v.setUint16(28, length);
  for (let k = KSPEC_FRAME_HEADER; k < length; k++) f[k] = fill(nonce, sender, seq, k);
  return f;
}

/**
 * What a received frame says about itself, or `null` when it is not a whole scenario frame
 * (too short, foreign, wrong length, or filler that does not match: torn).
 * @category shmif driver
 */
export function parseFrame(
  frame: Uint8Array,
): { readonly nonce: number; readonly sender: number; readonly seq: number } | null {
  if (frame.length < KSPEC_FRAME_HEADER) return null;
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (v.getUint16(12) !== KSPEC_ETHERTYPE) return null;
  for (let k = 0; k < 4; k++) if (frame[14 + k] !== TAG[k]) return null;
  const nonce = v.getUint32(18);
  const sender = v.getUint16(22);
  const seq = v.getUint32(24);
  if (v.getUint16(28) !== frame.length) return null;
  for (let k = KSPEC_FRAME_HEADER; k < frame.length; k++)
    if (frame[k] !== fill(nonce, sender, seq, k)) return null;
  return { nonce, sender, seq };
}

/**
 * Frames of the bus stress test and benchmark: each frame is a function of (writer, seq), so a
 * receiver can check every byte it took without being told what was sent. Layout: Ethernet
 * destination (broadcast), source `b2:a0:00:00:00:<writer>`, type 0x88b5 (local experimental),
 * the writer's sequence number (u32 LE), then payload bytes taken from a fixed pseudo-random
 * block at an offset given by the sequence number.
 *
 * @module
 */

/** Bytes before the pattern payload: 14 (Ethernet header) + 4 (sequence number). @category Stress */
export const STRESS_HEADER = 18;
const BLOCK = 4096;

function makePattern(): Uint8Array {
  const p = new Uint8Array(2 * BLOCK);
  let x = 0x9e3779b9;
  for (let i = 0; i < BLOCK; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    p[i] = x & 0xff;
  }
  p.copyWithin(BLOCK, 0, BLOCK);
  return p;
}
const PATTERN = makePattern();

/**
 * The frame length of (writer, seq) when lengths vary between `min` and `max` (inclusive).
 * @category Stress
 */
export function stressFrameLength(writer: number, seq: number, min: number, max: number): number {
  if (min === max) return min;
  return min + ((Math.imul(seq ^ (writer << 24), 0x9e3779b1) >>> 0) % (max - min + 1));
}

/**
 * Writes frame (writer, seq) of `len` bytes (at least {@link STRESS_HEADER}) into `out`.
 * @category Stress
 */
export function fillStressFrame(out: Uint8Array, writer: number, seq: number, len: number): Uint8Array {
  out.fill(0xff, 0, 6);
  out[6] = 0xb2;
  out[7] = 0xa0;
  out[8] = 0;
  out[9] = 0;
  out[10] = 0;
  out[11] = writer & 0xff;
  out[12] = 0x88;
  out[13] = 0xb5;
  out[14] = seq & 0xff;
  out[15] = (seq >>> 8) & 0xff;
  out[16] = (seq >>> 16) & 0xff;
  out[17] = (seq >>> 24) & 0xff;
  const k = (seq * 7) % BLOCK;
  out.set(PATTERN.subarray(k, k + len - STRESS_HEADER), STRESS_HEADER);
  return out.subarray(0, len);
}

/**
 * Decodes (writer, seq) of a stress frame and checks every byte against what that writer
 * sends for that seq with lengths in [min, max]. Returns null when the bytes are not exactly
 * such a frame.
 * @category Stress
 */
export function checkStressFrame(
  frame: Uint8Array,
  min: number,
  max: number,
): { readonly writer: number; readonly seq: number } | null {
  if (frame.length < STRESS_HEADER) return null;
  const writer = frame[11] ?? 0;
  const seq =
    ((frame[14] ?? 0) | ((frame[15] ?? 0) << 8) | ((frame[16] ?? 0) << 16) | ((frame[17] ?? 0) << 24)) >>> 0;
  if (frame.length !== stressFrameLength(writer, seq, min, max)) return null;
  if (frame[6] !== 0xb2 || frame[7] !== 0xa0 || frame[12] !== 0x88 || frame[13] !== 0xb5) return null;
  for (let i = 0; i < 6; i++) if (frame[i] !== 0xff) return null;
  if (frame[8] !== 0 || frame[9] !== 0 || frame[10] !== 0) return null;
  const k = (seq * 7) % BLOCK;
  const body = frame.subarray(STRESS_HEADER);
  const want = PATTERN.subarray(k, k + body.length);
  if (
    Buffer.compare(
      Buffer.from(body.buffer, body.byteOffset, body.length),
      Buffer.from(want.buffer, want.byteOffset, want.length),
    ) !== 0
  ) {
    return null;
  }
  return { writer, seq };
}

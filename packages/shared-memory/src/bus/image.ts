/**
 * The bus as plain data, for the model checker and for machines whose context holds a bus: a
 * {@link ShmifBusImage} is a small byte array (header + data area) treated as immutable.
 * Every change goes through {@link busImageApply}, which copies the bytes, runs any of the C
 * bus operations (`busops.ts`, `transmit.ts`, `receiver.ts`) on the copy and returns the new
 * image, so states can be kept, compared and hashed ({@link busImageKey}) freely. The
 * operations are the very same functions the shared-memory bus runs; only the memory differs.
 *
 * Keep images small (a data size of a few dozen bytes) for exploration: a copy per step is
 * the price of immutability.
 *
 * @module
 */
import { ShmifError } from './errors.js';
import { busSizeFor, checkDataSize, readHeader, shmifMemOver } from './layout.js';
import type { ShmifHeader, ShmifMem } from './layout.js';

/**
 * An immutable bus: `bytes` is the bus file image (`32 + dataSize` bytes). Never mutate
 * `bytes`; use {@link busImageApply}.
 * @category Shmif bus image
 */
export interface ShmifBusImage {
  readonly dataSize: number;
  readonly bytes: Uint8Array;
}

/**
 * A fresh all-zero bus image (magic 0: run `shmifInitbackendBus` on it through
 * {@link busImageApply} to initialise it as the first attacher does).
 * @category Shmif bus image
 */
export function createBusImage(dataSize: number): ShmifBusImage {
  return Object.freeze({ dataSize: checkDataSize(dataSize), bytes: new Uint8Array(busSizeFor(dataSize)) });
}

/**
 * Runs `fn` on a private copy of the image's memory and returns the new image with `fn`'s
 * result. The input image is unchanged (also when `fn` throws).
 * @category Shmif bus image
 */
export function busImageApply<R>(
  image: ShmifBusImage,
  fn: (mem: ShmifMem) => R,
): { image: ShmifBusImage; result: R } {
  const bytes = image.bytes.slice();
  const result = fn(shmifMemOver(bytes.buffer, image.dataSize));
  return { image: Object.freeze({ dataSize: image.dataSize, bytes }), result };
}

/**
 * Runs a read-only `fn` on the image's memory without copying. `fn` must not write.
 * @category Shmif bus image
 */
export function busImageRead<R>(image: ShmifBusImage, fn: (mem: ShmifMem) => R): R {
  return fn(shmifMemOver(image.bytes.buffer, image.dataSize, image.bytes.byteOffset));
}

/** The decoded header of an image. @category Shmif bus image */
export function busImageHeader(image: ShmifBusImage): ShmifHeader {
  return busImageRead(image, readHeader);
}

/**
 * A canonical string key of the image's bytes (one char per byte), for hash sets and maps.
 * @category Shmif bus image
 */
export function busImageKey(image: ShmifBusImage): string {
  const b = image.bytes;
  let s = '';
  for (let i = 0; i < b.length; i += 4096) {
    s += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 4096)));
  }
  return s;
}

/** The image as lowercase hex (JSON-friendly). @category Shmif bus image */
export function busImageToHex(image: ShmifBusImage): string {
  return Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.length).toString('hex');
}

/** An image from {@link busImageToHex}'s output; checks the length against `dataSize`. @category Shmif bus image */
export function busImageFromHex(hex: string, dataSize: number): ShmifBusImage {
  const size = busSizeFor(dataSize);
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length !== size * 2) {
    throw new ShmifError(
      'truncatedFile',
      `busImageFromHex: want ${size * 2} hex digits for dataSize ${dataSize}, got ${hex.length}`,
    );
  }
  return Object.freeze({ dataSize, bytes: new Uint8Array(Buffer.from(hex, 'hex')) });
}

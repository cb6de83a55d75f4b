/**
 * Bus files on disk (Node only, `@kspec/shared-memory/node`): read and check one
 * ({@link parseBusFile} does the checking on bytes, in any environment), or write a bus image.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseBusFile, type ParseBusFileOptions, type ParsedBusFile } from './file.js';
import type { ShmifMem } from './layout.js';

/**
 * Reads and checks a bus file ({@link parseBusFile}).
 * @category Bus files
 */
export async function loadBusFile(path: string, options: ParseBusFileOptions = {}): Promise<ParsedBusFile> {
  const bytes = await readFile(path);
  return parseBusFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), options);
}

/**
 * Writes a bus image (header + data area, `32 + dataSize` bytes) to `path`.
 * @category Bus files
 */
export async function saveBusFile(path: string, mem: ShmifMem): Promise<void> {
  await writeFile(path, mem.bytes.slice());
}

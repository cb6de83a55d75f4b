/**
 * Fast copies inside one shared memory. V8 copies between a `SharedArrayBuffer` and anything
 * else (`TypedArray.prototype.set`, `Buffer.copy`, `copyWithin`) on a slow path of about
 * 0.7 ns per byte, eight times slower than a plain `memcpy`. A WebAssembly `memory.copy` inside
 * a shared `WebAssembly.Memory` runs at memcpy speed. So a {@link ShmifBus} lives in a shared
 * WebAssembly memory when the platform has one, with per-thread staging buffers (the model of
 * an mbuf cluster) in the same memory; `shmif_busread`/`shmif_buswrite` use this copy when
 * source and destination are both in it, and the plain typed-array copy otherwise. Same bytes
 * either way: this only changes speed.
 *
 * The module is twelve instructions: `copy(dst, src, len)` = `memory.copy`, memory imported as
 * shared (`m.m`, 16-bit page limits encoded as LEB128).
 *
 * @module
 */

/** A copy of `len` bytes from byte `src` to byte `dst` of one buffer (memmove semantics). @category Shmif bus */
export type FastCopy = (dst: number, src: number, len: number) => void;

/**
 * The part of a WebAssembly `Memory` this module uses (the project's type libraries do not
 * declare the WebAssembly namespace).
 * @category Shmif bus
 */
export interface SharedWasmMemory {
  readonly buffer: ArrayBufferLike;
}

interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => SharedWasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const Wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const registry = new WeakMap<ArrayBufferLike, FastCopy>();

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function moduleBytes(pages: number): Uint8Array {
  const limits = [0x03, ...uleb(pages), ...uleb(pages)]; // shared, min = max
  const importBody = [0x01, 0x01, 0x6d, 0x01, 0x6d, 0x02, ...limits];
  const body = [0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x00, 0x00, 0x0b];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00],
    ...[0x02, importBody.length, ...importBody],
    ...[0x03, 0x02, 0x01, 0x00],
    ...[0x07, 0x08, 0x01, 0x04, 0x63, 0x6f, 0x70, 0x79, 0x00, 0x00],
    ...[0x0a, body.length + 2, 0x01, body.length, ...body],
  ]);
}

/**
 * A shared WebAssembly memory of `pages` 64 KiB pages (fixed size) with its fast copy
 * registered, or null when the platform lacks shared WebAssembly memory.
 * @category Shmif bus
 */
export function createSharedWasmMemory(pages: number): SharedWasmMemory | null {
  if (Wasm === undefined) return null;
  let memory: SharedWasmMemory;
  try {
    memory = new Wasm.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return null;
  }
  return registerWasmMemory(memory) ? memory : null;
}

/**
 * Instantiates the copy module over `memory` (a shared memory posted from another thread) and
 * registers it for `memory.buffer`. False when that fails.
 * @category Shmif bus
 */
export function registerWasmMemory(memory: SharedWasmMemory): boolean {
  const buffer = memory.buffer;
  if (registry.has(buffer)) return true;
  if (Wasm === undefined) return false;
  try {
    const pages = buffer.byteLength / 65536;
    const instance = new Wasm.Instance(new Wasm.Module(moduleBytes(pages)), { m: { m: memory } });
    const copy = instance.exports['copy'] as FastCopy;
    registry.set(buffer, copy);
    return true;
  } catch {
    return false;
  }
}

/** The fast copy registered for `buffer`, if any. @category Shmif bus */
export function fastCopyFor(buffer: ArrayBufferLike): FastCopy | null {
  return registry.get(buffer) ?? null;
}

/**
 * Fast copies inside one shared memory. V8 copies to or from a `SharedArrayBuffer`
 * (`TypedArray.prototype.set`, `Buffer.copy`, `copyWithin`) on a slower path than between
 * plain buffers (measured on the build machine, Node 20: about 210 ns for 1514 bytes, twice a
 * plain-buffer copy), and every such call on a subarray allocates a view. A WebAssembly
 * `memory.copy` inside a shared `WebAssembly.Memory` takes about 60 ns for the same bytes. So a {@link ShmifBus} lives in a shared
 * WebAssembly memory when the platform has one, with per-thread staging buffers (the model of
 * an mbuf cluster) in the same memory; `shmif_busread`/`shmif_buswrite` use this copy when
 * source and destination are both in it, and the plain typed-array copy otherwise. Same bytes
 * either way: this only changes speed.
 *
 * The same module also gives the bus lock its two atomic operations on such a memory:
 * `cas(addr, expected, replacement)` = `i32.atomic.rmw.cmpxchg` (`atomic_cas_32`) and
 * `xchg(addr, value)` = `i32.atomic.rmw.xchg` (`atomic_swap_32`). They are the operations
 * `Atomics.compareExchange`/`Atomics.exchange` perform, sequentially consistent in the one
 * memory model JavaScript and WebAssembly share, and interoperate with them on the same word;
 * a call costs about a third of the JavaScript builtin here (V8 11.3 does not inline those).
 *
 * The module is three functions of a few instructions each, memory imported as shared (`m.m`,
 * page limits encoded as LEB128), assembled below.
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

/**
 * The atomic operations of the bus lock on a shared WebAssembly memory, by byte address of an
 * aligned 32-bit word: `cas` returns the old value (`atomic_cas_32`), `xchg` the old value
 * (`atomic_swap_32`).
 * @category Shmif bus
 */
export interface WasmAtomics {
  readonly cas: (addr: number, expected: number, replacement: number) => number;
  readonly xchg: (addr: number, value: number) => number;
}

interface WasmOps {
  readonly copy: FastCopy;
  readonly atomics: WasmAtomics;
}

const registry = new WeakMap<ArrayBufferLike, WasmOps>();

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

function section(id: number, body: readonly number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}
function name(s: string): number[] {
  return [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
}

function moduleBytes(pages: number): Uint8Array {
  const I32 = 0x7f;
  const types = [
    ...[0x03], // three function types
    ...[0x60, 0x03, I32, I32, I32, 0x00], // 0: (i32, i32, i32) -> ()
    ...[0x60, 0x03, I32, I32, I32, 0x01, I32], // 1: (i32, i32, i32) -> i32
    ...[0x60, 0x02, I32, I32, 0x01, I32], // 2: (i32, i32) -> i32
  ];
  // import "m" "m": memory, shared, min = max = pages
  const imports = [0x01, ...name('m'), ...name('m'), 0x02, 0x03, ...uleb(pages), ...uleb(pages)];
  const funcs = [0x03, 0x00, 0x01, 0x02];
  const exports = [
    0x03,
    ...name('copy'),
    0x00,
    0x00,
    ...name('cas'),
    0x00,
    0x01,
    ...name('xchg'),
    0x00,
    0x02,
  ];
  const LOCAL = 0x20;
  const bodies = [
    // copy: memory.copy(dst = local 0, src = local 1, len = local 2)
    [0x00, LOCAL, 0, LOCAL, 1, LOCAL, 2, 0xfc, 0x0a, 0x00, 0x00, 0x0b],
    // cas: i32.atomic.rmw.cmpxchg align=4 offset=0 (addr, expected, replacement)
    [0x00, LOCAL, 0, LOCAL, 1, LOCAL, 2, 0xfe, 0x48, 0x02, 0x00, 0x0b],
    // xchg: i32.atomic.rmw.xchg align=4 offset=0 (addr, value)
    [0x00, LOCAL, 0, LOCAL, 1, 0xfe, 0x41, 0x02, 0x00, 0x0b],
  ];
  const code = [bodies.length, ...bodies.flatMap((b) => [...uleb(b.length), ...b])];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(0x01, types),
    ...section(0x02, imports),
    ...section(0x03, funcs),
    ...section(0x07, exports),
    ...section(0x0a, code),
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
    const e = instance.exports;
    registry.set(buffer, {
      copy: e['copy'] as FastCopy,
      atomics: { cas: e['cas'] as WasmAtomics['cas'], xchg: e['xchg'] as WasmAtomics['xchg'] },
    });
    return true;
  } catch {
    return false;
  }
}

/** The fast copy registered for `buffer`, if any. @category Shmif bus */
export function fastCopyFor(buffer: ArrayBufferLike): FastCopy | null {
  return registry.get(buffer)?.copy ?? null;
}

/** The WebAssembly atomics registered for `buffer`, if any. @category Shmif bus */
export function wasmAtomicsFor(buffer: ArrayBufferLike): WasmAtomics | null {
  return registry.get(buffer)?.atomics ?? null;
}

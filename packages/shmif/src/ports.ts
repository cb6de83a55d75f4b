/**
 * The environment the shmif driver talks to, as ports: the randomness behind the MAC address
 * (`arc4random`, line 154) and the rumpuser host (`rumpuser_open`, `rumpuser_filemmap`,
 * `rumpuser_pwrite`, `rumpuser_writewatchfile_setup`/`_wait`, lines 208-251, 286, 459, 551,
 * 568, 651) with the bus memory behind it.
 *
 * Two host ports share one interface:
 * - {@link imageHostPort}: pure. Bus files are immutable `ShmifBusImage`s and wake-up counters
 *   held in the machine's context (`HostState`), so the model checker can keep, compare and
 *   hash states. Locking is a single CAS attempt (in the checker nobody holds the lock between
 *   atomic steps).
 * - {@link sharedHostPort}: live. Paths name `ShmifBus`es on `SharedArrayBuffer`s (shared
 *   with other worker threads); the bus operations run on that memory in place, the lock
 *   spins as in C, and the wake-up is `Atomics.notify`. `HostState` stays empty.
 *
 * Randomness is a pure step function over a 32-bit state kept in context
 * ({@link seededRandomness}, the deterministic default), or a live source
 * ({@link cryptoRandomness}).
 *
 * Fault injection: the host calls a model makes can be told to fail with a NetBSD errno
 * through `ShmifFaults` in the machine's context (see `context.ts`), not here, so faults are
 * part of the explored state.
 *
 * What is not modelled: descriptor numbers of the host (each interface numbers its own
 * descriptors), `ftruncate` of a foreign file to `BUSMEM_SIZE` (only its magic word matters to
 * the driver), page prefaulting (lines 221-225, 237-244: no effect on behaviour), and a host
 * file that is live-mapped by another process (the live port shares memory, not files).
 *
 * @module
 */
import {
  ShmifBus,
  busImageApply,
  busImageRead,
  createBusImage,
  shmifDowakeup,
  shmifLockbus,
  shmifTrylockbus,
} from '@kspec/shared-memory';
import type { ShmifBusImage, ShmifMem } from '@kspec/shared-memory';

/**
 * `arc4random()` as a port: a pure step over a 32-bit state.
 * @category Ports
 */
export interface RandomnessPort {
  /** Used in error messages. */
  readonly name: string;
  /** The next 32-bit random value and the next state. */
  readonly arc4random: (state: number) => { readonly value: number; readonly state: number };
}

/**
 * The deterministic default: mulberry32 over the state in context (seed it through the
 * machine input).
 * @category Ports
 */
export const seededRandomness: RandomnessPort = Object.freeze({
  name: 'seededRandomness',
  arc4random(state: number) {
    const next = (state + 0x6d2b79f5) >>> 0;
    let t = next;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return { value: (t ^ (t >>> 14)) >>> 0, state: next };
  },
});

/**
 * A live source: `crypto.getRandomValues`, state unchanged (not for the checker).
 * @category Ports
 */
export const cryptoRandomness: RandomnessPort = Object.freeze({
  name: 'cryptoRandomness',
  arc4random(state: number) {
    const a = new Uint32Array(1);
    globalThis.crypto.getRandomValues(a);
    return { value: a[0]!, state };
  },
});

/**
 * What a host port keeps in the machine's context: for the pure port, the bus files (by
 * path); empty for the live port. (Pending wake-ups of the pure port are flags on each
 * interface's kqueue descriptor, so equal states have equal contexts.)
 * @category Ports
 */
export interface HostState {
  readonly buses: Readonly<Record<string, ShmifBusImage>>;
}

/** An empty {@link HostState}. @category Ports */
export const EMPTY_HOST: HostState = Object.freeze({ buses: Object.freeze({}) });

/**
 * The rumpuser host calls of the driver, over a {@link HostState} the caller threads through.
 * Every call names the bus file by path (the model's `sc_busmem`/`sc_memfd` keep the path).
 * @category Ports
 */
export interface ShmifHostPort {
  readonly name: string;
  /** True when bus operations change shared memory in place (the live port). */
  readonly live: boolean;
  /** The data-area size of the buses this host creates. */
  readonly dataSize: number;
  /**
   * `rumpuser_open(path, O_RDWR | O_CREAT)`: 0, creating an empty (all-zero) file when absent,
   * or a NetBSD errno.
   */
  open(host: HostState, path: string): { readonly error: number; readonly host: HostState };
  /** `rumpuser_filemmap(fd, 0, BUSMEM_SIZE, TRUNCATE | SHARED | READ | WRITE)`: 0 or an errno. */
  mmap(host: HostState, path: string): number;
  /** Runs a read-only `fn` on the bus memory of `path`. */
  read<R>(host: HostState, path: string, fn: (mem: ShmifMem) => R): R;
  /** Runs `fn`, which may write, on the bus memory of `path`; returns the new host state. */
  write<R>(
    host: HostState,
    path: string,
    fn: (mem: ShmifMem) => R,
  ): { readonly host: HostState; readonly result: R };
  /**
   * `shmif_lockbus`: the live port spins (CAS, 1 ms sleeps) until it holds the lock; the
   * pure port makes one CAS attempt and reports whether it took the lock.
   */
  lockbus(host: HostState, path: string): { readonly host: HostState; readonly acquired: boolean };
  /** `rumpuser_pwrite(memfd, &busversion, 4, IFMEM_WAKEUP)`: a file write every watcher sees. */
  wakeup(host: HostState, path: string): HostState;
  /**
   * Live: the count of wake-up writes to `path` so far (a watcher is woken while its count
   * lags). The pure port returns 0 and the model keeps pending flags instead.
   */
  wakeSeq(host: HostState, path: string): number;
  /**
   * Live only: resolves once `wakeSeq(path)` differs from `seen` (`Atomics.waitAsync`), the
   * blocking part of `rumpuser_writewatchfile_wait`, or after `timeoutMs` (the caller checks
   * again; a bounded wait keeps a finished program from being held open).
   */
  waitForWake?(path: string, seen: number, timeoutMs?: number): Promise<void>;
}

/**
 * Options of {@link imageHostPort}.
 * @category Ports
 */
export interface ImageHostOptions {
  /** Data-area size of buses created by `open` (tiny for the checker). */
  readonly dataSize: number;
  /** Paths `open` refuses, with the errno it returns (e.g. `{ '/nonexistent/bus': 2 }`). */
  readonly openErrors?: Readonly<Record<string, number>>;
}

/**
 * The pure host port for the model checker and for deterministic tests.
 * @category Ports
 */
export function imageHostPort(options: ImageHostOptions): ShmifHostPort {
  const { dataSize } = options;
  const openErrors = options.openErrors ?? {};
  const image = (host: HostState, path: string): ShmifBusImage => {
    const img = host.buses[path];
    if (img === undefined) throw new Error(`imageHostPort: no bus file at '${path}' (open it first)`);
    return img;
  };
  return Object.freeze({
    name: 'imageHostPort',
    live: false,
    dataSize,
    open(host: HostState, path: string) {
      const error = openErrors[path] ?? 0;
      if (error !== 0) return { error, host };
      if (host.buses[path] !== undefined) return { error: 0, host };
      return { error: 0, host: { buses: { ...host.buses, [path]: createBusImage(dataSize) } } };
    },
    mmap(host: HostState, path: string) {
      image(host, path);
      return 0;
    },
    read<R>(host: HostState, path: string, fn: (mem: ShmifMem) => R): R {
      return busImageRead(image(host, path), fn);
    },
    write<R>(host: HostState, path: string, fn: (mem: ShmifMem) => R) {
      const { image: next, result } = busImageApply(image(host, path), fn);
      return { host: { buses: { ...host.buses, [path]: next } }, result };
    },
    lockbus(host: HostState, path: string) {
      const { image: next, result } = busImageApply(image(host, path), shmifTrylockbus);
      return { host: { buses: { ...host.buses, [path]: next } }, acquired: result };
    },
    wakeup(host: HostState, path: string): HostState {
      const { image: next } = busImageApply(image(host, path), (mem) => {
        mem.view.setUint32(4, 2, true); // shm_version = SHMIF_VERSION at IFMEM_WAKEUP
      });
      return { buses: { ...host.buses, [path]: next } };
    },
    wakeSeq(): number {
      return 0;
    },
  });
}

/**
 * A host state holding the given bus images (e.g. a foreign file whose magic is wrong).
 * @category Ports
 */
export function hostWithBuses(buses: Readonly<Record<string, ShmifBusImage>>): HostState {
  return { buses: { ...buses } };
}

/** `Atomics.waitAsync` (Node 16+; typed in lib es2024, which this project does not load). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      i: number,
      v: number,
      timeout?: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/**
 * Options of {@link sharedHostPort}.
 * @category Ports
 */
export interface SharedHostOptions {
  /** Data-area size of buses `open` creates for unknown paths. */
  readonly dataSize?: number;
  /** Paths `open` refuses, with the errno. */
  readonly openErrors?: Readonly<Record<string, number>>;
}

/**
 * The live host: a registry of `ShmifBus`es by path. Register a bus shared with other threads
 * with `register(path, bus)`; `open` of an unknown path creates a new local bus (`O_CREAT`).
 * @category Ports
 */
export interface SharedHostPort extends ShmifHostPort {
  register(path: string, bus: ShmifBus): void;
  busAt(path: string): ShmifBus | undefined;
}

/**
 * Creates the live host port.
 * @category Ports
 */
export function sharedHostPort(options: SharedHostOptions = {}): SharedHostPort {
  const registry = new Map<string, ShmifBus>();
  const openErrors = options.openErrors ?? {};
  const dataSize = options.dataSize;
  const bus = (path: string): ShmifBus => {
    const b = registry.get(path);
    if (b === undefined) throw new Error(`sharedHostPort: no bus registered at '${path}' (open it first)`);
    return b;
  };
  return {
    name: 'sharedHostPort',
    live: true,
    dataSize: dataSize ?? 0xfffe0,
    register(path: string, b: ShmifBus) {
      registry.set(path, b);
    },
    busAt(path: string) {
      return registry.get(path);
    },
    open(host: HostState, path: string) {
      const error = openErrors[path] ?? 0;
      if (error !== 0) return { error, host };
      if (!registry.has(path))
        registry.set(path, ShmifBus.create(dataSize === undefined ? {} : { dataSize }));
      return { error: 0, host };
    },
    mmap(_host: HostState, path: string) {
      bus(path);
      return 0;
    },
    read<R>(_host: HostState, path: string, fn: (mem: ShmifMem) => R): R {
      return fn(bus(path).mem);
    },
    write<R>(host: HostState, path: string, fn: (mem: ShmifMem) => R) {
      return { host, result: fn(bus(path).mem) };
    },
    lockbus(host: HostState, path: string) {
      const b = bus(path);
      shmifLockbus(b.mem, b.lockOptions);
      return { host, acquired: true };
    },
    wakeup(host: HostState, path: string) {
      const b = bus(path);
      shmifDowakeup(b.mem, b.wakeWord);
      return host;
    },
    wakeSeq(_host: HostState, path: string) {
      return Atomics.load(bus(path).wakeWord, 0);
    },
    async waitForWake(path: string, seen: number, timeoutMs = 500) {
      const w = bus(path).wakeWord;
      if (Atomics.load(w, 0) !== seen) return;
      const r = waitAsync(w, 0, seen, timeoutMs);
      if (r.async) await r.value;
    },
  };
}

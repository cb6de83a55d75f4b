/**
 * The bus lock of if_shmem.c rev 1.33 (`shmif_lockbus` / `shmif_unlockbus`, lines 109-143):
 * a compare-and-swap of `shm_lock` from `LOCK_UNLOCKED` to `LOCK_LOCKED`; after more than
 * `LOCK_COOLDOWN` (1001) failed attempts the caller sleeps 1 ms (`rumpuser_nanosleep`) and
 * starts counting again. There is no owner and no timeout: a holder that dies holding the
 * lock wedges every other user of the bus, as the seed's own comment says (lines 109-112).
 *
 * Here the CAS is `Atomics.compareExchange` on the `shm_lock` word of the bus buffer (or, when
 * the bus is in a shared WebAssembly memory, the same operation as a WebAssembly
 * `i32.atomic.rmw.cmpxchg`, which V8 calls about three times faster; the swap of
 * `shmif_unlockbus` likewise, see `fastcopy.ts`) and the sleep is `Atomics.wait` on a private word with a 1 ms timeout (a pure sleep: nobody
 * notifies it, so it never returns early, as `rumpuser_nanosleep` does not). `membar_enter`
 * and `membar_exit` are implied: Atomics operations are sequentially consistent, so plain
 * accesses to the bus made under the lock are ordered by it.
 *
 * Departure for tests: an optional watchdog (`timeoutMs`) checked at each sleep throws a
 * `lockWedged` {@link ShmifError} instead of spinning forever. Without it the behaviour is C's.
 *
 * @module
 */
import { ShmifError, kassert } from './errors.js';
import { LOCK_COOLDOWN, LOCK_LOCKED, LOCK_UNLOCKED, SHM_OFFSETS } from './layout.js';
import type { ShmifMem } from './layout.js';

/**
 * Options of {@link shmifLockbus}.
 * @category Shmif bus
 */
export interface LockOptions {
  /** Watchdog: give up (throw `lockWedged`) after waiting this long. Default: never, as in C. */
  readonly timeoutMs?: number;
  /** Failed attempts before a sleep. Default {@link LOCK_COOLDOWN}. */
  readonly cooldown?: number;
  /** Sleep length in ms. Default 1, as the C code's `nsec = 1000*1000`. */
  readonly sleepMs?: number;
  /** Counters the slow path adds to (failed attempts, sleeps), for benchmarks and statistics. */
  readonly stats?: LockStats;
}

/**
 * Lock contention counters ({@link LockOptions.stats}): only the contended path touches them.
 * @category Shmif bus
 */
export interface LockStats {
  /** Failed compare-and-swap attempts. */
  failures: number;
  /** 1 ms sleeps after `LOCK_COOLDOWN` failed attempts. */
  sleeps: number;
}

const lockWords = new WeakMap<ShmifMem, Int32Array>();
/** Index of `shm_lock` in {@link ShmifMem.atomics}. */
const LOCK_INDEX = SHM_OFFSETS.lock / 4;
/**
 * The word {@link sleepMs} waits on, made on first use: a page that is not cross-origin
 * isolated (the docs viewer on file://) has no SharedArrayBuffer, and merely importing the
 * bus code must not fail there.
 */
let sleepWord: Int32Array | undefined;

/**
 * The `shm_lock` word of `mem` as an `Int32Array` of length 1 (for Atomics).
 * @category Shmif bus
 */
export function lockWord(mem: ShmifMem): Int32Array {
  let w = lockWords.get(mem);
  if (w === undefined) {
    const off = mem.base + SHM_OFFSETS.lock;
    w = new Int32Array(mem.bytes.buffer, off, 1);
    lockWords.set(mem, w);
  }
  return w;
}

/**
 * Sleeps `ms` milliseconds on the calling thread (`Atomics.wait` on a word nobody notifies).
 * @category Shmif bus
 */
export function sleepMs(ms: number): void {
  sleepWord ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleepWord, 0, 0, ms);
}

/**
 * `shmif_lockbus`: spins on a CAS of `shm_lock` 0 → 1, sleeping 1 ms after every
 * `LOCK_COOLDOWN` failed attempts. Returns the number of failed attempts (0 when the lock
 * was free), for statistics. Throws `lockWedged` only when a watchdog `timeoutMs` is given.
 * @category Shmif bus
 */
export function shmifLockbus(mem: ShmifMem, options?: LockOptions): number {
  if (casLock(mem) !== LOCK_LOCKED) return 0;
  return lockbusContended(mem, options ?? NO_OPTIONS);
}

/** `atomic_cas_32(&busmem->shm_lock, LOCK_UNLOCKED, LOCK_LOCKED)`: the old value. */
function casLock(mem: ShmifMem): number {
  const w = mem.wasmAtomics;
  return w !== null
    ? w.cas(mem.base + SHM_OFFSETS.lock, LOCK_UNLOCKED, LOCK_LOCKED)
    : Atomics.compareExchange(mem.atomics, LOCK_INDEX, LOCK_UNLOCKED, LOCK_LOCKED);
}

const NO_OPTIONS: LockOptions = Object.freeze({});

/** The spin of `shmif_lockbus` after a first failed CAS (kept out of the uncontended path). */
function lockbusContended(mem: ShmifMem, options: LockOptions): number {
  const cooldown = options.cooldown ?? LOCK_COOLDOWN;
  const sleep = options.sleepMs ?? 1;
  const timeout = options.timeoutMs;
  const stats = options.stats;
  const start = timeout === undefined ? 0 : Date.now();
  let i = 0;
  let failures = 1;
  try {
    for (;;) {
      if (++i > cooldown) {
        if (timeout !== undefined && Date.now() - start >= timeout) {
          throw new ShmifError(
            'lockWedged',
            `shmif_lockbus: bus lock held for more than ${timeout} ms (${failures} failed attempts); ` +
              'its holder may have died holding it (if_shmem.c 109-112: no owner, no timeout)',
          );
        }
        if (stats !== undefined) stats.sleeps++;
        sleepMs(sleep);
        i = 0;
      }
      if (casLock(mem) !== LOCK_LOCKED) return failures;
      failures++;
    }
  } finally {
    if (stats !== undefined) stats.failures += failures;
  }
}

/**
 * A single CAS attempt (no spinning): true when the lock was taken.
 * @category Shmif bus
 */
export function shmifTrylockbus(mem: ShmifMem): boolean {
  return casLock(mem) !== LOCK_LOCKED;
}

/**
 * `shmif_unlockbus`: atomic swap of `shm_lock` to 0; `KASSERT(old == LOCK_LOCKED)`.
 * @category Shmif bus
 */
export function shmifUnlockbus(mem: ShmifMem): void {
  const w = mem.wasmAtomics;
  const old =
    w !== null
      ? w.xchg(mem.base + SHM_OFFSETS.lock, LOCK_UNLOCKED)
      : Atomics.exchange(mem.atomics, LOCK_INDEX, LOCK_UNLOCKED);
  kassert(old === LOCK_LOCKED, 'shmif_unlockbus', 'old == LOCK_LOCKED');
}

/**
 * The wake-up of if_shmem.c rev 1.33: after sending (`shmif_start`, lines 548-550) and on
 * stop (`shmif_stop`, 563-565) the writer does `rumpuser_pwrite(memfd, &busversion, 4,
 * IFMEM_WAKEUP)`: a real file write of `SHMIF_VERSION` into `shm_version`, because stores
 * through the mapping raise no kqueue `NOTE_WRITE`. Receivers block in
 * `rumpuser_writewatchfile_wait` on a kqueue registered at `initbackend` with `EV_CLEAR`:
 * a write that happens while nobody waits is remembered and the next wait returns at once.
 *
 * Model: the kqueue event is a wake-up sequence counter, an `Int32` word that is NOT part of
 * the bus image. {@link shmifDowakeup} stores `SHMIF_VERSION` at `IFMEM_WAKEUP` (offset 4,
 * Int32 index 1 of the bus), then increments the counter and `Atomics.notify`s it. Every
 * receiver `Atomics.wait`s on that counter word ({@link ShmifWriteWatch}), remembering the
 * last value it consumed (the `EV_CLEAR` latch), so a wake-up between a receiver's "no new
 * data" check and its wait is not lost. In a {@link ShmifBus} the counter is the Int32 word
 * at byte offset `wakeupWordOffset(dataSize)`, just past the bus (rounded up to 8) in the same
 * `SharedArrayBuffer`.
 *
 * @module
 */
import { IFMEM_WAKEUP, SHMIF_VERSION, busSizeFor } from './layout.js';
import type { ShmifMem } from './layout.js';

/**
 * The byte offset, in a {@link ShmifBus}'s buffer, of the wake-up sequence counter receivers
 * wait on: the bus size rounded up to a multiple of 8.
 * @category Shmif bus
 */
export function wakeupWordOffset(dataSize?: number): number {
  return Math.ceil(busSizeFor(dataSize) / 8) * 8;
}

/**
 * `rumpuser_pwrite(memfd, &busversion, sizeof(busversion), IFMEM_WAKEUP)`: stores
 * `SHMIF_VERSION` into `shm_version`, bumps the wake-up counter `wake[0]` and notifies every
 * thread waiting on it. Returns the number of waiters woken.
 * @category Shmif bus
 */
export function shmifDowakeup(mem: ShmifMem, wake: Int32Array): number {
  Atomics.store(mem.atomics, IFMEM_WAKEUP / 4, SHMIF_VERSION);
  Atomics.add(wake, 0, 1);
  return Atomics.notify(wake, 0);
}

/**
 * Result of {@link ShmifWriteWatch.wait}: `'woken'` when a wake-up happened since the last
 * wait (or during it), `'timed-out'` when the timeout passed without one.
 * @category Shmif bus
 */
export type WatchResult = 'woken' | 'timed-out';

/**
 * `rumpuser_writewatchfile_setup` / `_wait`: one receiver's kqueue on the bus file, with
 * `EV_CLEAR`. Created at attach time: wake-ups before it are not seen.
 * @category Shmif bus
 */
export class ShmifWriteWatch {
  private seen: number;
  constructor(private readonly wake: Int32Array) {
    this.seen = Atomics.load(wake, 0);
  }
  /**
   * Blocks until a wake-up newer than the last one consumed (returns at once if one is
   * pending), or until `timeoutMs` passes (default: forever, as the C wait with no timeout).
   * With `spin` > 0 it first polls the counter up to `spin` times before it sleeps in
   * `Atomics.wait` (a thread that waits there needs a notify and a reschedule to run again,
   * tens of microseconds; a wake-up that comes within the spin costs neither). Same result
   * either way.
   */
  wait(timeoutMs: number = Infinity, spin = 0): WatchResult {
    const wake = this.wake;
    const seen = this.seen;
    let cur = Atomics.load(wake, 0);
    for (let i = 0; i < spin && cur === seen; i++) cur = Atomics.load(wake, 0);
    if (cur === seen) {
      const deadline = Date.now() + timeoutMs;
      // A notify can belong to an increment this watch already consumed (the counter was
      // bumped, we saw it, then the notify arrived while we wait again): keep waiting until
      // the counter really moves or the time is up.
      while (cur === seen) {
        const left = deadline - Date.now();
        if (left <= 0) return 'timed-out';
        Atomics.wait(wake, 0, seen, left);
        cur = Atomics.load(wake, 0);
      }
    }
    this.seen = cur;
    return 'woken';
  }
  /** True when a wake-up is pending (the next {@link wait} would return at once). */
  pending(): boolean {
    return Atomics.load(this.wake, 0) !== this.seen;
  }
}

/**
 * Run-to-block versions of the `rcv` and `tx` regions, for live use: one call performs the
 * atomic steps a region would take, one after the other, until it blocks (the receiver waits
 * for a wake-up or for `IFF_RUNNING`; the transmitter's queue is empty), panics, or spends
 * its budget. Each step calls the same model functions with the same guards in the same
 * order as the region's transitions (`machine/rcv.ts`, `machine/start.ts`); `run.test.ts`
 * checks on random schedules that a run ends in the same state and context as the
 * step-by-step chart.
 *
 * The machine offers them as the `rcv.run` and `tx.run` events (one transition per run
 * instead of one per step), which is what makes the live path fast; the checker keeps to the
 * single steps, since only they interleave.
 *
 * @module
 */
import type { ShmifContext } from '../context.js';
import { kassertPanic, withPanic } from './common.js';
import { isRunning } from './lifecycle.js';
import * as rx from './rcv.js';
import * as tx from './start.js';

/** The stable states of the `rcv` region (and where a run can end). @category Model */
export type RcvAt =
  | 'notSpawned'
  | 'reup'
  | 'loopCheck'
  | 'locking'
  | 'validated'
  | 'unlocked'
  | 'waitingForWrite'
  | 'exited'
  | 'panicked';

/** The stable states of the `tx` region. @category Model */
export type TxAt = 'idle' | 'dequeueing' | 'written' | 'panicked';

type Step<A> = { readonly c: ShmifContext; readonly at: A } | null;

function kassert(
  c: ShmifContext,
  i: number,
  fn: string,
  expr: string,
  first: number,
  last = first,
): ShmifContext {
  return withPanic(c, kassertPanic(i, fn, expr, first, last));
}

const F = 'shmif_rcv';

/** The `checking` chain of the receiver (lines 642-669), after the lock. */
function rcvChecking(c: ShmifContext, i: number): Step<RcvAt> {
  if (rx.isRxMagicBad(c, i))
    return { c: kassert(c, i, F, 'busmem->shm_magic == SHMIF_MAGIC', 642), at: 'panicked' };
  if (rx.isGenBehindDevgen(c, i))
    return { c: kassert(c, i, F, 'busmem->shm_gen >= sc->sc_devgen', 643), at: 'panicked' };
  if (rx.isNextpktoffOfLastBad(c, i)) return { c: rx.nextpktoffPanic(c, i), at: 'panicked' };
  if (rx.needsMoreData(c, i)) {
    const n = rx.rxUnlock(c, i);
    return { c: n, at: n.panic !== null ? 'panicked' : 'waitingForWrite' };
  }
  if (rx.isFirstEqualToLast(c, i))
    return { c: kassert(c, i, 'stillvalid_p', 'busmem->shm_first != busmem->shm_last', 586), at: 'panicked' };
  if (rx.isStillValid(c, i)) return { c: rx.takeNextpacket(c, i), at: 'validated' };
  if (rx.isGenZero(c, i)) return { c: kassert(c, i, F, 'busmem->shm_gen > 0', 661), at: 'panicked' };
  c.env.onResync?.(i);
  return { c: rx.resyncToFirst(c, i), at: 'validated' };
}

/**
 * One atomic step of the receiver from stable state `at` (one `rcv.step`), or `null` when the
 * step is not enabled (blocked).
 * @category Model
 */
export function rcvStepOnce(c: ShmifContext, i: number, at: RcvAt): Step<RcvAt> {
  switch (at) {
    case 'reup':
      return rx.isRunningOrDying(c, i) ? { c: rx.captureBusmem(c, i), at: 'loopCheck' } : null;
    case 'loopCheck':
      if (isRunning(c, i)) return { c: rx.allocMbuf(c, i), at: 'locking' };
      if (rx.isDying(c, i)) return { c: rx.kthreadExit(rx.freeMbuf(c, i), i), at: 'exited' };
      return { c: rx.freeMbuf(c, i), at: 'reup' };
    case 'locking':
      if (rx.isRxBusUnmapped(c, i))
        return { c: rx.segv(c, i, F, 'shmif_lockbus(busmem)', 641), at: 'panicked' };
      if (!rx.canRxLock(c, i)) return null;
      return rcvChecking(rx.rxLock(c, i), i);
    case 'waitingForWrite':
      return rx.isWatchReady(c, i) ? { c: rx.consumeWatch(c, i), at: 'loopCheck' } : null;
    case 'validated': {
      if (rx.isRxBusUnmapped(c, i)) return { c: rx.segv(c, i, F, 'busmem->shm_last', 675), at: 'panicked' };
      if (rx.isReadPointerAhead(c, i))
        return {
          c: kassert(c, i, F, '!(nextpkt > busmem->shm_last && sc->sc_devgen == busmem->shm_gen)', 675, 676),
          at: 'panicked',
        };
      let n = rx.readHeader(c, i);
      if (n.panic !== null) return { c: n, at: 'panicked' };
      if (rx.isSpLenTooBig(n, i))
        return { c: kassert(n, i, F, 'sp.sp_len <= ETHERMTU + ETHER_HDR_LEN', 681), at: 'panicked' };
      n = rx.readPayload(n, i);
      if (n.panic !== null) return { c: n, at: 'panicked' };
      n = rx.storeNextpacketAndUnlock(n, i);
      return { c: n, at: n.panic !== null ? 'panicked' : 'unlocked' };
    }
    case 'unlocked': {
      if (rx.isOwnFrame(c, i)) return { c: rx.afterRead(c, i), at: 'loopCheck' };
      const n = rx.afterRead(c, i);
      // if_input: in live use the frame goes up now (the mbuf is handed over)
      if (n.env.onInput !== undefined) {
        const f = rx.inputFrame(n, i);
        if (f !== null) n.env.onInput(i, f);
      }
      return { c: rx.passUp(n, i), at: 'loopCheck' };
    }
    default:
      return null;
  }
}

/**
 * Runs the receiver from `at` until it blocks, panics, exits, or has taken `budget` steps —
 * but never stops holding the bus lock (`validated`), so a run that ends on its budget does
 * not keep the other interfaces of the bus spinning while this thread yields.
 * @category Model
 */
export function rcvRun(
  c: ShmifContext,
  i: number,
  at: RcvAt,
  budget: number,
): { c: ShmifContext; at: RcvAt } {
  let cur: { c: ShmifContext; at: RcvAt } = { c, at };
  for (let k = 0; k < budget || cur.at === 'validated'; k++) {
    const next = rcvStepOnce(cur.c, i, cur.at);
    if (next === null) break;
    cur = next;
    if (cur.at === 'panicked' || cur.at === 'exited') break;
  }
  return cur;
}

/**
 * One atomic step of the transmitter from stable state `at` (one `tx.step`), or `null` when
 * not enabled.
 * @category Model
 */
export function txStepOnce(c: ShmifContext, i: number, at: TxAt): Step<TxAt> {
  switch (at) {
    case 'dequeueing': {
      if (tx.isSndEmpty(c, i)) return { c: tx.startFinish(c, i), at: 'idle' };
      if (tx.isNextPacketTooBig(c, i))
        return {
          c: kassert(c, i, 'shmif_start', 'pktsize <= ETHERMTU + ETHER_HDR_LEN', 513),
          at: 'panicked',
        };
      if (tx.isTxBusUnmapped(c, i))
        return { c: rx.segv(c, i, 'shmif_start', 'shmif_lockbus(busmem)', 520), at: 'panicked' };
      if (!tx.canTxLock(c, i)) return null;
      const n = tx.dequeueAndLock(c, i);
      if (tx.isTxMagicBad(n, i))
        return { c: kassert(n, i, 'shmif_start', 'busmem->shm_magic == SHMIF_MAGIC', 521), at: 'panicked' };
      const w = tx.writePacket(n, i);
      return { c: w, at: w.panic !== null ? 'panicked' : 'written' };
    }
    case 'written': {
      const n = tx.genAndUnlock(c, i);
      return { c: n, at: n.panic !== null ? 'panicked' : 'dequeueing' };
    }
    default:
      return null;
  }
}

/**
 * Runs the transmitter from `at` until its queue is empty (back to `idle`), it blocks on the
 * bus lock (pure host only), or panics.
 * @category Model
 */
export function txRun(c: ShmifContext, i: number, at: TxAt): { c: ShmifContext; at: TxAt } {
  let cur: { c: ShmifContext; at: TxAt } = { c, at };
  for (;;) {
    const next = txStepOnce(cur.c, i, cur.at);
    if (next === null) return cur;
    cur = next;
    if (cur.at === 'idle' || cur.at === 'panicked') return cur;
  }
}

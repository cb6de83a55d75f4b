/**
 * The scheduler of a live interface: it drives the atomic steps of the `ifnet`, `tx` and `rcv`
 * regions of a running {@link shmifInterfaceMachine} actor the way the rump kernel's threads
 * would progress, and arms an asynchronous wait (`Atomics.waitAsync` through the host port)
 * when the receiver blocks on the write watch.
 *
 * Policy: after each entry point, run the entry point's own steps to completion, then the
 * transmitter until its queue is empty, then the receiver until it blocks; repeat while
 * anything moved. The receiver gets at most `rcvBudget` steps per round before the driver
 * yields to the event loop (so a busy bus cannot starve the caller). This is one schedule of
 * many: in particular the receiver runs promptly between the steps of `shmif_unclone`, which
 * avoids the SHMIF-7 race the checker finds in other schedules.
 *
 * Readiness is decided from the snapshot with the model's own predicates, so no step event
 * is sent that the machine would ignore.
 *
 * @module
 */
import type { Actor } from 'xstate';
import type { ShmifContext, ShmifEvent } from './context.js';
import type { shmifInterfaceMachine } from './machine/machines.js';
import { isBusLockFree, isReceiverJoinable } from './model/lifecycle.js';
import { mappedPath } from './model/common.js';
import { isRunningOrDying, isWatchReady } from './model/rcv.js';

/** A live actor of {@link shmifInterfaceMachine}, as the driver steps it. @category Facade */
export type InterfaceActor = Actor<typeof shmifInterfaceMachine>;

const IFNET_STEP: ShmifEvent = { type: 'ifnet.step' };
const TX_STEP: ShmifEvent = { type: 'tx.step' };
const RCV_STEP: ShmifEvent = { type: 'rcv.step' };
const TX_RUN: ShmifEvent = { type: 'tx.run' };
const RCV_RUN: ShmifEvent = { type: 'rcv.run' };
/** Steps one `rcv.run` may take (the budget parameter of the chart's `rcvRun` actions). */
const RUN_STEPS = 512;

function region(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = (value as { kernel?: Record<string, unknown> }).kernel?.[name];
  if (r === undefined) return undefined;
  if (typeof r === 'string') return r;
  const [k, v] = Object.entries(r as Record<string, unknown>)[0]!;
  return typeof v === 'string' ? `${k}.${v}` : k;
}

/** True when the entry-point thread has a step to take. @internal */
export function ifnetReady(value: unknown, c: ShmifContext): boolean {
  const st = region(value, 'ifnet');
  if (st === 'initbackend.lockingBus') return isBusLockFree(c, c.ifs[0]!.attach.path);
  if (st === 'unclone.joining') return isReceiverJoinable(c, 0);
  return st === 'unclone.stopped' || st === 'unclone.backendReleased';
}

/**
 * True when the transmitter has a step to take (a `tx.step` or `tx.run` would move): the
 * readiness test of {@link Driver}, for schedulers that send the run events themselves.
 * @category Facade
 */
export function txReady(value: unknown): boolean {
  const st = region(value, 'tx');
  return st !== undefined && st !== 'idle';
}

/**
 * True when the receiver thread has a step to take (an `rcv.step` or `rcv.run` would move),
 * decided with the model's own predicates: the readiness test of {@link Driver}, for
 * schedulers that send the run events themselves.
 * @category Facade
 */
export function rcvReady(value: unknown, c: ShmifContext): boolean {
  const st = region(value, 'rcv');
  switch (st) {
    case 'reup':
      return isRunningOrDying(c, 0);
    case 'waitingForWrite':
      return isWatchReady(c, 0);
    case 'loopCheck':
    case 'locking':
    case 'validated':
    case 'unlocked':
      return true;
    default:
      return false;
  }
}

/**
 * Options of {@link Driver}.
 * @category Facade
 */
export interface DriverOptions {
  /** Receiver steps per round before yielding to the event loop. Default 4096. */
  readonly rcvBudget?: number;
  /**
   * `'run'` (default): one `tx.run` / `rcv.run` transition per run of a loop (the run-to-block
   * model functions, cross-checked against the chart); `'step'`: one transition per atomic
   * step, exactly as the checker explores.
   */
  readonly granularity?: 'run' | 'step';
}

/**
 * Called when a pump ends (the threads are quiescent or the receiver's budget is spent),
 * outside the actor's processing: the facade hands received frames to its listeners here, so
 * a listener may call back into the interface.
 * @category Facade
 */
export type IdleHook = () => void;

/**
 * Drives one live interface actor.
 * @category Facade
 */
export class Driver {
  private armed = false;
  private scheduled = false;
  private stopped = false;
  private readonly rcvBudget: number;
  private readonly txEvent: ShmifEvent;
  private readonly rcvEvent: ShmifEvent;
  private readonly rcvCost: number;

  constructor(
    private readonly actor: InterfaceActor,
    options: DriverOptions = {},
    private readonly onIdle: IdleHook = () => {},
  ) {
    this.rcvBudget = options.rcvBudget ?? 4096;
    const run = (options.granularity ?? 'run') === 'run';
    this.txEvent = run ? TX_RUN : TX_STEP;
    this.rcvEvent = run ? RCV_RUN : RCV_STEP;
    this.rcvCost = run ? RUN_STEPS : 1;
  }

  /** Sends `event`, then runs every thread until none can move (or the receiver's budget ends). */
  send(event: ShmifEvent): void {
    this.actor.send(event);
    this.pump();
  }

  /** Stops scheduling (the actor is being torn down). */
  halt(): void {
    this.stopped = true;
  }

  /** Runs the threads until quiescent, then calls the idle hook. */
  pump(): void {
    if (this.stopped) return;
    this.run();
    this.onIdle();
  }

  private run(): void {
    const a = this.actor;
    for (;;) {
      let moved = false;
      let s = a.getSnapshot();
      while (s.status === 'active' && ifnetReady(s.value, s.context)) {
        a.send(IFNET_STEP);
        s = a.getSnapshot();
        moved = true;
      }
      while (s.status === 'active' && txReady(s.value)) {
        a.send(this.txEvent);
        s = a.getSnapshot();
        moved = true;
      }
      let budget = this.rcvBudget;
      // never yield while the receiver holds the bus lock (validated): other threads would spin
      while (
        s.status === 'active' &&
        (budget > 0 || region(s.value, 'rcv') === 'validated') &&
        rcvReady(s.value, s.context)
      ) {
        a.send(this.rcvEvent);
        s = a.getSnapshot();
        budget -= this.rcvCost;
        moved = true;
      }
      if (s.status !== 'active') return;
      if (budget <= 0 && rcvReady(s.value, s.context)) {
        this.schedule();
        return;
      }
      if (!moved) break;
    }
    this.armWait();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** When the receiver blocks on the write watch, wait for the next wake-up of the bus. */
  private armWait(): void {
    if (this.armed || this.stopped) return;
    const s = this.actor.getSnapshot();
    if (region(s.value, 'rcv') !== 'waitingForWrite') return;
    const c = s.context;
    const sc = c.ifs[0]!;
    const kq = sc.fds.find((f) => f.fd === sc.kq && f.kind === 'kq');
    const path = kq?.path ?? mappedPath(c, 0, sc.rx.busmem);
    const wait = c.env.host.waitForWake;
    if (kq === undefined || path === null || wait === undefined) return;
    this.armed = true;
    void wait.call(c.env.host, path, kq.seen).then(() => {
      this.armed = false;
      this.pump();
    });
  }
}

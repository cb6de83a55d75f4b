/**
 * A worker thread running one or more shmif interfaces (each its own rump kernel) on the
 * run's `SharedArrayBuffer` bus: it brings them up, waits for the start word, then in rounds
 * sends a burst of each interface's frames and runs their receiver threads (sleeping on the
 * bus's wake-up word when a round moved nothing),
 * until every interface of the run has sent everything and each of its receivers has read up
 * to `shm_last`. It reports the frames passed up (for the event channel), trace lines when
 * tracing, and the counters.
 *
 * Threads really interleave here: bus locking is the model's `shmif_lockbus` on
 * `Atomics.compareExchange`, wake-ups are `Atomics.notify`.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ShmifBus, ShmifError } from '@kspec/shared-memory';
import { sharedHostPort } from '@kspec/shmif';
import { createRng } from '../../rng.js';
import { ActorWatcher, type TraceLine } from '../../trace.js';
import { ShmifInterfaceRunner } from './interface.js';
import {
  CTL_ABORT,
  CTL_SENDERS_DONE,
  CTL_START,
  CTL_WEDGED,
  type ShmifWorkerData,
  type ShmifWorkerMessage,
} from './worker-protocol.js';

const data = workerData as ShmifWorkerData;
const post = (m: ShmifWorkerMessage): void => parentPort!.postMessage(m);

interface Slot {
  readonly index: number;
  readonly runner: ShmifInterfaceRunner;
  delivered: number[];
  sentReported: number;
  countedDone: boolean;
  finished: boolean;
}

function main(): void {
  const { settings } = data;
  const ctl = new Int32Array(data.ctl);
  const bus = ShmifBus.fromBuffer(data.bus, {
    dataSize: data.dataSize,
    lock: { timeoutMs: data.lockTimeoutMs },
  });
  const host = sharedHostPort({ dataSize: data.dataSize });
  host.register(data.path, bus);
  const now = (): number =>
    Math.round((performance.timeOrigin + performance.now() - data.epoch) * 1000) / 1000;
  let lines: TraceLine[] = [];
  const watcher = new ActorWatcher(
    now,
    data.trace ? { write: (l) => void lines.push(l), close: () => undefined } : null,
  );
  const uptime = () => {
    const ms = now();
    return { sec: Math.floor(ms / 1000), usec: Math.floor((ms % 1000) * 1000) };
  };
  const slots: Slot[] = data.indices.map((index, k) => {
    const slot: Slot = {
      index,
      delivered: [],
      sentReported: 0,
      countedDone: false,
      finished: false,
      runner: new ShmifInterfaceRunner({
        index,
        interfaces: settings.interfaces,
        host,
        path: data.path,
        seed: data.macSeeds[k]!,
        nonce: data.nonce,
        frames: settings.framesPerInterface,
        minLength: settings.minLength,
        maxLength: settings.maxLength,
        rng: createRng(data.rngSeeds[k]!),
        uptime,
        granularity: 'run',
        onDelivered: (_r, sender, seq) => void slot.delivered.push(sender, seq),
      }),
    };
    watcher.watch(slot.runner.actor, `shmif/shmifInterface#${index}`);
    return slot;
  });
  for (const x of slots) {
    x.runner.bringUp();
    post({ type: 'ready', index: x.index, mac: x.runner.counters.mac });
  }
  while (Atomics.load(ctl, CTL_START) === 0) Atomics.wait(ctl, CTL_START, 0, 100);

  let lastPost = now();
  const flush = (): void => {
    slots.forEach((x, k) => {
      post({
        type: 'batch',
        index: x.index,
        delivered: x.delivered,
        trace: k === 0 ? lines : [],
        sent: x.runner.counters.sent - x.sentReported,
        overruns: x.runner.counters.overruns,
      });
      x.sentReported = x.runner.counters.sent;
      x.delivered = [];
    });
    lines = [];
    lastPost = now();
  };
  const markSent = (x: Slot): void => {
    if (x.countedDone) return;
    x.countedDone = true;
    Atomics.add(ctl, CTL_SENDERS_DONE, 1);
  };
  /**
   * After a step of `x`: when its rump kernel stopped holding the bus lock, the bus is wedged
   * for every thread (shmif_lockbus, if_shmem.c 114-133, has no owner or timeout): say so in
   * the control word, so the other workers stop instead of spinning into the lock watchdog.
   */
  const checkWedge = (x: Slot): void => {
    if (x.runner.panicked && bus.lock !== 0) Atomics.compareExchange(ctl, CTL_WEDGED, 0, x.index + 1);
  };
  /** A step that spun into the lock watchdog: the bus is wedged by another thread's interface. */
  const stuckOnLock = (err: unknown): boolean =>
    (err as Error).cause instanceof ShmifError && ((err as Error).cause as ShmifError).kind === 'lockWedged';
  const wedged = (): boolean => Atomics.load(ctl, CTL_WEDGED) !== 0;
  try {
    while (slots.some((x) => !x.finished) && !wedged()) {
      if (Atomics.load(ctl, CTL_ABORT) !== 0) break;
      const seen = Atomics.load(bus.wakeWord, 0);
      let worked = 0;
      // Threads run at their own pace here: an interface with frames left sends a burst every round.
      for (const x of slots) {
        const r = x.runner;
        if (r.remaining > 0 && !r.panicked) worked += r.send(settings.burst);
        else markSent(x);
        checkWedge(x);
      }
      if (wedged()) break;
      const allSent = Atomics.load(ctl, CTL_SENDERS_DONE) === settings.interfaces;
      for (const x of slots) {
        if (x.finished) continue;
        if (!x.runner.panicked) worked += x.runner.receive();
        checkWedge(x);
        if (allSent && (x.runner.panicked || x.runner.waitingForWrite)) x.finished = true;
      }
      if (now() - lastPost > 20 || slots.some((x) => x.delivered.length > 8192) || lines.length > 4096)
        flush();
      // Nothing moved: sleep until the next wake-up of the bus (or a little while), not spin.
      if (worked === 0) Atomics.wait(bus.wakeWord, 0, seen, 2);
    }
  } catch (err) {
    if (!stuckOnLock(err) || !wedged()) throw err;
  }
  for (const x of slots) markSent(x);
  // destroy() locks the bus (finibackend): not on a wedged bus
  if (!wedged()) for (const x of slots) x.runner.destroy();
  flush();
  const counts = watcher.counts();
  for (const x of slots) {
    post({
      type: 'done',
      index: x.index,
      counters: x.runner.counters,
      state: x.runner.actor.getSnapshot().value,
      events: counts.find((c) => c.name === `shmif/shmifInterface#${x.index}`)?.events ?? 0,
    });
  }
  watcher.close();
  for (const x of slots) x.runner.stop();
}

try {
  main();
} catch (err) {
  post({
    type: 'error',
    message: `shmif worker (interfaces ${data.indices.join(', ')}): ${(err as Error).stack ?? String(err)}`,
  });
}

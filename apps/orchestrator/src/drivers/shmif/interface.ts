/**
 * One shmif interface of a run: a live `shmifInterface` actor of `@kspec/shmif` (its own rump
 * kernel: entry points, transmitter `shmif_start`, receiver thread `shmif_rcv`) on the run's
 * bus, driven step by step as a scheduler would run its threads, with the run's accounting
 * of what it sent and received. The same class runs in the main thread and in a worker.
 *
 * Scheduling: the orchestrator sends the machine's atomic steps (`ifnet.step`, `tx.step`,
 * `rcv.step`) while the machine can take them (`snapshot.can`): the transmitter runs until its
 * queue is empty, the receiver until it waits on the write watch (or on the bus lock another
 * thread holds). The facade of `@kspec/shmif` schedules the same steps itself, but wakes
 * receivers from the event loop and stamps frames with the wall clock; driving the steps here
 * keeps a run a function of its seed and lets a scenario make receivers slow.
 *
 * Granularity: in this thread the runner sends the atomic steps (the trace shows each one); in
 * a worker thread it sends the machine's run-to-block events (`tx.run`, `rcv.run`: the same
 * model functions, guards and order, cross-checked against the steps by the package's
 * `run.test.ts`), so a locked section of the bus is one plain function call rather than
 * several XState steps: other threads spinning on the bus lock (`shmif_lockbus`, 1001 tries
 * then a 1 ms sleep) rarely reach the sleep. Overrun resyncs are counted through the
 * environment's `onResync` observer, in order with the frames passed up, in both modes.
 *
 * Accounting per receiver, from the frames it is given (`if_input`), independent of the
 * model: every scenario frame names its sender and sequence number, so a receiver knows which
 * frames of each sender it got, which it missed, and which it got twice. A miss is charged to
 * an overrun when the receiver resynchronised (the `resyncToFirst` transition of the model,
 * if_shmem.c 660-669) since its last frame from that sender; otherwise it is a silent loss.
 *
 * @module
 */
import { createActor, type Actor } from 'xstate';
import {
  createShmifContext,
  rcvReady,
  shmifInterfaceMachine,
  txReady,
  type ShmifEvent,
  type ShmifHostPort,
} from '@kspec/shmif';
import type { Rng } from '../../rng.js';
import { makeFrame, parseFrame } from './frames.js';
import { settleCounters } from './accounting.js';

/** The live actor of one interface. @category shmif driver */
export type ShmifInterfaceActor = Actor<typeof shmifInterfaceMachine>;

/**
 * What one receiver saw of one sender.
 * @category shmif driver
 */
export interface PeerAccount {
  /** Distinct frames of this sender delivered. */
  unique: number;
  /** Frames delivered again (a sequence number at or below one already seen). */
  duplicates: number;
  /** Frames skipped across an overrun resync. */
  lostToOverrun: number;
  /** Frames skipped with no resync in between. */
  silentlyLost: number;
  /** Highest sequence number delivered (-1: none). */
  lastSeq: number;
  /** A resync happened since the last frame of this sender. */
  resynced: boolean;
}

/**
 * The counters of one interface.
 * @category shmif driver
 */
export interface InterfaceCounters {
  index: number;
  mac: string;
  sent: number;
  /** `if_input` calls (every frame passed up). */
  delivered: number;
  /** Frames passed up that are not whole scenario frames (the zero-length phantom of a fresh bus, torn frames). */
  malformed: number;
  /** Of those, zero-length frames (the phantom at offset 0 of a fresh bus, finding SHMIF-1). */
  phantoms: number;
  /** Whole frames of an earlier run on the same bus file (another nonce). */
  stale: number;
  /** Own frames passed up (the own-address test should drop them). */
  ownDelivered: number;
  /** Overrun resyncs of the receiver (`resyncToFirst`). */
  overruns: number;
  /** Per sender index (own index included, always empty). */
  peers: PeerAccount[];
  /**
   * For an interface that joined the bus during the run (the USB gadget's): how many frames
   * each sender had already sent when it came up. Those are not owed to it.
   */
  joinedAfter?: number[];
  /** Frames of this run sent before this interface joined that it passed up anyway (a receiver starts at shm_last, if_shmem.c 234-235). */
  beforeJoin: number;
  /** What the interface is, when it is not one of the scenario's own (e.g. `usb-gadget bridge`). */
  role?: string;
  /** The failed `KASSERT` or fault that stopped the rump kernel, or `null`. */
  panic: { readonly fn: string; readonly lines: readonly [number, number]; readonly text: string } | null;
}

/**
 * Options of {@link ShmifInterfaceRunner}.
 * @category shmif driver
 */
export interface InterfaceRunnerOptions {
  readonly index: number;
  readonly interfaces: number;
  readonly host: ShmifHostPort;
  readonly path: string;
  /** Seed of the interface's randomness (its MAC address). */
  readonly seed: number;
  /** The run's nonce, carried in every frame. */
  readonly nonce: number;
  readonly frames: number;
  readonly minLength: number;
  readonly maxLength: number;
  readonly rng: Rng;
  /** `getmicrouptime` for the packet headers. */
  readonly uptime: () => { readonly sec: number; readonly usec: number };
  /** Told about each frame passed up (`if_input`); sender and seq are -1 for a malformed frame. */
  readonly onDelivered?: (receiver: number, sender: number, seq: number) => void;
  /** Given the bytes of each frame passed up (an interface that forwards them elsewhere). */
  readonly onFrame?: (frame: Uint8Array) => void;
  /** Frames each sender had sent when this interface joined (see {@link InterfaceCounters.joinedAfter}). */
  readonly joinedAfter?: readonly number[];
  readonly role?: string;
  /**
   * `'step'` (default): one event per atomic step of a thread; `'run'`: one `tx.run` /
   * `rcv.run` per run of a thread to where it blocks (worker threads).
   */
  readonly granularity?: 'step' | 'run';
  /** Steps (or runs) after which a thread that keeps moving is reported. Default 1,000,000. */
  readonly maxPump?: number;
}

const STEP = {
  'ifnet.step': { type: 'ifnet.step' },
  'tx.step': { type: 'tx.step' },
  'rcv.step': { type: 'rcv.step' },
} as const;
const TX_RUN: ShmifEvent = { type: 'tx.run' };
const RCV_RUN: ShmifEvent = { type: 'rcv.run' };

/** What the receiver passed up, in order: a frame, or an overrun resync between frames. */
type Received = Uint8Array | typeof RESYNC;
const RESYNC = 'resync';

/**
 * Thread states where the step is enabled whatever the context (with a live host, whose bus
 * lock is taken by spinning): the transmitter anywhere but `idle`; the receiver inside its
 * loop (`loopCheck`, `locking`, `validated`, `unlocked`). Elsewhere (the receiver's `reup`
 * and `waitingForWrite` waits, the entry points) the machine's own guards decide (`can`).
 */
function surelyReady(type: keyof typeof STEP, value: unknown): boolean {
  if (type === 'ifnet.step' || typeof value !== 'object' || value === null) return false;
  const k = (value as { kernel?: { tx?: unknown; rcv?: unknown } }).kernel;
  if (type === 'tx.step') return typeof k?.tx === 'string' && k.tx !== 'idle';
  const r = k?.rcv;
  return r === 'loopCheck' || r === 'locking' || r === 'validated' || r === 'unlocked';
}

/** Steps beyond which a thread that keeps moving is taken to be spinning (a bug, reported). */
const MAX_PUMP = 1_000_000;

/**
 * One interface, its actor and its accounting.
 * @category shmif driver
 */
export class ShmifInterfaceRunner {
  readonly actor: ShmifInterfaceActor;
  readonly counters: InterfaceCounters;
  private readonly pending: Received[] = [];
  private nextSeq = 0;
  private readonly runs: boolean;

  constructor(private readonly o: InterfaceRunnerOptions) {
    this.runs = o.granularity === 'run';
    const context = createShmifContext({
      host: o.host,
      seed: o.seed,
      interfaces: 1,
      onInput: (_i, frame) => this.pending.push(frame.slice()),
      onResync: () => this.pending.push(RESYNC),
      uptime: o.uptime,
    });
    this.actor = createActor(shmifInterfaceMachine, { input: { context } as never });
    this.actor.subscribe({ error: () => undefined });
    this.actor.start();
    this.counters = {
      index: o.index,
      mac: '',
      sent: 0,
      delivered: 0,
      malformed: 0,
      phantoms: 0,
      stale: 0,
      ownDelivered: 0,
      overruns: 0,
      peers: Array.from({ length: o.interfaces }, (_, j) => ({
        unique: 0,
        duplicates: 0,
        lostToOverrun: 0,
        silentlyLost: 0,
        lastSeq: (o.joinedAfter?.[j] ?? 0) - 1,
        resynced: false,
      })),
      panic: null,
      beforeJoin: 0,
      ...(o.joinedAfter ? { joinedAfter: [...o.joinedAfter] } : {}),
      ...(o.role ? { role: o.role } : {}),
    };
  }

  private get snap() {
    return this.actor.getSnapshot();
  }

  /** The region states, or `null` once the rump kernel panicked. */
  regions(): { ifnet: unknown; tx: unknown; rcv: unknown } | null {
    const v = this.snap.value as unknown;
    if (typeof v === 'object' && v !== null && 'kernel' in v)
      return (v as { kernel: { ifnet: unknown; tx: unknown; rcv: unknown } }).kernel;
    return null;
  }

  /** True when the rump kernel stopped at a failed KASSERT or a fault. */
  get panicked(): boolean {
    return this.snap.value === 'panicked';
  }

  /** Sends `type` until it takes no transition; returns the steps (or runs) that moved. */
  private pump(type: 'ifnet.step' | 'tx.step' | 'rcv.step'): number {
    let moved = 0;
    const runs = this.runs && type !== 'ifnet.step';
    for (;;) {
      const before = this.snap;
      if (before.status !== 'active') return moved;
      let event: ShmifEvent;
      if (runs) {
        // a run event is taken in any stable state: whether it would move is the model's
        // readiness test (the package's Driver uses the same)
        const ready = type === 'tx.step' ? txReady(before.value) : rcvReady(before.value, before.context);
        if (!ready) return moved;
        event = type === 'tx.step' ? TX_RUN : RCV_RUN;
      } else {
        event = STEP[type];
        // Only steps the thread can take are sent: a blocked thread is not sent a step it would
        // ignore. Where the state alone says so, no guard is evaluated (see `surelyReady`).
        if (!surelyReady(type, before.value) && !before.can(event)) return moved;
      }
      this.actor.send(event);
      this.flush();
      if (this.snap.status === 'error') {
        throw new Error(
          `shmif interface ${this.o.index}: ${type} failed: ${String((this.snap.error as Error)?.message ?? this.snap.error)}`,
          { cause: this.snap.error },
        );
      }
      if (this.snap === before) return moved;
      const max = this.o.maxPump ?? MAX_PUMP;
      if (++moved > max)
        throw new Error(
          `shmif interface ${this.o.index}: ${runs ? type.replace('.step', '.run') : type} keeps moving after ${max} ${runs ? 'runs' : 'steps'}`,
        );
    }
  }

  private checkPanic(): void {
    const p = this.snap.context.panic;
    if (p && this.counters.panic === null) {
      this.counters.panic = {
        fn: p.fn,
        lines: [p.lines[0], p.lines[1]],
        text: `${p.kind === 'kassert' ? 'KASSERT' : 'fault'} in ${p.fn} (${p.expr}) at if_shmem.c ${p.lines[0]}-${p.lines[1]}`,
      };
    }
  }

  /** `rump_shmif_create(path)` and `ifconfig up` (`shmif_init`). Throws with the errno on failure. */
  bringUp(): void {
    this.actor.send({ type: 'if.create', path: this.o.path });
    this.pump('ifnet.step');
    const created = this.snap.context.ifs[0]?.result;
    if (!created || created.rv !== 0)
      throw new Error(
        `shmif interface ${this.o.index}: rump_shmif_create(${this.o.path}) failed: ${JSON.stringify(created)}`,
      );
    this.actor.send({ type: 'if.up' });
    this.pump('ifnet.step');
    const up = this.snap.context.ifs[0]?.result;
    if (!up || up.rv !== 0)
      throw new Error(`shmif interface ${this.o.index}: if up failed: ${JSON.stringify(up)}`);
    this.counters.mac = (this.snap.context.ifs[0]?.myaddr ?? [])
      .map((b) => b.toString(16).padStart(2, '0'))
      .join(':');
    this.receive();
  }

  /** Frames left to send. */
  get remaining(): number {
    return this.o.frames - this.nextSeq;
  }

  /**
   * Queues up to `n` new frames (`ether_output`) and runs `shmif_start` until its queue is
   * empty. Returns the frames written.
   */
  send(n: number): number {
    const k = Math.min(n, this.remaining);
    if (k <= 0 || this.panicked) return 0;
    const mac = this.snap.context.ifs[0]?.myaddr ?? [];
    const frames: Uint8Array[] = [];
    for (let j = 0; j < k; j++) {
      frames.push(
        makeFrame(
          mac,
          this.o.nonce,
          this.o.index,
          this.nextSeq++,
          this.o.rng.int(this.o.minLength, this.o.maxLength),
        ),
      );
    }
    this.actor.send({ type: 'if.output', frames });
    this.pump('tx.step');
    this.checkPanic();
    const left = this.snap.context.ifs[0]?.snd.length ?? 0;
    const written = this.panicked ? 0 : k - left;
    this.counters.sent += written;
    return written;
  }

  /**
   * Queues frames built elsewhere (`ether_output` of frames another subsystem forwards: the
   * USB gadget's) and runs `shmif_start`. They must be this interface's scenario frames in
   * sequence order. Returns the frames written.
   */
  sendFrames(frames: readonly Uint8Array[]): number {
    if (frames.length === 0 || this.panicked) return 0;
    for (const f of frames)
      this.nextSeq = Math.max(this.nextSeq, (parseFrame(f)?.seq ?? this.nextSeq - 1) + 1);
    this.actor.send({ type: 'if.output', frames: frames.map((f) => f.slice()) });
    this.pump('tx.step');
    this.checkPanic();
    const left = this.snap.context.ifs[0]?.snd.length ?? 0;
    const written = this.panicked ? 0 : frames.length - left;
    this.counters.sent += written;
    return written;
  }

  /** Runs the receiver thread until it blocks. Returns the steps it took. */
  receive(): number {
    const n = this.pump('rcv.step');
    this.checkPanic();
    return n;
  }

  /** True when the receiver waits for a wake-up (it has read everything up to `shm_last`). */
  get waitingForWrite(): boolean {
    return this.regions()?.rcv === 'waitingForWrite';
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    for (const x of this.pending.splice(0)) {
      if (x === RESYNC) {
        this.counters.overruns++;
        for (const p of this.counters.peers) p.resynced = true;
      } else this.account(x);
    }
  }

  private account(frame: Uint8Array): void {
    const c = this.counters;
    c.delivered++;
    const id = parseFrame(frame);
    this.o.onDelivered?.(this.o.index, id?.sender ?? -1, id?.seq ?? -1);
    this.o.onFrame?.(frame);
    if (id === null || (id.nonce === this.o.nonce && id.sender >= c.peers.length)) {
      c.malformed++;
      if (frame.length === 0) c.phantoms++;
      return;
    }
    if (id.nonce !== this.o.nonce) {
      c.stale++;
      return;
    }
    if (id.sender === this.o.index) {
      c.ownDelivered++;
      return;
    }
    if (c.joinedAfter && id.seq < (c.joinedAfter[id.sender] ?? 0)) {
      c.beforeJoin++;
      return;
    }
    const p = c.peers[id.sender]!;
    if (id.seq <= p.lastSeq) {
      p.duplicates++;
      return;
    }
    const gap = id.seq - p.lastSeq - 1;
    if (gap > 0) {
      if (p.resynced) p.lostToOverrun += gap;
      else p.silentlyLost += gap;
    }
    p.resynced = false;
    p.lastSeq = id.seq;
    p.unique++;
  }

  /** Makes room in the accounting for an interface that joined the bus after this one. */
  addPeer(): void {
    this.counters.peers.push({
      unique: 0,
      duplicates: 0,
      lostToOverrun: 0,
      silentlyLost: 0,
      lastSeq: -1,
      resynced: false,
    });
  }

  /** Settles the accounting at the end of the run ({@link settleCounters}). */
  settle(sentBy: readonly number[]): void {
    settleCounters(this.counters, sentBy);
  }

  /** `ifconfig destroy` (`shmif_unclone`): stop, finibackend, join the receiver. */
  destroy(): void {
    if (this.panicked || this.snap.status !== 'active') return;
    this.actor.send({ type: 'if.destroy' });
    for (let i = 0; i < 64 && this.snap.status === 'active' && !this.panicked; i++) {
      const a = this.pump('ifnet.step');
      const b = this.pump('rcv.step');
      if (a + b === 0) break;
    }
    this.checkPanic();
  }

  stop(): void {
    this.actor.stop();
  }
}

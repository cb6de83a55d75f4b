/**
 * The shmif C entry points as a typed facade over a live {@link shmifInterfaceMachine} actor:
 * a {@link ShmifKernel} (one rump kernel: its unit arena, its randomness, `rump_threads`, its
 * host) creates {@link ShmifInterface}s with `create(path?)` (`rump_shmif_create`) or
 * `clone(unit)` (`shmif_clone`), each with `ioctl(SIOCSLINKSTR | SIOCGLINKSTR, ...)`, `up()`,
 * `send(frame)`, `onInput(callback)`, `stop()` and `destroy()`.
 *
 * The machine does the work; the facade checks input from outside (frames, paths, ioctl
 * arguments, through `codecs.ts`), turns the C return values into results or
 * {@link ShmifErrnoError}s, and schedules the threads with a {@link Driver}. With the default
 * host ({@link sharedHostPort}), buses are `SharedArrayBuffer`s: interfaces in different
 * worker threads exchange frames when their kernels register the same bus under the same
 * path.
 *
 * Outside the seed, as the facade sees it: `up()` is `SIOCSIFFLAGS` with `IFF_UP` (if_init
 * unless running), `stop()` is `SIOCSIFFLAGS` without it (if_down, then if_stop), `send()` is
 * `ether_output` (refused with `ENETDOWN` unless up and running) enqueueing and calling
 * `if_start`, and `clone()` refuses a unit that exists with `EEXIST` as `if_clone_create` does.
 *
 * @module
 */
import { netbsdErrnoName } from '@kspec/spec-kit';
import { createActor } from 'xstate';
import type { Actor } from 'xstate';
import {
  BusPath,
  EthernetFrame,
  GlinkstrRequest,
  SendOptions,
  SlinkstrRequest,
  decodeOrThrow,
} from './codecs.js';
import { EEXIST, ENETDOWN, IFF_RUNNING, IFF_UP, SIOCGLINKSTR, SIOCSLINKSTR } from './constants.js';
import type { EntryResult, FrameChain, PanicInfo, ShmifContext, ShmifEvent } from './context.js';
import { Driver } from './driver.js';
import type { DriverOptions } from './driver.js';
import { createShmifContext } from './init.js';
import { shmifInterfaceMachine } from './machine/machines.js';
import { byteLength } from './model/lifecycle.js';
import type { RandomnessPort, ShmifHostPort } from './ports.js';
import { seededRandomness, sharedHostPort } from './ports.js';
import { createUnitArena, isUnitTaken, vmemXfree } from './units.js';
import type { UnitArena } from './units.js';

/**
 * A C entry point returned a NetBSD errno.
 * @category Facade
 */
export class ShmifErrnoError extends Error {
  override readonly name = 'ShmifErrnoError';
  constructor(
    readonly op: string,
    readonly errno: number,
  ) {
    super(`shmif ${op}: ${netbsdErrnoName(errno) ?? 'error'} (errno ${errno})`);
  }
}

/**
 * The rump kernel stopped: a `KASSERT` failed or a thread faulted (see `panic`).
 * @category Facade
 */
export class ShmifPanicError extends Error {
  override readonly name = 'ShmifPanicError';
  constructor(readonly panic: PanicInfo) {
    super(
      `shmif: kernel ${panic.kind === 'kassert' ? 'panic' : 'fault'} in ${panic.fn} (lines ${panic.lines[0]}-${panic.lines[1]}): ${panic.expr}`,
    );
  }
}

/**
 * Options of a {@link ShmifKernel}.
 * @category Facade
 */
export interface ShmifKernelOptions {
  /** The host (default: a new {@link sharedHostPort}). */
  readonly host?: ShmifHostPort;
  readonly random?: RandomnessPort;
  /** Seed of the MAC randomness (default: a random one, so kernels get different MACs). */
  readonly seed?: number;
  /** `rump_threads` (default true). */
  readonly threads?: boolean;
  readonly driver?: DriverOptions;
}

/**
 * One rump kernel with the shmif driver.
 * @category Facade
 */
export class ShmifKernel {
  readonly host: ShmifHostPort;
  readonly random: RandomnessPort;
  readonly threads: boolean;
  /** @internal */ units: UnitArena = createUnitArena();
  /** @internal */ rng: number;
  /** @internal */ readonly driverOptions: DriverOptions;
  private readonly started = performance.now();

  constructor(options: ShmifKernelOptions = {}) {
    this.host = options.host ?? sharedHostPort();
    this.random = options.random ?? seededRandomness;
    this.threads = options.threads ?? true;
    this.rng = (options.seed ?? globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!) >>> 0;
    this.driverOptions = options.driver ?? {};
  }

  /** `getmicrouptime()` of this kernel. @internal */
  uptime(): { sec: number; usec: number } {
    const us = Math.floor((performance.now() - this.started) * 1000);
    return { sec: Math.floor(us / 1e6), usec: us % 1e6 };
  }

  /**
   * `rump_shmif_create(path, &ifnum)`: a new interface, attached to the bus file `path` when
   * given. Throws {@link ShmifErrnoError} with the C error (e.g. `ENOEXEC` for a file that is
   * not a bus).
   */
  create(path?: string): ShmifInterface {
    const p = path === undefined ? undefined : decodeOrThrow(BusPath, path, 'create(path)');
    return ShmifInterface.start(
      this,
      p === undefined ? { type: 'if.create' } : { type: 'if.create', path: p },
      'create',
    );
  }

  /** `if_clone_create("shmif<unit>")` → `shmif_clone(unit)`: an interface without a bus. */
  clone(unit: number): ShmifInterface {
    if (!Number.isInteger(unit) || unit < 0 || unit >= this.units.max - 2) {
      throw new RangeError(
        `clone(unit): unit must be an integer in [0, ${this.units.max - 2}), got ${String(unit)}`,
      );
    }
    if (isUnitTaken(this.units, unit)) throw new ShmifErrnoError('clone', EEXIST);
    return ShmifInterface.start(this, { type: 'if.clone', unit }, 'clone');
  }
}

/**
 * Result of `SIOCGLINKSTR`: the errno (0 on success), `ifd_len` as the driver set it, and the
 * bytes written to the caller's buffer.
 * @category Facade
 */
export interface GlinkstrResult {
  readonly rv: number;
  readonly len?: number;
  readonly path?: string;
  /** Bytes the driver wrote past the caller's `ifd_len` (finding SHMIF-10). */
  readonly overflow?: number;
}

type InterfaceActor = Actor<typeof shmifInterfaceMachine>;

/** Each frame cut into an mbuf chain of `segments` (`m_len`s adding up to its length). */
function asChains(frames: readonly Uint8Array[], segments: readonly number[]): FrameChain[] {
  const total = segments.reduce((a, b) => a + b, 0);
  return frames.map((f, k) => {
    if (total !== f.length)
      throw new TypeError(
        `send(options).segments: the mbuf lengths add up to ${total}, ${frames.length === 1 ? 'the frame' : `frames[${k}]`} has ${f.length} bytes`,
      );
    let off = 0;
    return { segments: segments.map((n) => f.subarray(off, (off += n))) };
  });
}

/**
 * One shmif interface (`shmif<unit>`).
 * @category Facade
 */
export class ShmifInterface {
  private readonly listeners = new Set<(frame: Uint8Array) => void>();
  private readonly inbox: Uint8Array[] = [];
  private flushing = false;
  private actor!: InterfaceActor;
  private driver!: Driver;
  private gone = false;

  private constructor(private readonly kernel: ShmifKernel) {}

  /** @internal */
  static start(kernel: ShmifKernel, event: ShmifEvent, op: string): ShmifInterface {
    const iface = new ShmifInterface(kernel);
    const base = createShmifContext({
      host: kernel.host,
      random: kernel.random,
      seed: kernel.rng,
      threads: kernel.threads,
      units: kernel.units,
      onInput: (_i, frame) => iface.deliver(frame),
      uptime: () => kernel.uptime(),
    });
    iface.actor = createActor(shmifInterfaceMachine, { input: { context: base } });
    iface.actor.start();
    iface.driver = new Driver(iface.actor, kernel.driverOptions, () => iface.flush());
    iface.driver.send(event);
    const c = iface.context;
    kernel.rng = c.kernel.rng;
    kernel.units = c.kernel.units;
    iface.throwIfPanicked();
    const r = c.ifs[0]!.result;
    if (iface.ifnetState() !== 'attached') {
      iface.gone = true;
      iface.driver.halt();
      iface.actor.stop();
      throw new ShmifErrnoError(op, r?.rv ?? -1);
    }
    return iface;
  }

  private get context(): ShmifContext {
    return this.actor.getSnapshot().context;
  }

  private ifnetState(): string {
    const v = this.actor.getSnapshot().value as { kernel?: { ifnet?: unknown } } | string;
    if (typeof v === 'string') return v;
    const r = v.kernel?.ifnet;
    return typeof r === 'string' ? r : Object.keys(r as object)[0]!;
  }

  private throwIfPanicked(): void {
    const p = this.context.panic;
    if (p !== null) throw new ShmifPanicError(p);
  }

  private checkAlive(op: string): void {
    this.throwIfPanicked();
    if (this.gone) throw new Error(`shmif ${op}: interface shmif${this.unit} was destroyed`);
  }

  private call(event: ShmifEvent, op: string): EntryResult {
    this.checkAlive(op);
    this.driver.send(event);
    this.throwIfPanicked();
    const r = this.context.ifs[0]!.result;
    if (r === null) throw new Error(`shmif ${op}: the machine returned no result`);
    return r;
  }

  /** @internal `if_input`: queued, handed to the listeners when the threads are idle. */
  deliver(frame: Uint8Array): void {
    this.inbox.push(frame);
  }

  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.inbox.length > 0 && !this.gone) {
        const f = this.inbox.shift()!;
        for (const l of this.listeners) l(f);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The unit number (`shmif<unit>`). */
  get unit(): number {
    return this.context.ifs[0]!.unit;
  }

  /** The Ethernet address (`b2:a0:` and four random bytes). */
  get mac(): Uint8Array {
    return Uint8Array.from(this.context.ifs[0]!.myaddr);
  }

  /** `if_flags` (`IFF_UP`, `IFF_RUNNING`, ...). */
  get flags(): number {
    return this.context.ifs[0]!.flags;
  }

  /** The current configuration of the machine (for inspection and tests). */
  get snapshot(): ReturnType<InterfaceActor['getSnapshot']> {
    return this.actor.getSnapshot();
  }

  /**
   * `SIOCSLINKSTR`: set (`cmd` 0, `path`, `len` defaulting to the path's bytes and NUL) or
   * unset (`cmd` `IFLINKSTR_UNSET`) the bus file. Returns the errno (0 on success).
   */
  ioctl(cmd: typeof SIOCSLINKSTR, request: SlinkstrRequest): number;
  /**
   * `SIOCGLINKSTR`: the bus path (`cmd` 0, into `buffer`) or its length (`cmd`
   * `IFLINKSTR_QUERYLEN`).
   */
  ioctl(cmd: typeof SIOCGLINKSTR, request: GlinkstrRequest): GlinkstrResult;
  ioctl(cmd: number, request: unknown): number | GlinkstrResult {
    if (cmd === SIOCSLINKSTR) {
      const req = decodeOrThrow(SlinkstrRequest, request, 'ioctl(SIOCSLINKSTR)');
      const len = req.len ?? (req.path === undefined ? 0 : byteLength(req.path) + 1);
      const ev: ShmifEvent =
        req.path === undefined
          ? { type: 'ioctl.SIOCSLINKSTR', cmd: req.cmd, len }
          : { type: 'ioctl.SIOCSLINKSTR', cmd: req.cmd, len, path: req.path };
      return this.call(ev, 'SIOCSLINKSTR').rv;
    }
    if (cmd === SIOCGLINKSTR) {
      const req = decodeOrThrow(GlinkstrRequest, request, 'ioctl(SIOCGLINKSTR)');
      const buffer = req.buffer;
      if (buffer !== undefined && !(buffer instanceof Uint8Array)) {
        throw new TypeError('ioctl(SIOCGLINKSTR).buffer: must be a Uint8Array');
      }
      const len = req.len ?? buffer?.length ?? 0;
      const r = this.call({ type: 'ioctl.SIOCGLINKSTR', cmd: req.cmd, len }, 'SIOCGLINKSTR');
      if (buffer !== undefined && r.copied !== undefined) {
        const bytes = new TextEncoder().encode(r.copied);
        buffer.set(bytes.subarray(0, Math.min(bytes.length, buffer.length)));
      }
      return {
        rv: r.rv,
        ...(r.ifdLen === undefined ? {} : { len: r.ifdLen }),
        ...(r.copied === undefined ? {} : { path: r.copied.replace(/\0$/, '') }),
        ...(r.overflow === undefined ? {} : { overflow: r.overflow }),
      };
    }
    throw new RangeError(
      `ioctl: only SIOCSLINKSTR (0x${SIOCSLINKSTR.toString(16)}) and SIOCGLINKSTR (0x${SIOCGLINKSTR.toString(16)}) are modelled, got 0x${cmd.toString(16)}`,
    );
  }

  /** `SIOCSIFFLAGS` with `IFF_UP`: `shmif_init`. Throws `ENXIO` without a bus. */
  up(): void {
    const r = this.call({ type: 'if.up' }, 'up');
    if (r.rv !== 0) throw new ShmifErrnoError('up', r.rv);
  }

  /** `SIOCSIFFLAGS` without `IFF_UP`: `if_down`, then `shmif_stop`. */
  stop(): void {
    this.call({ type: 'if.down' }, 'stop');
  }

  /**
   * `ether_output` + `if_start`: queues the frames and runs `shmif_start`. Each frame must be
   * a `Uint8Array` of 14..1514 bytes; throws `ENETDOWN` unless up and running.
   *
   * `options.segments`: hand each frame over as an mbuf chain with these `m_len`s (they must
   * add up to the frame's length) instead of one mbuf. `shmif_start` writes each mbuf with its
   * own `shmif_buswrite` (lines 528-532), which changes what `shmif_advancefirst` evicts near
   * the end of the ring, and lets a frame of `BUSMEM_DATASIZE/2` or more pass the buswrite
   * `KASSERT` when no segment is that long.
   */
  send(
    frames: Uint8Array | readonly Uint8Array[],
    options: { readonly segments?: readonly number[] } = {},
  ): void {
    const list = frames instanceof Uint8Array ? [frames] : frames;
    if (!Array.isArray(list) || list.length === 0)
      throw new TypeError('send(frames): give a frame or a non-empty array of frames');
    list.forEach((f, k) =>
      decodeOrThrow(EthernetFrame, f, list.length === 1 ? 'send(frame)' : `send(frames[${k}])`),
    );
    const { segments } = decodeOrThrow(SendOptions, options, 'send(options)');
    const out = segments === undefined ? list : asChains(list, segments);
    this.checkAlive('send');
    const want = IFF_UP | IFF_RUNNING;
    if ((this.flags & want) !== want) throw new ShmifErrnoError('send', ENETDOWN);
    this.driver.send({ type: 'if.output', frames: out });
    this.throwIfPanicked();
  }

  /** Registers `callback` for every frame the receiver passes up (`if_input`); returns an unsubscribe function. */
  onInput(callback: (frame: Uint8Array) => void): () => void {
    if (typeof callback !== 'function') throw new TypeError('onInput(callback): callback must be a function');
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  /** `if_clone_destroy` → `shmif_unclone`: stop, down, release the bus, join the receiver, free the unit. */
  destroy(): void {
    this.checkAlive('destroy');
    const unit = this.unit;
    this.driver.send({ type: 'if.destroy' });
    this.throwIfPanicked();
    if (this.ifnetState() !== 'destroyed')
      throw new Error(`shmif destroy: unclone did not finish (${this.ifnetState()})`);
    if (isUnitTaken(this.kernel.units, unit)) this.kernel.units = vmemXfree(this.kernel.units, unit + 1);
    this.gone = true;
    this.driver.halt();
    this.actor.stop();
    this.listeners.clear();
  }
}

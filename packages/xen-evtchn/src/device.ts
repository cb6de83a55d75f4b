/**
 * The C entry points of `/dev/xen/evtchn` as a typed facade over a live actor of
 * {@link evtchnDeviceMachine}: `open`, `ioctl` (numeric commands with argument bytes, and
 * typed calls), `read`, `write`, `poll`, `release`, and the hypervisor side: `raise(port)`
 * fires the event, a remote domain can `offer` a port, and any environment operation can be
 * told to fail. Every call is one C call: the facade sends the machine's whole-step events and
 * then delivers the events the hypervisor has pending and unmasked, as the guest's upcall
 * would.
 *
 * Blocking: `read()` is the `O_NONBLOCK` read (on a blocking file it throws instead of
 * sleeping); `readWait()` is the blocking read, a promise resolved when an interrupt wakes it,
 * or with -ERESTARTSYS when its `AbortSignal` fires (a signal).
 *
 * With `bindingActors`, each bound port also gets a live {@link evtchnBindingMachine} actor,
 * driven by the same calls (interrupt, write naming the port, unbind), so its state can be
 * watched and compared with the device's `enabled` flag.
 *
 * @module
 */
import { createActor, type Actor, type SnapshotFrom } from 'xstate';
import { linuxErr } from '@kspec/spec-kit';
import type { EvtchnEvent, EvtchnInput } from './context.js';
import {
  decodeOrThrow,
  EvtchnDecodeError,
  evtchnIoctlEvent,
  EvtchnOpenOptions,
  EvtchnReadOptions as EvtchnReadOptionsCodec,
  SizeT,
  U16,
  U32,
  UserBytes,
  type IoctlArch,
} from './codecs.js';
import { evtchnBindingMachine, evtchnDeviceMachine } from './machine.js';
import {
  evtchnBytesToPorts,
  evtchnPortsToBytes,
  evtchnRingQueued,
  evtchnRoundCount,
  findEvtchn,
} from './model.js';
import { recordMap } from './persistent.js';
import {
  FAULT_OPS,
  offerRemotePort,
  type EvtchnEnv,
  type FaultOp,
  type Hypervisor,
  type IrqLayer,
} from './ports.js';

/** Options of {@link openEvtchn}. @category Facade */
export interface EvtchnOpenOptions {
  /** `current->comm`, for the name "evtchn:<comm>". */
  readonly comm?: string;
  /**
   * `xen_evtchn_nr_channels()` and the number of channels the hypervisor hands out (ports 1 to
   * nrChannels - 1; then -ENOSPC). Default 4096 (the 2-level ABI), or `env`'s count; when both
   * are given they must agree.
   */
  readonly nrChannels?: number;
  /** `O_NONBLOCK` (default false). */
  readonly nonblock?: boolean;
  /** Which `_IOC` encoding numeric commands use (default asm-generic). */
  readonly arch?: IoctlArch;
  /** Spawn one binding actor per bound port (default false). */
  readonly bindingActors?: boolean;
  readonly env?: EvtchnEnv;
  readonly hypervisor?: Hypervisor;
  readonly irqLayer?: IrqLayer;
}

/** What a read returns. @category Facade */
export interface EvtchnReadResult {
  /** Bytes copied, or a negative errno. */
  readonly rc: number;
  /**
   * The bytes copied: little-endian u32 ports. For -EFAULT, the bytes that reached the user
   * buffer anyway: the first chunk when the second `copy_to_user` faulted, else none.
   */
  readonly data: Uint8Array;
  /** The ports read (taken off the ring); empty unless `rc > 0`. */
  readonly ports: readonly number[];
}

/** Options of {@link EvtchnDevice.read} and {@link EvtchnDevice.readWait}. @category Facade */
export interface EvtchnReadOptions {
  /**
   * Fault injection: the user buffer faults from this byte on (the pages after it are not
   * mapped), so the `copy_to_user` that reaches it fails (lines 254-257): the read returns
   * -EFAULT and the ports stay queued. Default: the whole buffer is writable.
   */
  readonly faultAt?: number;
}

/** A live binding actor. @category Facade */
export type EvtchnBindingActor = Actor<typeof evtchnBindingMachine>;

/**
 * Thrown by every call on a file after `release()` (or after the kernel hit `BUG()` in it): the
 * descriptor is closed, so the system call would fail with `-EBADF`, which `errno` holds.
 * @category Facade
 */
export class EvtchnReleasedError extends Error {
  override readonly name = 'EvtchnReleasedError';
  /** `-EBADF`: what a system call on the closed descriptor returns. */
  readonly errno: number = linuxErr('EBADF');
  constructor(
    /** The call that was attempted (`read`, `ioctl.unbind`, `release`, ...). */
    readonly operation: string,
    /** True when the file is gone because the kernel hit `BUG()`, false after `release()`. */
    readonly crashed: boolean,
  ) {
    super(
      `evtchn: ${operation} on a file that is ${crashed ? 'gone (the kernel hit BUG())' : 'released'}: the descriptor is closed (-EBADF)`,
    );
  }
}

/** Thrown by {@link EvtchnDevice.read} on a blocking file when the read would sleep. @category Facade */
export class EvtchnWouldBlockError extends Error {
  override readonly name = 'EvtchnWouldBlockError';
}

/** The second step of a read (shared: events are never changed). */
const READ_COPY: EvtchnEvent = Object.freeze({ type: 'read.copy' });

const BIND_EVENTS = new Set(['ioctl.bindVirq', 'ioctl.bindInterdomain', 'ioctl.bindUnboundPort']);

/** The fast path of the `U32` codec for values from hot paths (the codec still reports errors). */
function isU32(n: unknown): boolean {
  return typeof n === 'number' && n >>> 0 === n;
}

/** The fast path of the `SizeT` codec (the codec still reports errors). */
function isSize(n: unknown): boolean {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** The default options of a read (shared, never changed). */
const NO_READ_OPTIONS: EvtchnReadOptions = Object.freeze({});

/** The reader region's state (the same as `snapshot.matches({ open: { reader } })`, without building a test value). */
function readerState(snapshot: { readonly value: unknown }): string | undefined {
  const open = (snapshot.value as { open?: { reader?: string } }).open;
  return typeof open === 'object' ? open.reader : undefined;
}

/**
 * One open `/dev/xen/evtchn` file.
 * @category Facade
 */
export class EvtchnDevice {
  /** The live device actor. */
  readonly actor: Actor<typeof evtchnDeviceMachine>;
  readonly arch: IoctlArch;
  private readonly bindingActorsOn: boolean;
  private readonly bindings = new Map<number, EvtchnBindingActor>();
  private waiter: { resolve: (r: EvtchnReadResult) => void; abort?: () => void } | null = null;

  constructor(options: EvtchnOpenOptions = {}) {
    decodeOrThrow(EvtchnOpenOptions, options, 'openEvtchn options');
    const { env, hypervisor, irqLayer } = options;
    if (env !== undefined && options.nrChannels !== undefined && env.hv.nrChannels !== options.nrChannels) {
      throw new EvtchnDecodeError(
        `openEvtchn options: nrChannels ${options.nrChannels} disagrees with env.hv.nrChannels ${env.hv.nrChannels} ` +
          '(the hypervisor of env has that many channels; make env with createEvtchnEnv({ nrChannels }))',
      );
    }
    this.arch = options.arch ?? 'generic';
    this.bindingActorsOn = options.bindingActors ?? false;
    const input: EvtchnInput = {
      ...(options.comm !== undefined ? { comm: options.comm } : {}),
      ...(options.nrChannels !== undefined ? { nrChannels: options.nrChannels } : {}),
      nonblock: options.nonblock ?? false,
      ...(env ? { env } : {}),
      ...(hypervisor ? { hypervisor } : {}),
      ...(irqLayer ? { irqLayer } : {}),
    };
    this.actor = createActor(evtchnDeviceMachine, { input });
    this.actor.start();
  }

  /** The current snapshot of the device machine. */
  get snapshot(): SnapshotFrom<typeof evtchnDeviceMachine> {
    return this.actor.getSnapshot();
  }

  /** The ports bound to this file (the tree), in port order. */
  get boundPorts(): number[] {
    return this.snapshot.context.evtchns.map((e) => e.port);
  }

  /** The ports queued in the ring, oldest first. */
  get queuedPorts(): number[] {
    return evtchnRingQueued(this.snapshot.context.ring);
  }

  /** The binding actor of `port` (with `bindingActors`). */
  binding(port: number): EvtchnBindingActor | undefined {
    return this.bindings.get(port);
  }

  private ensureOpen(operation: string): void {
    if (this.snapshot.status !== 'active')
      throw new EvtchnReleasedError(operation, this.snapshot.value === 'crashed');
  }

  private send(event: EvtchnEvent): void {
    this.ensureOpen(event.type);
    this.actor.send(event);
  }

  private controlResult(): number {
    return this.snapshot.context.result?.rc ?? 0;
  }

  /** The guest's upcall: raise (optionally) and run the handler of each deliverable port, in order. */
  private upcall(ports: readonly number[], raise: boolean): void {
    if (this.snapshot.status !== 'active' || ports.length === 0) return;
    this.actor.send({ type: 'irq.upcall', ports, raise });
    if (this.bindingActorsOn) {
      for (const port of this.snapshot.context.delivered)
        this.bindings.get(port)?.send({ type: 'irq.handle' });
    }
    this.resumeWaiter();
  }

  private deliverAll(): void {
    const pending: number[] = [];
    recordMap(this.snapshot.context.env.hv.channels).forEach((c) => {
      if (c.pending && !c.masked) pending.push(c.port);
    });
    this.upcall(pending, false);
  }

  private readResult(): EvtchnReadResult {
    const r = this.snapshot.context.readResult;
    const ports = r?.ports ?? [];
    return { rc: r?.rc ?? 0, ports, data: evtchnPortsToBytes(r?.written ?? ports) };
  }

  /** The `read` event for `count` and `options`, checked. */
  private readEvent(count: number, options: EvtchnReadOptions): EvtchnEvent {
    if (!isSize(count)) decodeOrThrow(SizeT, count, 'read count');
    // the default options (no fault) need no decoding
    if (options === NO_READ_OPTIONS) return { type: 'read', count };
    const o = decodeOrThrow(EvtchnReadOptionsCodec, options, 'read options');
    return o.faultAt === undefined ? { type: 'read', count } : { type: 'read', count, faultAt: o.faultAt };
  }

  private resumeWaiter(): void {
    if (!this.waiter || this.snapshot.status !== 'active') return;
    if (this.snapshot.matches({ open: { reader: 'woken' } })) this.actor.send({ type: 'read.retry' });
    if (this.snapshot.matches({ open: { reader: 'holdingConsMutex' } }))
      this.actor.send({ type: 'read.copy' });
    if (this.snapshot.matches({ open: { reader: 'idle' } })) {
      const w = this.waiter;
      this.waiter = null;
      w.abort?.();
      w.resolve(this.readResult());
    }
  }

  /**
   * `ioctl(fd, cmd, arg)` with a numeric command (facts 3.2) and the argument struct as bytes
   * (`null`/too short: `copy_from_user` faults). Returns the ioctl's return value.
   */
  ioctl(cmd: number, arg: Uint8Array | null = null): number {
    return this.typed(evtchnIoctlEvent(cmd, arg, this.arch));
  }

  private dropBindingActors(): void {
    if (this.bindings.size === 0) return;
    const tree = this.snapshot.context.evtchns;
    for (const [port, a] of this.bindings) {
      if (findEvtchn(tree, port) === undefined || this.snapshot.status !== 'active') {
        a.send({ type: 'unbind' });
        a.stop();
        this.bindings.delete(port);
      }
    }
  }

  private typed(event: EvtchnEvent): number {
    const before = this.snapshot.context.evtchns;
    this.send(event);
    const rc = this.controlResult();
    if (BIND_EVENTS.has(event.type) && rc >= 0 && this.bindingActorsOn && !findEvtchn(before, rc)) {
      this.bindings.set(rc, createActor(evtchnBindingMachine, { input: { port: rc } }).start());
    }
    if (event.type === 'ioctl.unbind' || this.snapshot.status !== 'active') this.dropBindingActors();
    if (event.type === 'ioctl.notify' && this.snapshot.status === 'active') this.deliverAll();
    return rc;
  }

  /** IOCTL_EVTCHN_BIND_VIRQ: the local port, or a negative errno. */
  bindVirq(virq: number): number {
    return this.typed({ type: 'ioctl.bindVirq', arg: { virq: decodeOrThrow(U32, virq, 'bindVirq virq') } });
  }

  /** IOCTL_EVTCHN_BIND_INTERDOMAIN: the local port, or a negative errno. */
  bindInterdomain(remoteDomain: number, remotePort: number): number {
    return this.typed({
      type: 'ioctl.bindInterdomain',
      arg: {
        remoteDomain: decodeOrThrow(U32, remoteDomain, 'bindInterdomain remoteDomain'),
        remotePort: decodeOrThrow(U32, remotePort, 'bindInterdomain remotePort'),
      },
    });
  }

  /** IOCTL_EVTCHN_BIND_UNBOUND_PORT: the local port, or a negative errno. */
  bindUnboundPort(remoteDomain: number): number {
    return this.typed({
      type: 'ioctl.bindUnboundPort',
      arg: { remoteDomain: decodeOrThrow(U32, remoteDomain, 'bindUnboundPort remoteDomain') },
    });
  }

  /** IOCTL_EVTCHN_UNBIND. */
  unbind(port: number): number {
    return this.typed({ type: 'ioctl.unbind', arg: { port: decodeOrThrow(U32, port, 'unbind port') } });
  }

  /** IOCTL_EVTCHN_NOTIFY. */
  notify(port: number): number {
    return this.typed({ type: 'ioctl.notify', arg: { port: decodeOrThrow(U32, port, 'notify port') } });
  }

  /** IOCTL_EVTCHN_RESET. */
  reset(): number {
    return this.typed({ type: 'ioctl.reset' });
  }

  /** IOCTL_EVTCHN_RESTRICT_DOMID. */
  restrictDomid(domid: number): number {
    return this.typed({
      type: 'ioctl.restrictDomid',
      arg: { domid: decodeOrThrow(U16, domid, 'restrictDomid domid') },
    });
  }

  /**
   * `read(fd, buf, count)` without sleeping. On a blocking file whose ring is empty it throws
   * {@link EvtchnWouldBlockError} (use {@link readWait}).
   */
  read(count: number, options: EvtchnReadOptions = NO_READ_OPTIONS): EvtchnReadResult {
    const event = this.readEvent(count, options);
    if (this.waiter) throw new Error('evtchn: a readWait() is already sleeping on this file');
    this.send(event);
    const reader = readerState(this.snapshot);
    if (reader === 'asleep') {
      this.actor.send({ type: 'read.signal' });
      throw new EvtchnWouldBlockError(
        'evtchn: read would sleep on a blocking file with an empty ring; use readWait()',
      );
    }
    if (reader === 'holdingConsMutex') this.actor.send(READ_COPY);
    return this.readResult();
  }

  /** The blocking `read()`: resolves once data arrives, or with -ERESTARTSYS when `signal` aborts. */
  readWait(
    count: number,
    signal?: AbortSignal,
    options: EvtchnReadOptions = NO_READ_OPTIONS,
  ): Promise<EvtchnReadResult> {
    const event = this.readEvent(count, options);
    if (this.waiter)
      return Promise.reject(new Error('evtchn: a readWait() is already sleeping on this file'));
    this.send(event);
    if (this.snapshot.matches({ open: { reader: 'holdingConsMutex' } }))
      this.actor.send({ type: 'read.copy' });
    if (!this.snapshot.matches({ open: { reader: 'asleep' } })) return Promise.resolve(this.readResult());
    return new Promise((resolve) => {
      const onAbort = (): void => {
        if (!this.waiter) return;
        this.waiter = null;
        this.actor.send({ type: 'read.signal' });
        resolve(this.readResult());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = { resolve, abort: () => signal?.removeEventListener('abort', onAbort) };
      if (signal?.aborted) onAbort();
    });
  }

  /** `write(fd, buf, count)`: re-enables the named bound ports (late EOI). Returns bytes or -errno. */
  write(bytes: Uint8Array, count: number = bytes.length): number {
    decodeOrThrow(UserBytes, bytes, 'write buf');
    decodeOrThrow(SizeT, count, 'write count');
    const n = evtchnRoundCount(count);
    const ports = bytes.length < n ? null : evtchnBytesToPorts(bytes, n);
    this.send({ type: 'write', count, ports });
    const rc = this.controlResult();
    if (rc > 0 && ports) {
      if (this.bindings.size > 0)
        for (const p of ports) this.bindings.get(p)?.send({ type: 'write.reenable' });
      // Events left pending fire once late EOI unmasks them (a port named twice is delivered
      // at its first mention, then masked again: the same as naming it once).
      this.upcall(ports, false);
    }
    return rc;
  }

  /** `write()` of these ports (little-endian u32s). */
  writePorts(ports: readonly number[]): number {
    return this.write(evtchnPortsToBytes(ports.map((p, i) => decodeOrThrow(U32, p, `writePorts[${i}]`))));
  }

  /** `poll()`: the event mask. */
  poll(): number {
    this.send({ type: 'poll' });
    return this.controlResult();
  }

  /** `close()` of the last reference: `evtchn_release`. */
  release(): number {
    if (this.waiter) {
      this.waiter.abort?.();
      this.actor.send({ type: 'read.signal' });
      const w = this.waiter;
      this.waiter = null;
      w.resolve(this.readResult());
    }
    this.send({ type: 'release' });
    this.dropBindingActors();
    return this.snapshot.status === 'done' && this.snapshot.value === 'released' ? 0 : linuxErr('EIO');
  }

  /** Hypervisor side: an event arrives on `port`; the handler runs if the channel is bound and unmasked. */
  raise(port: number): void {
    this.send({
      type: 'irq.upcall',
      ports: [isU32(port) ? port : decodeOrThrow(U32, port, 'raise port')],
      raise: true,
    });
    if (this.bindingActorsOn) {
      for (const p of this.snapshot.context.delivered) this.bindings.get(p)?.send({ type: 'irq.handle' });
    }
    this.resumeWaiter();
  }

  /**
   * Hypervisor side: events arrive on `ports`, in order, and the guest's upcall handles them:
   * the same as `raise()` of each port in turn, in one machine step.
   */
  raiseMany(ports: readonly number[]): void {
    const checked = ports.every((p) => isU32(p))
      ? ports
      : ports.map((p, i) => decodeOrThrow(U32, p, `raiseMany[${i}]`));
    this.ensureOpen('raiseMany');
    this.upcall(checked, true);
  }

  /** Hypervisor side: remote domain `domid` allocates an unbound port for this guest; returns its number. */
  offer(domid: number): number {
    this.ensureOpen('offer');
    const ctx = this.snapshot.context;
    const { port } = offerRemotePort(ctx.env, decodeOrThrow(U16, domid, 'offer domid'));
    this.send({ type: 'hv.offer', domid });
    return port;
  }

  /** Environment: the next `op` fails with `errno` (negative). */
  failNext(op: FaultOp, errno: number): void {
    if (!FAULT_OPS.includes(op))
      throw new RangeError(`failNext: unknown operation ${String(op)} (one of ${FAULT_OPS.join(', ')})`);
    if (!Number.isInteger(errno) || errno >= 0)
      throw new RangeError(`failNext: errno must be a negative integer, got ${errno}`);
    this.send({ type: 'env.fail', op, errno });
  }

  /** Environment: the hypervisor hands out `port` again at the next allocation. */
  reuseNext(port: number): void {
    this.send({ type: 'env.reuse', port: decodeOrThrow(U32, port, 'reuseNext port') });
  }
}

/**
 * `open("/dev/xen/evtchn")`: a fresh file (unrestricted, no ports, no ring).
 *
 * @example
 * ```ts
 * const dev = openEvtchn({ nonblock: true });
 * const port = dev.bindUnboundPort(1);
 * dev.raise(port);
 * dev.read(4).ports; // [port]
 * dev.writePorts([port]); // late EOI: the port may fire again
 * ```
 * @category Facade
 */
export function openEvtchn(options: EvtchnOpenOptions = {}): EvtchnDevice {
  return new EvtchnDevice(options);
}

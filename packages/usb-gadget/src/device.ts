/**
 * The g_ether entry points as a typed facade over a live {@link gadgetMachine} actor: a
 * {@link GadgetModule} is one module on one system, with the module loader's view (`load` =
 * `insmod`, running `init` and the bind; `unload` = `rmmod`), the controller's
 * (`removeController`, `addController`), the wire's (`connect`, `reset`, `suspend`, `resume`,
 * `disconnect`, `control` for one control transfer on ep0, `interruptIn`, `bulkIn`,
 * `bulkOut`) and usb0's (`netOpen`, `netClose`, `xmit`). Link up/down (the carrier of usb0)
 * and frames handed to usb0's stack are reported to listeners.
 *
 * The machine does the work; the facade checks input from outside (codecs.ts) and turns
 * results into return values: a control transfer gives the {@link HostReply}; a kernel oops
 * throws {@link GadgetOopsError}. `descriptors()` reads what a host would (device, every
 * configuration at the current speed, every string) without a transfer.
 *
 * @module
 */
import { createActor, type Actor } from 'xstate';
import {
  BulkCodec,
  ControllerCodec,
  FaultCodec,
  FrameCodec,
  GadgetOptionsCodec,
  SetupPacketCodec,
  decodeOrThrow,
} from './codecs.js';
import type { Controller } from './controllers.js';
import { gadgetMachine } from './machine/machine.js';
import { encodeDeviceDescriptor } from './descriptors.js';
import { configDesc, countConfigs, deviceQual, getString, stringTables } from './model/composite-setup.js';
import { createGadgetContext, type GadgetContextOptions } from './model/context.js';
import type { GadgetEvent, SetupPacket } from './model/events.js';
import type { FaultOp, GadgetContext, HostReply } from './model/types.js';
import { USB_DT } from './constants.js';

/**
 * The kernel oopsed (a NULL descriptor copy walked, a freed function called).
 * @category Facade
 */
export class GadgetOopsError extends Error {
  override readonly name = 'GadgetOopsError';
  constructor(readonly where: string) {
    super(`g_ether: kernel oops: ${where}`);
  }
}

/** A change of usb0's carrier. @category Facade */
export interface LinkEvent {
  readonly up: boolean;
  /** The configuration selected when it happened (`rndis`, `eth`, or null). */
  readonly config: string | null;
  /** The function carrying the link (`ecm`, `geth`, `rndis`), or null. */
  readonly link: string | null;
}

/** What a host reads of the bound device. @category Facade */
export interface DescriptorSet {
  readonly device: readonly number[];
  /** GET_DESCRIPTOR(CONFIG, i) for each index the device reports, at the current speed. */
  readonly configs: readonly (readonly number[])[];
  /** The device qualifier and the other-speed configurations (dual-speed controllers). */
  readonly qualifier: readonly number[] | null;
  readonly otherSpeed: readonly (readonly number[])[];
  /** String descriptors by id (0: the language table). */
  readonly strings: ReadonlyMap<number, readonly number[]>;
}

/** The live actor. @category Facade */
export type GadgetActor = Actor<typeof gadgetMachine>;

/**
 * One g_ether module on one system.
 * @category Facade
 */
export class GadgetModule {
  readonly actor: GadgetActor;
  private readonly linkListeners = new Set<(e: LinkEvent) => void>();
  private readonly rxListeners = new Set<(frame: readonly number[]) => void>();

  constructor(options: GadgetContextOptions = {}) {
    const o = decodeOrThrow(GadgetOptionsCodec, options, 'GadgetModule options') as GadgetContextOptions;
    this.actor = createActor(gadgetMachine, { input: { context: createGadgetContext(o) } });
    this.actor.start();
  }

  /** The machine's snapshot. */
  get snapshot() {
    return this.actor.getSnapshot();
  }

  /** The context (the model state). */
  get context(): GadgetContext {
    return this.actor.getSnapshot().context;
  }

  /** usb0 has carrier. */
  get linkUp(): boolean {
    return this.context.netdev?.carrier === true;
  }

  /** The chart state as dotted text (`loaded.bound.powered.configured`). */
  get state(): string {
    const walk = (v: unknown): string =>
      typeof v === 'string'
        ? v
        : Object.entries(v as object)
            .map(([k, s]) => `${k}.${walk(s)}`)
            .join(',');
    return walk(this.snapshot.value);
  }

  private send(event: GadgetEvent): GadgetContext {
    const before = this.context;
    this.actor.send(event);
    const after = this.context;
    if (after.ghost.oops !== null && before.ghost.oops === null) throw new GadgetOopsError(after.ghost.oops);
    const was = before.netdev?.carrier === true;
    const is = after.netdev?.carrier === true;
    if (was !== is) {
      const id = after.netdev?.portUsb ?? before.netdev?.portUsb ?? null;
      const fn = id === null ? undefined : (after.fns[id] ?? before.fns[id]);
      const e: LinkEvent = {
        up: is,
        config: after.cdev?.config ?? before.cdev?.config ?? null,
        link: fn?.kind ?? null,
      };
      for (const l of this.linkListeners) l(e);
    }
    if (after.lastRx !== null && after.rxCount !== before.rxCount)
      for (const l of this.rxListeners) l(after.lastRx);
    return after;
  }

  /** `insmod g_ether`: 0, or the -errno init returned (the module is then gone). */
  load(): number {
    const c = this.send({ type: 'module.load' });
    return c.result ?? 0;
  }

  /** `rmmod g_ether` (ignored when built in). */
  unload(): void {
    this.send({ type: 'module.unload' });
  }

  /** The controller goes away (its driver's remove). */
  removeController(): void {
    this.send({ type: 'udc.remove' });
  }

  /** A controller appears. */
  addController(controller: Controller): void {
    this.send({ type: 'udc.add', controller: decodeOrThrow(ControllerCodec, controller, 'addController') });
  }

  /** VBUS on, pull-up seen by the host. */
  connect(): void {
    this.send({ type: 'host.connect' });
  }

  /** The host resets the port (and negotiates `speed`). */
  reset(speed: 'full' | 'high' = 'high'): void {
    this.send({ type: 'host.reset', speed });
  }

  /** Bus suspend. */
  suspend(): void {
    this.send({ type: 'host.suspend' });
  }

  /** Bus resume. */
  resume(): void {
    this.send({ type: 'host.resume' });
  }

  /** The cable goes. */
  disconnect(): void {
    this.send({ type: 'host.disconnect' });
  }

  /** One control transfer: the reply (null when the device is not on the bus yet). */
  control(packet: SetupPacket): HostReply | null {
    const p = decodeOrThrow(SetupPacketCodec, packet, 'control');
    const before = this.context;
    const c = this.send({ type: 'host.setup', ...p });
    return c === before ? null : c.reply;
  }

  /** The host polls the notify endpoint: the notification, or null (NAK). */
  interruptIn(): readonly number[] | null {
    const r = this.send({ type: 'host.interruptIn' }).reply;
    return r?.kind === 'data' ? r.bytes : null;
  }

  /** The host reads bulk IN: the next transfer, or null (NAK). */
  bulkIn(): readonly number[] | null {
    const before = this.context;
    const c = this.send({ type: 'host.bulkIn' });
    return c !== before && c.reply?.kind === 'data' ? c.reply.bytes : null;
  }

  /** The host writes bulk OUT: whether the gadget took it (rx requests queued). */
  bulkOut(bytes: readonly number[]): boolean {
    const data = decodeOrThrow(BulkCodec, bytes, 'bulkOut');
    const before = this.context;
    const c = this.send({ type: 'host.bulkOut', data });
    return c !== before && c.reply?.kind === 'ack';
  }

  /** `ifconfig usb0 up`. */
  netOpen(): void {
    this.send({ type: 'net.open' });
  }

  /** `ifconfig usb0 down`. */
  netClose(): void {
    this.send({ type: 'net.close' });
  }

  /** The gadget's stack sends `frame` on usb0: whether it was queued for the host. */
  xmit(frame: Uint8Array | readonly number[]): boolean {
    const f = decodeOrThrow(FrameCodec, frame instanceof Uint8Array ? [...frame] : frame, 'xmit');
    const before = this.context.netdev?.txQueue.length ?? 0;
    const c = this.send({ type: 'net.xmit', frame: f });
    return (c.netdev?.txQueue.length ?? 0) > before;
  }

  /** Arms a fault for the next calls (ports.ts). */
  armFault(op: FaultOp, nth = 1, errno?: number): void {
    const f = decodeOrThrow(FaultCodec, { op, nth, ...(errno === undefined ? {} : { errno }) }, 'armFault');
    this.send({
      type: 'env.fail',
      op: f.op as FaultOp,
      ...(f.nth ? { nth: f.nth } : {}),
      ...(f.errno ? { errno: f.errno } : {}),
    });
  }

  /** Listens to link up/down; returns the unsubscribe function. */
  onLink(listener: (e: LinkEvent) => void): () => void {
    this.linkListeners.add(listener);
    return () => this.linkListeners.delete(listener);
  }

  /** Listens to frames handed to usb0's stack (netif_rx). */
  onRx(listener: (frame: readonly number[]) => void): () => void {
    this.rxListeners.add(listener);
    return () => this.rxListeners.delete(listener);
  }

  /** What a host would read now (without a transfer), or null when no cdev is bound. */
  descriptors(): DescriptorSet | null {
    return descriptorSet(this.context);
  }
}

/**
 * The descriptors of a bound context as GET_DESCRIPTOR would return them.
 * @category Facade
 */
export function descriptorSet(c: GadgetContext): DescriptorSet | null {
  if (!c.cdev || !c.udc) return null;
  const dev = encodeDeviceDescriptor({ ...c.cdev.desc, bNumConfigurations: countConfigs(c, USB_DT.DEVICE) });
  const configs: number[][] = [];
  for (let i = 0; i < dev[17]!; i++) {
    const b = configDesc(c, (USB_DT.CONFIG << 8) | i);
    if (typeof b !== 'number') configs.push(b);
  }
  const dual = c.udc.controller.dualspeed;
  const otherSpeed: number[][] = [];
  for (let i = 0; dual && i < countConfigs(c, USB_DT.DEVICE_QUALIFIER); i++) {
    const b = configDesc(c, (USB_DT.OTHER_SPEED_CONFIG << 8) | i);
    if (typeof b !== 'number') otherSpeed.push(b);
  }
  const strings = new Map<number, readonly number[]>();
  const lang = getString(c, 0, 0);
  if (typeof lang !== 'number') strings.set(0, lang);
  const ids = new Set<number>();
  for (const t of stringTables(c)) for (const e of t) if (e.id) ids.add(e.id);
  for (const id of [...ids].sort((a, b) => a - b)) {
    const s = getString(c, 0x0409, id);
    if (typeof s !== 'number') strings.set(id, s);
  }
  return { device: dev, configs, qualifier: dual ? deviceQual(c) : null, otherSpeed, strings };
}

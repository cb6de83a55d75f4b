/**
 * The events of the g_ether machine, grouped by who causes them: the module loader
 * (`module.*`), the peripheral controller appearing or going away (`udc.*`), the USB host
 * (`host.*`: bus events, control transfers on ep0, the interrupt and bulk endpoints), the
 * gadget's own network stack on usb0 (`net.*`), and the checker's fault injection
 * (`env.fail`).
 *
 * @module
 */
import type { Controller } from '../controllers.js';
import type { FaultOp } from './types.js';

/** A SETUP packet (and, for control OUT, its data stage). @category Events */
export interface SetupPacket {
  readonly bmRequestType: number;
  readonly bRequest: number;
  readonly wValue: number;
  readonly wIndex: number;
  readonly wLength: number;
  /** The OUT data stage (SEND_ENCAPSULATED_COMMAND). */
  readonly data?: readonly number[];
}

/** Every event the machine takes. @category Events */
export type GadgetEvent =
  | { readonly type: 'module.load' }
  | { readonly type: 'module.unload' }
  | { readonly type: 'udc.remove' }
  | { readonly type: 'udc.add'; readonly controller: Controller }
  | { readonly type: 'host.connect' }
  | { readonly type: 'host.disconnect' }
  | { readonly type: 'host.reset'; readonly speed: 'full' | 'high' }
  | { readonly type: 'host.suspend' }
  | { readonly type: 'host.resume' }
  | ({ readonly type: 'host.setup' } & SetupPacket)
  | { readonly type: 'host.interruptIn' }
  | { readonly type: 'host.bulkIn' }
  | { readonly type: 'host.bulkOut'; readonly data: readonly number[] }
  | { readonly type: 'net.open' }
  | { readonly type: 'net.close' }
  | { readonly type: 'net.xmit'; readonly frame: readonly number[] }
  | { readonly type: 'env.fail'; readonly op: FaultOp; readonly nth?: number; readonly errno?: number };

/** The event type names. @category Events */
export type GadgetEventType = GadgetEvent['type'];

/**
 * The state of one g_ether module and everything it touches, as plain immutable data (the
 * machine's context):
 *
 * - `build`, `params`, `uts`: the inputs (Kconfig, module parameters, `init_utsname()`).
 * - `statics`: the seed's file-scope data and that of the files it `#include`s (composite.c,
 *   epautoconf.c, f_ecm.c, f_subset.c, f_rndis.c, rndis.c, u_ether.c): created by a module load,
 *   written by every bind, never reset by an unbind (that is the C's behaviour).
 * - `udc`: the peripheral controller and its endpoints (`driver_data` claims, enabled state).
 * - `cdev`: the `usb_composite_dev` composite_bind allocates; `fns`: the function instances the
 *   `*_bind_config` calls `kzalloc`; `netdev`: u_ether's `the_dev` (usb0).
 * - `bus`: what the host did to the bus (address, speed, suspend); `reply`: the answer to the
 *   host's last transfer.
 * - `env`: armed faults and the seeded randomness (ports.ts); `ghost`: check-only history.
 *
 * Who writes what: the seed's steps write `statics.device`, `statics.configs.*` (label,
 * bmAttributes, descriptors), `statics.manufacturer`, `statics.stringIds`, `statics.hostaddr`;
 * the modelled environment writes the rest. Nothing here is shared with another thread: the
 * composite core runs under `cdev->lock` or in process context, one step at a time.
 *
 * @module
 */
import type { Controller } from '../controllers.js';
import type { Descriptor, DeviceDescriptor } from '../descriptors.js';

/** Kernel build choices. @category Model */
export interface BuildConfig {
  /** `CONFIG_USB_ETH_RNDIS` (seed lines 69-73, 88-95, 113-116). */
  readonly rndis: boolean;
  /**
   * g_ether linked into the kernel instead of built as a module: `__exit_p(eth_unbind)` (seed
   * line 378) is then NULL and composite_unbind never calls eth_unbind.
   */
  readonly builtIn: boolean;
  /** `CONFIG_USB_GADGET_VBUS_DRAW` in mA (2..500; default 2): bMaxPower is half of it. */
  readonly vbusDraw: number;
  /**
   * What happens when a controller appears while the driver is registered but unbound:
   * `'2.6.31'` (nothing: usb_gadget_register_driver runs only from usb_composite_register) or
   * `'rebind'` (the udc-core of later kernels binds the waiting driver again, with the module's
   * statics as the last bind left them).
   */
  readonly udcCore: '2.6.31' | 'rebind';
}

/** Module parameters of composite.c (idVendor ... iSerialNumber) and u_ether.c. @category Model */
export interface ModuleParams {
  /** `ushort` params: 0 means unset. */
  readonly idVendor: number;
  readonly idProduct: number;
  readonly bcdDevice: number;
  /** `charp` params: null means unset. */
  readonly iManufacturer: string | null;
  readonly iProduct: string | null;
  readonly iSerialNumber: string | null;
  /** u_ether `dev_addr` / `host_addr` ("xx:xx:xx:xx:xx:xx"); null or invalid gives a random one. */
  readonly devAddr: string | null;
  readonly hostAddr: string | null;
  /** u_ether `qmult` (queue length multiplier at high speed, default 5). */
  readonly qmult: number;
}

/** `init_utsname()`: what the manufacturer string is made of (seed lines 331-333). @category Model */
export interface Utsname {
  readonly sysname: string;
  readonly release: string;
}

/** The two static `struct usb_configuration`s of the seed (lines 239-245, 267-273). @category Model */
export type ConfigKey = 'rndis' | 'eth';

/**
 * One static `struct usb_configuration`: the seed's initialisers, what its bind function
 * writes, and what usb_add_config / usb_interface_id / usb_add_function keep in it.
 * @category Model
 */
export interface ConfigDriver {
  readonly label: string | null;
  readonly bConfigurationValue: number;
  readonly bmAttributes: number;
  /** Never allocated (the FIXMEs at seed lines 229, 254): 0. */
  readonly iConfiguration: number;
  readonly bMaxPower: number;
  /** `c->descriptors`: the seed's `otg_desc` list once an OTG bind set it (lines 231-234, 256-259). */
  readonly otg: boolean;
  readonly nextInterfaceId: number;
  /** `interface[]`: function instance ids; entries outlive a failed function (composite.c never clears them then). */
  readonly interfaces: readonly (number | null)[];
  /** `functions` list: instance ids in order. */
  readonly functions: readonly number[];
  readonly fullspeed: boolean;
  readonly highspeed: boolean;
}

/** An endpoint of the controller at run time. @category Model */
export interface EpState {
  readonly name: string;
  readonly maxpacket: number;
  /** `ep->driver_data`: who claimed it (`cdev` at bind, `dev` when u_ether connects, a function id for notify endpoints). */
  readonly driverData: string | null;
  /** The descriptor it was enabled with (usb_ep_enable), or null. */
  readonly enabled: boolean;
}

/** The controller as bound: the description and its endpoints' state. @category Model */
export interface UdcState {
  readonly controller: Controller;
  readonly eps: readonly EpState[];
  /** A gadget driver is bound to it. */
  readonly driverBound: boolean;
}

/** u_ether `struct gether`: a function's link to the network device. @category Model */
export interface GetherPort {
  readonly inEp: string | null;
  readonly outEp: string | null;
  /** Chosen descriptor set (`ep_choose`): `'fs' | 'hs'`, or null. */
  readonly in: 'fs' | 'hs' | null;
  readonly out: 'fs' | 'hs' | null;
  readonly cdcFilter: number;
  readonly isZlpOk: boolean;
  /** `link->ioport`: gether_connect succeeded and gether_disconnect has not run. */
  readonly ioport: boolean;
  /** RNDIS framing (`header_len`, wrap/unwrap). */
  readonly rndisFraming: boolean;
}

/** Which ECM notification comes next (f_ecm.c `enum ecm_notify_state`). @category Model */
export type EcmNotifyState = 'none' | 'connect' | 'speed';

/** Fields common to every function instance. @category Model */
interface FunctionBase {
  readonly id: number;
  /** `f->descriptors`, `f->hs_descriptors` (copies made at bind). */
  readonly fs: readonly Descriptor[] | null;
  readonly hs: readonly Descriptor[] | null;
  readonly port: GetherPort;
  /** The instance went through `f->bind` successfully. */
  readonly bound: boolean;
}

/** An f_ecm.c instance. @category Model */
export interface EcmFunction extends FunctionBase {
  readonly kind: 'ecm';
  readonly ctrlId: number;
  readonly dataId: number;
  /** The MAC string (12 upper-case hex digits of the host address). */
  readonly ethaddr: string;
  readonly notify: string | null;
  readonly notifyReq: boolean;
  /** Bytes of the notification in flight on the interrupt endpoint (notify_req taken), or null. */
  readonly notifyInFlight: readonly number[] | null;
  readonly notifyState: EcmNotifyState;
  readonly isOpen: boolean;
}

/** An f_subset.c instance. @category Model */
export interface GethFunction extends FunctionBase {
  readonly kind: 'geth';
  readonly ethaddr: string;
}

/** An f_rndis.c instance. @category Model */
export interface RndisFunction extends FunctionBase {
  readonly kind: 'rndis';
  readonly ctrlId: number;
  readonly dataId: number;
  readonly ethaddr: readonly number[];
  /** rndis_register slot, or -1. */
  readonly config: number;
  readonly notify: string | null;
  readonly notifyReq: boolean;
  readonly notifyCount: number;
  readonly notifyInFlight: boolean;
}

/** A function instance. @category Model */
export type GadgetFunction = EcmFunction | GethFunction | RndisFunction;

/** rndis.c `rndis_params` (the one slot, `RNDIS_MAX_CONFIGS` 1). @category Model */
export interface RndisParams {
  readonly used: boolean;
  readonly state: 'uninitialized' | 'initialized' | 'dataInitialized';
  readonly mediaConnected: boolean;
  /** rndis_set_param_dev ran (params->dev): never cleared again. */
  readonly dev: boolean;
  /** The instance whose `port.cdc_filter` `params->filter` points at. */
  readonly filterOf: number | null;
  /** Queued responses (`resp_queue`), with `send` set once handed out. */
  readonly responses: readonly { readonly bytes: readonly number[]; readonly sent: boolean }[];
  readonly speed: number;
}

/** Per-function static data: string ids (`*_string_defs[i].id`) and the template fields bind writes. @category Model */
export interface FunctionStatics {
  /** String ids in the order of the C table (0 = not allocated). */
  readonly stringIds: readonly number[];
  /** `*_string_defs[mac].s` is set (a live instance's MAC string). */
  readonly macString: string | null;
  /** Interface numbers written into the templates. */
  readonly intf: readonly number[];
  /** Endpoint templates as autoconfig left them: address and (bulk) full-speed packet size. */
  readonly eps: Readonly<Record<string, { readonly address: number; readonly maxpacket: number }>>;
}

/** The module image: every static the seed and its `#include`s keep. @category Model */
export interface EtherStatics {
  /** `device_desc` (seed lines 155-177) as eth_bind leaves it. */
  readonly device: DeviceDescriptor;
  readonly configs: Readonly<Record<ConfigKey, ConfigDriver>>;
  /** `manufacturer[50]` (seed line 200). */
  readonly manufacturer: string;
  /** `strings_dev[].id` (seed lines 202-206). */
  readonly stringIds: readonly [number, number];
  /** `hostaddr[ETH_ALEN]` (seed line 218). */
  readonly hostaddr: readonly number[];
  /** composite.c `static struct usb_composite_driver *composite`. */
  readonly composite: boolean;
  /** epautoconf.c `epnum`. */
  readonly epnum: number;
  readonly ecm: FunctionStatics;
  readonly geth: FunctionStatics;
  readonly rndis: FunctionStatics;
  readonly rndisParams: RndisParams;
  /** String overrides composite_bind applied (iManufacturer/iProduct/iSerialNumber params), by id. */
  readonly overrides: Readonly<Record<number, string>>;
  /** How many times composite_bind ran in this module image. */
  readonly binds: number;
}

/** `struct usb_composite_dev`. @category Model */
export interface CompositeDev {
  readonly nextStringId: number;
  /** `cdev->configs` in list order (usb_add_config appends; a failed bind or composite_unbind unlinks). */
  readonly configs: readonly ConfigKey[];
  /** The configuration the host selected, or null. */
  readonly config: ConfigKey | null;
  /** `cdev->desc`: the device descriptor the host reads (copied after eth_bind, then overridden). */
  readonly desc: DeviceDescriptor;
}

/** u_ether's `the_dev` and its net_device (usb0). @category Model */
export interface EthDev {
  readonly devMac: readonly number[];
  readonly hostMac: readonly number[];
  /** `ifconfig usb0 up` (netif_running). */
  readonly open: boolean;
  readonly carrier: boolean;
  /** The connected function (`dev->port_usb`), or null. */
  readonly portUsb: number | null;
  readonly zlp: boolean;
  /** Frames queued on the IN endpoint for the host (already wrapped). */
  readonly txQueue: readonly (readonly number[])[];
  /** `qlen(gadget)`: tx requests allocated by gether_connect. */
  readonly qlen: number;
  /** The controller this netdev was set up for is gone (it outlived its gadget). */
  readonly orphaned: boolean;
}

/** What the host did to the bus. @category Model */
export interface BusState {
  readonly address: number;
  readonly speed: 'full' | 'high' | null;
  readonly suspended: boolean;
}

/** The answer to the host's last transfer. @category Model */
export type HostReply =
  | { readonly kind: 'data'; readonly bytes: readonly number[] }
  | { readonly kind: 'ack' }
  | { readonly kind: 'stall'; readonly errno: number }
  | { readonly kind: 'nak' };

/** A fault site: an environment call that can be made to fail (ports.ts). @category Model */
export type FaultOp =
  | 'kzalloc'
  | 'kmalloc'
  | 'usb_ep_alloc_request'
  | 'usb_copy_descriptors'
  | 'usb_ep_autoconfig'
  | 'usb_ep_enable'
  | 'usb_ep_queue'
  | 'usb_string_id'
  | 'alloc_etherdev'
  | 'register_netdev'
  | 'rndis_init'
  | 'rndis_register';

/** One armed fault: the `nth` next call of `op` fails (with `errno` where the C passes one on). @category Model */
export interface ArmedFault {
  readonly op: FaultOp;
  readonly nth: number;
  readonly errno: number;
}

/** The environment in the context: faults and randomness (ports.ts; the clock is the facade's). @category Model */
export interface GadgetEnv {
  readonly faults: readonly ArmedFault[];
  /** mulberry32 state for random_ether_addr. */
  readonly rng: number;
}

/** Check-only history (never read by the model). @category Model */
export interface GadgetGhost {
  /** The last bind was a failure (module load or re-bind). */
  readonly bindFailed: boolean;
  /** What went wrong for the kernel: a NULL dereference, a use of freed memory. */
  readonly oops: string | null;
  readonly warnings: number;
  /** The last SET_CONFIGURATION was rejected while a configuration was selected (which one, or null). */
  readonly rejectedFrom: ConfigKey | null;
  /** A bind (module load or re-bind) is in progress: fallible calls are being recorded. */
  readonly binding: boolean;
  /** Every fallible environment call of the last bind (op@caller), in order. */
  readonly calls: readonly string[];
}

/** The whole context. @category Model */
export interface GadgetContext {
  readonly build: BuildConfig;
  readonly params: ModuleParams;
  readonly uts: Utsname;
  /** The controller present on the system (null: none). */
  readonly controller: Controller | null;
  readonly udc: UdcState | null;
  readonly statics: EtherStatics | null;
  readonly cdev: CompositeDev | null;
  readonly fns: Readonly<Record<number, GadgetFunction>>;
  readonly nextFnId: number;
  readonly netdev: EthDev | null;
  /**
   * rndis_init ran and rndis_exit has not: the /proc/driver/rndis-000 entry (a kernel-wide
   * registration, CONFIG_USB_GADGET_DEBUG_FILES) exists, whether or not the module image does.
   */
  readonly rndisProc: boolean;
  readonly bus: BusState;
  /** The local `status` of the C function running (eth_bind, usb_add_config, ...). */
  readonly status: number;
  /** A re-bind (udc-core) is in progress, rather than the module load. */
  readonly rebinding: boolean;
  /** Result of the last module entry point (init, cleanup): 0 or -errno. */
  readonly result: number | null;
  readonly reply: HostReply | null;
  /** The frame the last bulk OUT transfer handed to the gadget's network stack (netif_rx), or null. */
  readonly lastRx: readonly number[] | null;
  /** Frames handed to the stack so far. */
  readonly rxCount: number;
  readonly env: GadgetEnv;
  readonly ghost: GadgetGhost;
}

/**
 * The context and events of the device machine: `struct per_user_data` (lines 61-79) plus the
 * program counters' data of the threads that run in it (the interrupt handler between its
 * snapshot and its push, a reader between its snapshot and its copy), the environment value
 * the ports act on, the last return values, and check-only ghost state.
 *
 * Who writes what: `restrictDomid`, `nrEvtchns`, `evtchns`, `rbtree`, `orphans` only under
 * `bind_mutex` (ioctls, write, release); `ring.prod`/`ring.overflow`/slots only by the
 * interrupt handler; `ring.cons` only by a reader; ring resize and reset write everything
 * under both ring locks. `ghost` is written by the model for the checker and never read by
 * the modelled code.
 *
 * The array fields (`evtchns`, `ring.slots`, `env.hv.channels`, `env.irq.bindings`, the
 * ghost's lists) are read-only views over persistent maps (`persistent.ts`): they behave as
 * frozen arrays, cost nothing until read, and share structure between snapshots.
 *
 * @module
 */
import type { EvtchnRing, ProdSnapshot, UserEvtchn } from './model.js';
import type { EvtchnRbTree } from './rbtree.js';
import type { EvtchnEnv, FaultOp, Hypervisor, IrqLayer } from './ports.js';

/** Which bind ioctl is running. @category Machine */
export type BindKind = 'virq' | 'interdomain' | 'unbound';

/**
 * `evtchn_bind_to_user` in progress (lines 369-415): the port the hypercall returned, whether
 * `add_evtchn` linked the node, and the last step's return code.
 * @category Machine
 */
export interface PendingBind {
  readonly kind: BindKind;
  readonly remoteDom: number;
  readonly port: number;
  readonly linked: boolean;
  readonly rc: number;
}

/** The interrupt handler between its steps (lines 171-190). @category Machine */
export interface IrqThread {
  readonly port: number;
  /** `prod`/`cons` read under `ring_prod_lock` (lines 175-176), once taken. */
  readonly snap: ProdSnapshot | null;
}

/** A reader between its steps (lines 195-265). @category Machine */
export interface ReaderThread {
  /** The count after rounding and the PAGE_SIZE cap. */
  readonly count: number;
  readonly nonblock: boolean;
  /** Holds `ring_cons_mutex` (between the snapshot and the copy). */
  readonly holding: boolean;
  /** `c`, `p` read under `ring_cons_mutex` (lines 218-219), once taken. */
  readonly c: number;
  readonly p: number;
  /** The byte of the user buffer at which `copy_to_user` faults, or `null` (all writable). */
  readonly faultAt: number | null;
}

/** The return value of the last completed entry point. @category Machine */
export interface EvtchnResult {
  readonly op: string;
  readonly rc: number;
  /** Ports copied by a read. */
  readonly ports?: readonly number[];
  /**
   * A read that failed with -EFAULT in its second `copy_to_user`: the ports of the first chunk,
   * which reached the user buffer although the read failed (and stay queued in the ring).
   */
  readonly written?: readonly number[];
}

/**
 * Check-only state: observations the invariants need and the C code never reads.
 * @category Machine
 */
export interface EvtchnGhost {
  /** `WARN(!evtchn->enabled)` hits (line 167). */
  readonly warnings: number;
  /** Binds that succeeded although the restriction forbids them. */
  readonly forbiddenBinds: number;
  /** The port a failed bind ioctl had obtained from the hypervisor (until the next ioctl). */
  readonly failedBindPort: number | null;
  /** Per port, in port order: pushes into the ring since it was last (re-)enabled. */
  readonly queuedSinceEnable: readonly { readonly port: number; readonly n: number }[];
  /** Ports the user has read and not written back yet, ascending, each once (drives the well-behaved alphabet). */
  readonly readNotWritten: readonly number[];
  /** Environment faults and port reuses armed so far (bounds the checker's alphabet). */
  readonly armed: number;
}

/**
 * The device machine's context.
 *
 * Keep it at 19 properties at most: xstate applies every assignment as
 * `Object.assign({}, context, patch)`, and V8 (Node 20) gives the result dictionary (slow)
 * properties from 20 properties on, which doubled the cost of every step (a `poll` went from
 * 5 to 9 µs). New state goes into an existing field.
 * @category Machine
 */
export interface EvtchnContext {
  /** `u->name`, "evtchn:<comm>". */
  readonly name: string;
  /** `u->restrict_domid`. */
  readonly restrictDomid: number;
  /** `u->nr_evtchns`. */
  readonly nrEvtchns: number;
  /** The nodes of `u->evtchns` (the rb-tree), sorted by port. */
  readonly evtchns: readonly UserEvtchn[];
  /** The shape of `u->evtchns`: root, links and colours as lib/rbtree.c leaves them (same ports as `evtchns`). */
  readonly rbtree: EvtchnRbTree;
  /** `user_evtchn`s no longer reachable from the tree whose irq handlers are still bound. */
  readonly orphans: readonly UserEvtchn[];
  readonly ring: EvtchnRing;
  /** `O_NONBLOCK` on the file. */
  readonly nonblock: boolean;
  readonly env: EvtchnEnv;
  readonly hypervisor: Hypervisor;
  readonly irqLayer: IrqLayer;
  readonly bind: PendingBind | null;
  readonly irqThread: IrqThread | null;
  readonly reader: ReaderThread | null;
  /** Result of the last ioctl / write / poll / release. */
  readonly result: EvtchnResult | null;
  /** Result of the last read. */
  readonly readResult: EvtchnResult | null;
  /** Ports whose handler the last `irq.upcall` ran, in order (output only). */
  readonly delivered: readonly number[];
  /** Where `BUG()` / `BUG_ON()` was hit, if it was. */
  readonly bug: string | null;
  readonly ghost: EvtchnGhost;
}

/** Input of the device machine (`evtchn_open`). @category Machine */
export interface EvtchnInput {
  /** `current->comm` (default "kspec"). */
  readonly comm?: string;
  /**
   * The channel count of the environment made when `env` is not given (default 4096, the
   * 2-level ABI): what `xen_evtchn_nr_channels()` reports and how many ports the hypervisor has.
   * Ignored when `env` is given (its `hv.nrChannels` counts).
   */
  readonly nrChannels?: number;
  /** `O_NONBLOCK` (default false). */
  readonly nonblock?: boolean;
  readonly env?: EvtchnEnv;
  readonly hypervisor?: Hypervisor;
  readonly irqLayer?: IrqLayer;
}

/** `copy_from_user` outcome: the decoded struct, or `null` when it faults (-EFAULT). @category Events */
export type UserArg<T> = T | null;

/** Events of the device machine, grouped by C entry point. @category Events */
export type EvtchnEvent =
  | { type: 'ioctl.bindVirq'; arg: UserArg<{ virq: number }> }
  | { type: 'ioctl.bindInterdomain'; arg: UserArg<{ remoteDomain: number; remotePort: number }> }
  | { type: 'ioctl.bindUnboundPort'; arg: UserArg<{ remoteDomain: number }> }
  | { type: 'ioctl.unbind'; arg: UserArg<{ port: number }> }
  | { type: 'ioctl.notify'; arg: UserArg<{ port: number }> }
  | { type: 'ioctl.reset' }
  | { type: 'ioctl.restrictDomid'; arg: UserArg<{ domid: number }> }
  | { type: 'ioctl.unknown'; cmd: number }
  /** `write(fd, buf, count)`: `ports` are the u32s of the buffer (null if it is shorter than count). */
  | { type: 'write'; count: number; ports: readonly number[] | null }
  | { type: 'poll' }
  /**
   * `read()` up to the snapshot (lines 202-232). `faultAt`: the user buffer faults from that
   * byte on (`copy_to_user` fails there, lines 254-257); absent, the whole buffer is writable.
   */
  | { type: 'read'; count: number; faultAt?: number }
  /** The copy and `ring_cons` update (lines 234-263). */
  | { type: 'read.copy' }
  /** A woken reader re-checks (lines 228-229, then 211-221 again). */
  | { type: 'read.retry' }
  /** A signal ends `wait_event_interruptible` (-ERESTARTSYS). */
  | { type: 'read.signal' }
  /** Internal: `wake_up_interruptible(&u->evtchn_wait)`. */
  | { type: 'reader.wake' }
  /** The whole interrupt handler as one step. */
  | { type: 'irq.interrupt'; port: number }
  /**
   * The guest's upcall for several ports (the facade's batched path): each port in order is
   * raised (when `raise`) and, if deliverable, handled as one whole `irq.interrupt`.
   */
  | { type: 'irq.upcall'; ports: readonly number[]; raise: boolean }
  /** Handler step 1: upcall delivers, `enabled = false` (lines 167-171). */
  | { type: 'irq.enter'; port: number }
  /** Handler step 2: `spin_lock`, read `prod`/`cons` (lines 173-176). */
  | { type: 'irq.lock' }
  /** Handler step 3: push or overflow, wake, unlock (lines 178-190). */
  | { type: 'irq.push' }
  | { type: 'release' }
  /** Hypervisor side: an event arrives on `port`. */
  | { type: 'hv.raise'; port: number }
  /** Hypervisor side: a remote domain offers an unbound port. */
  | { type: 'hv.offer'; domid: number }
  /** Environment: the next `op` fails with `errno`. */
  | { type: 'env.fail'; op: FaultOp; errno: number }
  /** Environment: the hypervisor hands out `port` again. */
  | { type: 'env.reuse'; port: number };

/** One event type of {@link EvtchnEvent}. @category Events */
export type EvtchnEventType = EvtchnEvent['type'];

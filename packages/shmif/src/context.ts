/**
 * The data the shmif machines share, laid out after `struct shmif_sc` (if_shmem.c 78-97) and
 * the locals of the three threads of control that use it: the caller of the entry points
 * (create, ioctl, init, stop, unclone), the transmitter `shmif_start` and the receiver
 * thread `shmif_rcv`.
 *
 * Who writes what (C discipline, kept by the machines):
 * - `flags` (`if_flags`): the entry points and `shmif_start` (`IFF_OACTIVE`); the receiver only
 *   reads `IFF_RUNNING`, without a lock (line 630).
 * - `nextpacket`, `devgen`: `initbackend` (under the bus lock), `shmif_init` (under `sc_mtx`,
 *   without the bus lock), and the receiver (under the bus lock, and `devgen++` after it).
 * - `busmem`, `memfd`, `kq`, `backfile`: `initbackend` / `finibackend` / create / ioctl; read
 *   by the receiver (`busmem` once per `reup`, `kq` in every wait) and the transmitter.
 * - `dying`: `shmif_unclone` under `sc_mtx`; the receiver reads it under `sc_mtx` (624) and
 *   without (712).
 * - `tx.*` are `shmif_start`'s locals, `rx.*` are `shmif_rcv`'s, `create.*` those of
 *   `rump_shmif_create`/`SIOCSLINKSTR`.
 * - `ghost` is check-only state, written by the machines' actions when present (`null` in
 *   live use) and read only by invariants.
 *
 * Departures: `sc_busmem` holds the path of the mapped bus file rather than a pointer (the
 * mapping's validity is in `maps`); descriptors are numbered per interface. `sc_devgen` is a
 * `uint64_t` as in C (a `U64` of `@kspec/shared-memory`: two u32 halves, exact, wrapping at 2^64).
 *
 * @module
 */
import type { U64 } from '@kspec/shared-memory';
import type { EventObject } from 'xstate';
import type { HostState, RandomnessPort, ShmifHostPort } from './ports.js';
import type { UnitArena } from './units.js';

/**
 * A host descriptor an interface holds: the bus file (`sc_memfd`) or its kqueue write watch
 * (`sc_kq`, with the count of wake-up writes it has consumed: the `EV_CLEAR` latch).
 * @category Context
 */
export interface HostFd {
  readonly fd: number;
  readonly kind: 'file' | 'kq';
  readonly path: string;
  /** kq only, live host: the host's wake-up count consumed so far (the `EV_CLEAR` latch). */
  readonly seen: number;
  /** kq only, pure host: a wake-up write happened since the last wait. */
  readonly pending: boolean;
}

/**
 * A mapping of a bus file: the id stands for the address `rumpuser_filemmap` returned. Ids
 * are never reused (a real host may hand out the same address again after an unmap; the
 * model assumes it does not, so a stale pointer faults).
 * @category Context
 */
export interface BusMapping {
  readonly id: number;
  readonly path: string;
}

/**
 * Locals of `shmif_start` (lines 489-496).
 * @category Context
 */
export interface TxLocals {
  /** `busmem = sc->sc_busmem` taken at entry (line 490): a mapping id. */
  readonly busmem: number | null;
  /** `m0`: the packet being written (one mbuf, or a chain). */
  readonly m0: ShmifPacket | null;
  readonly wrote: boolean;
  readonly wrap: boolean;
  /** `sp.sp_sec` / `sp.sp_usec` from `getmicrouptime` (515-518), read before the bus lock. */
  readonly sec: number;
  readonly usec: number;
  /** `shm_last` of the packet being written (its header offset), for tracing. */
  readonly off: number;
  /** Where the last `tx.run` ended (live use; routes the machine to that state). */
  readonly runAt: string | null;
}

/**
 * Locals of `shmif_rcv` (lines 613-620).
 * @category Context
 */
export interface RxLocals {
  /** `busmem = sc->sc_busmem` taken after each `reup` wait (line 628): a mapping id. */
  readonly busmem: number | null;
  /** The mbuf cluster's data (`m`), or `null` when `m == NULL`. Kept across own frames. */
  readonly m: Uint8Array | null;
  /** `m->m_len` of the frame in `m`. */
  readonly mlen: number;
  readonly nextpkt: number;
  readonly wrap: boolean;
  /** `sp.sp_len` of the header read. */
  readonly spLen: number;
  /** Error of the last write-watch wait (0, or EBADF for a closed kqueue). */
  readonly waitError: number;
  /** Where the last `rcv.run` ended (live use; routes the machine to that state). */
  readonly runAt: string | null;
}

/**
 * Locals of `rump_shmif_create` and of `SIOCSLINKSTR`'s attach path: which entry point runs
 * `initbackend`, the path and descriptor being attached, and the error to return.
 * @category Context
 */
export interface AttachLocals {
  readonly via: 'create' | 'clone' | 'ioctl' | null;
  readonly path: string | null;
  readonly memfd: number;
  readonly error: number;
  /** `SIOCSLINKSTR`'s `ifd_len`. */
  readonly len: number;
  /** Why `shmif_unclone` runs: an explicit destroy, or a failed create. */
  readonly uncloneFor: 'destroy' | 'allocifFailed' | 'initbackendFailed' | null;
}

/**
 * The result of the last entry point, for the facade: the errno returned (0 for success)
 * and what the call reports back.
 * @category Context
 */
export interface EntryResult {
  readonly op: string;
  readonly rv: number;
  /** `SIOCGLINKSTR`: `ifd_len` as set by the driver (line 412). */
  readonly ifdLen?: number;
  /** `SIOCGLINKSTR`: the bytes `copyoutstr` wrote (the path and its NUL). */
  readonly copied?: string;
  /** `SIOCGLINKSTR`: bytes written past the end of the caller's buffer. */
  readonly overflow?: number;
  /** create / clone: the unit. */
  readonly unit?: number;
}

/**
 * One interface: `struct shmif_sc` plus its `ifnet` fields and thread locals.
 * @category Context
 */
export interface Softc {
  /** The softc is allocated (`kmem_zalloc` at line 157 until `kmem_free` at 367). */
  readonly allocated: boolean;
  readonly unit: number;
  /** `sc_myaddr`: `b2:a0` and four random bytes. */
  readonly myaddr: readonly number[];
  /** `if_flags`. */
  readonly flags: number;
  /**
   * `sc_busmem`: the id of the mapping made last (stale after an unmap, as in C: an access
   * through an id no longer in `maps` faults).
   */
  readonly busmem: number | null;
  readonly memfd: number;
  readonly kq: number;
  readonly backfile: string | null;
  readonly backfilelen: number;
  /** `sc_devgen` (`uint64_t`). */
  readonly devgen: U64;
  readonly nextpacket: number;
  /** `sc_rcvl != NULL`: a joinable receiver thread exists. */
  readonly rcvl: boolean;
  /** The receiver LWP: never created, running, or gone (`kthread_exit`, line 715). */
  readonly lwp: 'none' | 'running' | 'exited';
  readonly dying: boolean;
  /** `if_snd`: packets queued for `shmif_start`. */
  readonly snd: readonly ShmifPacket[];
  /** Host descriptors open for this interface. */
  readonly fds: readonly HostFd[];
  /** Live mappings of bus files for this interface (`rumpuser_filemmap`), by id. */
  readonly maps: readonly BusMapping[];
  readonly tx: TxLocals;
  readonly rx: RxLocals;
  readonly attach: AttachLocals;
  readonly result: EntryResult | null;
}

/**
 * Kernel-wide state of one rump kernel: the unit arena, the randomness state, `rump_threads`.
 * @category Context
 */
export interface KernelState {
  readonly units: UnitArena;
  readonly rng: number;
  /** The next mapping id (`rumpuser_filemmap` addresses, never reused). */
  readonly mapSeq: number;
  /** `rump_threads`: without threads no receiver is created (line 186-192). */
  readonly threads: boolean;
}

/**
 * Host calls told to fail, with the NetBSD errno they return (0 or absent: succeed).
 * @category Context
 */
export interface ShmifFaults {
  readonly open?: number;
  readonly mmap?: number;
  readonly watchSetup?: number;
  readonly kthreadCreate?: number;
}

/**
 * Why the rump kernel stopped: a `KASSERT` that failed, or a fault (an access to an unmapped
 * bus: SIGSEGV of the host process).
 * @category Context
 */
export interface PanicInfo {
  readonly kind: 'kassert' | 'segv';
  readonly fn: string;
  readonly expr: string;
  readonly lines: readonly [number, number];
  /** The interface whose thread stopped. */
  readonly ifx: number;
}

/**
 * One frame written to the bus (check-only): its bus order, writer, place and bytes, and
 * whether a later write has overlapped it.
 * @category Context
 */
export interface GhostWrite {
  readonly seq: number;
  readonly from: number;
  readonly off: number;
  readonly len: number;
  readonly hex: string;
  readonly overwritten: boolean;
}

/**
 * Check-only view of one receiver: the bus order of what it read and delivered, and its
 * overrun resyncs.
 * @category Context
 */
export interface GhostRx {
  /** Bus order (`seq`) of the last frame read; reset to "just before the newest" at attach/init. */
  readonly lastReadSeq: number;
  /** Bus order of the last frame delivered (never reset). */
  readonly lastDeliveredSeq: number;
  /** An overrun resync happened since the last read. */
  readonly overrunSinceRead: boolean;
  /** `seq` of the frame now in the mbuf, or -1 when it matches no intact written frame. */
  readonly readSeq: number;
}

/**
 * Check-only state: the bus's write history, each receiver's reads, and the properties'
 * violation flags (each named after its invariant).
 * @category Context
 */
export interface ShmifGhost {
  /** The bus file the ghost follows. */
  readonly path: string;
  readonly writes: readonly GhostWrite[];
  readonly rx: readonly GhostRx[];
  readonly tornDelivered: boolean;
  readonly outOfOrderDelivered: boolean;
  readonly silentLoss: boolean;
  readonly ownDelivered: boolean;
  readonly copyoutOverflow: boolean;
  /** How often each entry point ran, by `<op><interface>` (`output0`, `up1`, `stop1`, `unset1`): bounds for alphabets. */
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * The environment of a machine (not part of its state): ports and the delivery callback.
 * @category Context
 */
export interface ShmifEnv {
  readonly host: ShmifHostPort;
  readonly random: RandomnessPort;
  /** `if_input`: called with the interface index and a copy of the frame (live use only). */
  readonly onInput?: (ifx: number, frame: Uint8Array) => void;
  /**
   * Told when receiver `ifx` resynchronises after an overrun (lines 660-669; live use only: an
   * observer, like `onInput`, for accounting that cannot watch the chart's steps).
   */
  readonly onResync?: (ifx: number) => void;
  /** `getmicrouptime`: seconds and microseconds of uptime (default 0, 0). */
  readonly uptime?: () => { readonly sec: number; readonly usec: number };
  /** Size of an mbuf cluster (`MCLBYTES`, 2048); the checker uses smaller ones. */
  readonly mclbytes: number;
}

/**
 * The context of every shmif machine.
 * @category Context
 */
export interface ShmifContext {
  readonly env: ShmifEnv;
  readonly kernel: KernelState;
  readonly host: HostState;
  readonly faults: ShmifFaults;
  /** The interfaces; each machine's regions are bound to one index. */
  readonly ifs: readonly Softc[];
  readonly panic: PanicInfo | null;
  readonly ghost: ShmifGhost | null;
}

/**
 * A frame as events carry it: bytes, or a plain number array (JSON-friendly traces).
 * @category Events
 */
export type FrameBytes = Uint8Array | readonly number[];

/**
 * A frame handed to `ether_output` as an mbuf chain: its segments (`m_len` bytes each, in
 * `m_next` order). `shmif_start` writes each with its own `shmif_buswrite` (lines 528-532).
 * @category Events
 */
export interface FrameChain {
  readonly segments: readonly FrameBytes[];
}

/**
 * A packet on `if_snd`: one mbuf (its bytes), or an mbuf chain (its segments' bytes).
 * @category Context
 */
export type ShmifPacket = Uint8Array | readonly Uint8Array[];

/**
 * Events of one interface (for the peer transmitter of a check system, the same events
 * prefixed `peer.`).
 * @category Events
 */
export type ShmifEvent =
  | { readonly type: 'if.create'; readonly path?: string | null }
  | { readonly type: 'if.clone'; readonly unit: number }
  | {
      readonly type: 'ioctl.SIOCSLINKSTR';
      readonly cmd: number;
      readonly len: number;
      readonly path?: string;
    }
  | {
      readonly type: 'ioctl.SIOCGLINKSTR';
      readonly cmd: number;
      readonly len: number;
      readonly bufferSize?: number;
    }
  | { readonly type: 'if.up' }
  | { readonly type: 'if.down' }
  | { readonly type: 'if.destroy' }
  | { readonly type: 'if.output'; readonly frames: readonly (FrameBytes | FrameChain)[] }
  | { readonly type: 'ifnet.step' }
  | { readonly type: 'tx.step' }
  | { readonly type: 'rcv.step' }
  | { readonly type: 'tx.run' }
  | { readonly type: 'rcv.run' }
  | { readonly type: 'peer.tx.run' }
  | { readonly type: 'host.fault'; readonly faults: ShmifFaults }
  | { readonly type: 'peer.if.output'; readonly frames: readonly (FrameBytes | FrameChain)[] }
  | { readonly type: 'peer.tx.step' };

/** The event types of {@link ShmifEvent}. @category Events */
export type ShmifEventType = ShmifEvent['type'];

/** Narrowing helper for events. @internal */
export function eventIs<T extends ShmifEventType>(
  e: EventObject,
  type: T,
): e is Extract<ShmifEvent, { type: T }> {
  return e.type === type;
}

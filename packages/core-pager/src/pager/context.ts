/**
 * The context and events of the core pager machine: the locals of `_core_pager_loop` (lines
 * 106-111, `loop`), the world it reads and never changes (page size, core's RAM ranges, the
 * thread table, the ports, `world`), core memory and the ports' state values, what the current
 * step produced, and check-only ghost state. (Grouped so that a step copies a few fields.)
 *
 * Who writes what: the loop locals only by the machine's actions, in the C order; `sigma0`
 * and `ipc` only through their ports; `memory` by `env.writeMemory` (a core thread storing a map
 * item for an echo request, as `map_local` does). `step` is cleared at every external event
 * and filled by the microsteps it causes; `ghost` is written for the invariants and never read
 * by the modelled code.
 *
 * @module
 */
import type { IpcLayer, IpcState } from '../ipc.js';
import type { MapItem, Word } from '../l4.js';
import type { LogLine } from '../log.js';
import type { CoreMemory } from '../memory.js';
import type { RangeSet } from '../ranges.js';
import type { Sigma0, Sigma0State } from '../sigma0.js';
import type { ThreadTable } from '../threads.js';
import type { MaybeWord, UNINITIALISED } from './model.js';

/** What one step of the pager did, in order. @category Pager machine */
export type PagerOutcome =
  /** A wait stored a page-fault message (2 untyped words). */
  | 'received'
  /** A wait got a message without exactly 2 untyped words: error print, values kept. */
  | 'malformed'
  /** The IPC failed (receive phase, or the reply's send phase): error print, `t` = nil. */
  | 'ipcError'
  | 'echo'
  | 'mapped'
  | 'nullPointer'
  | 'outsideRam'
  | 'panic'
  /** The echo path read an address not mapped in core: the pager thread faults itself. */
  | 'pagerFault'
  /** Line 125 read `pf_ip` before it was ever assigned. */
  | 'uninitialised'
  /** A reply was sent. */
  | 'replied';

/** A reply the pager sent. @category Pager machine */
export interface PagerReply {
  /** `t`: the thread id it went to. */
  readonly to: Word;
  /** MR0..MR2: the tag (t = 2) and the map item. */
  readonly words: readonly [Word, Word, Word];
  /** Built by the echo path or by the fault path. */
  readonly kind: 'echo' | 'fault';
}

/** What the current external event caused. @category Pager machine */
export interface PagerStep {
  readonly outcomes: readonly PagerOutcome[];
  readonly log: readonly LogLine[];
  readonly reply: PagerReply | null;
}

/** The last message a sender sent (ghost). @category Pager machine */
export interface SenderRecord {
  readonly from: Word;
  /** Exactly two untyped words and no error. */
  readonly wellFormed: boolean;
  readonly label: number;
  readonly addr: Word;
  readonly ip: Word;
}

/** Check-only state. @category Pager machine */
export interface PagerGhost {
  /** Each sender's last message, by sender id (ascending). */
  readonly lastMessage: readonly SenderRecord[];
  /** The message whose values `pf_addr`/`pf_ip`/`flags` hold (null before any). */
  readonly classified: SenderRecord | null;
  /** This step: a reply went to a thread that is not a core thread. */
  readonly replyToNonCore: boolean;
  /** This step: a fault reply does not map the page the recipient's own last fault was on. */
  readonly replyNotForItsFault: boolean;
  /** This step: a fault reply maps a page outside core's RAM ranges. */
  readonly replyOutsideRam: boolean;
  /** This step: a write fault was reported as a read. */
  readonly writeReportedAsRead: boolean;
  /** This step: a message with a page-fault label was handled as an echo request. */
  readonly faultTakenForEcho: boolean;
}

/** What the pager works in and never changes: the page size, core's RAM ranges, the threads, the ports. @category Pager machine */
export interface PagerWorld {
  /** `page_size = get_page_size()` (line 108). */
  readonly pageSize: Word;
  /** Take the common case (a fault served and replied) as one transition (see `serveFaultAtOnce`). */
  readonly fastPath: boolean;
  /** The blocks of `_core_address_ranges()` (what `valid_addr` looks up). */
  readonly coreRanges: RangeSet;
  readonly threads: ThreadTable;
  readonly sigma0Port: Sigma0;
  readonly ipcLayer: IpcLayer;
}

/** The locals of `_core_pager_loop` (lines 106-111). @category Pager machine */
export interface LoopLocals {
  /** `t`: the thread the last wait returned (uninitialised until the first wait returns). */
  readonly t: MaybeWord;
  readonly pfAddr: MaybeWord;
  readonly pfIp: MaybeWord;
  readonly flags: MaybeWord;
  readonly item: MapItem | typeof UNINITIALISED;
  /** Which path built `item`. */
  readonly itemKind: 'echo' | 'fault' | null;
  readonly sendReply: boolean;
  /** sigma0's answer to the last `GetPage` (line 152, `res`), the raw fpage. */
  readonly sigma0Answer: Word | null;
}

/** The pager machine's context. @category Pager machine */
export interface PagerContext {
  readonly world: PagerWorld;
  readonly loop: LoopLocals;
  readonly memory: CoreMemory;
  readonly sigma0: Sigma0State;
  readonly ipc: IpcState;
  readonly step: PagerStep;
  /** Why the loop stopped, when it did. */
  readonly stop: { readonly reason: PagerOutcome; readonly line: number } | null;
  readonly ghost: PagerGhost;
}

/** Input of the pager machine: the world it starts in. @category Pager machine */
export interface PagerInput {
  readonly coreRanges: RangeSet;
  readonly threads: ThreadTable;
  readonly memory?: CoreMemory;
  readonly sigma0Port: Sigma0;
  readonly sigma0?: Sigma0State;
  readonly ipcLayer?: IpcLayer;
  readonly ipc?: IpcState;
  readonly pageSize?: Word;
  /** Serve well-formed faults in RAM in one transition (default true; the checker turns it off). */
  readonly fastPath?: boolean;
}

/** Events of the pager machine. @category Pager machine */
export type PagerEvent =
  /**
   * The pager's receive phase returns a message: `from` as the kernel reports it (local id for
   * core threads), the raw tag (MR0), the untyped words; `call` (default true): the sender
   * waits for a reply (page faults and `map_local`'s call do).
   */
  | { type: 'ipc.receive'; from: Word; tag: Word; words: readonly Word[]; call?: boolean }
  /** The pager's receive phase fails (cancelled or aborted): error tag, `from` = nil. */
  | { type: 'ipc.error'; code?: number }
  /** Environment: sigma0 refuses request `request` (default: the next). */
  | { type: 'env.sigma0Refuses'; request?: number }
  /** Environment: the pager's next send fails with `code` (default: a send timeout). */
  | { type: 'env.sendFails'; code?: number }
  /** Environment: a core thread stores `words` at `addr` in core memory (a map item for an echo request). */
  | { type: 'env.writeMemory'; addr: Word; words: readonly Word[] };

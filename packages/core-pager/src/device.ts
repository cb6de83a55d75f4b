/**
 * The facade: `createPlatform(kip, bootInfo)` constructs Genode core's `Platform` on a live
 * `corePlatform` actor from a KIP and a boot info (encoded into core memory in their real byte
 * layouts), over sigma0 answering from the KIP's memory, and, unless construction stopped,
 * starts the core pager (`Platform::core_pager()`) on a live `corePager` actor. The returned
 * {@link CorePlatform} has the allocators' contents, the ROM modules, the log, and
 * {@link CorePager}: `fault({ from, addr, ip, flags, label })` hands the pager one message and
 * returns what the loop did with it (the outcomes, the reply words or the loop's end, the lines
 * printed); `echo(...)` is a core thread's `map_local` echo request; `ipcError()`,
 * `failNextSend()`, `refuseSigma0()` inject the environment's failures.
 *
 * Inputs are decoded first (io-ts, `CorePagerDecodeError` naming the path); a construction that
 * panics is not an exception: `platform.status` says `panicked`/`faulted` and `platform.stop`
 * why, as the seed's `panic` stops core.
 *
 * @module
 */
import { createActor, type Actor, type SnapshotFrom } from 'xstate';
import type { PagePool } from '@kspec/shared-memory';
import { allocatorRanges, type AllocatorName, type PlatformAllocators } from './allocators.js';
import { encodeBootInfo, type BootInfoDescription } from './bootinfo.js';
import {
  BootInfoDescriptionCodec,
  FaultMessageCodec,
  KipDescriptionCodec,
  LayoutCodec,
  decodeOrThrow,
} from './codecs.js';
import { DEFAULT_LAYOUT } from './constants.js';
import { encodeKip, type KipDescription } from './kip.js';
import { L4_Fpage, L4_FpageAddRights, L4_FullyAccessible, L4_MapItem, msgTagRaw, type Word } from './l4.js';
import type { LogLine } from './log.js';
import { CoreMemory } from './memory.js';
import { READ_FAULT_LABEL, corePagerMachine } from './pager/machine.js';
import type { PagerInput, PagerOutcome, PagerReply } from './pager/context.js';
import type { RomModule, PlatformStop } from './platform/context.js';
import { corePlatformMachine } from './platform/machine.js';
import { addRange, EMPTY_RANGES, type RangeSet } from './ranges.js';
import { kipSigma0, type Sigma0 } from './sigma0.js';
import { defaultThreads, senderId, type ThreadTable } from './threads.js';

/** Options of {@link createPlatform}. @category Facade */
export interface CreatePlatformOptions {
  /** Where the image, the KIP and core main's UTCB are (defaults: {@link DEFAULT_LAYOUT}). */
  readonly layout?: Partial<{ imageStart: Word; imageEnd: Word; kipAddress: Word; coreMainLocalId: Word }>;
  /** The threads that may send to the pager (default {@link defaultThreads}). */
  readonly threads?: ThreadTable;
  /** Sigma0 (default: {@link kipSigma0} over the KIP's memory). */
  readonly sigma0?: Sigma0;
  /** Mirror sigma0's grants into this page pool (frames move to `core`). */
  readonly pool?: PagePool;
  /** Indices of sigma0 requests to refuse (counted from 0 over the whole construction). */
  readonly refuseSigma0?: readonly number[];
  /** Start the core pager after construction (default true). */
  readonly startPager?: boolean;
  /** Log lines the pager facade keeps (default 1000; every line is also in each fault's result). */
  readonly keepLog?: number;
  /**
   * Construct at once (default true). With false the platform actor waits in `idle` for
   * {@link CorePlatform.construct}, so a caller can watch the actor first.
   */
  readonly construct?: boolean;
}

/** What `pager.fault` returns. @category Facade */
export interface FaultResult {
  /** What the loop did, in order (e.g. `received`, `mapped`, `replied`). */
  readonly outcomes: readonly PagerOutcome[];
  /** The reply sent, if any: to whom and MR0..MR2. */
  readonly reply: PagerReply | null;
  /** True when the loop has ended (null pointer, outside RAM, panic, own fault, undefined behaviour). */
  readonly loopEnded: boolean;
  readonly stop: { readonly reason: PagerOutcome; readonly line: number } | null;
  /** The lines this message made the pager print. */
  readonly log: readonly LogLine[];
}

/** A message for {@link CorePager.fault}. @category Facade */
export interface FaultMessage {
  /** A thread name of the table, or the sender id the kernel reports. */
  readonly from: Word | string;
  /** MR1: the fault address (or the map-item pointer of an echo request). */
  readonly addr: Word;
  /** MR2: the fault ip (0: an echo request). */
  readonly ip: Word;
  /** The tag's flags (bit 3: error). Default 0. */
  readonly flags?: number;
  /** The tag's label. Default: a read page fault (0xFFE4). */
  readonly label?: number;
  /** The tag's untyped-word count (default 2). */
  readonly untyped?: number;
  /** The sender waits for a reply (default true). */
  readonly call?: boolean;
}

const isU32 = (n: unknown): n is number => typeof n === 'number' && n >>> 0 === n;

/** The common shape checked without io-ts (anything else goes through the codec, which names what is wrong). */
function isPlainFault(m: FaultMessage): boolean {
  return (
    typeof m === 'object' &&
    m !== null &&
    (isU32(m.from) || typeof m.from === 'string') &&
    isU32(m.addr) &&
    isU32(m.ip) &&
    m.flags === undefined &&
    m.label === undefined &&
    m.untyped === undefined &&
    m.call === undefined
  );
}

/** The core pager on a live actor. @category Facade */
export class CorePager {
  readonly actor: Actor<typeof corePagerMachine>;
  /** The last `keepLog` lines, a ring starting at `lines % keepLog` once full. */
  private readonly kept: LogLine[] = [];
  private lines = 0;
  /** Messages handed to the pager (faults, echoes, errors). */
  messages = 0;

  constructor(
    readonly threads: ThreadTable,
    input: PagerInput,
    private readonly keepLog = 1000,
  ) {
    this.actor = createActor(corePagerMachine, { input }).start();
  }

  get snapshot(): SnapshotFrom<typeof corePagerMachine> {
    return this.actor.getSnapshot();
  }

  /** True while the loop runs. */
  get running(): boolean {
    return this.actor.getSnapshot().status === 'active';
  }

  /** The last lines printed (at most `keepLog`), oldest first. */
  get log(): readonly LogLine[] {
    if (this.kept.length < this.keepLog) return this.kept.slice();
    const at = this.lines % this.keepLog;
    return [...this.kept.slice(at), ...this.kept.slice(0, at)];
  }

  /** Lines printed in all. */
  get logLines(): number {
    return this.lines;
  }

  /** The id the kernel reports for `from` (a thread name or an id). */
  sender(from: Word | string): Word {
    if (typeof from === 'number') return from >>> 0;
    const t = this.threads.find((x) => x.name === from);
    if (!t)
      throw new RangeError(
        `CorePager: no thread named '${from}' (known: ${this.threads.map((x) => x.name).join(', ')})`,
      );
    return senderId(t);
  }

  private result(): FaultResult {
    const s = this.actor.getSnapshot();
    const c = s.context;
    for (const l of c.step.log) {
      if (this.keepLog > 0) {
        if (this.kept.length < this.keepLog) this.kept.push(l);
        else this.kept[this.lines % this.keepLog] = l;
      }
      this.lines++;
    }
    return {
      outcomes: c.step.outcomes,
      reply: c.step.reply,
      loopEnded: s.status !== 'active',
      stop: c.stop,
      log: c.step.log,
    };
  }

  private guardRunning(what: string): void {
    if (!this.running) {
      const st = this.snapshot.context.stop;
      throw new Error(
        `CorePager.${what}: the pager loop has ended (${st?.reason ?? '?'} at line ${st?.line ?? '?'})`,
      );
    }
  }

  /** The pager receives one message (a page fault by default). */
  fault(message: FaultMessage): FaultResult {
    const m = isPlainFault(message) ? message : decodeOrThrow(FaultMessageCodec, message, 'pager.fault');
    this.guardRunning('fault');
    const from = this.sender(m.from);
    const tag = msgTagRaw({
      u: m.untyped ?? 2,
      t: 0,
      flags: m.flags ?? 0,
      label: m.label ?? READ_FAULT_LABEL,
    });
    this.messages++;
    this.actor.send({
      type: 'ipc.receive',
      from,
      tag,
      words: [m.addr, m.ip],
      call: m.call ?? true,
    });
    return this.result();
  }

  /** A raw message: any tag and words. */
  receive(from: Word | string, tag: Word, words: readonly Word[], call = true): FaultResult {
    this.guardRunning('receive');
    const sender = this.sender(from);
    this.messages++;
    this.actor.send({ type: 'ipc.receive', from: sender, tag: tag >>> 0, words, call });
    return this.result();
  }

  /**
   * `map_local(from_addr, to_addr, 1)` of a core thread (base-pistachio map_local.h): the map item
   * `L4_MapItem(L4_Fpage(fromAddr, page) += L4_FullyAccessible, 0)` stored at `itemAddr` in core
   * memory (the caller's stack), then an echo request: label 0, MR1 = `itemAddr`, MR2 = 0.
   */
  echo(from: Word | string, fromAddr: Word, itemAddr: Word): FaultResult {
    this.guardRunning('echo');
    const sender = this.sender(from);
    const item = L4_MapItem(L4_FpageAddRights(L4_Fpage(fromAddr, 4096), L4_FullyAccessible), 0);
    this.actor.send({ type: 'env.writeMemory', addr: itemAddr, words: item });
    this.messages++;
    this.actor.send({
      type: 'ipc.receive',
      from: sender,
      tag: msgTagRaw({ u: 2, t: 0, flags: 0, label: 0 }),
      words: [itemAddr, 0],
      call: true,
    });
    return this.result();
  }

  /** The pager's receive phase fails (cancelled/aborted). */
  ipcError(code?: number): FaultResult {
    this.guardRunning('ipcError');
    this.messages++;
    this.actor.send(code === undefined ? { type: 'ipc.error' } : { type: 'ipc.error', code });
    return this.result();
  }

  /** The pager's next reply fails in its send phase. */
  failNextSend(code?: number): void {
    this.actor.send(code === undefined ? { type: 'env.sendFails' } : { type: 'env.sendFails', code });
  }

  /** Sigma0 refuses its next request (or request `index`). */
  refuseSigma0(index?: number): void {
    this.actor.send(
      index === undefined ? { type: 'env.sigma0Refuses' } : { type: 'env.sigma0Refuses', request: index },
    );
  }

  /** Stops the actor. */
  stop(): void {
    this.actor.stop();
  }
}

/** Genode core's platform after construction. @category Facade */
export class CorePlatform {
  readonly actor: Actor<typeof corePlatformMachine>;
  /** The core pager, when construction completed and it was started. */
  pager: CorePager | null = null;

  constructor(
    actor: Actor<typeof corePlatformMachine>,
    private readonly options: { threads: ThreadTable; keepLog: number; startPager: boolean },
  ) {
    this.actor = actor;
  }

  /**
   * `Platform::Platform()`: constructs (a second call constructs a second object: the seed
   * panics), then starts the pager when construction completed and the options ask for it.
   */
  construct(): this {
    this.actor.send({ type: 'construct' });
    if (this.status === 'constructed' && this.options.startPager && this.pager === null) this.startPager();
    return this;
  }

  get snapshot(): SnapshotFrom<typeof corePlatformMachine> {
    return this.actor.getSnapshot();
  }

  /** `idle` (not constructed yet), `constructed`, `panicked` or `faulted`. */
  get status(): 'idle' | 'constructed' | 'panicked' | 'faulted' {
    const v = this.snapshot.value;
    return v === 'constructed' || v === 'panicked' || v === 'faulted' ? v : 'idle';
  }

  /** Why construction stopped (null when it completed). */
  get stop(): PlatformStop | null {
    return this.snapshot.context.stop;
  }

  get allocators(): PlatformAllocators {
    return this.snapshot.context.allocators;
  }

  /** Each allocator's blocks as `[addr, size]` pairs. */
  ranges(): Record<AllocatorName, [number, number][]> {
    return allocatorRanges(this.allocators);
  }

  get romFs(): readonly RomModule[] {
    return this.snapshot.context.romFs;
  }

  get log(): readonly LogLine[] {
    return this.snapshot.context.log;
  }

  get memory(): CoreMemory {
    return this.snapshot.context.memory;
  }

  /** `Platform::core_pager()`: starts the pager on first call (and returns it). */
  startPager(): CorePager {
    if (this.pager) return this.pager;
    if (this.status !== 'constructed')
      throw new Error(`CorePlatform.startPager: construction ${this.status}`);
    this.actor.send({ type: 'corePager' });
    const c = this.snapshot.context;
    const coreRanges: RangeSet = c.allocators.coreAddressRanges
      .blocks()
      .reduce<RangeSet>((s, b) => addRange(s, b.addr, b.addr + b.size), EMPTY_RANGES);
    this.pager = new CorePager(
      this.options.threads,
      {
        coreRanges,
        threads: this.options.threads,
        memory: c.memory,
        sigma0Port: c.sigma0Port,
        sigma0: c.sigma0,
      },
      this.options.keepLog,
    );
    return this.pager;
  }

  /** Constructs a second `Platform` (the seed panics: "Platform constructed twice!"). */
  constructAgain(): this {
    return this.construct();
  }
}

/**
 * Constructs Genode core's `Platform` from a KIP and a boot info (see the module header).
 * @category Facade
 */
export function createPlatform(
  kip: KipDescription,
  bootInfo: BootInfoDescription,
  options: CreatePlatformOptions = {},
): CorePlatform {
  const k = decodeOrThrow(KipDescriptionCodec, kip, 'createPlatform: kip');
  const b = decodeOrThrow(BootInfoDescriptionCodec, bootInfo, 'createPlatform: bootInfo');
  const layout = {
    ...DEFAULT_LAYOUT,
    ...decodeOrThrow(LayoutCodec, options.layout ?? {}, 'createPlatform: layout'),
  };
  const memory = CoreMemory.empty()
    .write(layout.kipAddress, encodeKip(k))
    .map(layout.kipAddress, layout.kipAddress + 4096)
    .write(k.bootInfo, encodeBootInfo(b));
  const threads =
    options.threads ??
    defaultThreads({
      userBase: k.userBase ?? DEFAULT_LAYOUT.userBase,
      coreMainLocalId: layout.coreMainLocalId,
    });
  const actor = createActor(corePlatformMachine, {
    input: {
      memory,
      sigma0Port: options.sigma0 ?? kipSigma0(k, options.pool ? { pool: options.pool } : {}),
      sigma0: {
        held: EMPTY_RANGES,
        requests: 0,
        refuse: [...(options.refuseSigma0 ?? [])].sort((x, y) => x - y),
      },
      kip: layout.kipAddress,
      image: { start: layout.imageStart, end: layout.imageEnd },
      coreMainLocalId: layout.coreMainLocalId,
      threads,
    },
  }).start();
  const platform = new CorePlatform(actor, {
    threads,
    keepLog: options.keepLog ?? 1000,
    startPager: options.startPager ?? true,
  });
  return options.construct === false ? platform : platform.construct();
}

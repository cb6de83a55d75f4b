/**
 * The steps of the core pager loop as pure context updates, one per transition of
 * `corePagerMachine` (whose actions are these functions wrapped in `assign`), and
 * {@link serveFaultAtOnce}: the same steps composed for the common case (a well-formed fault in
 * core's RAM that sigma0 grants and whose reply is delivered), which the machine takes as one
 * transition when its input allows (`fastPath`, the facade's default). A property test checks
 * that both ways reach the same context on random fault streams; the checker explores the
 * step-by-step way.
 *
 * Each update also keeps `step` (what the current external event caused: outcomes, lines
 * printed, the reply) and the ghost flags the invariants read.
 *
 * @module
 */
import {
  L4_Address,
  L4_ERROR_TAG,
  L4_MapItemSndFpage,
  L4_nilthread,
  isPagefaultLabel,
  msgTagFields,
  msgTagFlags,
  replyWithMapItem,
  type MapItem,
  type Word,
} from '../l4.js';
import type { LogLine } from '../log.js';
import { inRanges } from '../ranges.js';
import { isCoreSender, l4GlobalIdOf, printL4ThreadId } from '../threads.js';
import type {
  PagerContext,
  PagerEvent,
  PagerGhost,
  PagerOutcome,
  PagerStep,
  SenderRecord,
} from './context.js';
import {
  UNINITIALISED,
  faultReplyItem,
  gotPageFaultLine,
  isMalformed,
  mapsPageOf,
  nullPointerLine,
  outsideRamLine,
  sigma0RequestFpage,
  storedFault,
  unhandledPageFaultLine,
  waitFailedLine,
  type MaybeWord,
} from './model.js';

/** A context update of one step. @category Pager machine */
export type PagerUpdate = Partial<PagerContext>;

type Receive = Extract<PagerEvent, { type: 'ipc.receive' }>;

/** Nothing caused yet. @category Pager machine */
export const EMPTY_STEP: PagerStep = Object.freeze({ outcomes: [], log: [], reply: null });

const CLEAR_FLAGS = {
  replyToNonCore: false,
  replyNotForItsFault: false,
  replyOutsideRam: false,
  writeReportedAsRead: false,
  faultTakenForEcho: false,
} as const;

/** The ghost before any message. @category Pager machine */
export const INITIAL_GHOST: PagerGhost = Object.freeze({ lastMessage: [], classified: null, ...CLEAR_FLAGS });

/** `step` with `outcome` and `lines` appended. */
function note(step: PagerStep, outcome: PagerOutcome | null, lines: readonly LogLine[] = []): PagerStep {
  return {
    outcomes: outcome === null ? step.outcomes : [...step.outcomes, outcome],
    log: lines.length === 0 ? step.log : [...step.log, ...lines],
    reply: step.reply,
  };
}

/** The ghost at the start of an external event: per-step flags cleared. */
function ghostAtEvent(g: PagerGhost): PagerGhost {
  return g.replyToNonCore ||
    g.replyNotForItsFault ||
    g.replyOutsideRam ||
    g.writeReportedAsRead ||
    g.faultTakenForEcho
    ? { ...g, ...CLEAR_FLAGS }
    : g;
}

function senderRecord(e: Receive): SenderRecord {
  return {
    from: e.from >>> 0,
    wellFormed: !isMalformed(e.tag),
    label: msgTagFields(e.tag).label,
    addr: (e.words[0] ?? 0) >>> 0,
    ip: (e.words[1] ?? 0) >>> 0,
  };
}

const sameRecord = (a: SenderRecord, b: SenderRecord): boolean =>
  a.from === b.from &&
  a.wellFormed === b.wellFormed &&
  a.label === b.label &&
  a.addr === b.addr &&
  a.ip === b.ip;

function recordSender(list: readonly SenderRecord[], r: SenderRecord): readonly SenderRecord[] {
  const i = list.findIndex((x) => x.from === r.from);
  if (i >= 0) {
    if (sameRecord(list[i]!, r)) return list;
    const out = list.slice();
    out[i] = r;
    return out;
  }
  return [...list, r].sort((a, b) => a.from - b.from);
}

/** The receive part common to both waits: the IPC layer learns of the caller, `t = from`, the ghost records the message. */
function received(
  context: PagerContext,
  e: Receive,
  rec: SenderRecord,
  classified: boolean,
): Pick<PagerContext, 'ipc' | 'ghost'> {
  const g = ghostAtEvent(context.ghost);
  const lastMessage = recordSender(g.lastMessage, rec);
  const keepClassified = !classified || (g.classified !== null && sameRecord(g.classified, rec));
  return {
    ipc: context.world.ipcLayer.received(context.ipc, e.from >>> 0, e.call ?? true),
    ghost:
      lastMessage === g.lastMessage && keepClassified
        ? g
        : { ...g, lastMessage, classified: keepClassified ? g.classified : rec },
  };
}

const word = (v: MaybeWord): Word => (v === UNINITIALISED ? 0 : v);
const writeAccess = (g: PagerGhost): boolean =>
  g.classified !== null && isPagefaultLabel(g.classified.label) && (g.classified.label & 2) !== 0;

/** The thread-id line printed after the PDBG (line 132: `L4_GlobalId(t)`) and after each PERR (lines 137, 144: `t`). */
const threadLine = (context: PagerContext, line: number, global: boolean): LogLine => {
  const t = word(context.loop.t);
  return printL4ThreadId('_core_pager_loop', line, global ? l4GlobalIdOf(context.world.threads, t) : t);
};

/** Lines 61-72 / 87-97: a well-formed message: `t`, `pf_addr`, `pf_ip`, `flags` stored. @category Pager machine */
export function storeFault(context: PagerContext, event: PagerEvent): PagerUpdate {
  const e = event as Receive;
  const v = storedFault(e);
  return {
    ...received(context, e, senderRecord(e), true),
    loop: { ...context.loop, t: e.from >>> 0, pfAddr: v.pfAddr, pfIp: v.pfIp, flags: v.flags },
    step: note(EMPTY_STEP, 'received'),
  };
}

/** The part of a failed wait that still happens: `t` is the sender (the values stay). */
const malformedWait = (
  context: PagerContext,
  e: Receive,
  fn: 'wait_for_page_fault' | 'reply_and_wait_for_page_fault',
): PagerUpdate => ({
  ...received(context, e, senderRecord(e), false),
  loop: { ...context.loop, t: e.from >>> 0 },
  step: note(EMPTY_STEP, 'malformed', [waitFailedLine(fn, e.tag)]),
});

/** Lines 64-66: a malformed message in `wait_for_page_fault`: the error print; `t` is the sender, the values stay. @category Pager machine */
export const keepValuesAfterWait = (context: PagerContext, event: PagerEvent): PagerUpdate =>
  malformedWait(context, event as Receive, 'wait_for_page_fault');

/** Lines 89-91: a malformed message in `reply_and_wait_for_page_fault`: the error print, then one more wait. @category Pager machine */
export const waitAgainAfterReplyWait = (context: PagerContext, event: PagerEvent): PagerUpdate =>
  malformedWait(context, event as Receive, 'reply_and_wait_for_page_fault');

/** Lines 61-66: the receive fails: error tag (u = 0) and `t` = nil thread. @category Pager machine */
export const failWait = (context: PagerContext): PagerUpdate => ({
  loop: { ...context.loop, t: L4_nilthread },
  ghost: ghostAtEvent(context.ghost),
  step: note(EMPTY_STEP, 'ipcError', [waitFailedLine('wait_for_page_fault', L4_ERROR_TAG)]),
});

/** Lines 87-91: the reply-and-wait's receive fails: the error print, then one more wait. @category Pager machine */
export const failReplyWait = (context: PagerContext): PagerUpdate => ({
  loop: { ...context.loop, t: L4_nilthread },
  ghost: ghostAtEvent(context.ghost),
  step: note(EMPTY_STEP, 'ipcError', [waitFailedLine('reply_and_wait_for_page_fault', L4_ERROR_TAG)]),
});

/** Line 125 reads `pf_ip` before any wait assigned it: undefined behaviour. @category Pager machine */
export const readUninitialised = (context: PagerContext): PagerUpdate => ({
  step: note(context.step, 'uninitialised'),
  stop: { reason: 'uninitialised', line: 125 },
});

/** Lines 130-132: the unconditional PDBG and the sender's global id. @category Pager machine */
export const logGotPageFault = (context: PagerContext): PagerUpdate => ({
  step: note(context.step, null, [
    gotPageFaultLine(word(context.loop.pfAddr), word(context.loop.pfIp), word(context.loop.flags)),
    threadLine(context, 132, true),
  ]),
});

/** Lines 134-139: the null-pointer print; the loop ends without unblocking the faulter. @category Pager machine */
export const reportNullPointer = (context: PagerContext): PagerUpdate => ({
  step: note(context.step, 'nullPointer', [
    nullPointerLine(word(context.loop.pfAddr), word(context.loop.pfIp), word(context.loop.flags)),
    threadLine(context, 137, false),
  ]),
  stop: { reason: 'nullPointer', line: 139 },
  ghost: writeAccess(context.ghost) ? { ...context.ghost, writeReportedAsRead: true } : context.ghost,
});

/** Lines 140-146: the outside-RAM print; the loop ends likewise. @category Pager machine */
export const reportOutsideRam = (context: PagerContext): PagerUpdate => ({
  step: note(context.step, 'outsideRam', [
    outsideRamLine(word(context.loop.pfAddr), word(context.loop.pfIp), word(context.loop.flags)),
    threadLine(context, 144, false),
  ]),
  stop: { reason: 'outsideRam', line: 146 },
  ghost: writeAccess(context.ghost) ? { ...context.ghost, writeReportedAsRead: true } : context.ghost,
});

/** Lines 152-153: `L4_Sigma0_GetPage(get_sigma0(), L4_Fpage(trunc_page(pf_addr), page_size))`. @category Pager machine */
export function requestPageFromSigma0(context: PagerContext): PagerUpdate {
  const w = context.world;
  const a = w.sigma0Port.getPage(context.sigma0, sigma0RequestFpage(word(context.loop.pfAddr), w.pageSize));
  return { sigma0: a.state, loop: { ...context.loop, sigma0Answer: a.fpage } };
}

/** Lines 154-156: sigma0 returned the nil fpage: `panic("Unhandled page fault")`. @category Pager machine */
export const panicUnhandledPageFault = (context: PagerContext): PagerUpdate => ({
  step: note(context.step, 'panic', [unhandledPageFaultLine()]),
  stop: { reason: 'panic', line: 155 },
});

/** Lines 157-161: the reply item from the raw fault address, `send_reply = true`. @category Pager machine */
export const buildFaultReply = (context: PagerContext): PagerUpdate => ({
  loop: {
    ...context.loop,
    item: faultReplyItem(word(context.loop.pfAddr), context.world.pageSize),
    itemKind: 'fault',
    sendReply: true,
  },
  step: note(context.step, 'mapped'),
});

/** Lines 126-128: `item = *(L4_MapItem_t *)pf_addr`, `send_reply = true`. @category Pager machine */
export function echoMapItem(context: PagerContext): PagerUpdate {
  const a = word(context.loop.pfAddr);
  const item: MapItem = [context.memory.readWord(a), context.memory.readWord((a + 4) >>> 0)];
  const c = context.ghost.classified;
  return {
    loop: { ...context.loop, item, itemKind: 'echo', sendReply: true },
    step: note(context.step, 'echo'),
    ghost:
      c !== null && isPagefaultLabel(c.label) ? { ...context.ghost, faultTakenForEcho: true } : context.ghost,
  };
}

/** Line 126 with `pf_addr` not mapped in core: the pager thread faults itself (not modelled further). @category Pager machine */
export const stopOnOwnFault = (context: PagerContext): PagerUpdate => ({
  step: note(context.step, 'pagerFault'),
  stop: { reason: 'pagerFault', line: 126 },
});

/** The ghost after a reply of `item` (`kind`) to `to`: the per-step flags the invariants read. */
function ghostAfterReply(
  context: PagerContext,
  g: PagerGhost,
  to: Word,
  item: MapItem,
  kind: 'echo' | 'fault',
): PagerGhost {
  const w = context.world;
  const last = g.lastMessage.find((m) => m.from === to);
  const faultAnswered =
    kind === 'echo' ||
    (last !== undefined && last.wellFormed && last.ip !== 0 && mapsPageOf(item, last.addr, w.pageSize));
  const outside = kind === 'fault' && !inRanges(w.coreRanges, L4_Address(L4_MapItemSndFpage(item)));
  const core = isCoreSender(w.threads, to);
  return !core || !faultAnswered || outside
    ? {
        ...g,
        replyToNonCore: g.replyToNonCore || !core,
        replyNotForItsFault: g.replyNotForItsFault || !faultAnswered,
        replyOutsideRam: g.replyOutsideRam || outside,
      }
    : g;
}

/**
 * Lines 112-114 and 82-87: the send phase of `L4_ReplyWait(t, &t)` with the item; a failed send
 * prints the error and leaves `t` = nil thread; no send to the nil thread.
 * @category Pager machine
 */
export function sendReply(context: PagerContext): PagerUpdate {
  const to = word(context.loop.t);
  const r = context.world.ipcLayer.send(context.ipc, to);
  if (r.error !== null) {
    return {
      ipc: r.state,
      loop: { ...context.loop, t: L4_nilthread },
      step: note(context.step, 'ipcError', [waitFailedLine('reply_and_wait_for_page_fault', L4_ERROR_TAG)]),
    };
  }
  const item = context.loop.item;
  if (!r.sent || item === UNINITIALISED) return { ipc: r.state };
  const kind = context.loop.itemKind ?? 'fault';
  return {
    ipc: r.state,
    ghost: ghostAfterReply(context, context.ghost, to, item, kind),
    step: { ...note(context.step, 'replied'), reply: { to, words: replyWithMapItem(item), kind } },
  };
}

const SERVED: readonly PagerOutcome[] = Object.freeze(['received', 'mapped', 'replied']);

let lastServe: { context: PagerContext; event: PagerEvent; update: PagerUpdate | null } | null = null;

/**
 * Lines 87-97 (or 61-72), 117-161, 112-114 as one step, for a well-formed fault whose address is
 * not 0, at least a page, in core's RAM ranges, that sigma0 grants and whose reply is delivered:
 * what {@link storeFault}, {@link logGotPageFault}, {@link requestPageFromSigma0},
 * {@link buildFaultReply} and {@link sendReply} do in turn. Null for every other message (and
 * when the input turned the fast path off). Pure; the last result is cached for the action that
 * follows the guard.
 * @category Pager machine
 */
export function serveFaultAtOnce(context: PagerContext, event: PagerEvent): PagerUpdate | null {
  if (lastServe !== null && lastServe.context === context && lastServe.event === event)
    return lastServe.update;
  let update: PagerUpdate | null = null;
  const e = event as Receive;
  const w = context.world;
  if (w.fastPath && !isMalformed(e.tag)) {
    const addr = (e.words[0] ?? 0) >>> 0;
    const ip = (e.words[1] ?? 0) >>> 0;
    if (ip !== 0 && addr >= w.pageSize && inRanges(w.coreRanges, addr)) {
      const answer = w.sigma0Port.getPage(context.sigma0, sigma0RequestFpage(addr, w.pageSize));
      const to = e.from >>> 0;
      const r = received(context, e, senderRecord(e), true);
      const sent = answer.fpage === 0 ? null : w.ipcLayer.send(r.ipc, to);
      if (sent !== null && sent.error === null && sent.sent) {
        const item = faultReplyItem(addr, w.pageSize);
        const flags = msgTagFlags(e.tag);
        update = {
          loop: {
            t: to,
            pfAddr: addr,
            pfIp: ip,
            flags,
            item,
            itemKind: 'fault',
            sendReply: true,
            sigma0Answer: answer.fpage,
          },
          sigma0: answer.state,
          ipc: sent.state,
          ghost: ghostAfterReply(context, r.ghost, to, item, 'fault'),
          step: {
            outcomes: SERVED,
            log: [
              gotPageFaultLine(addr, ip, flags),
              printL4ThreadId('_core_pager_loop', 132, l4GlobalIdOf(w.threads, to)),
            ],
            reply: { to, words: replyWithMapItem(item), kind: 'fault' },
          },
        };
      }
    }
  }
  lastServe = { context, event, update };
  return update;
}

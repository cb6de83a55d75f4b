/**
 * The core pager loop's helpers as pure functions (no xstate): `is_write_fault` exactly as
 * written, what `wait_for_page_fault` / `reply_and_wait_for_page_fault` store from a received
 * message, the error print of both, the reply item the loop builds, and
 * {@link classifyCoreFault}: the decision of one loop iteration (lines 125-161) over given
 * core ranges and a given sigma0 answer, for integrators who want the decision alone.
 *
 * Uninitialised variables: `t`, `pf_addr`, `pf_ip`, `flags` and `item` are locals of
 * `_core_pager_loop` without initialiser (lines 106-110); they are {@link UNINITIALISED} until
 * a wait stores them. A failed first wait leaves `pf_ip` uninitialised, and line 125 reads it.
 *
 * Where the C departs from intent (kept): `is_write_fault` tests `(flags & 2) == 1`, which is
 * never true, on the message tag's flags (bit 1 = "redirected"), not on the access bits of the
 * page-fault label; an instruction fault at ip 0 is taken for an echo request; the reply fpage
 * is built from the raw fault address (`L4_Fpage(pf_addr, page_size)`), so the address's bit 3
 * and bits 10-11 stay in the word (the kernel ignores them: reserved bit, and a base it aligns
 * to the size).
 *
 * @module
 */
import { EXPECT, PAGE_MASK, PAGE_SIZE, PAGER_PRETTY_FUNCTION } from '../constants.js';
import {
  L4_Address,
  L4_Fpage,
  L4_FpageAddRights,
  L4_FullyAccessible,
  L4_IpcFailed,
  L4_IsMapItem,
  L4_IsNilFpage,
  L4_MapItem,
  L4_MapItemSndFpage,
  L4_Rights,
  L4_Size,
  L4_UntypedWords,
  msgTagFlags,
  replyWithMapItem,
  type MapItem,
  type Word,
} from '../l4.js';
import { pdbgLine, perrLine, panicLine, type LogLine } from '../log.js';

/** The value of a C local that was never assigned. @category Pager model */
export const UNINITIALISED = 'uninitialised' as const;
/** A word that may be uninitialised. @category Pager model */
export type MaybeWord = Word | typeof UNINITIALISED;

/** `is_write_fault(flags)` (lines 52-53): `(flags & 2) == 1`. Always false. @category Pager model */
export function isWriteFault(flags: Word): boolean {
  return (flags & 2) === 1;
}

/** `trunc_page(addr)` (core util.h). @category Pager model */
export const truncPage = (addr: Word): Word => (addr & PAGE_MASK) >>> 0;
/** `round_page(addr)`: `trunc_page(addr + page_size - 1)` in 32-bit arithmetic. @category Pager model */
export const roundPage = (addr: Word): Word => truncPage((addr + PAGE_SIZE - 1) >>> 0);

/** A message as the pager's IPC returns it: sender, tag, the untyped words stored. @category Pager model */
export interface ReceivedMessage {
  readonly from: Word;
  /** The raw message tag (MR0). */
  readonly tag: Word;
  /** MR1, MR2, ... (only the first two are read). */
  readonly words: readonly Word[];
}

/** True when `wait_for_page_fault` rejects the message (lines 64, 89): failed, or not exactly two untyped words. @category Pager model */
export function isMalformed(tag: Word): boolean {
  return L4_IpcFailed(tag) || L4_UntypedWords(tag) !== EXPECT;
}

/** `PERR("got %ld words, expected %d", L4_UntypedWords(res), EXPECT)` (lines 65, 90). @category Pager model */
export function waitFailedLine(
  fn: 'wait_for_page_fault' | 'reply_and_wait_for_page_fault',
  tag: Word,
): LogLine {
  return perrLine(
    fn,
    fn === 'wait_for_page_fault' ? 65 : 90,
    'got %ld words, expected %d',
    L4_UntypedWords(tag),
    EXPECT,
  );
}

/** What a successful wait stores (lines 68-71, 93-96): `pf_addr = MR1`, `pf_ip = MR2`, `flags = res.X.flags`. @category Pager model */
export function storedFault(m: ReceivedMessage): { pfAddr: Word; pfIp: Word; flags: Word } {
  return { pfAddr: (m.words[0] ?? 0) >>> 0, pfIp: (m.words[1] ?? 0) >>> 0, flags: msgTagFlags(m.tag) };
}

/** The reply item of lines 158-160: `L4_MapItem(L4_Fpage(pf_addr, page_size) += L4_FullyAccessible, pf_addr)`. @category Pager model */
export function faultReplyItem(pfAddr: Word, pageSize: Word = PAGE_SIZE): MapItem {
  const fpage = L4_FpageAddRights(L4_Fpage(pfAddr, pageSize), L4_FullyAccessible);
  return L4_MapItem(fpage, pfAddr);
}

/** The sigma0 request of lines 152-153: `L4_Fpage(trunc_page(pf_addr), page_size)`. @category Pager model */
export const sigma0RequestFpage = (pfAddr: Word, pageSize: Word = PAGE_SIZE): Word =>
  L4_Fpage(truncPage(pfAddr), pageSize);

/** True when `item` maps exactly the page containing `addr`, with full rights (how a fault is meant to be answered). @category Pager model */
export function mapsPageOf(item: MapItem, addr: Word, pageSize: Word = PAGE_SIZE): boolean {
  const f = L4_MapItemSndFpage(item);
  return (
    L4_IsMapItem(item) &&
    L4_Size(f) === pageSize &&
    L4_Address(f) === (addr & ~(pageSize - 1)) >>> 0 &&
    L4_Rights(f) === L4_FullyAccessible
  );
}

/** `PDBG("Got page fault (pf_addr = %08lx, pf_ip = %08lx, flags = %08lx).", ...)` (lines 130-131). @category Pager model */
export const gotPageFaultLine = (pfAddr: Word, pfIp: Word, flags: Word): LogLine =>
  pdbgLine(
    '_core_pager_loop',
    PAGER_PRETTY_FUNCTION,
    130,
    'Got page fault (pf_addr = %08lx, pf_ip = %08lx, flags = %08lx).',
    pfAddr,
    pfIp,
    flags,
  );

/** `PERR("possible null pointer %s at address %lx at EIP %lx in", ...)` (lines 135-136). @category Pager model */
export const nullPointerLine = (pfAddr: Word, pfIp: Word, flags: Word): LogLine =>
  perrLine(
    '_core_pager_loop',
    135,
    'possible null pointer %s at address %lx at EIP %lx in',
    isWriteFault(flags) ? 'WRITE' : 'READ/EXEC',
    pfAddr,
    pfIp,
  );

/** `PERR("%s access outside of RAM at %lx IP %lx", ...)` (lines 142-143). @category Pager model */
export const outsideRamLine = (pfAddr: Word, pfIp: Word, flags: Word): LogLine =>
  perrLine(
    '_core_pager_loop',
    142,
    '%s access outside of RAM at %lx IP %lx',
    isWriteFault(flags) ? 'WRITE' : 'READ',
    pfAddr,
    pfIp,
  );

/** `panic("Unhandled page fault")` (line 155). @category Pager model */
export const unhandledPageFaultLine = (): LogLine =>
  panicLine('_core_pager_loop', 155, 'Unhandled page fault');

/** The decision of one loop iteration. @category Pager model */
export type CoreFaultDecision =
  /** Line 125 reads `pf_ip` before any wait stored it. */
  | { readonly kind: 'uninitialised'; readonly variable: 'pf_ip' }
  /** Lines 125-128: echo the map item at `pf_addr` (null when core cannot read it). */
  | { readonly kind: 'echo'; readonly itemAddress: Word; readonly item: MapItem | null }
  /** Lines 134-139: print, do not unblock the faulter, leave the loop. */
  | { readonly kind: 'nullPointer' }
  /** Lines 140-146: likewise. */
  | { readonly kind: 'outsideRam' }
  /** Lines 152-156: sigma0 returned the nil fpage: `panic`. */
  | { readonly kind: 'sigma0Nil'; readonly request: Word }
  /** Lines 152-161: reply with the item built from the raw address. */
  | { readonly kind: 'reply'; readonly request: Word; readonly item: MapItem };

/** Inputs of {@link classifyCoreFault}. @category Pager model */
export interface ClassifyEnv {
  /** `_core_address_ranges().valid_addr(addr)`. */
  readonly validAddr: (addr: Word) => boolean;
  /** sigma0's answer to `L4_Sigma0_GetPage(L4_Fpage(trunc_page(pf_addr), page_size))`. */
  readonly sigma0: 'granted' | 'nil' | ((request: Word) => Word);
  /** The two words of the map item at an address of core memory (null: unmapped). Default: unreadable. */
  readonly readMapItem?: (addr: Word) => MapItem | null;
  readonly pageSize?: Word;
}

/** The outcome of {@link classifyCoreFault}: the decision, the reply words when one is sent, the lines printed. @category Pager model */
export interface CoreFaultClassification {
  readonly decision: CoreFaultDecision;
  /** The MR0..MR2 the next `L4_ReplyWait` loads (echo and reply). */
  readonly replyWords: readonly [Word, Word, Word] | null;
  /** What the iteration prints (`print_l4_thread_id` lines excluded: they need the thread table). */
  readonly log: readonly LogLine[];
}

/**
 * One iteration of `_core_pager_loop` after the wait (lines 125-161), in the C order: echo
 * (`pf_ip == 0`), the debug print, null pointer (`pf_addr < page_size`), outside core's RAM
 * ranges, sigma0 `GetPage` (nil: panic), reply with the fpage as built.
 * @category Pager model
 */
export function classifyCoreFault(
  values: { readonly pfAddr: MaybeWord; readonly pfIp: MaybeWord; readonly flags: MaybeWord },
  env: ClassifyEnv,
): CoreFaultClassification {
  const pageSize = env.pageSize ?? PAGE_SIZE;
  const { pfAddr, pfIp, flags } = values;
  if (pfIp === UNINITIALISED || pfAddr === UNINITIALISED || flags === UNINITIALISED) {
    return { decision: { kind: 'uninitialised', variable: 'pf_ip' }, replyWords: null, log: [] };
  }
  if (pfIp === 0) {
    const item = env.readMapItem?.(pfAddr) ?? null;
    return {
      decision: { kind: 'echo', itemAddress: pfAddr, item },
      replyWords: item === null ? null : replyWithMapItem(item),
      log: [],
    };
  }
  const log: LogLine[] = [gotPageFaultLine(pfAddr, pfIp, flags)];
  if (pfAddr < pageSize) {
    log.push(nullPointerLine(pfAddr, pfIp, flags));
    return { decision: { kind: 'nullPointer' }, replyWords: null, log };
  }
  if (!env.validAddr(pfAddr)) {
    log.push(outsideRamLine(pfAddr, pfIp, flags));
    return { decision: { kind: 'outsideRam' }, replyWords: null, log };
  }
  const request = sigma0RequestFpage(pfAddr, pageSize);
  const answer =
    typeof env.sigma0 === 'function'
      ? env.sigma0(request)
      : env.sigma0 === 'nil'
        ? 0
        : request | L4_FullyAccessible;
  if (L4_IsNilFpage(answer)) {
    log.push(unhandledPageFaultLine());
    return { decision: { kind: 'sigma0Nil', request }, replyWords: null, log };
  }
  const item = faultReplyItem(pfAddr, pageSize);
  return { decision: { kind: 'reply', request, item }, replyWords: replyWithMapItem(item), log };
}

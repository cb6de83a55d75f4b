/**
 * The core pager thread running `_core_pager_loop` (lines 102-163) with its two wait functions
 * (lines 54-98), as a statechart. The thread blocks in one of two IPC calls:
 * `waitingForFault` (`wait_for_page_fault`: `L4_Wait`) or `replyingAndWaiting` (the receive
 * phase of `reply_and_wait_for_page_fault`'s `L4_ReplyWait`, after its send phase in
 * `replying`). Each message (`ipc.receive`) or IPC failure (`ipc.error`) runs the loop to the
 * next blocking point through eventless states named after the C: `classifying` (the echo
 * test, line 125, then the debug print), `checkingFault` (null pointer, outside RAM),
 * `answeringFault` (sigma0's answer), `readingMapItem` (the echo path), `replying`.
 *
 * Kept as written: the wait functions' results are ignored (lines 114, 116): after an error
 * print the loop classifies whatever `pf_addr`/`pf_ip`/`flags` still hold (uninitialised on
 * the first round: `undefinedBehaviour`), with `t` already overwritten by the failed wait; a
 * failed or malformed reply-and-wait waits once more (line 91) before that. `is_write_fault` is
 * never true. Any sender is served (the TODO of line 117). A null pointer or outside-RAM fault
 * leaves the loop for good (`loopEnded`), the faulter stays blocked.
 *
 * Abstracted: `verbose_core_pf` is false, so lines 147-150 never print; the pager thread's
 * own page fault in the echo path (sigma0 is its pager) is not modelled: the machine stops in
 * `pagerFaulted`. The kernel's IPC is the {@link IpcLayer} port, sigma0 the {@link Sigma0} port.
 *
 * @module
 */
import { assign, setup } from 'xstate';
import { PAGE_SIZE, source } from '../constants.js';
import { INITIAL_IPC, armSendFailure, inMemoryIpc } from '../ipc.js';
import { L4_IsNilFpage, L4_PagefaultLabel, type Word } from '../l4.js';
import { CoreMemory } from '../memory.js';
import { inRanges } from '../ranges.js';
import { INITIAL_SIGMA0, refuseSigma0Request } from '../sigma0.js';
import type { PagerContext, PagerEvent, PagerInput } from './context.js';
import { UNINITIALISED, isMalformed, type MaybeWord } from './model.js';
import {
  EMPTY_STEP,
  INITIAL_GHOST,
  buildFaultReply,
  echoMapItem,
  failReplyWait,
  failWait,
  keepValuesAfterWait,
  logGotPageFault,
  panicUnhandledPageFault,
  readUninitialised,
  reportNullPointer,
  reportOutsideRam,
  requestPageFromSigma0,
  sendReply,
  serveFaultAtOnce,
  stopOnOwnFault,
  storeFault,
  waitAgainAfterReplyWait,
  type PagerUpdate,
} from './steps.js';

type Args = { context: PagerContext; event: PagerEvent };
type Receive = Extract<PagerEvent, { type: 'ipc.receive' }>;
const word = (v: MaybeWord): Word => (v === UNINITIALISED ? 0 : v);
const step = (fn: (c: PagerContext, e: PagerEvent) => PagerUpdate) =>
  assign<PagerContext, PagerEvent, undefined, PagerEvent, never>(({ context, event }: Args) =>
    fn(context, event),
  );

/**
 * The core pager machine.
 * @category Pager machine
 */
export const corePagerMachine = setup({
  types: {} as { context: PagerContext; events: PagerEvent; input: PagerInput },
  guards: {
    servesFaultAtOnce: ({ context, event }) => serveFaultAtOnce(context, event) !== null,
    messageMalformed: ({ event }) => isMalformed((event as Receive).tag),
    pfIpUninitialised: ({ context }) => context.loop.pfIp === UNINITIALISED,
    isEchoRequest: ({ context }) => context.loop.pfIp === 0,
    isNullPointer: ({ context }) => word(context.loop.pfAddr) < context.world.pageSize,
    isOutsideRam: ({ context }) => !inRanges(context.world.coreRanges, word(context.loop.pfAddr)),
    sigma0ReturnedNil: ({ context }) => L4_IsNilFpage(context.loop.sigma0Answer ?? 0),
    mapItemUnreadable: ({ context }) => !context.memory.isMapped(word(context.loop.pfAddr), 8),
    replySendFails: ({ context }) =>
      context.world.ipcLayer.send(context.ipc, word(context.loop.t)).error !== null,
  },
  actions: {
    serveFaultAtOnce: step((c, e) => serveFaultAtOnce(c, e)!),
    storeFault: step(storeFault),
    keepValuesAfterWait: step(keepValuesAfterWait),
    waitAgainAfterReplyWait: step(waitAgainAfterReplyWait),
    failWait: step(failWait),
    failReplyWait: step(failReplyWait),
    readUninitialised: step(readUninitialised),
    logGotPageFault: step(logGotPageFault),
    reportNullPointer: step(reportNullPointer),
    reportOutsideRam: step(reportOutsideRam),
    requestPageFromSigma0: step(requestPageFromSigma0),
    panicUnhandledPageFault: step(panicUnhandledPageFault),
    buildFaultReply: step(buildFaultReply),
    echoMapItem: step(echoMapItem),
    stopOnOwnFault: step(stopOnOwnFault),
    sendReply: step(sendReply),
    refuseSigma0: step((c, e) => ({
      sigma0: refuseSigma0Request(
        c.sigma0,
        (e as Extract<PagerEvent, { type: 'env.sigma0Refuses' }>).request,
      ),
      step: EMPTY_STEP,
    })),
    failNextSend: step((c, e) => ({
      ipc: armSendFailure(c.ipc, (e as Extract<PagerEvent, { type: 'env.sendFails' }>).code),
      step: EMPTY_STEP,
    })),
    writeCoreMemory: step((c, e) => {
      const w = e as Extract<PagerEvent, { type: 'env.writeMemory' }>;
      return { memory: c.memory.writeWords(w.addr, w.words), step: EMPTY_STEP };
    }),
  },
}).createMachine({
  id: 'corePager',
  meta: source('_core_pager_loop', 102, 163),
  context: ({ input }) => ({
    world: {
      pageSize: input.pageSize ?? PAGE_SIZE,
      fastPath: input.fastPath ?? true,
      coreRanges: input.coreRanges,
      threads: input.threads,
      sigma0Port: input.sigma0Port,
      ipcLayer: input.ipcLayer ?? inMemoryIpc,
    },
    loop: {
      t: UNINITIALISED,
      pfAddr: UNINITIALISED,
      pfIp: UNINITIALISED,
      flags: UNINITIALISED,
      item: UNINITIALISED,
      itemKind: null,
      sendReply: false,
      sigma0Answer: null,
    },
    memory: input.memory ?? CoreMemory.empty(),
    sigma0: input.sigma0 ?? INITIAL_SIGMA0,
    ipc: input.ipc ?? INITIAL_IPC,
    step: EMPTY_STEP,
    stop: null,
    ghost: INITIAL_GHOST,
  }),
  initial: 'waitingForFault',
  on: {
    'env.sigma0Refuses': { actions: 'refuseSigma0', meta: source('_core_pager_loop', 152, 153) },
    'env.sendFails': { actions: 'failNextSend', meta: source('reply_and_wait_for_page_fault', 87, 87) },
    'env.writeMemory': { actions: 'writeCoreMemory', meta: source('_core_pager_loop', 126, 126) },
  },
  states: {
    waitingForFault: {
      meta: source('wait_for_page_fault', 54, 73),
      on: {
        'ipc.receive': [
          {
            guard: 'servesFaultAtOnce',
            target: 'replyingAndWaiting',
            actions: 'serveFaultAtOnce',
            meta: source('_core_pager_loop', 112, 161),
          },
          {
            guard: 'messageMalformed',
            target: 'classifying',
            actions: 'keepValuesAfterWait',
            meta: source('wait_for_page_fault', 61, 66),
          },
          { target: 'classifying', actions: 'storeFault', meta: source('wait_for_page_fault', 61, 72) },
        ],
        'ipc.error': {
          target: 'classifying',
          actions: 'failWait',
          meta: source('wait_for_page_fault', 61, 66),
        },
      },
    },
    replyingAndWaiting: {
      meta: source('reply_and_wait_for_page_fault', 74, 98),
      on: {
        'ipc.receive': [
          {
            // around the loop back into this state: targetless (no exit and re-entry to compute)
            guard: 'servesFaultAtOnce',
            actions: 'serveFaultAtOnce',
            meta: source('_core_pager_loop', 112, 161),
          },
          {
            guard: 'messageMalformed',
            target: 'waitingForFault',
            actions: 'waitAgainAfterReplyWait',
            meta: source('reply_and_wait_for_page_fault', 87, 91),
          },
          {
            target: 'classifying',
            actions: 'storeFault',
            meta: source('reply_and_wait_for_page_fault', 87, 97),
          },
        ],
        'ipc.error': {
          target: 'waitingForFault',
          actions: 'failReplyWait',
          meta: source('reply_and_wait_for_page_fault', 87, 91),
        },
      },
    },
    classifying: {
      meta: source('_core_pager_loop', 117, 132),
      always: [
        {
          guard: 'pfIpUninitialised',
          target: 'undefinedBehaviour',
          actions: 'readUninitialised',
          meta: source('_core_pager_loop', 106, 125),
        },
        { guard: 'isEchoRequest', target: 'readingMapItem', meta: source('_core_pager_loop', 125, 125) },
        { target: 'checkingFault', actions: 'logGotPageFault', meta: source('_core_pager_loop', 130, 132) },
      ],
    },
    readingMapItem: {
      meta: source('_core_pager_loop', 126, 128),
      always: [
        {
          guard: 'mapItemUnreadable',
          target: 'pagerFaulted',
          actions: 'stopOnOwnFault',
          meta: source('_core_pager_loop', 126, 126),
        },
        { target: 'replying', actions: 'echoMapItem', meta: source('_core_pager_loop', 126, 128) },
      ],
    },
    checkingFault: {
      meta: source('_core_pager_loop', 133, 150),
      always: [
        {
          guard: 'isNullPointer',
          target: 'loopEnded',
          actions: 'reportNullPointer',
          meta: source('_core_pager_loop', 134, 139),
        },
        {
          guard: 'isOutsideRam',
          target: 'loopEnded',
          actions: 'reportOutsideRam',
          meta: source('_core_pager_loop', 140, 146),
        },
        {
          target: 'answeringFault',
          actions: 'requestPageFromSigma0',
          meta: source('_core_pager_loop', 151, 153),
        },
      ],
    },
    answeringFault: {
      meta: source('_core_pager_loop', 154, 161),
      always: [
        {
          guard: 'sigma0ReturnedNil',
          target: 'panicked',
          actions: 'panicUnhandledPageFault',
          meta: source('_core_pager_loop', 154, 156),
        },
        { target: 'replying', actions: 'buildFaultReply', meta: source('_core_pager_loop', 157, 161) },
      ],
    },
    replying: {
      meta: source('reply_and_wait_for_page_fault', 82, 87),
      always: [
        {
          guard: 'replySendFails',
          target: 'waitingForFault',
          actions: 'sendReply',
          meta: source('reply_and_wait_for_page_fault', 87, 91),
        },
        { target: 'replyingAndWaiting', actions: 'sendReply', meta: source('_core_pager_loop', 113, 114) },
      ],
    },
    loopEnded: { type: 'final', meta: source('_core_pager_loop', 138, 146) },
    panicked: { type: 'final', meta: source('_core_pager_loop', 155, 155) },
    pagerFaulted: { type: 'final', meta: source('_core_pager_loop', 126, 126) },
    undefinedBehaviour: { type: 'final', meta: source('_core_pager_loop', 106, 125) },
  },
});

/** The page-fault label of a read fault, the facade's default label. @category Pager machine */
export const READ_FAULT_LABEL = L4_PagefaultLabel({ read: true });

/**
 * The one `setup()` every shmif machine shares: each guard and action by name, each taking
 * the interface index `i` as a parameter, each a thin wrapper over a pure function of the
 * model (`model/*.ts`), so `toJSON()` and the exports keep them and the conformance helper
 * can check them.
 *
 * @module
 */
import { NETBSD_ERRNO } from '@kspec/spec-kit';
import { assign, setup } from 'xstate';
import type { EventObject } from 'xstate';
import { ENAMETOOLONG } from '../constants.js';
import type { ShmifContext, ShmifEvent, ShmifFaults } from '../context.js';
import { kassertPanic, scOf, withIf, withPanic } from '../model/common.js';
import * as io from '../model/ioctl.js';
import type { IfdrvArgs } from '../model/ioctl.js';
import * as lc from '../model/lifecycle.js';
import * as rx from '../model/rcv.js';
import * as tx from '../model/start.js';
import { rcvRun, txRun } from '../model/run.js';
import type { RcvAt, TxAt } from '../model/run.js';

/**
 * The input of every shmif machine: its initial context (build it with
 * `createShmifContext`).
 * @category Machines
 */
export interface ShmifInput {
  readonly context: ShmifContext;
}

/** Parameters of every guard and action: the interface index. @category Machines */
export interface IfParams {
  readonly i: number;
}

/** Parameters of the `kassertFailed` / `segvFault` actions. @category Machines */
export interface PanicParams extends IfParams {
  readonly fn: string;
  readonly expr: string;
  readonly first: number;
  readonly last: number;
}

/** Parameters of the run actions and routing guards: where the region is. @category Machines */
export interface RunParams extends IfParams {
  readonly at: string;
  readonly budget?: number;
}

/** Parameters of `returnErrno`: the entry point and the errno it returns. @category Machines */
export interface ReturnParams extends IfParams {
  readonly op: string;
  readonly rv: number;
}

function ifdrv(e: EventObject): IfdrvArgs {
  const x = e as Partial<IfdrvArgs> & EventObject;
  return {
    cmd: x.cmd ?? 0,
    len: x.len ?? 0,
    ...(x.path === undefined ? {} : { path: x.path }),
    ...(x.bufferSize === undefined ? {} : { bufferSize: x.bufferSize }),
  };
}

type Args = { readonly context: ShmifContext; readonly event: ShmifEvent };
type G = (args: Args, params: IfParams) => boolean;

const g =
  (f: (ctx: ShmifContext, i: number) => boolean): G =>
  ({ context }, { i }) =>
    f(context, i);
const ge =
  (f: (args: IfdrvArgs) => boolean): G =>
  ({ event }) =>
    f(ifdrv(event));

/** An assign action over the whole context, parameterised by `P`. */
function assignP<P extends IfParams>(f: (args: Args, params: P) => ShmifContext) {
  return assign<ShmifContext, ShmifEvent, P, ShmifEvent, never>(({ context, event }, params) =>
    f({ context, event }, params),
  );
}
const up = (f: (ctx: ShmifContext, i: number) => ShmifContext) =>
  assignP<IfParams>(({ context }, { i }) => f(context, i));

/**
 * The shared setup: types, guards and actions.
 * @category Machines
 */
export const shmifSetup = setup({
  types: {} as { context: ShmifContext; events: ShmifEvent; input: ShmifInput },
  guards: {
    hasPanicked: (({ context }) => context.panic !== null) as G,
    // ifnet: create / clone / allocif
    hasNoPath: g((c, i) => scOf(c, i).attach.path === null),
    isCreateOpenFailing: g(lc.isCreateOpenFailing),
    isUnitArenaExhausted: g((c) => lc.isUnitArenaExhausted(c)),
    isCloneUnitMismatch: g(lc.isCloneUnitMismatch),
    isThreadsDisabled: g((c) => lc.isThreadsDisabled(c)),
    isKthreadCreateFailing: g((c) => lc.isKthreadCreateFailing(c)),
    isViaClone: g((c, i) => scOf(c, i).attach.via === 'clone'),
    isViaIoctl: g((c, i) => scOf(c, i).attach.via === 'ioctl'),
    // initbackend
    isMmapFailing: g(lc.isMmapFailing),
    isBusNotMagical: g(lc.isBusNotMagical),
    canInitbackendLock: g((c, i) => lc.isBusLockFree(c, scOf(c, i).attach.path)),
    isWatchSetupFailing: g((c) => lc.isWatchSetupFailing(c)),
    // unclone
    isReceiverJoinable: g(lc.isReceiverJoinable),
    isUncloneForDestroy: g((c, i) => scOf(c, i).attach.uncloneFor === 'destroy'),
    isUncloneForAllocifFailure: g((c, i) => scOf(c, i).attach.uncloneFor === 'allocifFailed'),
    // init / stop
    isRunning: g(lc.isRunning),
    hasNoMemfd: g(lc.hasNoMemfd),
    hasNoBusmem: g(lc.hasNoBusmem),
    // ioctl
    isGlinkstrWithoutBackfile: g(io.isGlinkstrWithoutBackfile),
    isQuerylen: ge(io.isQuerylen),
    isCmdNonZero: ge(io.isCmdNonZero),
    isSlinkstrWhileUp: g(io.isSlinkstrWhileUp),
    isUnset: ge(io.isUnset),
    hasBackfileSet: g(io.hasBackfileSet),
    isLenAboveMaxpathlen: ge(io.isLenAboveMaxpathlen),
    isLenBelowOne: ge(io.isLenBelowOne),
    isCopyinstrFailing: ge(io.isCopyinstrFailing),
    isSlinkstrOpenFailing: (({ context, event }) => io.isSlinkstrOpenFailing(context, ifdrv(event))) as G,
    // shmif_start
    isSndEmpty: g(tx.isSndEmpty),
    isNextPacketTooBig: g(tx.isNextPacketTooBig),
    isTxBusUnmapped: g(tx.isTxBusUnmapped),
    canTxLock: g(tx.canTxLock),
    isTxMagicBad: g(tx.isTxMagicBad),
    // shmif_rcv
    isReceiverSpawned: g((c, i) => scOf(c, i).rcvl && scOf(c, i).lwp === 'running'),
    isRunningOrDying: g(rx.isRunningOrDying),
    isDying: g(rx.isDying),
    isRxBusUnmapped: g(rx.isRxBusUnmapped),
    canRxLock: g(rx.canRxLock),
    isRxMagicBad: g(rx.isRxMagicBad),
    isGenBehindDevgen: g(rx.isGenBehindDevgen),
    isNextpktoffOfLastBad: g(rx.isNextpktoffOfLastBad),
    needsMoreData: g(rx.needsMoreData),
    isFirstEqualToLast: g(rx.isFirstEqualToLast),
    isStillValid: g(rx.isStillValid),
    isGenZero: g(rx.isGenZero),
    isReadPointerAhead: g(rx.isReadPointerAhead),
    isSpLenTooBig: g(rx.isSpLenTooBig),
    isOwnFrame: g(rx.isOwnFrame),
    isWatchReady: g(rx.isWatchReady),
    isRcvRunAt: (({ context }, p) => scOf(context, p.i).rx.runAt === (p as RunParams).at) as G,
    isTxRunAt: (({ context }, p) => scOf(context, p.i).tx.runAt === (p as RunParams).at) as G,
  },
  actions: {
    kassertFailed: assignP<PanicParams>(({ context }, p) =>
      withPanic(context, kassertPanic(p.i, p.fn, p.expr, p.first, p.last)),
    ),
    segvFault: assignP<PanicParams>(({ context }, p) => rx.segv(context, p.i, p.fn, p.expr, p.first, p.last)),
    returnErrno: assignP<ReturnParams>(({ context }, p) => lc.returnError(context, p.i, p.op, p.rv)),
    setFaults: assign<ShmifContext, ShmifEvent, undefined, ShmifEvent, never>(({ context, event }) =>
      event.type === 'host.fault' ? { ...context, faults: event.faults as ShmifFaults } : context,
    ),
    // create / clone / allocif
    createBegin: assignP(({ context, event }, { i }) =>
      lc.createBegin(context, i, event.type === 'if.create' ? (event.path ?? null) : null),
    ),
    cloneBegin: assignP(({ context, event }, { i }) =>
      lc.cloneBegin(context, i, event.type === 'if.clone' ? event.unit : -1),
    ),
    returnCreateOpenError: up((c, i) =>
      lc.returnError(c, i, 'create', lc.openErrorFor(c, scOf(c, i).attach.path!)),
    ),
    openBusFile: up(lc.openBusFile),
    allocUnit: up(lc.allocUnit),
    reserveUnit: up(lc.reserveUnit),
    allocif: up(lc.allocif),
    kthreadCreate: up(lc.kthreadCreate),
    uncloneForAllocifFailure: up((c, i) =>
      lc.uncloneBegin(lc.setAttachError(c, i, c.faults.kthreadCreate ?? 0), i, 'allocifFailed'),
    ),
    uncloneForInitbackendFailure: up((c, i) => lc.uncloneBegin(c, i, 'initbackendFailed')),
    uncloneForDestroy: up((c, i) => lc.uncloneBegin(withIf(c, i, { result: null }), i, 'destroy')),
    returnCreateUnit: up((c, i) => lc.returnUnit(c, i, 'create')),
    returnCloneUnit: up((c, i) => lc.returnUnit(c, i, 'clone')),
    // initbackend
    setMmapError: up((c, i) => lc.setAttachError(c, i, lc.mmapError(c, i))),
    mapBus: up(lc.mapBus),
    setEnoexec: up((c, i) => lc.setAttachError(c, i, NETBSD_ERRNO.ENOEXEC)),
    unmapBus: up(lc.unmapBus),
    initbackendLock: up((c, i) => lc.lockBus(c, scOf(c, i).attach.path!)),
    initBusAndReader: up(lc.initBusAndReader),
    initbackendUnlock: up((c, i) => lc.unlockBus(c, i, scOf(c, i).attach.path!)),
    watchSetupFailed: up(lc.watchSetupFailed),
    setupWatch: up(lc.setupWatch),
    recordBackfileFromCreate: up(lc.recordBackfileFromCreate),
    // unclone
    shmifStop: up(lc.shmifStop),
    ifDown: up(lc.ifDown),
    finibackend: up(lc.finibackend),
    markDying: up(lc.markDying),
    uncloneFinish: up(lc.uncloneFinish),
    closeCreateMemfd: up(lc.closeCreateMemfd),
    returnAttachError: up((c, i) =>
      lc.returnError(c, i, scOf(c, i).attach.via ?? 'create', scOf(c, i).attach.error),
    ),
    // init
    setIffUp: up(lc.setIffUp),
    shmifInit: up(lc.shmifInit),
    // ioctl
    glinkstrEnoent: up(io.glinkstrEnoent),
    glinkstrQuerylen: up(io.glinkstrQuerylen),
    glinkstrEinval: up(io.glinkstrEinval),
    glinkstrCopyout: assignP(({ context, event }, { i }) => io.glinkstrCopyout(context, i, ifdrv(event))),
    slinkstrUnset: up(io.slinkstrUnset),
    slinkstrCopyinFailed: up((c, i) => io.slinkstrReturn(c, i, ENAMETOOLONG)),
    slinkstrReturnOpenError: assignP(({ context, event }, { i }) =>
      io.slinkstrReturn(context, i, io.slinkstrOpenError(context, ifdrv(event))),
    ),
    slinkstrBegin: assignP(({ context, event }, { i }) => io.slinkstrBegin(context, i, ifdrv(event))),
    slinkstrInitbackendFailed: up(io.slinkstrInitbackendFailed),
    slinkstrRecordBackfile: up(io.slinkstrRecordBackfile),
    // shmif_start
    startBegin: assignP(({ context, event }, { i }) =>
      tx.startBegin(
        context,
        i,
        event.type === 'if.output' || event.type === 'peer.if.output' ? event.frames : [],
      ),
    ),
    startFinish: up(tx.startFinish),
    dequeueAndLock: up(tx.dequeueAndLock),
    writePacket: up(tx.writePacket),
    genAndUnlock: up(tx.genAndUnlock),
    // shmif_rcv
    kthreadExit: up(rx.kthreadExit),
    captureBusmem: up(rx.captureBusmem),
    allocMbuf: up(rx.allocMbuf),
    freeMbuf: up(rx.freeMbuf),
    rxLock: up(rx.rxLock),
    rxUnlock: up(rx.rxUnlock),
    nextpktoffPanic: up(rx.nextpktoffPanic),
    takeNextpacket: up(rx.takeNextpacket),
    resyncToFirst: up((c, i) => {
      c.env.onResync?.(i);
      return rx.resyncToFirst(c, i);
    }),
    readHeader: up(rx.readHeader),
    readPayload: up(rx.readPayload),
    storeNextpacketAndUnlock: up(rx.storeNextpacketAndUnlock),
    afterRead: up(rx.afterRead),
    ifInput: ({ context }: Args, { i }: IfParams) => {
      if (context.env.onInput === undefined) return;
      const f = rx.inputFrame(context, i);
      if (f !== null) context.env.onInput(i, f);
    },
    passUp: up(rx.passUp),
    consumeWatch: up(rx.consumeWatch),
    rcvRun: assignP<RunParams>(({ context }, p) => {
      const r = rcvRun(context, p.i, p.at as RcvAt, p.budget ?? 512);
      const s = scOf(r.c, p.i);
      return withIf(r.c, p.i, { rx: { ...s.rx, runAt: r.at } });
    }),
    txRun: assignP<RunParams>(({ context }, p) => {
      const r = txRun(context, p.i, p.at as TxAt);
      const s = scOf(r.c, p.i);
      return withIf(r.c, p.i, { tx: { ...s.tx, runAt: r.at } });
    }),
  },
});

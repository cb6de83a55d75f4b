/**
 * The guards and the context updates of the evtchn device machine (`machine.ts`), one per C
 * step: each update is a plain function `({ context, event }) => Partial<EvtchnContext>` that
 * the machine wraps in `assign` under the same name; the seed lines each one models are cited
 * by the transition that runs it (`meta.source` in `machine.ts`).
 *
 * @module
 */
import { linuxErr } from '@kspec/spec-kit';
import {
  DOMID_FIRST_RESERVED,
  DOMID_SELF,
  EMPTY_RING,
  UNRESTRICTED_DOMID,
  addEvtchn,
  delEvtchn,
  evtchnPushOutcome,
  evtchnReadChunks,
  evtchnReadCopy,
  evtchnReadFault,
  evtchnResetRing,
  evtchnResizeRing,
  evtchnResizeTarget,
  evtchnRoundCount,
  findEvtchn,
} from './model.js';
import { RB_NIL } from './rbtree.js';
import {
  armFault,
  armPortReuse,
  inMemoryHypervisor,
  inMemoryIrqLayer,
  inMemoryLateeoiMany,
  offerRemotePort,
  takeFault,
} from './ports.js';
import type { EvtchnContext, PendingBind } from './context.js';
import { countMap, countView, portSetMap, portSetView, recordMap, recordView } from './persistent.js';

import {
  ev,
  type Args,
  argFaulted,
  argPort,
  isDeliverable,
  readFaultOf,
  ringLocksFree,
  BIND_OP,
  reply,
  ghostAtIoctl,
  isForbiddenBind,
  enterHandler,
  pushFromSnapshot,
  upcallOutcome,
  addPorts,
  unbindNode,
} from './machine-helpers.js';

/** The guards of the device machine, by the names its transitions use. */
export const evtchnGuards = {
  isRestricted: ({ context }) => context.restrictDomid !== UNRESTRICTED_DOMID,
  isRestrictedToOtherDomain: ({ context, event }) => {
    const e = ev(event, 'ioctl.bindInterdomain');
    return (
      context.restrictDomid !== UNRESTRICTED_DOMID &&
      e.arg !== null &&
      context.restrictDomid !== e.arg.remoteDomain >>> 0
    );
  },
  argFaulted,
  portOutOfRange: ({ context, event }) => argPort(event) >= context.irqLayer.xenEvtchnNrChannels(context.env),
  portNotBound: ({ context, event }) => findEvtchn(context.evtchns, argPort(event)) === undefined,
  domidInvalid: ({ event }) => {
    const e = ev(event, 'ioctl.restrictDomid');
    return e.arg !== null && ((e.arg.domid & 0xffff) === 0 || (e.arg.domid & 0xffff) >= DOMID_FIRST_RESERVED);
  },
  ringLocksFree: ({ context }) => ringLocksFree(context),
  handlerIdle: ({ context }) => context.irqThread === null,
  hypercallFailed: ({ context }) => (context.bind?.rc ?? 0) !== 0,
  kzallocFails: ({ context }) => context.env.faults.some((f) => f.op === 'kzalloc'),
  addFailed: ({ context }) => (context.bind?.rc ?? 0) < 0,
  resizeFailed: ({ context }) => (context.bind?.rc ?? 0) < 0,
  irqBindFailed: ({ context }) => (context.bind?.rc ?? 0) < 0,
  refcountFailed: ({ context }) => (context.bind?.rc ?? 0) < 0,
  closeSucceeded: ({ context }) => context.bug === null,
  hasHitBug: ({ context }) => context.bug !== null,
  pageAllocFails: ({ context }) => context.env.faults.some((f) => f.op === 'get_free_page'),
  writeCountRoundsToZero: ({ event }) => evtchnRoundCount(ev(event, 'write').count) === 0,
  writeArgFaulted: ({ event }) => ev(event, 'write').ports === null,
  readCountRoundsToZero: ({ event }) => evtchnRoundCount(ev(event, 'read').count) === 0,
  ringOverflowed: ({ context }) => context.ring.overflow,
  ringNonEmpty: ({ context }) => context.ring.cons !== context.ring.prod,
  isNonblocking: ({ context }) => context.nonblock,
  isDeliverable: ({ context, event }) => isDeliverable(context, (event as { port: number }).port),
  deliverableIntoEmptyRing: ({ context, event }) =>
    isDeliverable(context, (event as { port: number }).port) &&
    evtchnPushOutcome(context.ring.size, context.ring) === 'pushedAndWoke',
  deliverableWithRoom: ({ context, event }) =>
    isDeliverable(context, (event as { port: number }).port) &&
    evtchnPushOutcome(context.ring.size, context.ring) === 'pushed',
  snapshotWasEmpty: ({ context }) =>
    context.irqThread?.snap != null &&
    evtchnPushOutcome(context.ring.size, context.irqThread.snap) === 'pushedAndWoke',
  snapshotHasRoom: ({ context }) =>
    context.irqThread?.snap != null &&
    evtchnPushOutcome(context.ring.size, context.irqThread.snap) === 'pushed',
  firstCopyToUserFaults: ({ context }) => readFaultOf(context) === 'firstChunk',
  secondCopyToUserFaults: ({ context }) => readFaultOf(context) === 'secondChunk',
  threadsIdle: ({ context }) => context.reader === null && context.irqThread === null,
  upcallWakesReader: ({ context, event }) => upcallOutcome(context, event).woke,
} satisfies Record<string, (args: Args) => boolean>;

/** The context updates of the device machine, by the action names its transitions use. */
export const steps = {
  hypercallBindVirq({ context, event }: Args): Partial<EvtchnContext> {
    const e = ev(event, 'ioctl.bindVirq');
    const r = context.hypervisor.bindVirq(context.env, (e.arg as { virq: number }).virq >>> 0, 0);
    return {
      env: r.env,
      bind: {
        kind: 'virq',
        remoteDom: 0,
        port: r.port ?? 0,
        linked: false,
        rc: r.rc,
      } satisfies PendingBind,
      ghost: ghostAtIoctl(context.ghost),
    };
  },
  hypercallBindInterdomain({ context, event }: Args): Partial<EvtchnContext> {
    const e = ev(event, 'ioctl.bindInterdomain');
    const arg = e.arg as { remoteDomain: number; remotePort: number };
    // bind_interdomain.remote_dom is a domid_t: the unsigned remote_domain is truncated.
    const remoteDom = arg.remoteDomain & 0xffff;
    const r = context.hypervisor.bindInterdomain(context.env, remoteDom, arg.remotePort >>> 0);
    return {
      env: r.env,
      bind: {
        kind: 'interdomain',
        remoteDom,
        port: r.port ?? 0,
        linked: false,
        rc: r.rc,
      } satisfies PendingBind,
      ghost: ghostAtIoctl(context.ghost),
    };
  },
  hypercallAllocUnbound({ context, event }: Args): Partial<EvtchnContext> {
    const e = ev(event, 'ioctl.bindUnboundPort');
    const remoteDom = (e.arg as { remoteDomain: number }).remoteDomain & 0xffff;
    const r = context.hypervisor.allocUnbound(context.env, DOMID_SELF, remoteDom);
    return {
      env: r.env,
      bind: {
        kind: 'unbound',
        remoteDom,
        port: r.port ?? 0,
        linked: false,
        rc: r.rc,
      } satisfies PendingBind,
      ghost: ghostAtIoctl(context.ghost),
    };
  },
  replyHypercallError({ context }: Args): Partial<EvtchnContext> {
    return {
      result: reply(BIND_OP[(context.bind as PendingBind).kind], context.bind?.rc ?? 0),
      bind: null,
    };
  },
  replyKzallocEnomem({ context }: Args): Partial<EvtchnContext> {
    return {
      env: takeFault(context.env, 'kzalloc').env,
      result: reply(BIND_OP[(context.bind as PendingBind).kind], linuxErr('ENOMEM')),
      ghost: { ...context.ghost, failedBindPort: context.bind?.port ?? null },
      bind: null,
    };
  },
  addEvtchn({ context }: Args): Partial<EvtchnContext> {
    const b = context.bind as PendingBind;
    const r = addEvtchn(context.evtchns, context.nrEvtchns, { port: b.port, enabled: true }, context.rbtree);
    return {
      evtchns: r.tree,
      rbtree: r.shape,
      nrEvtchns: r.nrEvtchns,
      bind: { ...b, linked: r.rc === 0, rc: r.rc },
    };
  },
  resizeRing({ context }: Args): Partial<EvtchnContext> {
    const b = context.bind as PendingBind;
    const target = evtchnResizeTarget(context.nrEvtchns, context.ring.size);
    if (target === undefined) return { bind: { ...b, rc: 0 } };
    const f = takeFault(context.env, 'kvmalloc');
    if (f.errno) return { env: f.env, bind: { ...b, rc: linuxErr('ENOMEM') } };
    return { ring: evtchnResizeRing(context.ring, target), bind: { ...b, rc: 0 } };
  },
  bindIrqHandler({ context }: Args): Partial<EvtchnContext> {
    const b = context.bind as PendingBind;
    const r = context.irqLayer.bindEvtchnToIrqhandlerLateeoi(context.env, context.hypervisor, b.port);
    return { env: r.env, bind: { ...b, rc: r.rc } };
  },
  makeRefcounted({ context }: Args): Partial<EvtchnContext> {
    const b = context.bind as PendingBind;
    const r = context.irqLayer.evtchnMakeRefcounted(context.env, b.port);
    return { env: r.env, bind: { ...b, rc: r.rc } };
  },
  replyBoundPort({ context }: Args): Partial<EvtchnContext> {
    const b = context.bind as PendingBind;
    const forbidden = isForbiddenBind(context, b);
    return {
      result: reply(BIND_OP[b.kind], b.port),
      bind: null,
      ghost: forbidden
        ? { ...context.ghost, forbiddenBinds: context.ghost.forbiddenBinds + 1 }
        : context.ghost,
    };
  },
  replyRefcountErrorWithoutCleanup({ context }: Args): Partial<EvtchnContext> {
    const b = context.bind as PendingBind;
    return {
      result: reply(BIND_OP[b.kind], b.rc),
      bind: null,
      ghost: { ...context.ghost, failedBindPort: b.port },
    };
  },
  closePortOnError({ context }: Args): Partial<EvtchnContext> {
    const b = context.bind as PendingBind;
    const r = context.hypervisor.close(context.env, b.port);
    return {
      env: r.env,
      bug:
        r.rc !== 0 ? `BUG() after EVTCHNOP_close(${b.port}) returned ${r.rc} (lines 411-412)` : context.bug,
    };
  },
  delEvtchnOnError({ context }: Args): Partial<EvtchnContext> {
    const b = context.bind as PendingBind;
    const d = delEvtchn(context.evtchns, context.nrEvtchns, b.port, b.linked, context.rbtree);
    return {
      evtchns: d.tree,
      rbtree: d.shape,
      nrEvtchns: d.nrEvtchns,
      orphans: [...context.orphans, ...d.lost],
      result: reply(BIND_OP[b.kind], b.rc),
      bind: null,
      ghost: { ...context.ghost, failedBindPort: b.port },
    };
  },
  unbindPort({ context, event }: Args): Partial<EvtchnContext> {
    const done = unbindNode(context, argPort(event));
    return { ...done, result: reply(event.type, 0), ghost: ghostAtIoctl(done.ghost ?? context.ghost) };
  },
  notifyRemote({ context, event }: Args): Partial<EvtchnContext> {
    return {
      env: context.irqLayer.notifyRemoteViaEvtchn(context.env, context.hypervisor, argPort(event)),
      result: reply(event.type, 0),
      ghost: ghostAtIoctl(context.ghost),
    };
  },
  resetRing({ context, event }: Args): Partial<EvtchnContext> {
    return {
      ring: evtchnResetRing(context.ring),
      result: reply(event.type, 0),
      ghost: ghostAtIoctl(context.ghost),
    };
  },
  restrictDomid({ context, event }: Args): Partial<EvtchnContext> {
    return {
      restrictDomid: (ev(event, 'ioctl.restrictDomid').arg as { domid: number }).domid & 0xffff,
      result: reply(event.type, 0),
      ghost: ghostAtIoctl(context.ghost),
    };
  },
  replyWriteEnomem({ context }: Args): Partial<EvtchnContext> {
    return {
      env: takeFault(context.env, 'get_free_page').env,
      result: reply('write', linuxErr('ENOMEM')),
    };
  },
  reenablePorts({ context, event }: Args): Partial<EvtchnContext> {
    const e = ev(event, 'write');
    const count = evtchnRoundCount(e.count);
    const ports = (e.ports ?? []).slice(0, count / 4);
    const tree = recordMap(context.evtchns).edit();
    const eoi: number[] = [];
    for (const port of ports) {
      const evtchn = tree.get(port);
      if (evtchn && !evtchn.enabled) {
        tree.set(port, { port, enabled: true });
        eoi.push(port);
      }
    }
    const evtchns = tree.done();
    let env = context.env;
    if (context.irqLayer === inMemoryIrqLayer && context.hypervisor === inMemoryHypervisor) {
      env = inMemoryLateeoiMany(env, eoi);
    } else {
      for (const port of eoi) env = context.irqLayer.xenIrqLateeoi(env, context.hypervisor, port);
    }
    let ghost = context.ghost;
    if (eoi.length > 0) {
      const queued = countMap(ghost.queuedSinceEnable).edit();
      for (const port of eoi) queued.delete(port);
      ghost = { ...ghost, queuedSinceEnable: countView(queued.done()) };
    }
    if (ghost.readNotWritten.length > 0 && ports.length > 0) {
      const unwritten = portSetMap(ghost.readNotWritten).edit();
      for (const port of ports) unwritten.delete(port);
      ghost = { ...ghost, readNotWritten: portSetView(unwritten.done()) };
    }
    return {
      evtchns: eoi.length > 0 ? recordView(evtchns) : context.evtchns,
      env,
      ghost,
      result: reply('write', count),
    };
  },
  startRead({ context, event }: Args): Partial<EvtchnContext> {
    return {
      reader: {
        count: evtchnRoundCount(ev(event, 'read').count),
        nonblock: context.nonblock,
        holding: false,
        c: 0,
        p: 0,
        faultAt: ev(event, 'read').faultAt ?? null,
      },
      readResult: null,
    };
  },
  snapshotConsProd({ context }: Args): Partial<EvtchnContext> {
    return {
      reader: {
        ...(context.reader as NonNullable<EvtchnContext['reader']>),
        holding: true,
        c: context.ring.cons,
        p: context.ring.prod,
      },
    };
  },
  copyAndConsume({ context }: Args): Partial<EvtchnContext> {
    const r = context.reader as NonNullable<EvtchnContext['reader']>;
    const copy = evtchnReadCopy(context.ring, r.c, r.p, r.count);
    return {
      ring: { ...context.ring, cons: copy.cons },
      reader: null,
      readResult: { op: 'read', rc: copy.bytes, ports: copy.ports },
      ghost: { ...context.ghost, readNotWritten: addPorts(context.ghost.readNotWritten, copy.ports) },
    };
  },
  replyReadEfault({ context }: Args): Partial<EvtchnContext> {
    // rc = -EFAULT; goto unlock_out (lines 252-257): ring_cons is not advanced. When the second
    // copy faults, the first chunk's ports are in the user buffer all the same.
    const r = context.reader as NonNullable<EvtchnContext['reader']>;
    const chunks = evtchnReadChunks(r.c, r.p, context.ring.size, r.count);
    const written =
      evtchnReadFault(chunks, r.faultAt) === 'secondChunk'
        ? evtchnReadCopy(context.ring, r.c, r.p, chunks.bytes1).ports
        : [];
    return { reader: null, readResult: { op: 'read', rc: linuxErr('EFAULT'), ports: [], written } };
  },
  interruptWhole({ context, event }: Args): Partial<EvtchnContext> {
    const port = ev(event, 'irq.interrupt').port;
    const entered = { ...context, ...enterHandler(context, port) };
    const snap = { prod: context.ring.prod, cons: context.ring.cons };
    return {
      env: entered.env,
      evtchns: entered.evtchns,
      orphans: entered.orphans,
      ...pushFromSnapshot(entered, port, snap),
    };
  },
  enterIrqHandler({ context, event }: Args): Partial<EvtchnContext> {
    const port = ev(event, 'irq.enter').port;
    return { ...enterHandler(context, port), irqThread: { port, snap: null } };
  },
  snapshotProdCons({ context }: Args): Partial<EvtchnContext> {
    return {
      irqThread: {
        port: context.irqThread?.port ?? 0,
        snap: { prod: context.ring.prod, cons: context.ring.cons },
      },
    };
  },
  pushPort({ context }: Args): Partial<EvtchnContext> {
    const t = context.irqThread as NonNullable<EvtchnContext['irqThread']>;
    return pushFromSnapshot(context, t.port, t.snap as { prod: number; cons: number });
  },
  releaseFile({ context }: Args): Partial<EvtchnContext> {
    let ctx = context;
    // while ((node = u->evtchns.rb_node)) { disable_irq; evtchn_unbind_from_user; }: the root
    // each time, as rb_erase's rebalancing leaves it (not port order).
    while (ctx.rbtree.root !== RB_NIL && ctx.bug === null) {
      ctx = { ...ctx, ...unbindNode(ctx, ctx.rbtree.root) };
    }
    return { ...ctx, ring: EMPTY_RING, result: reply('release', 0) };
  },
  hvRaise({ context, event }: Args): Partial<EvtchnContext> {
    return {
      env: context.hypervisor.raise(context.env, ev(event, 'hv.raise').port),
    };
  },
  hvOffer({ context, event }: Args): Partial<EvtchnContext> {
    return {
      env: offerRemotePort(context.env, ev(event, 'hv.offer').domid).env,
    };
  },
  armFault({ context, event }: Args): Partial<EvtchnContext> {
    const e = ev(event, 'env.fail');
    return {
      env: armFault(context.env, e.op, e.errno),
      ghost: { ...context.ghost, armed: context.ghost.armed + 1 },
    };
  },
  armReuse({ context, event }: Args): Partial<EvtchnContext> {
    return {
      env: armPortReuse(context.env, ev(event, 'env.reuse').port),
      ghost: { ...context.ghost, armed: context.ghost.armed + 1 },
    };
  },
};

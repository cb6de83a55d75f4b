/**
 * The statecharts of `/dev/xen/evtchn` (drivers/xen/evtchn.c):
 *
 * - `evtchnDeviceMachine`: one open file (`per_user_data`). Three parallel regions are the
 *   threads the C lock discipline lets interleave: `control` (everything under `bind_mutex`:
 *   ioctls, write; poll, which takes no lock), `reader` (`evtchn_read` under
 *   `ring_cons_mutex`, which may sleep) and `irq` (`evtchn_interrupt` under `ring_prod_lock`).
 *   The handler and the reader come in split steps (`irq.enter`/`irq.lock`/`irq.push`,
 *   `read`/`read.copy`) so the checker can interleave them, and as whole steps for the facade
 *   (`irq.interrupt`). `evtchn_bind_to_user` is a chain of eventless steps inside one ioctl,
 *   one state per C step and one transition per error path.
 * - `evtchnBindingMachine`: the lifecycle of one bound port (`struct user_evtchn`): enabled,
 *   disabled by its interrupt until `write()` re-enables it with a late EOI, unbound.
 *
 * Cost: the tree, the ring slots, the environment's tables and the ghost's per-port lists are
 * persistent maps behind array views (`persistent.ts`), so a step that touches k ports costs
 * O(k log n) in the number n of bound ports, and every snapshot stays immutable.
 *
 * Abstractions: ioctls and writes are atomic (they hold `bind_mutex`; a bind or reset that
 * needs the ring locks waits until neither thread holds them; unbind and release wait for a
 * running handler, as `disable_irq` does). The environment (hypervisor, irq layer, memory) is
 * a value in the context acted on through the ports of `ports.ts`.
 *
 * Where the C departs from intent (modelled as written, see the findings): the
 * `evtchn_bind_to_user` error paths (EVTCHN-1..4) and the wake-up decided on a stale
 * `ring_cons` (EVTCHN-5).
 *
 * Not covered: `fasync`, `llseek`, the VFS's own ioctls (FIONBIO, FIOCLEX...), several
 * readers at once (one reader thread is modelled), IRQF_SHARED and BIND_STATIC (later
 * kernels).
 *
 * @module
 */
import { assign, raise, setup } from 'xstate';
import { linuxErr, src } from '@kspec/spec-kit';
import type { LinuxErrnoName } from '@kspec/spec-kit';
import {
  DOMID_FIRST_RESERVED,
  DOMID_SELF,
  EMPTY_RING,
  UNRESTRICTED_DOMID,
  addEvtchn,
  delEvtchn,
  EvtchnRingBatch,
  evtchnInterruptPush,
  evtchnPollMask,
  evtchnPushOutcome,
  evtchnReadChunks,
  evtchnReadCopy,
  evtchnReadFault,
  evtchnResetRing,
  evtchnResizeRing,
  evtchnResizeTarget,
  evtchnRoundCount,
  findEvtchn,
  setEvtchnEnabled,
  type ReadFault,
  type UserEvtchn,
} from './model.js';
import { EMPTY_EVTCHN_RBTREE, RB_NIL } from './rbtree.js';
import {
  armFault,
  armPortReuse,
  createEvtchnEnv,
  inMemoryHypervisor,
  inMemoryIrqLayer,
  inMemoryLateeoiMany,
  inMemoryUpcall,
  offerRemotePort,
  takeFault,
  type EvtchnEnv,
  type UpcallTarget,
} from './ports.js';
import type { EvtchnContext, EvtchnEvent, EvtchnGhost, EvtchnInput, PendingBind } from './context.js';
import {
  countMap,
  countView,
  emptyPortView,
  portSetMap,
  portSetView,
  recordMap,
  recordView,
  type PortMapEditor,
} from './persistent.js';

/** The seed this package models. @category Machine */
export const SEED = 'linux-xen-evtchn.c' as const;
/** `meta` citing lines `first..last` of C function `fn` in the seed. */
const source = (fn: string, first: number, last: number = first) => ({ source: src(SEED, fn, first, last) });

type Ev<T extends EvtchnEvent['type']> = Extract<EvtchnEvent, { type: T }>;
const ev = <T extends EvtchnEvent['type']>(e: EvtchnEvent, _t: T): Ev<T> => e as Ev<T>;
type Args = { context: EvtchnContext; event: EvtchnEvent };

const INITIAL_GHOST: EvtchnGhost = {
  warnings: 0,
  forbiddenBinds: 0,
  failedBindPort: null,
  queuedSinceEnable: emptyPortView(),
  readNotWritten: emptyPortView(),
  armed: 0,
};

/** Whether `event` carries a faulting user argument (`copy_from_user` fails). */
function argFaulted({ event }: Args): boolean {
  return 'arg' in event && event.arg === null;
}

function argPort(event: EvtchnEvent): number {
  return 'arg' in event && event.arg !== null && 'port' in event.arg ? event.arg.port >>> 0 : -1;
}

/** The `user_evtchn` the irq layer passes to the handler for `port` (in the tree or orphaned). */
function handlerData(context: EvtchnContext, port: number): UserEvtchn | undefined {
  return findEvtchn(context.evtchns, port) ?? context.orphans.find((e) => e.port === port);
}

function isDeliverable(context: EvtchnContext, port: number): boolean {
  return (
    handlerData(context, port) !== undefined &&
    context.irqLayer.isDeliverable(context.env, context.hypervisor, port)
  );
}

/** Which `copy_to_user` of the reader's copy faults (lines 254-257), from its snapshot. */
function readFaultOf(context: EvtchnContext): ReadFault {
  const r = context.reader;
  if (r === null || r.faultAt === null) return null;
  return evtchnReadFault(evtchnReadChunks(r.c, r.p, context.ring.size, r.count), r.faultAt);
}

/** Neither `ring_cons_mutex` (a reader between snapshot and copy) nor `ring_prod_lock` (a handler between snapshot and push) is held. */
function ringLocksFree(context: EvtchnContext): boolean {
  return !(context.reader?.holding ?? false) && !(context.irqThread?.snap ?? null);
}

const BIND_OP = {
  virq: 'ioctl.bindVirq',
  interdomain: 'ioctl.bindInterdomain',
  unbound: 'ioctl.bindUnboundPort',
} as const;

function reply(op: string, rc: number): EvtchnContext['result'] {
  return { op, rc };
}

/** Clear the per-ioctl ghost observation at the start of every ioctl. */
function ghostAtIoctl(g: EvtchnGhost): EvtchnGhost {
  return g.failedBindPort === null ? g : { ...g, failedBindPort: null };
}

/** The ioctl returns `-errno` (the `rc = -E...; break;` paths of evtchn_ioctl, 429-597). */
function replyErrno(name: LinuxErrnoName) {
  return assign<EvtchnContext, EvtchnEvent, undefined, EvtchnEvent, never>(({ context, event }) => ({
    result: reply(event.type, linuxErr(name)),
    ghost: ghostAtIoctl(context.ghost),
  }));
}

function bumpQueued(g: EvtchnGhost, port: number): EvtchnGhost {
  const queued = countMap(g.queuedSinceEnable);
  return { ...g, queuedSinceEnable: countView(queued.set(port, (queued.get(port) ?? 0) + 1)) };
}

function isForbiddenBind(context: EvtchnContext, b: PendingBind): boolean {
  if (context.restrictDomid === UNRESTRICTED_DOMID) return false;
  return b.kind !== 'interdomain' || b.remoteDom !== context.restrictDomid;
}

/** The handler's step 1 (lines 167-171) on the context: deliver, WARN, `enabled = false`. */
function enterHandler(context: EvtchnContext, port: number): Partial<EvtchnContext> {
  const env = context.irqLayer.deliver(context.env, context.hypervisor, port);
  const data = handlerData(context, port);
  const warned = data !== undefined && !data.enabled;
  const inTree = findEvtchn(context.evtchns, port) !== undefined;
  return {
    env,
    evtchns: inTree ? setEvtchnEnabled(context.evtchns, port, false) : context.evtchns,
    orphans: inTree
      ? context.orphans
      : context.orphans.map((e) => (e.port === port ? { port, enabled: false } : e)),
    ghost: warned ? { ...context.ghost, warnings: context.ghost.warnings + 1 } : context.ghost,
  };
}

/** The handler's step 3 (lines 178-190) from a snapshot. */
function pushFromSnapshot(context: EvtchnContext, port: number, snap: { prod: number; cons: number }) {
  const { ring, outcome } = evtchnInterruptPush(context.ring, port, snap);
  return {
    ring,
    irqThread: null,
    ghost: outcome === 'overflowed' ? context.ghost : bumpQueued(context.ghost, port),
  };
}

/**
 * `irq.upcall`: the handler of each deliverable port in order, in one edit batch of each
 * persistent map (the result equals the sequence of `hv.raise` + whole `irq.interrupt` steps; a
 * property test checks it). O(k log n) for k ports.
 */
class UpcallBatch implements UpcallTarget {
  private readonly tree: PortMapEditor<UserEvtchn>;
  private orphans: readonly UserEvtchn[];
  private readonly ring: EvtchnRingBatch;
  private readonly queued: PortMapEditor<number>;
  private warnings: number;
  woke = false;
  readonly delivered: number[] = Array.of<number>();

  constructor(private readonly context: EvtchnContext) {
    this.tree = recordMap(context.evtchns).edit();
    this.orphans = context.orphans;
    this.ring = new EvtchnRingBatch(context.ring);
    this.queued = countMap(context.ghost.queuedSinceEnable).edit();
    this.warnings = context.ghost.warnings;
  }

  hasHandler(port: number): boolean {
    return this.tree.get(port) !== undefined || (this.orphans.length > 0 && isOrphan(this.orphans, port));
  }

  /** `evtchn_interrupt` (lines 167-190) for a delivered port, with the snapshot taken at once. */
  deliver(port: number): void {
    this.delivered.push(port);
    const e = this.tree.get(port);
    if (e !== undefined) {
      if (!e.enabled) this.warnings++;
      else this.tree.set(port, { port, enabled: false });
    } else {
      if (this.orphans.some((o) => o.port === port && !o.enabled)) this.warnings++;
      this.orphans = this.orphans.map((o) => (o.port === port ? { port, enabled: false } : o));
    }
    const outcome = this.ring.push(port);
    if (outcome === 'pushedAndWoke') this.woke = true;
    if (outcome !== 'overflowed') this.queued.set(port, (this.queued.get(port) ?? 0) + 1);
  }

  /** Runs the upcall for `ports` and returns the context update. */
  run(ports: readonly number[], raiseFirst: boolean): Partial<EvtchnContext> {
    const { context } = this;
    let env: EvtchnEnv;
    if (context.hypervisor === inMemoryHypervisor && context.irqLayer === inMemoryIrqLayer) {
      env = inMemoryUpcall(context.env, ports, raiseFirst, this);
    } else {
      env = context.env;
      for (const port of ports) {
        if (raiseFirst) env = context.hypervisor.raise(env, port);
        if (this.hasHandler(port) && context.irqLayer.isDeliverable(env, context.hypervisor, port)) {
          env = context.irqLayer.deliver(env, context.hypervisor, port);
          this.deliver(port);
        }
      }
    }
    const evtchns = this.tree.done();
    const ring = this.ring.done();
    const queued = this.queued.done();
    if (this.delivered.length === 0) return { env, delivered: this.delivered };
    return {
      env,
      evtchns: recordView(evtchns),
      orphans: this.orphans,
      ring,
      delivered: this.delivered,
      ghost: { ...context.ghost, warnings: this.warnings, queuedSinceEnable: countView(queued) },
    };
  }
}

/**
 * The upcall's outcome for one (context, event) pair, computed once for the guard that asks
 * whether it wakes the reader and the assignment that applies it (both are pure in it). A
 * single-entry cache: a transition evaluates its guard and then its actions on the same objects.
 */
let lastUpcall: {
  context: EvtchnContext;
  event: EvtchnEvent;
  update: Partial<EvtchnContext>;
  woke: boolean;
} | null = null;

function upcallOutcome(
  context: EvtchnContext,
  event: EvtchnEvent,
): { update: Partial<EvtchnContext>; woke: boolean } {
  if (lastUpcall === null || lastUpcall.context !== context || lastUpcall.event !== event) {
    const e = ev(event, 'irq.upcall');
    const batch = new UpcallBatch(context);
    const update = batch.run(e.ports, e.raise);
    lastUpcall = { context, event, update, woke: batch.woke };
  }
  return lastUpcall;
}

function isOrphan(orphans: readonly UserEvtchn[], port: number): boolean {
  return orphans.some((o) => o.port === port);
}

/** `ports` added to the set of ports read and not written back (the ghost's `readNotWritten`). */
function addPorts(set: readonly number[], ports: readonly number[]): readonly number[] {
  if (ports.length === 0) return set;
  const e = portSetMap(set).edit();
  for (const p of ports) e.set(p, true);
  return portSetView(e.done());
}

/** Unbinds one node as `IOCTL_EVTCHN_UNBIND` and `evtchn_release` do (lines 533-534, 654-655, 417-427). */
function unbindNode(context: EvtchnContext, port: number): Partial<EvtchnContext> {
  let env: EvtchnEnv = context.irqLayer.disableIrq(context.env, port);
  if (context.irqLayer.irqFromEvtchn(env, port) < 0) {
    return { env, bug: 'BUG_ON(irq < 0) in evtchn_unbind_from_user (line 422)' };
  }
  const r = context.irqLayer.unbindFromIrqhandler(env, context.hypervisor, port);
  env = r.env;
  const d = delEvtchn(context.evtchns, context.nrEvtchns, port, true, context.rbtree);
  const queued = countMap(context.ghost.queuedSinceEnable);
  const ghost = queued.has(port)
    ? { ...context.ghost, queuedSinceEnable: countView(queued.delete(port)) }
    : context.ghost;
  return {
    env,
    evtchns: d.tree,
    rbtree: d.shape,
    nrEvtchns: d.nrEvtchns,
    ghost,
    bug: r.rc !== 0 ? 'BUG() in xen_evtchn_close via unbind_from_irqhandler' : context.bug,
  };
}

/**
 * The context `evtchn_open` creates (lines 618-643): a fresh `per_user_data` on the given
 * environment, or on one made with the input's channel count (default 4096).
 */
function evtchnOpenContext(input: EvtchnInput | undefined): EvtchnContext {
  const env =
    input?.env ?? createEvtchnEnv(input?.nrChannels !== undefined ? { nrChannels: input.nrChannels } : {});
  return {
    name: `evtchn:${input?.comm ?? 'kspec'}`,
    restrictDomid: UNRESTRICTED_DOMID,
    nrEvtchns: 0,
    evtchns: emptyPortView(),
    rbtree: EMPTY_EVTCHN_RBTREE,
    orphans: [],
    ring: EMPTY_RING,
    nonblock: input?.nonblock ?? false,
    env,
    hypervisor: input?.hypervisor ?? inMemoryHypervisor,
    irqLayer: input?.irqLayer ?? inMemoryIrqLayer,
    bind: null,
    irqThread: null,
    reader: null,
    result: null,
    readResult: null,
    delivered: [],
    bug: null,
    ghost: INITIAL_GHOST,
  };
}

/**
 * The device machine: one open `/dev/xen/evtchn` file.
 * @category Machine
 */
export const evtchnDeviceMachine = setup({
  types: {} as { context: EvtchnContext; events: EvtchnEvent; input: EvtchnInput | undefined },
  guards: {
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
    portOutOfRange: ({ context, event }) =>
      argPort(event) >= context.irqLayer.xenEvtchnNrChannels(context.env),
    portNotBound: ({ context, event }) => findEvtchn(context.evtchns, argPort(event)) === undefined,
    domidInvalid: ({ event }) => {
      const e = ev(event, 'ioctl.restrictDomid');
      return (
        e.arg !== null && ((e.arg.domid & 0xffff) === 0 || (e.arg.domid & 0xffff) >= DOMID_FIRST_RESERVED)
      );
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
  },
  actions: {
    replyEacces: replyErrno('EACCES'),
    replyEfault: replyErrno('EFAULT'),
    replyEinval: replyErrno('EINVAL'),
    replyEnotconn: replyErrno('ENOTCONN'),
    replyEnosys: replyErrno('ENOSYS'),
    hypercallBindVirq: assign(({ context, event }) => {
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
    }),
    hypercallBindInterdomain: assign(({ context, event }) => {
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
    }),
    hypercallAllocUnbound: assign(({ context, event }) => {
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
    }),
    replyHypercallError: assign(({ context }) => ({
      result: reply(BIND_OP[(context.bind as PendingBind).kind], context.bind?.rc ?? 0),
      bind: null,
    })),
    replyKzallocEnomem: assign(({ context }) => ({
      env: takeFault(context.env, 'kzalloc').env,
      result: reply(BIND_OP[(context.bind as PendingBind).kind], linuxErr('ENOMEM')),
      ghost: { ...context.ghost, failedBindPort: context.bind?.port ?? null },
      bind: null,
    })),
    addEvtchn: assign(({ context }) => {
      const b = context.bind as PendingBind;
      const r = addEvtchn(
        context.evtchns,
        context.nrEvtchns,
        { port: b.port, enabled: true },
        context.rbtree,
      );
      return {
        evtchns: r.tree,
        rbtree: r.shape,
        nrEvtchns: r.nrEvtchns,
        bind: { ...b, linked: r.rc === 0, rc: r.rc },
      };
    }),
    resizeRing: assign(({ context }) => {
      const b = context.bind as PendingBind;
      const target = evtchnResizeTarget(context.nrEvtchns, context.ring.size);
      if (target === undefined) return { bind: { ...b, rc: 0 } };
      const f = takeFault(context.env, 'kvmalloc');
      if (f.errno) return { env: f.env, bind: { ...b, rc: linuxErr('ENOMEM') } };
      return { ring: evtchnResizeRing(context.ring, target), bind: { ...b, rc: 0 } };
    }),
    bindIrqHandler: assign(({ context }) => {
      const b = context.bind as PendingBind;
      const r = context.irqLayer.bindEvtchnToIrqhandlerLateeoi(context.env, context.hypervisor, b.port);
      return { env: r.env, bind: { ...b, rc: r.rc } };
    }),
    makeRefcounted: assign(({ context }) => {
      const b = context.bind as PendingBind;
      const r = context.irqLayer.evtchnMakeRefcounted(context.env, b.port);
      return { env: r.env, bind: { ...b, rc: r.rc } };
    }),
    replyBoundPort: assign(({ context }) => {
      const b = context.bind as PendingBind;
      const forbidden = isForbiddenBind(context, b);
      return {
        result: reply(BIND_OP[b.kind], b.port),
        bind: null,
        ghost: forbidden
          ? { ...context.ghost, forbiddenBinds: context.ghost.forbiddenBinds + 1 }
          : context.ghost,
      };
    }),
    replyRefcountErrorWithoutCleanup: assign(({ context }) => {
      const b = context.bind as PendingBind;
      return {
        result: reply(BIND_OP[b.kind], b.rc),
        bind: null,
        ghost: { ...context.ghost, failedBindPort: b.port },
      };
    }),
    closePortOnError: assign(({ context }) => {
      const b = context.bind as PendingBind;
      const r = context.hypervisor.close(context.env, b.port);
      return {
        env: r.env,
        bug:
          r.rc !== 0 ? `BUG() after EVTCHNOP_close(${b.port}) returned ${r.rc} (lines 411-412)` : context.bug,
      };
    }),
    delEvtchnOnError: assign(({ context }) => {
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
    }),
    unbindPort: assign(({ context, event }) => {
      const done = unbindNode(context, argPort(event));
      return { ...done, result: reply(event.type, 0), ghost: ghostAtIoctl(done.ghost ?? context.ghost) };
    }),
    notifyRemote: assign(({ context, event }) => ({
      env: context.irqLayer.notifyRemoteViaEvtchn(context.env, context.hypervisor, argPort(event)),
      result: reply(event.type, 0),
      ghost: ghostAtIoctl(context.ghost),
    })),
    resetRing: assign(({ context, event }) => ({
      ring: evtchnResetRing(context.ring),
      result: reply(event.type, 0),
      ghost: ghostAtIoctl(context.ghost),
    })),
    restrictDomid: assign(({ context, event }) => ({
      restrictDomid: (ev(event, 'ioctl.restrictDomid').arg as { domid: number }).domid & 0xffff,
      result: reply(event.type, 0),
      ghost: ghostAtIoctl(context.ghost),
    })),
    replyWriteEnomem: assign(({ context }) => ({
      env: takeFault(context.env, 'get_free_page').env,
      result: reply('write', linuxErr('ENOMEM')),
    })),
    replyWriteZero: assign({ result: reply('write', 0) }),
    replyWriteEfault: assign({ result: reply('write', linuxErr('EFAULT')) }),
    reenablePorts: assign(({ context, event }) => {
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
    }),
    replyPollMask: assign(({ context }) => ({ result: reply('poll', evtchnPollMask(context.ring)) })),
    replyReadZero: assign({ readResult: reply('read', 0), reader: null }),
    replyReadEfbig: assign({ readResult: reply('read', linuxErr('EFBIG')), reader: null }),
    replyReadEagain: assign({ readResult: reply('read', linuxErr('EAGAIN')), reader: null }),
    replyReadErestartsys: assign({ readResult: reply('read', linuxErr('ERESTARTSYS')), reader: null }),
    startRead: assign(({ context, event }) => ({
      reader: {
        count: evtchnRoundCount(ev(event, 'read').count),
        nonblock: context.nonblock,
        holding: false,
        c: 0,
        p: 0,
        faultAt: ev(event, 'read').faultAt ?? null,
      },
      readResult: null,
    })),
    snapshotConsProd: assign(({ context }) => ({
      reader: {
        ...(context.reader as NonNullable<EvtchnContext['reader']>),
        holding: true,
        c: context.ring.cons,
        p: context.ring.prod,
      },
    })),
    copyAndConsume: assign(({ context }) => {
      const r = context.reader as NonNullable<EvtchnContext['reader']>;
      const copy = evtchnReadCopy(context.ring, r.c, r.p, r.count);
      return {
        ring: { ...context.ring, cons: copy.cons },
        reader: null,
        readResult: { op: 'read', rc: copy.bytes, ports: copy.ports },
        ghost: { ...context.ghost, readNotWritten: addPorts(context.ghost.readNotWritten, copy.ports) },
      };
    }),
    replyReadEfault: assign(({ context }) => {
      // rc = -EFAULT; goto unlock_out (lines 252-257): ring_cons is not advanced. When the second
      // copy faults, the first chunk's ports are in the user buffer all the same.
      const r = context.reader as NonNullable<EvtchnContext['reader']>;
      const chunks = evtchnReadChunks(r.c, r.p, context.ring.size, r.count);
      const written =
        evtchnReadFault(chunks, r.faultAt) === 'secondChunk'
          ? evtchnReadCopy(context.ring, r.c, r.p, chunks.bytes1).ports
          : [];
      return { reader: null, readResult: { op: 'read', rc: linuxErr('EFAULT'), ports: [], written } };
    }),
    wakeUpInterruptible: raise({ type: 'reader.wake' }),
    // Plain guarded transitions, not enqueueActions: the array enqueueActions collects actions
    // in is an array literal inside xstate, and once V8 pretenures it (old generation), each
    // step's dead array keeps that step's new context alive through minor GCs: most of a
    // raise()'s cost was that garbage collection.
    upcall: assign(({ context, event }) => {
      const { update } = upcallOutcome(context, event);
      lastUpcall = null;
      return update;
    }),
    interruptWhole: assign(({ context, event }) => {
      const port = ev(event, 'irq.interrupt').port;
      const entered = { ...context, ...enterHandler(context, port) };
      const snap = { prod: context.ring.prod, cons: context.ring.cons };
      return {
        env: entered.env,
        evtchns: entered.evtchns,
        orphans: entered.orphans,
        ...pushFromSnapshot(entered, port, snap),
      };
    }),
    enterIrqHandler: assign(({ context, event }) => {
      const port = ev(event, 'irq.enter').port;
      return { ...enterHandler(context, port), irqThread: { port, snap: null } };
    }),
    snapshotProdCons: assign(({ context }) => ({
      irqThread: {
        port: context.irqThread?.port ?? 0,
        snap: { prod: context.ring.prod, cons: context.ring.cons },
      },
    })),
    pushPort: assign(({ context }) => {
      const t = context.irqThread as NonNullable<EvtchnContext['irqThread']>;
      return pushFromSnapshot(context, t.port, t.snap as { prod: number; cons: number });
    }),
    setOverflow: assign(({ context }) => ({ ring: { ...context.ring, overflow: true }, irqThread: null })),
    releaseFile: assign(({ context }) => {
      let ctx = context;
      // while ((node = u->evtchns.rb_node)) { disable_irq; evtchn_unbind_from_user; }: the root
      // each time, as rb_erase's rebalancing leaves it (not port order).
      while (ctx.rbtree.root !== RB_NIL && ctx.bug === null) {
        ctx = { ...ctx, ...unbindNode(ctx, ctx.rbtree.root) };
      }
      return { ...ctx, ring: EMPTY_RING, result: reply('release', 0) };
    }),
    hvRaise: assign(({ context, event }) => ({
      env: context.hypervisor.raise(context.env, ev(event, 'hv.raise').port),
    })),
    hvOffer: assign(({ context, event }) => ({
      env: offerRemotePort(context.env, ev(event, 'hv.offer').domid).env,
    })),
    armFault: assign(({ context, event }) => {
      const e = ev(event, 'env.fail');
      return {
        env: armFault(context.env, e.op, e.errno),
        ghost: { ...context.ghost, armed: context.ghost.armed + 1 },
      };
    }),
    armReuse: assign(({ context, event }) => ({
      env: armPortReuse(context.env, ev(event, 'env.reuse').port),
      ghost: { ...context.ghost, armed: context.ghost.armed + 1 },
    })),
  },
}).createMachine({
  id: 'evtchnDevice',
  meta: source('evtchn_open', 618, 643),
  context: ({ input }) => evtchnOpenContext(input),
  initial: 'open',
  on: {
    'hv.raise': { actions: 'hvRaise', meta: source('evtchn_interrupt', 161, 193) },
    'hv.offer': { actions: 'hvOffer', meta: source('evtchn_ioctl', 465, 489) },
    'env.fail': { actions: 'armFault', meta: source('evtchn_bind_to_user', 369, 415) },
    'env.reuse': { actions: 'armReuse', meta: source('evtchn_bind_to_user', 375, 382) },
  },
  states: {
    open: {
      meta: source('evtchn_open', 632, 642),
      type: 'parallel',
      always: { guard: 'hasHitBug', target: 'crashed', meta: source('evtchn_bind_to_user', 411, 412) },
      on: {
        release: {
          guard: 'threadsIdle',
          target: 'releasing',
          actions: 'releaseFile',
          meta: source('evtchn_release', 645, 663),
        },
      },
      states: {
        control: {
          meta: source('evtchn_ioctl', 429, 597),
          initial: 'ready',
          states: {
            ready: {
              meta: source('evtchn_ioctl', 436, 437),
              on: {
                'ioctl.bindVirq': [
                  { guard: 'isRestricted', actions: 'replyEacces', meta: source('evtchn_ioctl', 444, 446) },
                  { guard: 'argFaulted', actions: 'replyEfault', meta: source('evtchn_ioctl', 448, 450) },
                  {
                    guard: 'ringLocksFree',
                    target: 'bindHypercallDone',
                    actions: 'hypercallBindVirq',
                    meta: source('evtchn_ioctl', 452, 455),
                  },
                ],
                'ioctl.bindInterdomain': [
                  { guard: 'argFaulted', actions: 'replyEfault', meta: source('evtchn_ioctl', 469, 471) },
                  {
                    guard: 'isRestrictedToOtherDomain',
                    actions: 'replyEacces',
                    meta: source('evtchn_ioctl', 473, 476),
                  },
                  {
                    guard: 'ringLocksFree',
                    target: 'bindHypercallDone',
                    actions: 'hypercallBindInterdomain',
                    meta: source('evtchn_ioctl', 478, 481),
                  },
                ],
                'ioctl.bindUnboundPort': [
                  { guard: 'isRestricted', actions: 'replyEacces', meta: source('evtchn_ioctl', 495, 497) },
                  { guard: 'argFaulted', actions: 'replyEfault', meta: source('evtchn_ioctl', 499, 501) },
                  {
                    guard: 'ringLocksFree',
                    target: 'bindHypercallDone',
                    actions: 'hypercallAllocUnbound',
                    meta: source('evtchn_ioctl', 503, 506),
                  },
                ],
                'ioctl.unbind': [
                  { guard: 'argFaulted', actions: 'replyEfault', meta: source('evtchn_ioctl', 520, 522) },
                  { guard: 'portOutOfRange', actions: 'replyEinval', meta: source('evtchn_ioctl', 524, 526) },
                  { guard: 'portNotBound', actions: 'replyEnotconn', meta: source('evtchn_ioctl', 528, 531) },
                  { guard: 'handlerIdle', actions: 'unbindPort', meta: source('evtchn_ioctl', 533, 536) },
                ],
                'ioctl.notify': [
                  { guard: 'argFaulted', actions: 'replyEfault', meta: source('evtchn_ioctl', 543, 545) },
                  { guard: 'portNotBound', actions: 'replyEnotconn', meta: source('evtchn_ioctl', 547, 549) },
                  { actions: 'notifyRemote', meta: source('evtchn_ioctl', 550, 551) },
                ],
                'ioctl.reset': {
                  guard: 'ringLocksFree',
                  actions: 'resetRing',
                  meta: source('evtchn_ioctl', 556, 566),
                },
                'ioctl.restrictDomid': [
                  { guard: 'isRestricted', actions: 'replyEacces', meta: source('evtchn_ioctl', 572, 574) },
                  { guard: 'argFaulted', actions: 'replyEfault', meta: source('evtchn_ioctl', 576, 578) },
                  { guard: 'domidInvalid', actions: 'replyEinval', meta: source('evtchn_ioctl', 580, 582) },
                  { actions: 'restrictDomid', meta: source('evtchn_ioctl', 584, 585) },
                ],
                'ioctl.unknown': { actions: 'replyEnosys', meta: source('evtchn_ioctl', 590, 592) },
                write: [
                  {
                    guard: 'pageAllocFails',
                    actions: 'replyWriteEnomem',
                    meta: source('evtchn_write', 271, 275),
                  },
                  {
                    guard: 'writeCountRoundsToZero',
                    actions: 'replyWriteZero',
                    meta: source('evtchn_write', 277, 282),
                  },
                  {
                    guard: 'writeArgFaulted',
                    actions: 'replyWriteEfault',
                    meta: source('evtchn_write', 287, 289),
                  },
                  { actions: 'reenablePorts', meta: source('evtchn_write', 291, 306) },
                ],
                poll: { actions: 'replyPollMask', meta: source('evtchn_poll', 599, 610) },
              },
            },
            bindHypercallDone: {
              meta: source('evtchn_ioctl', 456, 457),
              always: [
                {
                  guard: 'hypercallFailed',
                  target: 'ready',
                  actions: 'replyHypercallError',
                  meta: source('evtchn_ioctl', 456, 457),
                },
                { target: 'bindingToUser', meta: source('evtchn_ioctl', 459, 461) },
              ],
            },
            bindingToUser: {
              meta: source('evtchn_bind_to_user', 369, 415),
              initial: 'allocatingEvtchn',
              states: {
                allocatingEvtchn: {
                  meta: source('evtchn_bind_to_user', 384, 390),
                  always: [
                    {
                      guard: 'kzallocFails',
                      target: '#evtchnDevice.open.control.ready',
                      actions: 'replyKzallocEnomem',
                      meta: source('evtchn_bind_to_user', 384, 386),
                    },
                    {
                      target: 'addingEvtchn',
                      actions: 'addEvtchn',
                      meta: source('evtchn_bind_to_user', 388, 392),
                    },
                  ],
                },
                addingEvtchn: {
                  meta: source('add_evtchn', 107, 132),
                  always: [
                    {
                      guard: 'addFailed',
                      target: 'closingOnError',
                      actions: 'closePortOnError',
                      meta: source('evtchn_bind_to_user', 393, 394),
                    },
                    {
                      target: 'resizingRing',
                      actions: 'resizeRing',
                      meta: source('evtchn_bind_to_user', 396, 396),
                    },
                  ],
                },
                resizingRing: {
                  meta: source('evtchn_resize_ring', 313, 367),
                  always: [
                    {
                      guard: 'resizeFailed',
                      target: 'closingOnError',
                      actions: 'closePortOnError',
                      meta: source('evtchn_bind_to_user', 397, 398),
                    },
                    {
                      target: 'bindingIrq',
                      actions: 'bindIrqHandler',
                      meta: source('evtchn_bind_to_user', 400, 401),
                    },
                  ],
                },
                bindingIrq: {
                  meta: source('evtchn_bind_to_user', 400, 403),
                  always: [
                    {
                      guard: 'irqBindFailed',
                      target: 'closingOnError',
                      actions: 'closePortOnError',
                      meta: source('evtchn_bind_to_user', 402, 403),
                    },
                    {
                      target: 'makingRefcounted',
                      actions: 'makeRefcounted',
                      meta: source('evtchn_bind_to_user', 405, 405),
                    },
                  ],
                },
                makingRefcounted: {
                  meta: source('evtchn_bind_to_user', 405, 406),
                  always: [
                    {
                      guard: 'refcountFailed',
                      target: '#evtchnDevice.open.control.ready',
                      actions: 'replyRefcountErrorWithoutCleanup',
                      meta: source('evtchn_bind_to_user', 405, 406),
                    },
                    {
                      target: '#evtchnDevice.open.control.ready',
                      actions: 'replyBoundPort',
                      meta: source('evtchn_ioctl', 459, 462),
                    },
                  ],
                },
                closingOnError: {
                  meta: source('evtchn_bind_to_user', 408, 414),
                  always: {
                    guard: 'closeSucceeded',
                    target: '#evtchnDevice.open.control.ready',
                    actions: 'delEvtchnOnError',
                    meta: source('evtchn_bind_to_user', 413, 414),
                  },
                },
              },
            },
          },
        },
        reader: {
          meta: source('evtchn_read', 195, 265),
          initial: 'idle',
          states: {
            idle: {
              meta: source('evtchn_read', 195, 200),
              on: {
                read: [
                  {
                    guard: 'readCountRoundsToZero',
                    actions: 'replyReadZero',
                    meta: source('evtchn_read', 202, 206),
                  },
                  {
                    guard: 'ringOverflowed',
                    actions: ['startRead', 'replyReadEfbig'],
                    meta: source('evtchn_read', 212, 216),
                  },
                  {
                    guard: 'ringNonEmpty',
                    target: 'holdingConsMutex',
                    actions: ['startRead', 'snapshotConsProd'],
                    meta: source('evtchn_read', 218, 221),
                  },
                  {
                    guard: 'isNonblocking',
                    actions: ['startRead', 'replyReadEagain'],
                    meta: source('evtchn_read', 223, 226),
                  },
                  { target: 'asleep', actions: 'startRead', meta: source('evtchn_read', 228, 229) },
                ],
              },
            },
            asleep: {
              meta: source('evtchn_read', 228, 229),
              on: {
                'reader.wake': { target: 'woken', meta: source('evtchn_interrupt', 182, 186) },
                'read.signal': {
                  target: 'idle',
                  actions: 'replyReadErestartsys',
                  meta: source('evtchn_read', 230, 231),
                },
              },
            },
            woken: {
              meta: source('evtchn_read', 228, 232),
              on: {
                'read.retry': [
                  {
                    guard: 'ringOverflowed',
                    target: 'idle',
                    actions: 'replyReadEfbig',
                    meta: source('evtchn_read', 212, 216),
                  },
                  {
                    guard: 'ringNonEmpty',
                    target: 'holdingConsMutex',
                    actions: 'snapshotConsProd',
                    meta: source('evtchn_read', 218, 221),
                  },
                  { target: 'asleep', meta: source('evtchn_read', 228, 229) },
                ],
                'read.signal': {
                  target: 'idle',
                  actions: 'replyReadErestartsys',
                  meta: source('evtchn_read', 230, 231),
                },
              },
            },
            holdingConsMutex: {
              meta: source('evtchn_read', 234, 263),
              on: {
                'read.copy': [
                  {
                    guard: 'firstCopyToUserFaults',
                    target: 'idle',
                    actions: 'replyReadEfault',
                    meta: source('evtchn_read', 252, 257),
                  },
                  {
                    guard: 'secondCopyToUserFaults',
                    target: 'idle',
                    actions: 'replyReadEfault',
                    meta: source('evtchn_read', 255, 257),
                  },
                  {
                    target: 'idle',
                    actions: 'copyAndConsume',
                    meta: source('evtchn_read', 234, 264),
                  },
                ],
              },
            },
          },
        },
        irq: {
          meta: source('evtchn_interrupt', 161, 193),
          initial: 'idle',
          states: {
            idle: {
              meta: source('evtchn_interrupt', 161, 165),
              on: {
                'irq.interrupt': [
                  {
                    guard: 'deliverableIntoEmptyRing',
                    actions: ['interruptWhole', 'wakeUpInterruptible'],
                    meta: source('evtchn_interrupt', 167, 186),
                  },
                  {
                    guard: 'deliverableWithRoom',
                    actions: 'interruptWhole',
                    meta: source('evtchn_interrupt', 167, 181),
                  },
                  {
                    guard: 'isDeliverable',
                    actions: 'interruptWhole',
                    meta: source('evtchn_interrupt', 167, 188),
                  },
                ],
                'irq.upcall': [
                  {
                    guard: 'upcallWakesReader',
                    actions: ['upcall', 'wakeUpInterruptible'],
                    meta: source('evtchn_interrupt', 161, 193),
                  },
                  { actions: 'upcall', meta: source('evtchn_interrupt', 161, 193) },
                ],
                'irq.enter': {
                  guard: 'isDeliverable',
                  target: 'enabledCleared',
                  actions: 'enterIrqHandler',
                  meta: source('evtchn_interrupt', 167, 171),
                },
              },
            },
            enabledCleared: {
              meta: source('evtchn_interrupt', 171, 173),
              on: {
                'irq.lock': {
                  target: 'holdingProdLock',
                  actions: 'snapshotProdCons',
                  meta: source('evtchn_interrupt', 173, 176),
                },
              },
            },
            holdingProdLock: {
              meta: source('evtchn_interrupt', 175, 190),
              on: {
                'irq.push': [
                  {
                    guard: 'snapshotWasEmpty',
                    target: 'idle',
                    actions: ['pushPort', 'wakeUpInterruptible'],
                    meta: source('evtchn_interrupt', 178, 186),
                  },
                  {
                    guard: 'snapshotHasRoom',
                    target: 'idle',
                    actions: 'pushPort',
                    meta: source('evtchn_interrupt', 178, 181),
                  },
                  { target: 'idle', actions: 'setOverflow', meta: source('evtchn_interrupt', 187, 190) },
                ],
              },
            },
          },
        },
      },
    },
    releasing: {
      meta: source('evtchn_release', 650, 656),
      always: [
        { guard: 'hasHitBug', target: 'crashed', meta: source('evtchn_unbind_from_user', 420, 424) },
        { target: 'released', meta: source('evtchn_release', 658, 662) },
      ],
    },
    released: { meta: source('evtchn_release', 658, 662), type: 'final' },
    crashed: { meta: source('evtchn_bind_to_user', 411, 412), type: 'final' },
  },
});

/** Context of {@link evtchnBindingMachine}. @category Machine */
export interface EvtchnBindingContext {
  readonly port: number;
  /** `WARN(!evtchn->enabled)` hits. */
  readonly warnings: number;
  /** Interrupts taken (pushed or dropped on overflow). */
  readonly interrupts: number;
  /** Late EOIs issued by `write()`. */
  readonly lateEois: number;
}

/** Events of {@link evtchnBindingMachine}. @category Machine */
export type EvtchnBindingEvent = { type: 'irq.handle' } | { type: 'write.reenable' } | { type: 'unbind' };

/**
 * The lifecycle of one bound port (`struct user_evtchn`, lines 83-88), spawned per binding
 * by the facade: `enabled` after `evtchn_bind_to_user` (line 390), `disabled` once its
 * interrupt ran (line 171: the port is queued, or dropped on overflow, and the channel stays
 * masked awaiting late EOI), back to `enabled` when `write()` names it (lines 298-300), and
 * `unbound` (IOCTL_EVTCHN_UNBIND or release).
 * @category Machine
 */
export const evtchnBindingMachine = setup({
  types: {} as { context: EvtchnBindingContext; events: EvtchnBindingEvent; input: { port: number } },
  actions: {
    countInterrupt: assign(({ context }) => ({ interrupts: context.interrupts + 1 })),
    warnNotEnabled: assign(({ context }) => ({
      warnings: context.warnings + 1,
      interrupts: context.interrupts + 1,
    })),
    lateEoi: assign(({ context }) => ({ lateEois: context.lateEois + 1 })),
  },
}).createMachine({
  id: 'evtchnBinding',
  meta: source('evtchn_bind_to_user', 384, 406),
  context: ({ input }) => ({ port: input.port, warnings: 0, interrupts: 0, lateEois: 0 }),
  initial: 'enabled',
  states: {
    enabled: {
      meta: source('evtchn_bind_to_user', 390, 390),
      on: {
        'irq.handle': {
          target: 'disabled',
          actions: 'countInterrupt',
          meta: source('evtchn_interrupt', 171, 171),
        },
        unbind: { target: 'unbound', meta: source('evtchn_unbind_from_user', 417, 427) },
      },
    },
    disabled: {
      meta: source('evtchn_interrupt', 171, 188),
      on: {
        'irq.handle': { actions: 'warnNotEnabled', meta: source('evtchn_interrupt', 167, 171) },
        'write.reenable': { target: 'enabled', actions: 'lateEoi', meta: source('evtchn_write', 298, 300) },
        unbind: { target: 'unbound', meta: source('evtchn_unbind_from_user', 417, 427) },
      },
    },
    unbound: { meta: source('evtchn_unbind_from_user', 424, 426), type: 'final' },
  },
});

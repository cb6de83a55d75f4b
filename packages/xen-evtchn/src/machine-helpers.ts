/**
 * The pure helpers of the evtchn device machine (`machine.ts`): what the guards and actions
 * compute from a context — argument decoding, the reply values of `evtchn_ioctl`, the handler's
 * split steps, the upcall batch of the irq layer, unbinding a node, the context `evtchn_open`
 * builds. No XState here: every function is a plain function of the context and event, so the
 * machine file holds only the chart.
 *
 * @module
 */
import { assign } from 'xstate';
import { linuxErr, src } from '@kspec/spec-kit';
import type { LinuxErrnoName } from '@kspec/spec-kit';
import {
  EMPTY_RING,
  UNRESTRICTED_DOMID,
  delEvtchn,
  EvtchnRingBatch,
  evtchnInterruptPush,
  evtchnReadChunks,
  evtchnReadFault,
  findEvtchn,
  setEvtchnEnabled,
  type ReadFault,
  type UserEvtchn,
} from './model.js';
import { EMPTY_EVTCHN_RBTREE } from './rbtree.js';
import {
  createEvtchnEnv,
  inMemoryHypervisor,
  inMemoryIrqLayer,
  inMemoryUpcall,
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
export const source = (fn: string, first: number, last: number = first) => ({
  source: src(SEED, fn, first, last),
});

export type Ev<T extends EvtchnEvent['type']> = Extract<EvtchnEvent, { type: T }>;
export const ev = <T extends EvtchnEvent['type']>(e: EvtchnEvent, _t: T): Ev<T> => e as Ev<T>;
export type Args = { context: EvtchnContext; event: EvtchnEvent };

export const INITIAL_GHOST: EvtchnGhost = {
  warnings: 0,
  forbiddenBinds: 0,
  failedBindPort: null,
  queuedSinceEnable: emptyPortView(),
  readNotWritten: emptyPortView(),
  armed: 0,
};

/** Whether `event` carries a faulting user argument (`copy_from_user` fails). */
export function argFaulted({ event }: Args): boolean {
  return 'arg' in event && event.arg === null;
}

export function argPort(event: EvtchnEvent): number {
  return 'arg' in event && event.arg !== null && 'port' in event.arg ? event.arg.port >>> 0 : -1;
}

/** The `user_evtchn` the irq layer passes to the handler for `port` (in the tree or orphaned). */
export function handlerData(context: EvtchnContext, port: number): UserEvtchn | undefined {
  return findEvtchn(context.evtchns, port) ?? context.orphans.find((e) => e.port === port);
}

export function isDeliverable(context: EvtchnContext, port: number): boolean {
  return (
    handlerData(context, port) !== undefined &&
    context.irqLayer.isDeliverable(context.env, context.hypervisor, port)
  );
}

/** Which `copy_to_user` of the reader's copy faults (lines 254-257), from its snapshot. */
export function readFaultOf(context: EvtchnContext): ReadFault {
  const r = context.reader;
  if (r === null || r.faultAt === null) return null;
  return evtchnReadFault(evtchnReadChunks(r.c, r.p, context.ring.size, r.count), r.faultAt);
}

/** Neither `ring_cons_mutex` (a reader between snapshot and copy) nor `ring_prod_lock` (a handler between snapshot and push) is held. */
export function ringLocksFree(context: EvtchnContext): boolean {
  return !(context.reader?.holding ?? false) && !(context.irqThread?.snap ?? null);
}

export const BIND_OP = {
  virq: 'ioctl.bindVirq',
  interdomain: 'ioctl.bindInterdomain',
  unbound: 'ioctl.bindUnboundPort',
} as const;

export function reply(op: string, rc: number): EvtchnContext['result'] {
  return { op, rc };
}

/** Clear the per-ioctl ghost observation at the start of every ioctl. */
export function ghostAtIoctl(g: EvtchnGhost): EvtchnGhost {
  return g.failedBindPort === null ? g : { ...g, failedBindPort: null };
}

/** The ioctl returns `-errno` (the `rc = -E...; break;` paths of evtchn_ioctl, 429-597). */
export function replyErrno(name: LinuxErrnoName) {
  return assign<EvtchnContext, EvtchnEvent, undefined, EvtchnEvent, never>(({ context, event }) => ({
    result: reply(event.type, linuxErr(name)),
    ghost: ghostAtIoctl(context.ghost),
  }));
}

export function bumpQueued(g: EvtchnGhost, port: number): EvtchnGhost {
  const queued = countMap(g.queuedSinceEnable);
  return { ...g, queuedSinceEnable: countView(queued.set(port, (queued.get(port) ?? 0) + 1)) };
}

export function isForbiddenBind(context: EvtchnContext, b: PendingBind): boolean {
  if (context.restrictDomid === UNRESTRICTED_DOMID) return false;
  return b.kind !== 'interdomain' || b.remoteDom !== context.restrictDomid;
}

/** The handler's step 1 (lines 167-171) on the context: deliver, WARN, `enabled = false`. */
export function enterHandler(context: EvtchnContext, port: number): Partial<EvtchnContext> {
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
export function pushFromSnapshot(context: EvtchnContext, port: number, snap: { prod: number; cons: number }) {
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
export class UpcallBatch implements UpcallTarget {
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

export function upcallOutcome(
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

/** The upcall's context update, consuming the cached outcome (the guard computed it first). */
export function takeUpcallUpdate(context: EvtchnContext, event: EvtchnEvent): Partial<EvtchnContext> {
  const { update } = upcallOutcome(context, event);
  lastUpcall = null;
  return update;
}

export function isOrphan(orphans: readonly UserEvtchn[], port: number): boolean {
  return orphans.some((o) => o.port === port);
}

/** `ports` added to the set of ports read and not written back (the ghost's `readNotWritten`). */
export function addPorts(set: readonly number[], ports: readonly number[]): readonly number[] {
  if (ports.length === 0) return set;
  const e = portSetMap(set).edit();
  for (const p of ports) e.set(p, true);
  return portSetView(e.done());
}

/** Unbinds one node as `IOCTL_EVTCHN_UNBIND` and `evtchn_release` do (lines 533-534, 654-655, 417-427). */
export function unbindNode(context: EvtchnContext, port: number): Partial<EvtchnContext> {
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
export function evtchnOpenContext(input: EvtchnInput | undefined): EvtchnContext {
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

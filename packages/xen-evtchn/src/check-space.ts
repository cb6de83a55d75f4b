/**
 * The state space of the evtchn device model as the checker sees it: the bounds of one
 * exploration scope, the bounded alphabet offered in each snapshot, the canonical projection
 * of a snapshot (what two states must agree on to be the same state) and its compact binary
 * encoding into the checker's key writer.
 *
 * @module
 */
import type { KeyWriter } from '@kspec/spec-kit';
import type { BindKind, EvtchnEvent } from './context.js';
import { EVTCHN_PORT_BYTES, evtchnRingQueued, UNRESTRICTED_DOMID } from './model.js';
import type { EvtchnEnv, FaultOp, HypervisorState, IrqLayerState } from './ports.js';
import { rbShape } from './rbtree.js';
import type { EvtchnSnapshot } from './invariants.js';

/**
 * The bounds of one exploration scope.
 * @category Checking
 */
export interface EvtchnScope {
  /** Bind ioctls stop being offered once this many ports are bound. */
  readonly maxBound: number;
  readonly bindKinds: readonly BindKind[];
  /** Faults the environment may arm (each event arms one). */
  readonly faults: readonly { readonly op: FaultOp; readonly errno: number }[];
  /** The hypervisor may hand out a bound port again. */
  readonly reuse: boolean;
  /** At most this many faults and reuses in one run. */
  readonly maxArmed: number;
  /** Handler and reader as split steps (interleavings) instead of whole steps. */
  readonly split: boolean;
  /** Read count in bytes (0: no reads). */
  readonly readCount: number;
  /** Reads whose user buffer faults from these bytes on are offered too (`copy_to_user`, 252-257). */
  readonly readFaultAt?: readonly number[];
  readonly writes: 'wellBehaved' | 'blind' | 'none';
  readonly unbind: boolean;
  readonly reset: boolean;
  readonly restrict: boolean;
  readonly release: boolean;
}

const BIND_EVENT: Record<BindKind, EvtchnEvent> = {
  unbound: { type: 'ioctl.bindUnboundPort', arg: { remoteDomain: 1 } },
  virq: { type: 'ioctl.bindVirq', arg: { virq: 0 } },
  interdomain: { type: 'ioctl.bindInterdomain', arg: { remoteDomain: 1, remotePort: 1 } },
};

/**
 * The bounded alphabet of a scope: the events the checker may send in a state.
 * @category Checking
 */
export function evtchnAlphabet(scope: EvtchnScope): (s: EvtchnSnapshot) => EvtchnEvent[] {
  return (s) => {
    if (s.status !== 'active') return [];
    const c = s.context;
    const out: EvtchnEvent[] = [];
    const bound = c.evtchns.map((e) => e.port);
    if (c.nrEvtchns < scope.maxBound) for (const k of scope.bindKinds) out.push(BIND_EVENT[k]);
    if (scope.bindKinds.includes('interdomain') && c.env.hv.domains.every((d) => d.offers.length === 0)) {
      out.push({ type: 'hv.offer', domid: 1 });
    }
    if (scope.unbind) for (const port of bound) out.push({ type: 'ioctl.unbind', arg: { port } });
    if (scope.reset) out.push({ type: 'ioctl.reset' });
    if (scope.restrict && c.restrictDomid === UNRESTRICTED_DOMID)
      out.push({ type: 'ioctl.restrictDomid', arg: { domid: 1 } });
    const writable =
      scope.writes === 'blind'
        ? bound
        : scope.writes === 'wellBehaved'
          ? [...new Set(c.ghost.readNotWritten)].sort((a, b) => a - b)
          : [];
    for (const port of writable) out.push({ type: 'write', count: EVTCHN_PORT_BYTES, ports: [port] });
    if (scope.readCount > 0) {
      out.push({ type: 'read', count: scope.readCount }, { type: 'read.copy' }, { type: 'read.retry' });
      for (const faultAt of scope.readFaultAt ?? [])
        out.push({ type: 'read', count: scope.readCount, faultAt });
    }
    for (const ch of c.env.hv.channels) if (!ch.pending) out.push({ type: 'hv.raise', port: ch.port });
    const handlers = [...bound, ...c.orphans.map((o) => o.port)];
    if (scope.split) {
      for (const port of handlers) out.push({ type: 'irq.enter', port });
      out.push({ type: 'irq.lock' }, { type: 'irq.push' });
    } else {
      for (const port of handlers) out.push({ type: 'irq.interrupt', port });
    }
    if (c.ghost.armed < scope.maxArmed) {
      for (const f of scope.faults) out.push({ type: 'env.fail', op: f.op, errno: f.errno });
      if (scope.reuse) for (const port of bound) out.push({ type: 'env.reuse', port });
    }
    if (scope.release) out.push({ type: 'release' });
    return out;
  };
}

/**
 * The canonical state key: everything that decides behaviour and the invariants (the live ring
 * window rather than all slots; no return values, no notification counters, no WARN count).
 * @category Checking
 */
export function evtchnProject(s: EvtchnSnapshot): unknown {
  const c = s.context;
  const g = c.ghost;
  return [
    c.restrictDomid,
    c.nrEvtchns,
    c.evtchns.map((e) => (e.enabled ? e.port : -e.port)),
    // the tree's shape decides the order evtchn_release unbinds in (lines 650-656)
    rbShape(c.rbtree),
    c.orphans.map((e) => (e.enabled ? e.port : -e.port)),
    [c.ring.size, c.ring.cons, c.ring.prod, c.ring.overflow ? 1 : 0, evtchnRingQueued(c.ring)],
    c.env.hv.channels.map((h) => [
      h.port,
      h.kind,
      h.remoteDom,
      h.remotePort,
      h.pending ? 1 : 0,
      h.masked ? 1 : 0,
    ]),
    c.env.hv.nextPort,
    c.env.hv.domains.map((d) => [d.domid, d.nextPort, d.offers]),
    c.env.hv.reuse,
    c.env.faults.map((f) => [f.op, f.errno]),
    c.env.irq.bindings.map((b) => [b.port, b.refcnt, b.disabled ? 1 : 0]),
    c.irqThread ? [c.irqThread.port, c.irqThread.snap?.prod ?? -1, c.irqThread.snap?.cons ?? -1] : 0,
    c.reader ? [c.reader.count, c.reader.holding ? 1 : 0, c.reader.c, c.reader.p, c.reader.faultAt] : 0,
    c.bug === null ? 0 : 1,
    [
      g.forbiddenBinds,
      g.failedBindPort,
      g.queuedSinceEnable.map((q) => [q.port, q.n]),
      [...new Set(g.readNotWritten)].sort((a, b) => a - b),
      g.armed,
    ],
  ];
}

const writePortList = (list: readonly { port: number; enabled: boolean }[], w: KeyWriter): void => {
  w.num(list.length);
  for (const e of list) w.num(e.enabled ? e.port : -e.port);
};
const writeNumList = (list: readonly number[], w: KeyWriter): void => {
  w.num(list.length);
  for (const n of list) w.num(n);
};
const writeRbShape = (t: EvtchnSnapshot['context']['rbtree'], w: KeyWriter): void => w.str(rbShape(t));
const writeRing = (r: EvtchnSnapshot['context']['ring'], w: KeyWriter): void => {
  w.num(r.size);
  w.num(r.cons);
  w.num(r.prod);
  w.bool(r.overflow);
  writeNumList(evtchnRingQueued(r), w);
};
const writeChannels = (channels: HypervisorState['channels'], w: KeyWriter): void => {
  w.num(channels.length);
  for (const h of channels) {
    w.num(h.port);
    w.str(h.kind);
    w.num(h.remoteDom);
    w.num(h.remotePort);
    w.bool(h.pending);
    w.bool(h.masked);
  }
};
const writeDomains = (domains: HypervisorState['domains'], w: KeyWriter): void => {
  w.num(domains.length);
  for (const d of domains) {
    w.num(d.domid);
    w.num(d.nextPort);
    writeNumList(d.offers, w);
  }
};
const writeHv = (hv: HypervisorState, w: KeyWriter): void => {
  w.memo(hv.channels, writeChannels);
  w.num(hv.nextPort);
  w.memo(hv.domains, writeDomains);
  w.memo(hv.reuse, writeNumList);
};
const writeFaults = (faults: EvtchnEnv['faults'], w: KeyWriter): void => {
  w.num(faults.length);
  for (const f of faults) {
    w.str(f.op);
    w.num(f.errno);
  }
};
const writeIrq = (irq: IrqLayerState, w: KeyWriter): void => {
  w.num(irq.bindings.length);
  for (const b of irq.bindings) {
    w.num(b.port);
    w.num(b.refcnt);
    w.bool(b.disabled);
  }
};
const writeGhost = (g: EvtchnSnapshot['context']['ghost'], w: KeyWriter): void => {
  w.num(g.forbiddenBinds);
  w.numOrNull(g.failedBindPort);
  w.num(g.queuedSinceEnable.length);
  for (const q of g.queuedSinceEnable) {
    w.num(q.port);
    w.num(q.n);
  }
  writeNumList(
    [...new Set(g.readNotWritten)].sort((a, b) => a - b),
    w,
  );
  w.num(g.armed);
};

/**
 * {@link evtchnProject} as compact binary for the checker: the same fields in the same order,
 * each unchanged part (port lists, ring, hypervisor, irq layer, faults, ghost) written once per
 * object and replayed from the checker's memo while a step leaves it alone.
 * @category Checking
 */
export function evtchnEncode(s: EvtchnSnapshot, w: KeyWriter): void {
  const c = s.context;
  w.num(c.restrictDomid);
  w.num(c.nrEvtchns);
  w.memo(c.evtchns, writePortList);
  w.memo(c.rbtree, writeRbShape);
  w.memo(c.orphans, writePortList);
  w.memo(c.ring, writeRing);
  w.memo(c.env.hv, writeHv);
  w.memo(c.env.faults, writeFaults);
  w.memo(c.env.irq, writeIrq);
  const t = c.irqThread;
  w.bool(t !== null);
  if (t) {
    w.num(t.port);
    w.num(t.snap?.prod ?? -1);
    w.num(t.snap?.cons ?? -1);
  }
  const r = c.reader;
  w.bool(r !== null);
  if (r) {
    w.num(r.count);
    w.bool(r.holding);
    w.num(r.c);
    w.num(r.p);
    w.numOrNull(r.faultAt);
  }
  w.bool(c.bug !== null);
  w.memo(c.ghost, writeGhost);
}

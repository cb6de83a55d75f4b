/**
 * The environment `evtchn.c` talks to, as ports: the Xen hypervisor
 * (`HYPERVISOR_event_channel_op` and the hypervisor side that raises events), the Linux irq
 * layer of `drivers/xen/events` (`bind_evtchn_to_irqhandler_lateeoi`, `evtchn_make_refcounted`,
 * `unbind_from_irqhandler`, `disable_irq`, `xen_irq_lateeoi`, `notify_remote_via_evtchn`) and
 * kernel memory (`kzalloc`, `kvmalloc_array`, `__get_free_page`).
 *
 * Every port is a readonly object of pure functions over one immutable environment value
 * ({@link EvtchnEnv}) that the device machine keeps in its context, so the checker explores the
 * environment together with the driver. The in-memory defaults are deterministic: fresh ports
 * from 1 up, the lowest free one first as Xen's `get_free_port` hands them out, `-ENOSPC` once
 * all `nrChannels` ports are taken (port 0 is reserved), one remote domain, 24 VIRQs. Fault injection: any operation named in
 * {@link FaultOp} can be told to fail once with a given errno ({@link armFault}); the
 * hypervisor can be told to hand out a port again ({@link armPortReuse}).
 *
 * Late EOI (facts 3.4) is modelled in the hypervisor's per-channel `masked`/`pending` bits:
 * delivering an event masks the channel, a raise while masked stays pending, and
 * `xen_irq_lateeoi` unmasks it so the pending event fires again.
 *
 * Channels and irq bindings are kept in persistent maps by port behind their array fields
 * (`persistent.ts`): one channel or binding update costs O(log n), not a copy of the table.
 *
 * Abstractions: one guest vCPU; no FIFO ABI priorities; remote domains only offer unbound
 * ports and count notifications; `XEN_EOI_FLAG_SPURIOUS` back-off is not modelled (evtchn.c
 * always passes 0). Where behaviour of Xen or events_base.c is not in facts.md it is marked
 * "in-memory choice" below.
 *
 * @module
 */
import { linuxErr } from '@kspec/spec-kit';
import { DOMID_SELF, EVTCHN_2L_NR_CHANNELS } from './model.js';
import { emptyPortView, recordMap, recordView, type PortMap } from './persistent.js';

/**
 * Operations that can be told to fail.
 * @category Ports
 */
export type FaultOp =
  | 'bind_virq'
  | 'bind_interdomain'
  | 'alloc_unbound'
  | 'close'
  | 'send'
  | 'kzalloc'
  | 'kvmalloc'
  | 'get_free_page'
  | 'irq_alloc'
  | 'request_irq'
  | 'make_refcounted';

/** Every {@link FaultOp}. @category Ports */
export const FAULT_OPS: readonly FaultOp[] = [
  'bind_virq',
  'bind_interdomain',
  'alloc_unbound',
  'close',
  'send',
  'kzalloc',
  'kvmalloc',
  'get_free_page',
  'irq_alloc',
  'request_irq',
  'make_refcounted',
];

/** A one-shot fault: the next `op` fails with `errno` (negative). @category Ports */
export interface Fault {
  readonly op: FaultOp;
  readonly errno: number;
}

/** An event channel of this guest as the hypervisor sees it. @category Ports */
export interface HvChannel {
  readonly port: number;
  readonly kind: 'unbound' | 'interdomain' | 'virq';
  /** Remote domain (unbound, interdomain). */
  readonly remoteDom: number;
  /** Remote port (interdomain). */
  readonly remotePort: number;
  /** VIRQ number (virq). */
  readonly virq: number;
  /** Event pending (set by a raise, cleared on delivery). */
  readonly pending: boolean;
  /** Channel masked (fresh channels and while awaiting late EOI). */
  readonly masked: boolean;
}

/** A remote domain: the unbound ports it offers to this guest and notifications received. @category Ports */
export interface RemoteDomain {
  readonly domid: number;
  readonly nextPort: number;
  readonly offers: readonly number[];
  readonly notified: number;
}

/** The in-memory hypervisor's state. @category Ports */
export interface HypervisorState {
  readonly selfDomid: number;
  readonly nrVirqs: number;
  /**
   * The number of event channels of this guest (`d->max_evtchns`, what the guest's
   * `xen_evtchn_nr_channels()` reports): ports are 0..nrChannels-1, port 0 reserved.
   */
  readonly nrChannels: number;
  /** The open channels, in port order. */
  readonly channels: readonly HvChannel[];
  /**
   * The port the next allocation gets (`get_free_port`): the lowest port above the reserved
   * port 0 that is not open, or `nrChannels` when every port is open (the allocation then fails
   * with -ENOSPC).
   */
  readonly nextPort: number;
  readonly domains: readonly RemoteDomain[];
  /** Ports to hand out again, first first (even if still open). */
  readonly reuse: readonly number[];
}

/** One irq binding of the events layer. @category Ports */
export interface IrqBinding {
  readonly port: number;
  /** `irq_info.refcnt`: -1 until `evtchn_make_refcounted`, then 1. */
  readonly refcnt: number;
  /** `disable_irq` called. */
  readonly disabled: boolean;
}

/** The in-memory irq layer's state. @category Ports */
export interface IrqLayerState {
  /** The bindings, in port order. */
  readonly bindings: readonly IrqBinding[];
}

/** The whole environment of one device: hypervisor, irq layer and armed faults. @category Ports */
export interface EvtchnEnv {
  readonly hv: HypervisorState;
  readonly irq: IrqLayerState;
  readonly faults: readonly Fault[];
}

/** A port call's result: the new environment, the C return value and an out value. @category Ports */
export interface PortResult {
  readonly env: EvtchnEnv;
  readonly rc: number;
  readonly port?: number;
}

/**
 * The hypervisor port: `HYPERVISOR_event_channel_op` for the ops evtchn.c uses, and the
 * hypervisor side (raise, mask bits) used by the irq layer and the facade.
 * @category Ports
 */
export interface Hypervisor {
  readonly name: string;
  bindVirq(env: EvtchnEnv, virq: number, vcpu: number): PortResult;
  bindInterdomain(env: EvtchnEnv, remoteDom: number, remotePort: number): PortResult;
  allocUnbound(env: EvtchnEnv, dom: number, remoteDom: number): PortResult;
  close(env: EvtchnEnv, port: number): PortResult;
  send(env: EvtchnEnv, port: number): PortResult;
  /** Hypervisor side: an event arrives on `port` (sets pending). */
  raise(env: EvtchnEnv, port: number): EvtchnEnv;
  setMasked(env: EvtchnEnv, port: number, masked: boolean): EvtchnEnv;
  /** Delivery: clears pending (the upcall picked the event). */
  clearPending(env: EvtchnEnv, port: number): EvtchnEnv;
  channel(env: EvtchnEnv, port: number): HvChannel | undefined;
}

/**
 * The irq layer port (drivers/xen/events with the lateeoi chip, facts 3.4).
 * @category Ports
 */
export interface IrqLayer {
  readonly name: string;
  /** `bind_evtchn_to_irqhandler_lateeoi`; on `request_irq` failure it has closed the port itself. */
  bindEvtchnToIrqhandlerLateeoi(env: EvtchnEnv, hv: Hypervisor, port: number): PortResult;
  /** `evtchn_make_refcounted`. */
  evtchnMakeRefcounted(env: EvtchnEnv, port: number): PortResult;
  /** `unbind_from_irqhandler`; `rc` non-zero means `xen_evtchn_close` hit `BUG()`. */
  unbindFromIrqhandler(env: EvtchnEnv, hv: Hypervisor, port: number): PortResult;
  disableIrq(env: EvtchnEnv, port: number): EvtchnEnv;
  /** `xen_irq_lateeoi(irq, 0)`: unmask the channel (a pending event then fires). */
  xenIrqLateeoi(env: EvtchnEnv, hv: Hypervisor, port: number): EvtchnEnv;
  notifyRemoteViaEvtchn(env: EvtchnEnv, hv: Hypervisor, port: number): EvtchnEnv;
  /** `irq_from_evtchn(port)`: -1 when unbound. */
  irqFromEvtchn(env: EvtchnEnv, port: number): number;
  /** `xen_evtchn_nr_channels()`: the number of event channels of the current ABI. */
  xenEvtchnNrChannels(env: EvtchnEnv): number;
  /** True when an upcall would run the handler of `port` now. */
  isDeliverable(env: EvtchnEnv, hv: Hypervisor, port: number): boolean;
  /** The upcall takes the event: clear pending, mask until late EOI. */
  deliver(env: EvtchnEnv, hv: Hypervisor, port: number): EvtchnEnv;
}

/** Options of {@link createEvtchnEnv}. @category Ports */
export interface EvtchnEnvOptions {
  /** This guest's domid (default 0). */
  readonly selfDomid?: number;
  /** Remote domains (default: one, domid 1). */
  readonly remoteDomains?: readonly number[];
  /** `NR_VIRQS` (default 24). */
  readonly nrVirqs?: number;
  /** The number of event channels (default `EVTCHN_2L_NR_CHANNELS`, 4096: the 2-level ABI). */
  readonly nrChannels?: number;
}

/** A fresh environment. @category Ports */
export function createEvtchnEnv(options: EvtchnEnvOptions = {}): EvtchnEnv {
  return {
    hv: {
      selfDomid: options.selfDomid ?? 0,
      nrVirqs: options.nrVirqs ?? 24,
      nrChannels: options.nrChannels ?? EVTCHN_2L_NR_CHANNELS,
      channels: emptyPortView(),
      nextPort: 1,
      domains: (options.remoteDomains ?? [1]).map((domid) => ({
        domid,
        nextPort: 1,
        offers: [],
        notified: 0,
      })),
      reuse: [],
    },
    irq: { bindings: emptyPortView() },
    faults: [],
  };
}

/** Arms a one-shot fault: the next `op` fails with `errno` (negative). @category Ports */
export function armFault(env: EvtchnEnv, op: FaultOp, errno: number): EvtchnEnv {
  return { ...env, faults: [...env.faults, { op, errno }] };
}

/** The next port allocation hands out `port` again. @category Ports */
export function armPortReuse(env: EvtchnEnv, port: number): EvtchnEnv {
  return { ...env, hv: { ...env.hv, reuse: [...env.hv.reuse, port] } };
}

/** Consumes the first armed fault for `op`: its errno, or 0. @category Ports */
export function takeFault(env: EvtchnEnv, op: FaultOp): { env: EvtchnEnv; errno: number } {
  const i = env.faults.findIndex((f) => f.op === op);
  if (i < 0) return { env, errno: 0 };
  const errno = (env.faults[i] as Fault).errno;
  return { env: { ...env, faults: [...env.faults.slice(0, i), ...env.faults.slice(i + 1)] }, errno };
}

/** A remote domain offers an unbound port for this guest (hypervisor side). @category Ports */
export function offerRemotePort(env: EvtchnEnv, domid: number): { env: EvtchnEnv; port: number } {
  const d = env.hv.domains.find((x) => x.domid === domid);
  if (!d) throw new RangeError(`in-memory hypervisor: no remote domain ${domid}`);
  const port = d.nextPort;
  const domains = env.hv.domains.map((x) =>
    x.domid === domid ? { ...x, nextPort: port + 1, offers: [...x.offers, port] } : x,
  );
  return { env: { ...env, hv: { ...env.hv, domains } }, port };
}

function channelMap(env: EvtchnEnv): PortMap<HvChannel> {
  return recordMap(env.hv.channels);
}

function withChannels(
  env: EvtchnEnv,
  channels: PortMap<HvChannel>,
  extra: Partial<HypervisorState> = {},
): EvtchnEnv {
  return { ...env, hv: { ...env.hv, ...extra, channels: recordView(channels) } };
}

function updateChannel(env: EvtchnEnv, port: number, patch: Partial<HvChannel>): EvtchnEnv {
  const channels = channelMap(env);
  const c = channels.get(port);
  if (c === undefined) return env;
  if (Object.entries(patch).every(([k, v]) => (c as unknown as Record<string, unknown>)[k] === v)) return env;
  return withChannels(env, channels.set(port, { ...c, ...patch }));
}

/**
 * The lowest port in `[from, nrChannels)` that is not open, or `nrChannels` when there is none:
 * the loop of Xen's `get_free_port` (common/event_channel.c), which hands out the first free
 * port from the bottom.
 */
function lowestFreePort(channels: PortMap<HvChannel>, from: number, nrChannels: number): number {
  let port = from;
  while (port < nrChannels && channels.has(port)) port++;
  return port;
}

/**
 * Allocates a port and records the channel, masked: the next armed reuse (even if still open),
 * or the lowest free port (`get_free_port`), or -ENOSPC when all `nrChannels` ports are taken.
 */
function allocChannel(env: EvtchnEnv, ch: Omit<HvChannel, 'port' | 'pending' | 'masked'>): PortResult {
  const hv = env.hv;
  let port: number;
  let reuse = hv.reuse;
  if (reuse.length > 0) {
    port = reuse[0] as number;
    reuse = reuse.slice(1);
  } else {
    port = hv.nextPort;
    if (port >= hv.nrChannels) return { env, rc: linuxErr('ENOSPC') };
  }
  const channels = channelMap(env).set(port, { ...ch, port, pending: false, masked: true });
  const nextPort = port === hv.nextPort ? lowestFreePort(channels, port + 1, hv.nrChannels) : hv.nextPort;
  return { env: withChannels(env, channels, { reuse, nextPort }), rc: 0, port };
}

/**
 * The in-memory hypervisor. Ports come from `get_free_port` (lowest free port from 1; -ENOSPC
 * when none of the `nrChannels` is free, as common/event_channel.c returns). Error choices
 * beyond facts.md 3.3 (in-memory choices, after Xen's common/event_channel.c): unknown remote
 * domain -ESRCH, VIRQ out of range -EINVAL, VIRQ
 * already bound -EEXIST, remote port not offered -EINVAL, closing a free port -EINVAL
 * (facts 3.3), send on a VIRQ channel -EINVAL, send on an unbound channel dropped.
 * @category Ports
 */
export const inMemoryHypervisor: Hypervisor = Object.freeze({
  name: 'in-memory hypervisor',
  bindVirq(env0: EvtchnEnv, virq: number, vcpu: number): PortResult {
    const f = takeFault(env0, 'bind_virq');
    if (f.errno) return { env: f.env, rc: f.errno };
    const env = f.env;
    if (virq >= env.hv.nrVirqs || vcpu !== 0) return { env, rc: linuxErr('EINVAL') };
    if (channelMap(env).find((c) => c.kind === 'virq' && c.virq === virq) !== undefined)
      return { env, rc: linuxErr('EEXIST') };
    return allocChannel(env, { kind: 'virq', remoteDom: 0, remotePort: 0, virq });
  },
  bindInterdomain(env0: EvtchnEnv, remoteDom: number, remotePort: number): PortResult {
    const f = takeFault(env0, 'bind_interdomain');
    if (f.errno) return { env: f.env, rc: f.errno };
    const env = f.env;
    const self = env.hv.selfDomid;
    const dom = remoteDom === DOMID_SELF ? self : remoteDom;
    if (dom === self) {
      // Loopback: the remote port is one of our own unbound channels waiting for ourselves.
      const peer = channelMap(env).get(remotePort);
      if (!peer || peer.kind !== 'unbound' || peer.remoteDom !== self) return { env, rc: linuxErr('EINVAL') };
      const r = allocChannel(env, { kind: 'interdomain', remoteDom: self, remotePort, virq: 0 });
      return {
        ...r,
        env: updateChannel(r.env, remotePort, { kind: 'interdomain', remotePort: r.port as number }),
      };
    }
    const d = env.hv.domains.find((x) => x.domid === dom);
    if (!d) return { env, rc: linuxErr('ESRCH') };
    if (!d.offers.includes(remotePort)) return { env, rc: linuxErr('EINVAL') };
    const domains = env.hv.domains.map((x) =>
      x.domid === dom ? { ...x, offers: x.offers.filter((p) => p !== remotePort) } : x,
    );
    return allocChannel(
      { ...env, hv: { ...env.hv, domains } },
      {
        kind: 'interdomain',
        remoteDom: dom,
        remotePort,
        virq: 0,
      },
    );
  },
  allocUnbound(env0: EvtchnEnv, dom: number, remoteDom: number): PortResult {
    const f = takeFault(env0, 'alloc_unbound');
    if (f.errno) return { env: f.env, rc: f.errno };
    const env = f.env;
    const self = env.hv.selfDomid;
    if (dom !== DOMID_SELF && dom !== self) return { env, rc: linuxErr('EPERM') };
    const rdom = remoteDom === DOMID_SELF ? self : remoteDom;
    if (rdom !== self && !env.hv.domains.some((d) => d.domid === rdom)) return { env, rc: linuxErr('ESRCH') };
    return allocChannel(env, { kind: 'unbound', remoteDom: rdom, remotePort: 0, virq: 0 });
  },
  close(env0: EvtchnEnv, port: number): PortResult {
    const f = takeFault(env0, 'close');
    if (f.errno) return { env: f.env, rc: f.errno };
    let env = f.env;
    const c = channelMap(env).get(port);
    if (!c) return { env, rc: linuxErr('EINVAL') };
    if (c.kind === 'interdomain') {
      if (c.remoteDom === env.hv.selfDomid) {
        env = updateChannel(env, c.remotePort, { kind: 'unbound', remotePort: 0 });
      } else {
        const domains = env.hv.domains.map((x) =>
          x.domid === c.remoteDom ? { ...x, offers: [...x.offers, c.remotePort] } : x,
        );
        env = { ...env, hv: { ...env.hv, domains } };
      }
    }
    // The port is free again: get_free_port hands out the lowest free port next.
    const nextPort = port >= 1 && port < env.hv.nextPort ? port : env.hv.nextPort;
    return { env: withChannels(env, channelMap(env).delete(port), { nextPort }), rc: 0 };
  },
  send(env0: EvtchnEnv, port: number): PortResult {
    const f = takeFault(env0, 'send');
    if (f.errno) return { env: f.env, rc: f.errno };
    const env = f.env;
    const c = channelMap(env).get(port);
    if (!c) return { env, rc: linuxErr('EINVAL') };
    if (c.kind === 'unbound') return { env, rc: 0 };
    if (c.kind === 'virq') return { env, rc: linuxErr('EINVAL') };
    if (c.remoteDom === env.hv.selfDomid) return { env: inMemoryHypervisor.raise(env, c.remotePort), rc: 0 };
    const domains = env.hv.domains.map((x) =>
      x.domid === c.remoteDom ? { ...x, notified: x.notified + 1 } : x,
    );
    return { env: { ...env, hv: { ...env.hv, domains } }, rc: 0 };
  },
  raise(env: EvtchnEnv, port: number): EvtchnEnv {
    return updateChannel(env, port, { pending: true });
  },
  setMasked(env: EvtchnEnv, port: number, masked: boolean): EvtchnEnv {
    return updateChannel(env, port, { masked });
  },
  clearPending(env: EvtchnEnv, port: number): EvtchnEnv {
    return updateChannel(env, port, { pending: false });
  },
  channel(env: EvtchnEnv, port: number): HvChannel | undefined {
    return channelMap(env).get(port);
  },
});

function bindingMap(env: EvtchnEnv): PortMap<IrqBinding> {
  return recordMap(env.irq.bindings);
}

function withBindings(env: EvtchnEnv, bindings: PortMap<IrqBinding>): EvtchnEnv {
  return { ...env, irq: { bindings: recordView(bindings) } };
}

/**
 * The in-memory irq layer. `irq_alloc` failures leave the port open; `request_irq` failures
 * (and binding a port that already has a handler, -EBUSY: in-memory choice) run
 * `unbind_from_irq`, which closes the port (facts 3.4). The irq number of a port is the port
 * itself.
 * @category Ports
 */
export const inMemoryIrqLayer: IrqLayer = Object.freeze({
  name: 'in-memory irq layer',
  bindEvtchnToIrqhandlerLateeoi(env0: EvtchnEnv, hv: Hypervisor, port: number): PortResult {
    const a = takeFault(env0, 'irq_alloc');
    if (a.errno) return { env: a.env, rc: a.errno };
    const r = takeFault(a.env, 'request_irq');
    const busy = bindingMap(r.env).has(port);
    if (r.errno || busy) {
      // request_irq failed: the helper calls unbind_from_irq, which closes the channel
      // (refcount still -1) and drops the irq mapping.
      const closed = hv.close(r.env, port).env;
      return { env: withBindings(closed, bindingMap(closed).delete(port)), rc: r.errno || linuxErr('EBUSY') };
    }
    const bound = withBindings(r.env, bindingMap(r.env).set(port, { port, refcnt: -1, disabled: false }));
    return { env: hv.setMasked(bound, port, false), rc: 0 };
  },
  evtchnMakeRefcounted(env0: EvtchnEnv, port: number): PortResult {
    const f = takeFault(env0, 'make_refcounted');
    if (f.errno) return { env: f.env, rc: f.errno };
    const env = f.env;
    const bindings = bindingMap(env);
    const b = bindings.get(port);
    if (!b) return { env, rc: linuxErr('ENOENT') };
    return { env: withBindings(env, bindings.set(port, { ...b, refcnt: 1 })), rc: 0 };
  },
  unbindFromIrqhandler(env: EvtchnEnv, hv: Hypervisor, port: number): PortResult {
    const bindings = bindingMap(env);
    const b = bindings.get(port);
    if (!b) return { env, rc: 0 };
    if (b.refcnt > 1)
      return { env: withBindings(env, bindings.set(port, { ...b, refcnt: b.refcnt - 1 })), rc: 0 };
    const closed = hv.close(env, port);
    return { env: withBindings(closed.env, bindingMap(closed.env).delete(port)), rc: closed.rc };
  },
  disableIrq(env: EvtchnEnv, port: number): EvtchnEnv {
    const bindings = bindingMap(env);
    const b = bindings.get(port);
    if (!b || b.disabled) return env;
    return withBindings(env, bindings.set(port, { ...b, disabled: true }));
  },
  xenIrqLateeoi(env: EvtchnEnv, hv: Hypervisor, port: number): EvtchnEnv {
    if (!bindingMap(env).has(port)) return env;
    return hv.setMasked(env, port, false);
  },
  notifyRemoteViaEvtchn(env: EvtchnEnv, hv: Hypervisor, port: number): EvtchnEnv {
    return hv.send(env, port).env;
  },
  irqFromEvtchn(env: EvtchnEnv, port: number): number {
    return bindingMap(env).has(port) ? port : -1;
  },
  xenEvtchnNrChannels(env: EvtchnEnv): number {
    // the guest's ABI covers exactly the hypervisor's channels (2-level ABI: both 4096)
    return env.hv.nrChannels;
  },
  isDeliverable(env: EvtchnEnv, hv: Hypervisor, port: number): boolean {
    const b = bindingMap(env).get(port);
    if (!b || b.disabled) return false;
    const c = hv.channel(env, port);
    return c !== undefined && c.pending && !c.masked;
  },
  deliver(env: EvtchnEnv, hv: Hypervisor, port: number): EvtchnEnv {
    return hv.setMasked(hv.clearPending(env, port), port, true);
  },
});

/** A channel with new pending/masked bits (an explicit literal: one shape, no spread). */
function channelWith(c: HvChannel, pending: boolean, masked: boolean): HvChannel {
  return {
    port: c.port,
    kind: c.kind,
    remoteDom: c.remoteDom,
    remotePort: c.remotePort,
    virq: c.virq,
    pending,
    masked,
  };
}

/**
 * The driver side of {@link inMemoryUpcall}: whether a handler is registered for a port, and the
 * handler itself.
 * @category Ports
 */
export interface UpcallTarget {
  hasHandler(port: number): boolean;
  /** Runs the handler of `port` (the event was just delivered). */
  deliver(port: number): void;
}

/**
 * The upcall for several ports at once on the in-memory ports, in one edit batch of the channel
 * map: for each port in order, optionally raise it (set pending), then, if its handler is bound
 * and enabled in the irq layer (and `target.hasHandler`) and the channel is pending and
 * unmasked, deliver it (clear pending, mask until late EOI) and call `target.deliver(port)`. The
 * result equals folding `inMemoryHypervisor.raise` and `inMemoryIrqLayer.isDeliverable`/
 * `deliver` over the ports. O(k log n) for k ports.
 * @category Ports
 */
export function inMemoryUpcall(
  env: EvtchnEnv,
  ports: readonly number[],
  raise: boolean,
  target: UpcallTarget,
): EvtchnEnv {
  const channels = channelMap(env).edit();
  const bindings = bindingMap(env);
  let changed = false;
  for (const port of ports) {
    const c = channels.get(port);
    if (c === undefined) continue;
    const pending = c.pending || raise;
    if (pending && !c.masked && bindings.get(port)?.disabled === false && target.hasHandler(port)) {
      channels.set(port, channelWith(c, false, true));
      changed = true;
      target.deliver(port);
    } else if (pending !== c.pending) {
      channels.set(port, channelWith(c, true, c.masked));
      changed = true;
    }
  }
  const after = channels.done();
  return changed ? withChannels(env, after) : env;
}

/**
 * `xen_irq_lateeoi` for several ports on the in-memory ports in one edit batch: unmask each
 * port that has an irq binding. Equals folding `inMemoryIrqLayer.xenIrqLateeoi`. O(k log n).
 * @category Ports
 */
export function inMemoryLateeoiMany(env: EvtchnEnv, ports: readonly number[]): EvtchnEnv {
  if (ports.length === 0) return env;
  const bindings = bindingMap(env);
  const channels = channelMap(env).edit();
  let changed = false;
  for (const port of ports) {
    if (!bindings.has(port)) continue;
    const c = channels.get(port);
    if (c === undefined || !c.masked) continue;
    channels.set(port, channelWith(c, c.pending, false));
    changed = true;
  }
  const after = channels.done();
  return changed ? withChannels(env, after) : env;
}

import { describe, expect, it } from 'vitest';
import { evtchnIoctlCmd, type EvtchnIoctlName } from './codecs.js';
import { EvtchnWouldBlockError, openEvtchn, type EvtchnDevice } from './device.js';
import { EPOLL, evtchnPortsToBytes } from './model.js';
import { createEvtchnEnv } from './ports.js';

const u32s = (...v: number[]) => evtchnPortsToBytes(v);
const u16 = (v: number) => new Uint8Array([v & 0xff, v >> 8]);
const cmd = (n: EvtchnIoctlName) => evtchnIoctlCmd(n);
const E = {
  EACCES: -13,
  EFAULT: -14,
  EINVAL: -22,
  ENOTCONN: -107,
  ENOSYS: -38,
  ENOMEM: -12,
  EEXIST: -17,
  ESRCH: -3,
};
const OUT = EPOLL.EPOLLOUT | EPOLL.EPOLLWRNORM;
const IN = EPOLL.EPOLLIN | EPOLL.EPOLLRDNORM;

function restricted(domid = 1): EvtchnDevice {
  const d = openEvtchn({ nonblock: true });
  expect(d.ioctl(cmd('RESTRICT_DOMID'), u16(domid))).toBe(0);
  return d;
}

describe('ioctl command values (facts 3.2)', () => {
  it.each([
    ['BIND_VIRQ', 0x00044500, 0x20044500],
    ['BIND_INTERDOMAIN', 0x00084501, 0x20084501],
    ['BIND_UNBOUND_PORT', 0x00044502, 0x20044502],
    ['UNBIND', 0x00044503, 0x20044503],
    ['NOTIFY', 0x00044504, 0x20044504],
    ['RESET', 0x00004505, 0x20004505],
    ['RESTRICT_DOMID', 0x00024506, 0x20024506],
  ] as const)('%s = %s (asm-generic), %s (powerpc)', (name, generic, ppc) => {
    expect(evtchnIoctlCmd(name, 'generic')).toBe(generic);
    expect(evtchnIoctlCmd(name, 'powerpc')).toBe(ppc);
  });

  it('lines 590-592: an unknown command (or BIND_STATIC, or the other arch encoding) is -ENOSYS', () => {
    const d = openEvtchn();
    expect(d.ioctl(0x00044507, u32s(1))).toBe(E.ENOSYS);
    expect(d.ioctl(0x20044502, u32s(1))).toBe(E.ENOSYS);
    const ppc = openEvtchn({ arch: 'powerpc' });
    expect(ppc.ioctl(0x20044502, u32s(1))).toBe(1);
  });
});

describe('ioctl results and errno precedence (lines 429-597)', () => {
  type Row = [string, (d: EvtchnDevice) => number, number];
  const rows: Row[] = [
    // BIND_VIRQ: -EACCES before copy_from_user (444-450)
    ['BIND_VIRQ unrestricted binds (452-462)', (d) => d.ioctl(cmd('BIND_VIRQ'), u32s(0)), 1],
    ['BIND_VIRQ short arg: -EFAULT (448-450)', (d) => d.ioctl(cmd('BIND_VIRQ'), new Uint8Array(3)), E.EFAULT],
    [
      'BIND_VIRQ restricted + short arg: -EACCES first (444-446)',
      (d) => (d.restrictDomid(1), d.ioctl(cmd('BIND_VIRQ'), null)),
      E.EACCES,
    ],
    [
      'BIND_VIRQ hypercall error passed through (454-457)',
      (d) => d.ioctl(cmd('BIND_VIRQ'), u32s(99)),
      E.EINVAL,
    ],
    [
      'BIND_VIRQ same VIRQ twice: Xen -EEXIST passed through',
      (d) => (d.bindVirq(3), d.bindVirq(3)),
      E.EEXIST,
    ],
    // BIND_INTERDOMAIN: copy_from_user before the restriction check (469-476)
    [
      'BIND_INTERDOMAIN restricted + short arg: -EFAULT first (469-471)',
      (d) => (d.restrictDomid(1), d.ioctl(cmd('BIND_INTERDOMAIN'), u32s(1))),
      E.EFAULT,
    ],
    [
      'BIND_INTERDOMAIN restricted, other domain: -EACCES (473-476)',
      (d) => (d.restrictDomid(1), d.ioctl(cmd('BIND_INTERDOMAIN'), u32s(2, 1))),
      E.EACCES,
    ],
    [
      'BIND_INTERDOMAIN restricted, own domain: allowed (478-488)',
      (d) => (d.restrictDomid(1), d.offer(1), d.ioctl(cmd('BIND_INTERDOMAIN'), u32s(1, 1))),
      1,
    ],
    [
      'BIND_INTERDOMAIN port not offered: Xen -EINVAL passed through',
      (d) => d.bindInterdomain(1, 7),
      E.EINVAL,
    ],
    ['BIND_INTERDOMAIN unknown domain: Xen -ESRCH passed through', (d) => d.bindInterdomain(9, 1), E.ESRCH],
    [
      'BIND_INTERDOMAIN remote_domain truncated to domid_t (478)',
      (d) => (d.offer(1), d.bindInterdomain(0x10001, 1)),
      1,
    ],
    // BIND_UNBOUND_PORT (495-513)
    ['BIND_UNBOUND_PORT binds (503-513)', (d) => d.ioctl(cmd('BIND_UNBOUND_PORT'), u32s(1)), 1],
    [
      'BIND_UNBOUND_PORT restricted + short arg: -EACCES first (495-497)',
      (d) => (d.restrictDomid(1), d.ioctl(cmd('BIND_UNBOUND_PORT'), null)),
      E.EACCES,
    ],
    [
      'BIND_UNBOUND_PORT short arg: -EFAULT (499-501)',
      (d) => d.ioctl(cmd('BIND_UNBOUND_PORT'), new Uint8Array(2)),
      E.EFAULT,
    ],
    // UNBIND: -EFAULT, then -EINVAL vs nr_channels, then -ENOTCONN (520-536)
    ['UNBIND short arg: -EFAULT (520-522)', (d) => d.ioctl(cmd('UNBIND'), null), E.EFAULT],
    ['UNBIND port >= nr_channels: -EINVAL (524-526)', (d) => d.unbind(4096), E.EINVAL],
    ['UNBIND port 4095, not bound: -ENOTCONN (528-531)', (d) => d.unbind(4095), E.ENOTCONN],
    ['UNBIND bound port: 0 (533-535)', (d) => d.unbind(d.bindUnboundPort(1)), 0],
    // NOTIFY (543-552): no range check
    ['NOTIFY short arg: -EFAULT (543-545)', (d) => d.ioctl(cmd('NOTIFY'), u32s().subarray(0, 0)), E.EFAULT],
    ['NOTIFY port beyond nr_channels: -ENOTCONN, not -EINVAL (547-549)', (d) => d.notify(100000), E.ENOTCONN],
    ['NOTIFY bound port: 0 (550-551)', (d) => d.notify(d.bindUnboundPort(1)), 0],
    // RESET (556-566)
    ['RESET ignores its argument: 0', (d) => d.ioctl(cmd('RESET'), null), 0],
    // RESTRICT_DOMID (572-587)
    [
      'RESTRICT_DOMID short arg: -EFAULT (576-578)',
      (d) => d.ioctl(cmd('RESTRICT_DOMID'), new Uint8Array(1)),
      E.EFAULT,
    ],
    ['RESTRICT_DOMID domid 0: -EINVAL (580-582)', (d) => d.restrictDomid(0), E.EINVAL],
    ['RESTRICT_DOMID domid 0x7FF0: -EINVAL (580-582)', (d) => d.restrictDomid(0x7ff0), E.EINVAL],
    ['RESTRICT_DOMID domid 0x7FEF: 0 (584-585)', (d) => d.restrictDomid(0x7fef), 0],
    [
      'RESTRICT_DOMID again: -EACCES, even with a short arg (572-574)',
      (d) => (d.restrictDomid(1), d.ioctl(cmd('RESTRICT_DOMID'), null)),
      E.EACCES,
    ],
  ];
  it.each(rows)('%s', (_name, call, rc) => {
    expect(call(openEvtchn({ nonblock: true }))).toBe(rc);
  });

  it('UNBIND range check uses the configured channel count (xen_evtchn_nr_channels)', () => {
    const d = openEvtchn({ nrChannels: 1024 });
    expect(d.unbind(1024)).toBe(E.EINVAL);
    expect(d.unbind(1023)).toBe(E.ENOTCONN);
  });

  it('a failed ioctl changes nothing (no half-applied state)', () => {
    const d = restricted();
    const before = d.snapshot.context;
    d.ioctl(cmd('BIND_VIRQ'), u32s(0));
    d.ioctl(cmd('BIND_UNBOUND_PORT'), u32s(1));
    expect(d.snapshot.context.evtchns).toBe(before.evtchns);
    expect(d.snapshot.context.env.hv.channels).toEqual(before.env.hv.channels);
  });
});

describe('bind lifecycle: ring allocation and resize (lines 369-406, 313-367)', () => {
  it('the first bind allocates 64 slots; the 65th doubles to 128 (322-328)', () => {
    const d = openEvtchn();
    expect(d.snapshot.context.ring.size).toBe(0);
    d.bindUnboundPort(1);
    expect(d.snapshot.context.ring.size).toBe(64);
    for (let i = 0; i < 63; i++) d.bindUnboundPort(1);
    expect(d.snapshot.context.ring.size).toBe(64);
    d.bindUnboundPort(1);
    expect(d.snapshot.context.ring.size).toBe(128);
    expect(d.snapshot.context.nrEvtchns).toBe(65);
  });

  it('resize keeps queued ports readable across the wrap (343-356)', () => {
    const d = openEvtchn({ nonblock: true });
    const ports = Array.from({ length: 64 }, () => d.bindUnboundPort(1));
    // move the indices near the end of the ring, then queue ports across the wrap
    for (const p of ports.slice(0, 60)) d.raise(p);
    expect(d.read(4096).rc).toBe(240);
    d.writePorts(ports.slice(0, 60));
    for (const p of ports.slice(0, 8)) d.raise(p);
    const queued = d.queuedPorts;
    d.bindUnboundPort(1); // 65th: resize to 128 with 8 ports queued across the old wrap
    expect(d.snapshot.context.ring.size).toBe(128);
    expect(d.queuedPorts).toEqual(queued);
    expect(d.read(4096).ports).toEqual(ports.slice(0, 8));
  });

  it('-ENOMEM from the ring allocation closes the port and drops the node (396-398, 408-414)', () => {
    const d = openEvtchn();
    d.failNext('kvmalloc', -12);
    expect(d.bindUnboundPort(1)).toBe(E.ENOMEM);
    const c = d.snapshot.context;
    expect([c.nrEvtchns, c.evtchns.length, c.env.hv.channels.length, c.ring.size]).toEqual([0, 0, 0, 0]);
  });

  it('an irq allocation failure (port still open) closes the port once (400-403, 408-414)', () => {
    const d = openEvtchn();
    d.failNext('irq_alloc', -12);
    expect(d.bindUnboundPort(1)).toBe(E.ENOMEM);
    expect(d.snapshot.context.env.hv.channels).toEqual([]);
    expect(d.snapshot.value).not.toBe('crashed');
  });
});

describe('interrupts, read and write (lines 161-311)', () => {
  it('lines 171-188 and 298-300: a port fires once, is read as a LE u32, and fires again only after write()', () => {
    const d = openEvtchn({ nonblock: true });
    const p = d.bindUnboundPort(1);
    d.raise(p);
    d.raise(p); // masked awaiting late EOI: stays pending (facts 3.4)
    expect(d.queuedPorts).toEqual([p]);
    const r = d.read(4096);
    expect(r.rc).toBe(4);
    expect([...r.data]).toEqual([p, 0, 0, 0]);
    expect(d.read(4).rc).toBe(-11);
    expect(d.writePorts([p])).toBe(4); // the pending event fires on late EOI
    expect(d.queuedPorts).toEqual([p]);
  });

  it('lines 202-209: read rounds the count down to whole ports (0 -> 0) and caps at PAGE_SIZE', () => {
    const d = openEvtchn({ nonblock: true });
    const ports = Array.from({ length: 3 }, () => d.bindUnboundPort(1));
    ports.forEach((p) => d.raise(p));
    expect(d.read(3).rc).toBe(0);
    expect(d.read(7).ports).toEqual([ports[0]]);
    expect(d.read(100000).ports).toEqual(ports.slice(1));
  });

  it('lines 234-260: a read across the wrap copies two chunks in ring order', () => {
    const d = openEvtchn({ nonblock: true });
    const ports = Array.from({ length: 64 }, () => d.bindUnboundPort(1));
    ports.slice(0, 62).forEach((p) => d.raise(p));
    expect(d.read(4096).rc).toBe(62 * 4);
    d.writePorts(ports.slice(0, 62));
    ports.slice(0, 5).forEach((p) => d.raise(p)); // slots 62, 63, 0, 1, 2
    const r = d.read(4096);
    expect(r.ports).toEqual(ports.slice(0, 5));
    expect(d.snapshot.context.ring.cons).toBe(67);
  });

  it('lines 178-188, 214-216, 607-608: overflow is sticky: -EFBIG and EPOLLERR alone until RESET (556-566)', () => {
    const d = openEvtchn({ nonblock: true });
    const p = d.bindUnboundPort(1);
    for (let i = 0; i < 64; i++) {
      d.raise(p);
      d.writePorts([p]); // re-enabled without being read
    }
    expect(d.poll()).toBe(OUT | IN);
    d.raise(p); // 65th: no room
    expect(d.snapshot.context.ring.overflow).toBe(true);
    expect(d.poll()).toBe(EPOLL.EPOLLERR);
    expect(d.read(4).rc).toBe(-27);
    expect(d.reset()).toBe(0);
    expect(d.poll()).toBe(OUT);
    expect(d.read(4).rc).toBe(-11);
    // RESET does not unmask: the port stays disabled until written (facts 3.6)
    d.raise(p);
    expect(d.queuedPorts).toEqual([]);
  });

  it('lines 267-311: write ignores unknown and enabled ports, rounds the count, -EFAULT on a short buffer, -ENOMEM without a page', () => {
    const d = openEvtchn({ nonblock: true });
    const p = d.bindUnboundPort(1);
    expect(d.writePorts([999, p])).toBe(8);
    expect(d.write(new Uint8Array(3))).toBe(0);
    expect(d.write(new Uint8Array(4), 8)).toBe(-14);
    d.failNext('get_free_page', -12);
    expect(d.write(new Uint8Array(0))).toBe(-12); // the page is allocated before the count check (271-282)
    expect(d.write(new Uint8Array(9000))).toBe(4096);
  });

  it('lines 228-231: a blocking read sleeps until the interrupt wakes it, or returns -ERESTARTSYS on a signal', async () => {
    const d = openEvtchn();
    const p = d.bindUnboundPort(1);
    expect(() => d.read(4)).toThrow(EvtchnWouldBlockError);
    const pending = d.readWait(4);
    d.raise(p);
    expect((await pending).ports).toEqual([p]);
    const ac = new AbortController();
    const interrupted = d.readWait(4, ac.signal);
    ac.abort();
    expect((await interrupted).rc).toBe(-512);
  });

  it('NOTIFY on a loopback pair raises the peer, which fires (550, facts 3.3)', () => {
    const d = openEvtchn({ nonblock: true });
    const a = d.bindUnboundPort(0); // remote = this domain
    const b = d.bindInterdomain(0, a);
    expect(d.notify(b)).toBe(0);
    expect(d.read(4).ports).toEqual([a]);
  });
});

describe('release (lines 645-663)', () => {
  it('disables and unbinds every port, closes the channels and frees the ring', () => {
    const d = openEvtchn({ bindingActors: true });
    const ports = [d.bindUnboundPort(1), d.bindVirq(0), d.bindUnboundPort(1)];
    expect(d.binding(ports[0] as number)?.getSnapshot().value).toBe('enabled');
    expect(d.release()).toBe(0);
    const c = d.snapshot.context;
    expect(d.snapshot.value).toBe('released');
    expect([
      c.evtchns.length,
      c.nrEvtchns,
      c.env.irq.bindings.length,
      c.env.hv.channels.length,
      c.ring.size,
    ]).toEqual([0, 0, 0, 0, 0]);
    expect(d.binding(ports[0] as number)).toBeUndefined();
    expect(() => d.poll()).toThrow(/released/);
  });

  it('a released file keeps nothing of the environment it was given', () => {
    const env = createEvtchnEnv({ remoteDomains: [1, 2] });
    const d = openEvtchn({ env });
    d.bindUnboundPort(2);
    d.release();
    expect(d.snapshot.context.env.hv.channels).toEqual([]);
  });
});

describe('open options and bad input', () => {
  it('rejects bad options and arguments with errors naming them', () => {
    expect(() => openEvtchn({ nrChannels: -1 })).toThrow(/openEvtchn options: nrChannels/);
    expect(() => openEvtchn({ arch: 'x86' as never })).toThrow(/arch/);
    const d = openEvtchn();
    expect(() => d.bindVirq(-1)).toThrow(/bindVirq virq/);
    expect(() => d.read(1.5)).toThrow(/read count/);
    expect(() => d.ioctl(-1)).toThrow(/ioctl cmd/);
    expect(() => d.failNext('nope' as never, -1)).toThrow(/unknown operation/);
    expect(d.snapshot.context.result).toBeNull();
  });
});

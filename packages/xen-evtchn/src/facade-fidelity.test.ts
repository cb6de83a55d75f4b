// Issue 16 through the facade: the channel count (Xen's get_free_port; UNBIND's check at
// 524-526), options from outside, use after release, the order evtchn_release unbinds in
// (650-656, the rb-tree's root each time) as the hypervisor and the irq layer see it, and reads
// whose user buffer faults (copy_to_user at 254-257).
import { describe, expect, it } from 'vitest';
import { EvtchnDecodeError } from './codecs.js';
import { EvtchnReleasedError, openEvtchn, type EvtchnDevice } from './device.js';
import { evtchnPortsToBytes } from './model.js';
import {
  createEvtchnEnv,
  inMemoryHypervisor,
  inMemoryIrqLayer,
  type Hypervisor,
  type IrqLayer,
} from './ports.js';
import { rbShape } from './rbtree.js';

const ENOSPC = -28;
const EINVAL = -22;
const EFAULT = -14;
const EBADF = -9;

describe('the channel count (Xen common/event_channel.c get_free_port; lines 524-526)', () => {
  it('with 8 channels the hypervisor hands out ports 1..7, then -ENOSPC; UNBIND accepts each', () => {
    const d = openEvtchn({ nrChannels: 8, nonblock: true });
    const got = Array.from({ length: 9 }, () => d.bindUnboundPort(1));
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, ENOSPC, ENOSPC]);
    expect(d.snapshot.context.irqLayer.xenEvtchnNrChannels(d.snapshot.context.env)).toBe(8);
    for (const p of [1, 2, 3, 4, 5, 6, 7]) expect(d.unbind(p)).toBe(0);
    expect(d.unbind(8)).toBe(EINVAL); // port >= xen_evtchn_nr_channels() (524-526)
  });

  it('a closed port is handed out again, the lowest free one first (the kernel never sees it reused while bound)', () => {
    const d = openEvtchn({ nonblock: true });
    expect([d.bindUnboundPort(1), d.bindUnboundPort(1), d.bindUnboundPort(1)]).toEqual([1, 2, 3]);
    expect(d.unbind(2)).toBe(0);
    expect(d.unbind(1)).toBe(0);
    expect([d.bindUnboundPort(1), d.bindUnboundPort(1), d.bindUnboundPort(1)]).toEqual([1, 2, 4]);
  });

  it('the default is the 2-level ABI: 4095 ports (port 0 is reserved), then -ENOSPC', () => {
    const d = openEvtchn({ nonblock: true });
    let last = 0;
    for (let i = 0; i < 4095; i++) last = d.bindUnboundPort(1);
    expect(last).toBe(4095);
    expect(d.bindUnboundPort(1)).toBe(ENOSPC);
    expect(d.bindVirq(0)).toBe(ENOSPC);
  });

  it('an environment made with a channel count gives the device that count', () => {
    const d = openEvtchn({ env: createEvtchnEnv({ nrChannels: 3 }) });
    expect(d.snapshot.context.env.hv.nrChannels).toBe(3);
    expect([d.bindUnboundPort(1), d.bindUnboundPort(1), d.bindUnboundPort(1)]).toEqual([1, 2, ENOSPC]);
  });
});

describe('openEvtchn options from outside', () => {
  it('an unknown option is refused with an io-ts error naming it', () => {
    expect(() => openEvtchn({ bogus: 1 } as never)).toThrow(EvtchnDecodeError);
    expect(() => openEvtchn({ bogus: 1 } as never)).toThrow(
      /openEvtchn options: bogus: unknown option .*got 1/,
    );
    expect(() => openEvtchn({ nonblock: true, nrChanels: 8 } as never)).toThrow(/nrChanels: unknown option/);
  });

  it('options that are not an object, and port objects that are not objects, are refused', () => {
    expect(() => openEvtchn(null as never)).toThrow(/openEvtchn options: expected an object/);
    expect(() => openEvtchn({ hypervisor: 3 } as never)).toThrow(/hypervisor: expected an object, got 3/);
  });

  it('nrChannels that disagrees with the environment given is refused', () => {
    expect(() => openEvtchn({ nrChannels: 8, env: createEvtchnEnv() })).toThrow(
      /nrChannels 8 disagrees with env.hv.nrChannels 4096/,
    );
    expect(openEvtchn({ nrChannels: 8, env: createEvtchnEnv({ nrChannels: 8 }) }).bindUnboundPort(1)).toBe(1);
  });
});

describe('use after release', () => {
  it('every call on a released file throws EvtchnReleasedError with -EBADF', () => {
    const d = openEvtchn({ nonblock: true });
    d.bindUnboundPort(1);
    expect(d.release()).toBe(0);
    const calls: [string, () => unknown][] = [
      ['ioctl.unbind', () => d.unbind(1)],
      ['read', () => d.read(4)],
      ['write', () => d.writePorts([1])],
      ['poll', () => d.poll()],
      ['release', () => d.release()],
      ['irq.upcall', () => d.raise(1)],
      ['raiseMany', () => d.raiseMany([1])],
      ['offer', () => d.offer(1)],
    ];
    for (const [operation, call] of calls) {
      let err: unknown;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EvtchnReleasedError);
      const r = err as EvtchnReleasedError;
      expect([r.name, r.operation, r.errno, r.crashed]).toEqual([
        'EvtchnReleasedError',
        operation,
        EBADF,
        false,
      ]);
    }
  });

  it('a file the kernel crashed in (BUG()) says so', () => {
    const d = openEvtchn({ nonblock: true });
    d.failNext('request_irq', -12);
    d.bindUnboundPort(1); // EVTCHN-1: the err path closes the port twice: BUG()
    expect(d.snapshot.value).toBe('crashed');
    expect(() => d.poll()).toThrow(EvtchnReleasedError);
    expect(() => d.poll()).toThrow(/gone \(the kernel hit BUG\(\)\)/);
  });
});

/** In-memory ports that record the order of EVTCHNOP_close and disable_irq calls. */
function recording(): { hypervisor: Hypervisor; irqLayer: IrqLayer; closed: number[]; disabled: number[] } {
  const closed: number[] = [];
  const disabled: number[] = [];
  const hypervisor: Hypervisor = {
    ...inMemoryHypervisor,
    name: 'recording hypervisor',
    close: (env, port) => {
      closed.push(port);
      return inMemoryHypervisor.close(env, port);
    },
  };
  const irqLayer: IrqLayer = {
    ...inMemoryIrqLayer,
    name: 'recording irq layer',
    disableIrq: (env, port) => {
      disabled.push(port);
      return inMemoryIrqLayer.disableIrq(env, port);
    },
  };
  return { hypervisor, irqLayer, closed, disabled };
}

function bindInOrder(d: EvtchnDevice, ports: readonly number[]): void {
  for (const p of ports) {
    d.reuseNext(p); // the hypervisor hands out exactly this port
    expect(d.bindUnboundPort(1)).toBe(p);
  }
}

describe('evtchn_release unbinds the rb-tree root each time (lines 650-656)', () => {
  it.each([
    // hand-traced in rbtree.test.ts from lib/rbtree.c
    [[1, 2, 3, 4, 5], '2b(4b(5r,3r),1b)', [2, 4, 3, 1, 5]],
    [[5, 4, 3, 2, 1], '4b(5b,2b(3r,1r))', [4, 3, 2, 1, 5]],
    [[1, 2, 3], '2b(3r,1r)', [2, 1, 3]],
  ])('bound %j (tree %s): the hypervisor closes and the irq layer disables %j', (ports, shape, order) => {
    const r = recording();
    const d = openEvtchn({ nonblock: true, hypervisor: r.hypervisor, irqLayer: r.irqLayer });
    bindInOrder(d, ports);
    expect(rbShape(d.snapshot.context.rbtree)).toBe(shape);
    r.closed.length = 0;
    r.disabled.length = 0;
    expect(d.release()).toBe(0);
    expect(r.disabled).toEqual(order);
    expect(r.closed).toEqual(order);
  });

  it('unbinding and binding again changes the shape, and with it the order (same ports bound)', () => {
    const r = recording();
    const d = openEvtchn({ nonblock: true, hypervisor: r.hypervisor, irqLayer: r.irqLayer });
    bindInOrder(d, [1, 2]);
    expect(rbShape(d.snapshot.context.rbtree)).toBe('1b(2r,.)'); // release would close 1, 2
    expect(d.unbind(1)).toBe(0);
    expect(d.bindUnboundPort(1)).toBe(1); // the lowest free port
    expect(d.boundPorts).toEqual([1, 2]);
    expect(rbShape(d.snapshot.context.rbtree)).toBe('2b(.,1r)');
    r.closed.length = 0;
    d.release();
    expect(r.closed).toEqual([2, 1]);
  });

  it('a close that fails in the middle (BUG) leaves exactly the ports after it in that order', () => {
    const d = openEvtchn({ nonblock: true });
    bindInOrder(d, [1, 2, 3, 4, 5]);
    d.failNext('close', -22);
    d.release(); // the first close (port 2, the root) hits BUG() in xen_evtchn_close
    expect(d.snapshot.value).toBe('crashed');
    expect(d.snapshot.context.env.hv.channels.map((c) => c.port)).toEqual([1, 2, 3, 4, 5]);
    expect(d.boundPorts).toEqual([1, 3, 4, 5]); // del_evtchn ran for the root only
  });
});

describe('a read whose user buffer faults (copy_to_user, lines 252-259)', () => {
  /** A file with three ports bound and the ring's indices at 62 (two slots before the wrap). */
  function nearWrap(): EvtchnDevice {
    const d = openEvtchn({ nonblock: true });
    const ports = [d.bindUnboundPort(1), d.bindUnboundPort(1), d.bindUnboundPort(1)];
    for (let i = 0; i < 62; i++) {
      d.raise(ports[0]!);
      expect(d.read(4).ports).toEqual([ports[0]]);
      d.writePorts([ports[0]!]);
    }
    expect([d.snapshot.context.ring.cons, d.snapshot.context.ring.size]).toEqual([62, 64]);
    d.raiseMany(ports);
    return d;
  }

  it('the first chunk faults: -EFAULT, nothing in the buffer, ring_cons unchanged, the ports read later', () => {
    const d = openEvtchn({ nonblock: true });
    d.bindUnboundPort(1);
    d.bindUnboundPort(1);
    d.raiseMany([1, 2]);
    const r = d.read(8, { faultAt: 0 });
    expect([r.rc, r.ports, r.data.length]).toEqual([EFAULT, [], 0]);
    expect([d.snapshot.context.ring.cons, d.queuedPorts]).toEqual([0, [1, 2]]);
    expect(d.read(8, { faultAt: 4 }).rc).toBe(EFAULT); // the 8-byte chunk reaches byte 4
    expect(d.read(8).ports).toEqual([1, 2]);
  });

  it('the second chunk faults: -EFAULT, the first chunk is in the buffer, ring_cons unchanged', () => {
    const d = nearWrap();
    expect(d.queuedPorts).toEqual([1, 2, 3]); // slots 62, 63 | 0: bytes1 = 8, bytes2 = 4
    const r = d.read(4096, { faultAt: 8 });
    expect([r.rc, r.ports, [...r.data]]).toEqual([EFAULT, [], [...evtchnPortsToBytes([1, 2])]]);
    expect(d.snapshot.context.ring.cons).toBe(62);
    expect(d.read(4096, { faultAt: 11 }).rc).toBe(EFAULT);
    const ok = d.read(4096, { faultAt: 12 }); // the buffer holds both chunks
    expect([ok.rc, ok.ports]).toEqual([12, [1, 2, 3]]);
    expect(d.snapshot.context.ring.cons).toBe(65);
  });

  it('a fault past what the read copies does not matter; options are checked', () => {
    const d = openEvtchn({ nonblock: true });
    d.bindUnboundPort(1);
    d.raise(1);
    expect(d.read(4096, { faultAt: 4 }).ports).toEqual([1]);
    expect(() => d.read(4, { faultAt: -1 })).toThrow(/read options: faultAt/);
    expect(() => d.read(4, { fault: 0 } as never)).toThrow(/read options: fault: unknown option/);
  });

  it('readWait takes the same fault', async () => {
    const d = openEvtchn({ nonblock: false });
    d.bindUnboundPort(1);
    const p = d.readWait(4, undefined, { faultAt: 0 });
    d.raise(1);
    expect((await p).rc).toBe(EFAULT);
    expect(d.queuedPorts).toEqual([1]);
  });
});

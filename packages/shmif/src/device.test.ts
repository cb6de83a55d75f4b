// The facade: create / ioctl / up / send / onInput / stop / destroy over live actors on a
// SharedArrayBuffer bus (in one thread here; test/workers.test.ts uses two worker threads).
import { NETBSD_ERRNO } from '@kspec/spec-kit';
import { ShmifBus } from '@kspec/shared-memory';
import { describe, expect, it } from 'vitest';
import {
  ENETDOWN,
  EEXIST,
  IFLINKSTR_QUERYLEN,
  IFLINKSTR_UNSET,
  SIOCGLINKSTR,
  SIOCSLINKSTR,
} from './constants.js';
import { ShmifErrnoError, ShmifKernel } from './device.js';
import { sharedHostPort } from './ports.js';

function kernelWithBus(dataSize = 8192) {
  const host = sharedHostPort();
  const bus = ShmifBus.create({ dataSize });
  host.register('/shmbus', bus);
  const notbus = ShmifBus.create({ dataSize });
  notbus.poke({ magic: 0x12345678 });
  host.register('/notbus', notbus);
  return { kernel: new ShmifKernel({ host, seed: 5 }), bus };
}

/** Lets the event loop run until `done()` (the other interfaces' receivers wake asynchronously). */
async function until(done: () => boolean, rounds = 200): Promise<void> {
  for (let k = 0; k < rounds && !done(); k++) await new Promise((r) => setTimeout(r, 1));
}

function ethernet(src: Uint8Array, n: number, len = 64): Uint8Array {
  const f = new Uint8Array(len);
  f.fill(0xff, 0, 6);
  f.set(src, 6);
  f[12] = 0x88;
  f[14] = n;
  return f;
}

describe('ShmifKernel / ShmifInterface', () => {
  it('two interfaces on one bus exchange frames; each drops its own', async () => {
    const { kernel } = kernelWithBus();
    const a = kernel.create('/shmbus');
    const b = kernel.create('/shmbus');
    expect([a.unit, b.unit]).toEqual([0, 1]);
    expect([a.mac[0], a.mac[1]]).toEqual([0xb2, 0xa0]);
    const atA: Uint8Array[] = [];
    const atB: Uint8Array[] = [];
    a.onInput((f) => atA.push(f));
    b.onInput((f) => atB.push(f));
    a.up();
    b.up();
    a.send([ethernet(a.mac, 1), ethernet(a.mac, 2)]);
    b.send(ethernet(b.mac, 3));
    const real = (xs: Uint8Array[]) => xs.filter((f) => f.length >= 14).map((f) => f[14]);
    await until(() => real(atA).length >= 1 && real(atB).length >= 2);
    expect(real(atB)).toEqual([1, 2]);
    expect(real(atA)).toEqual([3]);
    // the faithful model passes up the phantom of the fresh bus once to each (SHMIF-1)
    expect(atA.filter((f) => f.length === 0)).toHaveLength(1);
    expect(atB.filter((f) => f.length === 0)).toHaveLength(1);
    a.destroy();
    b.destroy();
  });

  it('refuses malformed frames with a clear error and applies nothing', () => {
    const { kernel } = kernelWithBus();
    const a = kernel.create('/shmbus');
    a.up();
    expect(() => a.send(new Uint8Array(13))).toThrow(/at least 14 bytes/);
    expect(() => a.send(new Uint8Array(1515))).toThrow(/at most ETHERMTU \+ ETHER_HDR_LEN = 1514/);
    expect(() => a.send([ethernet(a.mac, 1), [1, 2, 3] as unknown as Uint8Array])).toThrow(
      /send\(frames\[1\]\).*Uint8Array/,
    );
    expect(a.snapshot.context.ifs[0]!.snd).toEqual([]);
    expect(a.snapshot.context.ghost).toBeNull();
  });

  it('send before up: ENETDOWN (ether_output, outside the seed)', () => {
    const { kernel } = kernelWithBus();
    const a = kernel.create('/shmbus');
    expect(() => a.send(ethernet(a.mac, 1))).toThrow(ShmifErrnoError);
    try {
      a.send(ethernet(a.mac, 1));
    } catch (e) {
      expect((e as ShmifErrnoError).errno).toBe(ENETDOWN);
    }
  });

  it('create on a file that is not a bus throws ENOEXEC (214-219); up without a bus throws ENXIO (378-379)', () => {
    const { kernel } = kernelWithBus();
    expect(() => kernel.create('/notbus')).toThrow(/ENOEXEC \(errno 8\)/);
    const c = kernel.create();
    expect(() => c.up()).toThrow(/ENXIO/);
  });

  it('ioctl SIOCSLINKSTR / SIOCGLINKSTR through the facade', () => {
    const { kernel } = kernelWithBus();
    const c = kernel.create();
    expect(c.ioctl(SIOCGLINKSTR, { cmd: 0 })).toEqual({ rv: NETBSD_ERRNO.ENOENT });
    expect(c.ioctl(SIOCSLINKSTR, { cmd: 0, path: '/shmbus' })).toBe(0);
    expect(c.ioctl(SIOCGLINKSTR, { cmd: IFLINKSTR_QUERYLEN })).toEqual({ rv: 0, len: 8 });
    const buf = new Uint8Array(16);
    expect(c.ioctl(SIOCGLINKSTR, { cmd: 0, buffer: buf })).toEqual({
      rv: 0,
      len: 8,
      path: '/shmbus',
      overflow: 0,
    });
    expect(new TextDecoder().decode(buf.subarray(0, 7))).toBe('/shmbus');
    // a 4-byte buffer: the driver writes all 8 bytes anyway (SHMIF-10); the facade reports the overflow
    expect(c.ioctl(SIOCGLINKSTR, { cmd: 0, buffer: new Uint8Array(4) })).toMatchObject({
      rv: 0,
      overflow: 4,
    });
    c.up();
    expect(c.ioctl(SIOCSLINKSTR, { cmd: IFLINKSTR_UNSET })).toBe(NETBSD_ERRNO.EBUSY);
    c.stop();
    expect(c.ioctl(SIOCSLINKSTR, { cmd: IFLINKSTR_UNSET })).toBe(0);
    expect(() => c.ioctl(SIOCSLINKSTR, { cmd: -1 } as never)).toThrow(/ioctl\(SIOCSLINKSTR\)\.cmd/);
    expect(() => c.ioctl(0x1234 as never, { cmd: 0 })).toThrow(/only SIOCSLINKSTR/);
  });

  it('destroy frees the unit for reuse; a destroyed interface refuses calls; clone of a taken unit is EEXIST', () => {
    const { kernel } = kernelWithBus();
    const a = kernel.create('/shmbus');
    const b = kernel.clone(3);
    expect(b.unit).toBe(3);
    expect(() => kernel.clone(3)).toThrow(expect.objectContaining({ errno: EEXIST }));
    a.up();
    a.destroy();
    expect(() => a.up()).toThrow(/destroyed/);
    expect(kernel.create().unit).toBe(0);
  });

  it('stop ends delivery; with rump_threads off nothing is ever received (190-192)', () => {
    const host = sharedHostPort();
    host.register('/shmbus', ShmifBus.create({ dataSize: 4096 }));
    const quiet = new ShmifKernel({ host, threads: false, seed: 1 });
    const talker = new ShmifKernel({ host, seed: 2 });
    const q = quiet.create('/shmbus');
    const t = talker.create('/shmbus');
    const got: Uint8Array[] = [];
    q.onInput((f) => got.push(f));
    q.up();
    t.up();
    t.send(ethernet(t.mac, 1));
    expect(got).toEqual([]);
  });
});

describe('send(frame, { segments }): the frame as an mbuf chain (shmif_start 509-532)', () => {
  it('writes the chain as one frame: sp_len is the total, the bytes follow in order, a peer receives it whole', async () => {
    const { kernel, bus } = kernelWithBus();
    const a = kernel.create('/shmbus');
    const b = kernel.create('/shmbus');
    const got: Uint8Array[] = [];
    b.onInput((f) => got.push(f));
    a.up();
    b.up();
    const f = ethernet(a.mac, 7, 100);
    for (let k = 15; k < 100; k++) f[k] = k;
    a.send(f, { segments: [14, 0, 50, 36] });
    await until(() => got.some((x) => x.length === 100));
    expect([...got.find((x) => x.length === 100)!]).toEqual([...f]);
    expect(bus.mem.view.getUint32(32 + 12, true)).toBe(100);
  });

  it('refuses segments that do not add up to the frame, negative lengths and unknown options', () => {
    const { kernel } = kernelWithBus();
    const a = kernel.create('/shmbus');
    a.up();
    const f = ethernet(a.mac, 1, 60);
    expect(() => a.send(f, { segments: [14, 40] })).toThrow(/add up to 54, the frame has 60 bytes/);
    expect(() => a.send([f, f], { segments: [60, 1] })).toThrow(/frames\[0\] has 60 bytes/);
    expect(() => a.send(f, { segments: [70, -10] })).toThrow(/segments.1: must be an integer >= 0/);
    expect(() => a.send(f, { segments: [] })).toThrow(/1 to 64 mbuf lengths/);
    expect(() => a.send(f, { chain: true } as never)).toThrow(/send\(options\).chain: unknown option/);
  });
});

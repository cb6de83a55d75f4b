// Bus operations of shmif_busops.c (rev 1.8.2.1; facts.md 1.4) and the writer body of
// shmif_start (if_shmem.c 511-541), reproducing facts.md 1.4's worked example on a 100-byte ring.
import { describe, expect, it, vi } from 'vitest';
import {
  BUSMEM_DATASIZE,
  ShmifBus,
  ShmifError,
  createShmifMem,
  getFirst,
  getGen,
  getLast,
  setFirst,
  shmifAdvance,
  shmifAdvancefirst,
  shmifAttachBus,
  shmifBusread,
  shmifBusreadPkthdr,
  shmifBuswrite,
  shmifBuswritePkthdr,
  shmifLockbus,
  shmifNextpktoff,
  shmifRcvStep,
  U64_ZERO,
  shmifSendPacket,
  decodePkthdr,
  encodePkthdr,
  getLock,
  setLock,
  shmifMemOver,
} from '../index.js';
import type { LockStats, PkthdrOut, WrapFlag } from '../index.js';

const frame = (len: number, fill: number): Uint8Array => new Uint8Array(len).fill(fill);

describe('shmif_advance (shmif_busops.c 49-58)', () => {
  it('adds and subtracts the data size once', () => {
    expect(shmifAdvance(10, 20, 100)).toBe(30);
    expect(shmifAdvance(90, 10, 100)).toBe(0);
    expect(shmifAdvance(90, 15, 100)).toBe(5);
    expect(shmifAdvance(BUSMEM_DATASIZE - 1, 1)).toBe(0);
  });
});

describe('shmif_busread (60-82)', () => {
  it('wraps around the end and sets wrap when a chunk ends exactly at the end', () => {
    const mem = createShmifMem(100);
    for (let i = 0; i < 100; i++) mem.data[i] = i;
    const dest = new Uint8Array(10);
    const w: WrapFlag = { wrap: false };
    expect(shmifBusread(mem, dest, 95, 10, w)).toBe(5);
    expect(w.wrap).toBe(true);
    expect([...dest]).toEqual([95, 96, 97, 98, 99, 0, 1, 2, 3, 4]);
    const w2: WrapFlag = { wrap: false };
    expect(shmifBusread(mem, dest, 90, 10, w2)).toBe(0); // ends exactly at the end: wrap, offset 0
    expect(w2.wrap).toBe(true);
    const w3: WrapFlag = { wrap: false };
    expect(shmifBusread(mem, dest, 80, 10, w3)).toBe(90);
    expect(w3.wrap).toBe(false);
  });
  it('treats off == DATASIZE as offset 0 with wrap set', () => {
    const mem = createShmifMem(100);
    mem.data[0] = 7;
    const dest = new Uint8Array(1);
    const w: WrapFlag = { wrap: false };
    expect(shmifBusread(mem, dest, 100, 1, w)).toBe(1);
    expect(w.wrap).toBe(true);
    expect(dest[0]).toBe(7);
  });
  it('KASSERTs len < DATASIZE/2 and off <= DATASIZE instead of reading out of bounds', () => {
    const mem = createShmifMem(100);
    const w: WrapFlag = { wrap: false };
    expect(() => shmifBusread(mem, new Uint8Array(50), 0, 50, w)).toThrow(ShmifError);
    expect(() => shmifBusread(mem, new Uint8Array(4), 101, 4, w)).toThrow(/KASSERT/);
  });
});

describe('shmif_advancefirst (84-95) and shmif_buswrite (97-133)', () => {
  it('pushes shm_first frame by frame over the region written', () => {
    const mem = createShmifMem(100);
    // frames of 20 bytes (12 + 8) at 0, 20, 40, 60, 80
    for (let off = 0; off < 100; off += 20) mem.view.setUint32(32 + off, 8, true);
    setFirst(mem, 20);
    shmifAdvancefirst(mem, 15, 30); // [15, 45) overlaps the frames at 20 and 40
    expect(getFirst(mem)).toBe(60);
    shmifAdvancefirst(mem, 73, 10); // 73 > 60 + 12: no longer considered overlapping
    expect(getFirst(mem)).toBe(60);
  });
  it('a write that fills the bus to the end evicts one more byte (the +1) and sets wrap', () => {
    const mem = createShmifMem(100);
    setFirst(mem, 100); // the never-wrapped sentinel
    const w: WrapFlag = { wrap: false };
    expect(shmifBuswrite(mem, 90, frame(10, 1), 10, w)).toBe(0);
    expect(w.wrap).toBe(true);
    // advancefirst(90, 11): 90 <= 112 && 101 > 100: first = nextpktoff(100) = nextpktoff(0) = 12
    expect(getFirst(mem)).toBe(12);
  });
});

describe('facts.md 1.4 worked example (writer: if_shmem.c 520-537)', () => {
  it('first frame at 12 past the phantom, the wrap, advancefirst and the generation count', () => {
    const bus = ShmifBus.create({ dataSize: 100 });
    const start = shmifAttachBus(bus.mem);
    expect(start).toEqual({ error: 0, nextpacket: 0, devgen: 0n });
    expect(bus.first).toBe(100); // BUSMEM_DATASIZE sentinel
    expect(bus.last).toBe(0);

    const a = shmifSendPacket(bus.mem, frame(20, 0xa), 1, 0);
    expect(a).toEqual({ offset: 12, end: 44, wrapped: false }); // phantom zero-length frame at 0
    const b = shmifSendPacket(bus.mem, frame(20, 0xb), 1, 1);
    expect(b).toEqual({ offset: 44, end: 76, wrapped: false });
    expect(bus.first).toBe(100);
    expect(bus.gen).toBe(0n);

    // C: header at 76..88, payload chunk 88..100 fills the bus (+1 evicts the phantom), rest at 0..8
    const c = shmifSendPacket(bus.mem, frame(20, 0xc), 1, 2);
    expect(c).toEqual({ offset: 76, end: 8, wrapped: true });
    expect(bus.first).toBe(12); // off the sentinel: past the phantom frame, at A
    expect(bus.gen).toBe(1n);

    const d = shmifSendPacket(bus.mem, frame(20, 0xd), 1, 3);
    expect(d).toEqual({ offset: 8, end: 40, wrapped: false });
    expect(bus.first).toBe(44); // A evicted by D's header
    const e = shmifSendPacket(bus.mem, frame(20, 0xe), 1, 4);
    expect(e.offset).toBe(40);
    expect(bus.first).toBe(76); // B evicted
    expect(getLast(bus.mem)).toBe(40);
    expect(getGen(bus.mem)).toBe(1n);
    expect(shmifNextpktoff(bus.mem, bus.last)).toBe(72);

    // C's payload straddles the end: bytes 88..99 and 0..7 are 0xc
    expect([...bus.mem.data.subarray(88, 100)].every((x) => x === 0xc)).toBe(true);
    expect([...bus.mem.data.subarray(0, 8)].every((x) => x === 0xc)).toBe(true);
  });

  it('counts one generation per packet write that reached the end', () => {
    const bus = ShmifBus.create({ dataSize: 200 });
    bus.attach();
    let wraps = 0;
    let total = 0;
    for (let i = 0; i < 100; i++) {
      const r = bus.send(frame(14 + (i % 23), i & 0xff));
      if (r.wrapped) wraps++;
      total += 12 + 14 + (i % 23);
    }
    expect(bus.gen).toBe(BigInt(wraps));
    // bytes written from offset 12 on, one wrap per 200 bytes passed
    expect(wraps).toBe(Math.floor((12 + total) / 200));
  });

  it('rejects a bus that is not magical with ENOEXEC (if_shmem.c 216-221)', () => {
    const bus = ShmifBus.create({ dataSize: 100 });
    bus.poke({ magic: 0x12345678 });
    expect(bus.initbackend().error).toBe(8);
    expect(() => bus.attach()).toThrow(expect.objectContaining({ kind: 'notMagical', errno: 8 }));
  });
});

describe('fast copies in a shared WebAssembly memory (fastcopy.ts) change speed, not bytes', () => {
  it('a wasm-backed bus with staging buffers ends byte-identical to a plain SharedArrayBuffer bus', () => {
    const fast = ShmifBus.create({ dataSize: 5000 });
    const plain = ShmifBus.create({ dataSize: 5000, wasm: false });
    expect(fast.memory).not.toBeNull();
    expect(fast.mem.fastCopy).not.toBeNull();
    expect(plain.memory).toBeNull();
    expect(plain.mem.fastCopy).toBeNull();
    fast.attach();
    plain.attach();
    const staged = fast.allocStaging(1514);
    const dest = fast.allocStaging(1514);
    const plainDest = new Uint8Array(1514);
    const fastPos = { nextpacket: 0, devgen: U64_ZERO };
    const plainPos = { nextpacket: 0, devgen: U64_ZERO };
    for (let i = 0; i < 200; i++) {
      const len = 14 + ((i * 577) % 1500);
      const f = frame(len, i & 0xff);
      for (let j = 0; j < len; j += 7) f[j] = (i * j) & 0xff;
      staged.set(f);
      fast.send(staged.subarray(0, len), i, 0);
      plain.send(f, i, 0);
      const a = shmifRcvStep(fast.mem, fastPos, dest, { variant: 'corrected' });
      const b = shmifRcvStep(plain.mem, plainPos, plainDest, { variant: 'corrected' });
      expect(a).toEqual(b);
      if (a !== null)
        expect(
          Buffer.compare(Buffer.from(dest.subarray(0, a.len)), Buffer.from(plainDest.subarray(0, a.len))),
        ).toBe(0);
    }
    expect(Buffer.compare(Buffer.from(fast.toImage()), Buffer.from(plain.toImage()))).toBe(0);
    expect(fast.gen).toBeGreaterThan(10n);
  });
  it('the lock takes and releases the shm_lock word through WebAssembly atomics, seen by Atomics', () => {
    const bus = ShmifBus.create({ dataSize: 100 });
    expect(bus.mem.wasmAtomics).not.toBeNull();
    expect(ShmifBus.create({ dataSize: 100, wasm: false }).mem.wasmAtomics).toBeNull();
    expect(bus.trylockbus()).toBe(true);
    expect(Atomics.load(bus.mem.atomics, 6)).toBe(1);
    expect(bus.trylockbus()).toBe(false);
    bus.unlockbus();
    expect(Atomics.load(bus.mem.atomics, 6)).toBe(0);
    Atomics.store(bus.mem.atomics, 6, 1); // taken by someone using Atomics
    expect(bus.trylockbus()).toBe(false);
    bus.unlockbus();
    expect(() => bus.unlockbus()).toThrow(expect.objectContaining({ kind: 'kassert' })); // KASSERT(old == LOCK_LOCKED)
  });
  it('staging space is bounded', () => {
    const bus = ShmifBus.create({ dataSize: 100, stagingBytes: 128 });
    bus.allocStaging(64);
    bus.allocStaging(64);
    expect(() => bus.allocStaging(1 << 20)).toThrow(/no room/);
  });
});

describe('the packet header as words (shmif_start 526, shmif_rcv 674): the same as busread/buswrite of 12 bytes', () => {
  // A 100-byte ring full of frames of assorted lengths, then every header offset: the direct
  // word path (header inside the ring) and the byte path (header reaching the end) must leave
  // the same bytes, shm_first, wrap flag and return value as the generic function.
  const bus = ShmifBus.create({ dataSize: 100 });
  bus.attach();
  for (let i = 0; i < 40; i++) bus.send(frame(14 + ((i * 7) % 20), i), i, 0);
  const image = bus.toImage();
  const hdr = { len: 0x1234, sec: 0xdeadbeef, usec: 999_999 };
  const copy = () => shmifMemOver(image.slice().buffer, 100);
  const outcome = (f: () => number) => {
    try {
      return { ret: f() };
    } catch (e) {
      return { kind: (e as ShmifError).kind };
    }
  };
  it('write: bytes, shm_first, wrap and the returned offset at every offset 0..DATASIZE', () => {
    for (let off = 0; off <= 100; off++) {
      const a = copy();
      const b = copy();
      const wa: WrapFlag = { wrap: false };
      const wb: WrapFlag = { wrap: false };
      const ra = outcome(() => shmifBuswritePkthdr(a, off, hdr.len, hdr.sec, hdr.usec, wa));
      const rb = outcome(() => shmifBuswrite(b, off, encodePkthdr(hdr), 12, wb));
      expect({ off, ...ra, wrap: wa.wrap }).toEqual({ off, ...rb, wrap: wb.wrap });
      expect(Buffer.compare(Buffer.from(a.bytes), Buffer.from(b.bytes))).toBe(0);
    }
  });
  it('read: fields, wrap and the returned offset at every offset 0..DATASIZE', () => {
    const mem = copy();
    const bytes = new Uint8Array(12);
    for (let off = 0; off <= 100; off++) {
      const wa: WrapFlag = { wrap: false };
      const wb: WrapFlag = { wrap: false };
      const out: PkthdrOut = { len: 0, sec: 0, usec: 0 };
      const ra = shmifBusreadPkthdr(mem, off, wa, out);
      const rb = shmifBusread(mem, bytes, off, 12, wb);
      expect({ off, ret: ra, wrap: wa.wrap, ...out }).toEqual({
        off,
        ret: rb,
        wrap: wb.wrap,
        ...decodePkthdr(bytes),
      });
    }
  });
  it('keeps the KASSERT len < DATASIZE/2 on the smallest ring', () => {
    const mem = createShmifMem(25);
    expect(() => shmifBuswritePkthdr(mem, 0, 0, 0, 0, { wrap: false })).toThrow(
      expect.objectContaining({ kind: 'kassert' }),
    );
    expect(() => shmifBusreadPkthdr(mem, 0, { wrap: false }, { len: 0, sec: 0, usec: 0 })).toThrow(
      expect.objectContaining({ kind: 'kassert' }),
    );
  });
});

describe('lock statistics (LockOptions.stats)', () => {
  it('count the failed attempts and the sleeps of a contended lockbus, nothing when it is free', () => {
    const mem = createShmifMem(100, true);
    const stats: LockStats = { failures: 0, sleeps: 0 };
    expect(shmifLockbus(mem, { stats })).toBe(0);
    expect(stats).toEqual({ failures: 0, sleeps: 0 });
    expect(getLock(mem)).toBe(1);
    // held (by "a thread that died"): cooldown 3, so a sleep after every 3 more failures
    expect(() => shmifLockbus(mem, { stats, cooldown: 3, sleepMs: 0, timeoutMs: 0 })).toThrow(
      expect.objectContaining({ kind: 'lockWedged' }),
    );
    expect(stats).toEqual({ failures: 4, sleeps: 0 }); // the watchdog fires at the first sleep
    // the clock of the watchdog says: 0 at the start, 0 at the first check (sleep), then 10 ms
    const now = vi.spyOn(Date, 'now');
    now.mockReturnValueOnce(0).mockReturnValueOnce(0).mockReturnValue(10);
    try {
      expect(() => shmifLockbus(mem, { stats, cooldown: 3, sleepMs: 0, timeoutMs: 5 })).toThrow(
        expect.objectContaining({ kind: 'lockWedged' }),
      );
    } finally {
      now.mockRestore();
    }
    expect(stats).toEqual({ failures: 4 + 8, sleeps: 1 });
    setLock(mem, 0);
    expect(shmifLockbus(mem, { stats })).toBe(0);
    expect(stats.failures).toBe(12);
  });
});

describe('the write watch (kqueue EV_CLEAR model) with polling before Atomics.wait', () => {
  it('returns woken for a pending wake-up and timed-out without one, polling or not', () => {
    const bus = ShmifBus.create({ dataSize: 100 });
    const watch = bus.watch();
    expect(watch.wait(0, 100)).toBe('timed-out');
    expect(watch.wait(0)).toBe('timed-out');
    bus.wakeup();
    expect(watch.pending()).toBe(true);
    expect(watch.wait(0, 100)).toBe('woken');
    expect(watch.pending()).toBe(false);
    expect(watch.wait(0, 100)).toBe('timed-out');
    bus.wakeup();
    bus.wakeup();
    expect(watch.wait(0)).toBe('woken'); // both consumed at once (EV_CLEAR)
    expect(watch.wait(0, 5)).toBe('timed-out');
  });
});

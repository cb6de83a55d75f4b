// Bus files (the bytes rumpuser_filemmap maps in if_shmem.c 208-210) and pcap export
// (shmif_dumpbus, facts.md 1.8). A bus file written by the package is parsed here by an
// independent reader written from the layout table of facts.md 1.3, not from package code;
// the pcap export is read by tshark.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NETBSD_ERRNO } from '@kspec/spec-kit';
import { describe, expect, it } from 'vitest';
import { loadBusFile, saveBusFile } from '../node.js';
import {
  BUSMEM_DATASIZE,
  BUSMEM_SIZE,
  ShmifBus,
  ShmifError,
  busToPcap,
  createShmifMem,
  parseBusFile,
  setFirst,
  setLast,
  shmifAdvancefirst,
  shmifNextpktoff,
  walkBusFrames,
} from '../index.js';

/** An Ethernet frame: dst broadcast, src b2:a0:..:id, type 0x88b5, payload bytes derived from id. */
function ethFrame(id: number, len: number): Uint8Array {
  const f = new Uint8Array(len);
  f.fill(0xff, 0, 6);
  f.set([0xb2, 0xa0, 0, 0, 0, id & 0xff], 6);
  f.set([0x88, 0xb5], 12);
  for (let i = 14; i < len; i++) f[i] = (id * 13 + i) & 0xff;
  return f;
}

/** Independent reader from facts.md 1.3: header fields at 0/4/8/16/20/24/28, data at 32, 12-byte packet headers. */
function independentParse(file: Buffer, dataSize: number) {
  const u32 = (o: number) => file.readUInt32LE(o);
  const hdr = {
    magic: u32(0),
    version: u32(4),
    gen: file.readBigUInt64LE(8),
    first: u32(16),
    last: u32(20),
    lock: u32(24),
    spare: u32(28),
  };
  const byteAt = (off: number) => file[32 + (off % dataSize)] as number;
  const ringBytes = (off: number, n: number) =>
    Buffer.from(Array.from({ length: n }, (_, i) => byteAt(off + i)));
  // oldest frame: first (dataSize means "never wrapped": start at 0); walk to last
  const frames: { off: number; len: number; sec: number; usec: number; data: Buffer }[] = [];
  let off = hdr.first === dataSize ? 0 : hdr.first;
  for (let guard = 0; guard < 100_000; guard++) {
    const h = ringBytes(off, 12);
    const len = h.readUInt32LE(0);
    if (len !== 0)
      frames.push({
        off,
        len,
        sec: h.readUInt32LE(4),
        usec: h.readUInt32LE(8),
        data: ringBytes(off + 12, len),
      });
    if (off === hdr.last) break;
    off = (off + 12 + len) % dataSize;
  }
  return { hdr, frames };
}

describe('bus file layout (facts.md 1.3) read by an independent parser', () => {
  it('a 1 MiB bus written by the package parses field by field and frame by frame', async () => {
    const bus = ShmifBus.create();
    bus.attach();
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 1500; i++) {
      const f = ethFrame(i, 60 + ((i * 389) % 1455));
      sent.push(f);
      bus.send(f, 1000 + i, (i * 7919) % 1_000_000);
    }
    bus.wakeup();
    const dir = mkdtempSync(join(tmpdir(), 'kspec-bus-'));
    const path = join(dir, 'bus');
    await saveBusFile(path, bus.mem);
    const file = readFileSync(path);
    expect(file.length).toBe(BUSMEM_SIZE);

    const { hdr, frames } = independentParse(file, BUSMEM_DATASIZE);
    expect(hdr.magic).toBe(0xca11d054);
    expect(hdr.version).toBe(2); // the wake-up pwrite stored SHMIF_VERSION
    expect(hdr.gen).toBe(bus.gen);
    expect(hdr.gen).toBeGreaterThan(0n);
    expect(hdr.first).toBe(bus.first);
    expect(hdr.last).toBe(bus.last);
    expect(hdr.lock).toBe(0);
    expect(hdr.spare).toBe(0);
    // the frames still on the bus are the newest ones sent, in order, byte for byte
    const tail = sent.slice(sent.length - frames.length);
    expect(frames.length).toBeGreaterThan(500);
    frames.forEach((f, i) => {
      expect(f.len).toBe(tail[i]!.length);
      expect(f.sec).toBe(1000 + sent.length - frames.length + i);
      expect(Buffer.compare(f.data, Buffer.from(tail[i]!))).toBe(0);
    });

    // and the package's own loader agrees
    const parsed = await loadBusFile(path);
    expect(parsed.header.first).toBe(hdr.first);
    const again = ShmifBus.fromImage(parsed.image);
    let n = 0;
    walkBusFrames(again.mem, () => n++);
    expect(n).toBe(frames.length);
  });
});

describe('pcap export (shmif_dumpbus -p), read by tshark', () => {
  it('has the frames from first to last with their bytes and timestamps', () => {
    const bus = ShmifBus.create({ dataSize: 8192 });
    bus.attach();
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const f = ethFrame(i, 60 + ((i * 97) % 700));
      sent.push(f);
      bus.send(f, 100 + i, i * 1000);
    }
    const pcap = busToPcap(bus.mem);
    const frames: Uint8Array[] = [];
    walkBusFrames(bus.mem, (f) => frames.push(f.payload));
    const tail = sent.slice(sent.length - frames.length);
    expect(bus.gen).toBeGreaterThan(0n); // the ring has wrapped: a partial history
    expect(frames.length).toBeLessThan(sent.length);

    // the 24-byte global header and 16-byte records, from the libpcap file format
    const b = Buffer.from(pcap);
    expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect([b.readUInt16LE(4), b.readUInt16LE(6)]).toEqual([2, 4]);
    expect(b.readUInt32LE(16)).toBe(1518);
    expect(b.readUInt32LE(20)).toBe(1);

    const dir = mkdtempSync(join(tmpdir(), 'kspec-pcap-'));
    const path = join(dir, 'bus.pcap');
    writeFileSync(path, pcap);
    const out = execFileSync(
      'tshark',
      ['-r', path, '-T', 'fields', '-e', 'frame.len', '-e', 'frame.time_epoch', '-e', 'eth.src'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const lines = out.split('\n').filter((l) => /^\d+\t/.test(l));
    expect(lines.length).toBe(tail.length);
    lines.forEach((l, i) => {
      const [len, epoch, src] = l.split('\t');
      const id = sent.length - frames.length + i;
      expect(Number(len)).toBe(tail[i]!.length);
      expect(Number(epoch)).toBeCloseTo(100 + id + (id * 1000) / 1e6, 5);
      expect(src).toBe(`b2:a0:00:00:00:${(id & 0xff).toString(16).padStart(2, '0')}`);
    });
    // byte-for-byte: tshark's hex dump of every frame
    const hex = execFileSync('tshark', ['-r', path, '-T', 'json', '-x'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const json = JSON.parse(hex) as { _source: { layers: { frame_raw: [string, ...unknown[]] } } }[];
    expect(json.map((p) => p._source.layers.frame_raw[0])).toEqual(
      tail.map((f) => Buffer.from(f).toString('hex')),
    );
  });
});

describe('bad input: typed errors, never a read out of bounds', () => {
  const good = (): Uint8Array => {
    const bus = ShmifBus.create({ dataSize: 1000 });
    bus.attach();
    for (let i = 0; i < 30; i++) bus.send(ethFrame(i, 60 + i));
    return bus.toImage();
  };

  it('wrong magic: ENOEXEC as initbackend returns (if_shmem.c 216-221)', () => {
    const img = good();
    new DataView(img.buffer).setUint32(0, 0xdeadbeef, true);
    expect(() => parseBusFile(img, { dataSize: 1000 })).toThrow(
      expect.objectContaining({ kind: 'notMagical', errno: NETBSD_ERRNO.ENOEXEC, offset: 0 }),
    );
  });

  it('truncated and oversized files; ftruncate semantics on request', () => {
    const img = good();
    expect(() => parseBusFile(img.subarray(0, 500), { dataSize: 1000 })).toThrow(
      expect.objectContaining({ kind: 'truncatedFile' }),
    );
    expect(() => parseBusFile(new Uint8Array(10), {})).toThrow(
      expect.objectContaining({ kind: 'truncatedFile' }),
    );
    const big = new Uint8Array(img.length + 4);
    big.set(img);
    expect(() => parseBusFile(big, { dataSize: 1000 })).toThrow(
      expect.objectContaining({ kind: 'wrongSize' }),
    );
    expect(parseBusFile(big, { dataSize: 1000, size: 'ftruncate' }).image.length).toBe(1032);
    // a short fresh file: ftruncate zero-fills it into a fresh bus
    expect(parseBusFile(new Uint8Array(8), { dataSize: 1000, size: 'ftruncate' }).fresh).toBe(true);
  });

  it('a version other than 0 or SHMIF_VERSION is refused as dumpbus does, accepted as initbackend does', () => {
    const img = good();
    new DataView(img.buffer).setUint32(4, 3, true);
    expect(() => parseBusFile(img, { dataSize: 1000 })).toThrow(
      expect.objectContaining({ kind: 'badVersion', offset: 4 }),
    );
    expect(parseBusFile(img, { dataSize: 1000, version: 'ignore' }).header.version).toBe(3);
  });

  it('an impossible packet length names the frame offset', () => {
    const img = good();
    const dv = new DataView(img.buffer);
    const last = dv.getUint32(20, true);
    dv.setUint32(32 + last, 60_000, true);
    expect(() => parseBusFile(img, { dataSize: 1000 })).toThrow(
      expect.objectContaining({ kind: 'impossibleLength', offset: last }),
    );
  });

  it('offsets outside the data area', () => {
    for (const [field, value] of [
      [16, 1001],
      [20, 1000],
      [20, 0xffffffff],
    ] as const) {
      const img = good();
      new DataView(img.buffer).setUint32(field, value, true);
      expect(() => parseBusFile(img, { dataSize: 1000 })).toThrow(
        expect.objectContaining({ kind: 'offsetOutOfRange' }),
      );
    }
    const img = good();
    const dv = new DataView(img.buffer);
    dv.setUint32(20, dv.getUint32(20, true) + 1, true); // shm_last off a frame boundary
    expect(() => parseBusFile(img, { dataSize: 1000 })).toThrow(ShmifError);
  });

  it('bus operations on a corrupt bus stop with KASSERT errors or impossibleLength, not hangs', () => {
    const mem = createShmifMem(100);
    mem.view.setUint32(32 + 20, 200, true); // sp_len >= BUSMEM_DATASIZE
    expect(() => shmifNextpktoff(mem, 20)).toThrow(/sp.sp_len < BUSMEM_DATASIZE/);
    expect(() => shmifNextpktoff(mem, 101)).toThrow(/off <= BUSMEM_DATASIZE/);
    mem.view.setUint32(32 + 20, 88, true); // 12 + 88 = DATASIZE: nextpktoff(20) == 20, C spins forever
    setFirst(mem, 20);
    setLast(mem, 0);
    expect(() => shmifAdvancefirst(mem, 10, 20)).toThrow(
      expect.objectContaining({ kind: 'impossibleLength', offset: 20 }),
    );
  });
});

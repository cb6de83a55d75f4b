// walkBusFrames({ walk: 'dumpbus' }): the main loop of usr.bin/shmif_dumpbus as written
// (facts.md 1.8): `while (curbus <= buslast || bonus)`, no stop at shm_last, its asserts and the
// KASSERT (assert() in userland) of shmif_busread. Each case below is traced by hand from that
// loop; the safe walk (the default) stops after the frame at shm_last.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUSMEM_DATASIZE,
  DUMPBUS_BUFSIZE,
  ShmifBus,
  ShmifError,
  createShmifMem,
  getFirst,
  getLast,
  shmifInitbackendBus,
  shmifNextpktoff,
  shmifWritePacketLocked,
  walkBusFrames,
} from '../index.js';
import type { ShmifMem, WalkBusFramesOptions } from '../index.js';

/** A bus of `dataSize` bytes after frames of these payload lengths, frame k filled with k + 1. */
function busAfter(dataSize: number, lens: readonly number[]): ShmifMem {
  const mem = createShmifMem(dataSize);
  shmifInitbackendBus(mem);
  lens.forEach((len, k) => shmifWritePacketLocked(mem, [new Uint8Array(len).fill(k + 1)], k + 1, 0));
  return mem;
}

/** The offsets visited, and how the walk ended ('ok' or the error kind and message). */
function walk(mem: ShmifMem, options?: WalkBusFramesOptions): { offsets: number[]; end: string } {
  const offsets: number[] = [];
  try {
    walkBusFrames(mem, (f) => offsets.push(f.offset), options);
    return { offsets, end: 'ok' };
  } catch (e) {
    if (!(e instanceof ShmifError)) throw e;
    return { offsets, end: `${e.kind}: ${e.message}` };
  }
}

const DUMPBUS = { walk: 'dumpbus' } as const;

describe("shmif_dumpbus's walk (facts.md 1.8), modelled as written", () => {
  it('the newest frame does not wrap: both walks stop after it (curbus > buslast)', () => {
    const mem = busAfter(100, [14, 14, 14, 14, 14, 14]); // first 90, last 42, the newest ends at 68
    expect(walk(mem)).toEqual({ offsets: [90, 16, 42], end: 'ok' });
    expect(walk(mem, DUMPBUS)).toEqual({ offsets: [90, 16, 42], end: 'ok' });
  });

  it('the newest frame straddles the end: dumpbus reads on into stale bytes and stops at the assert in shmif_busread', () => {
    // 64-byte ring, five 26-byte frames: first 26 (#4), last 52 (#5: header 52..64, payload
    // 0..14). Reading #5 wraps (bonus 0) and returns 14 <= buslast: the loop goes on at 14, in
    // the middle of the overwritten #3, whose payload bytes 03 03 03 03 read as sp_len
    // 0x03030303: shmif_busread's KASSERT(len < BUSMEM_DATASIZE/2) fails (an abort).
    const mem = busAfter(64, [14, 14, 14, 14, 14]);
    expect([getFirst(mem), getLast(mem), shmifNextpktoff(mem, getLast(mem))]).toEqual([26, 52, 14]);
    expect(walk(mem)).toEqual({ offsets: [26, 52], end: 'ok' });
    const d = walk(mem, DUMPBUS);
    expect(d.offsets).toEqual([26, 52]);
    expect(d.end).toMatch(
      /^kassert: shmif_busread: KASSERT\(len < \(BUSMEM_DATASIZE\/2\) && off <= BUSMEM_DATASIZE\)/,
    );
  });

  it('the stale bytes can look like a frame: dumpbus dumps it before the assert stops it', () => {
    const mem = busAfter(64, [24, 17, 14, 15, 14, 21, 23]); // first = last = 61, the newest wraps
    expect(walk(mem)).toEqual({ offsets: [61], end: 'ok' });
    const d = walk(mem, DUMPBUS);
    expect(d.offsets).toEqual([61, 32]); // 32: a header left by an overwritten frame
    expect(d.end).toMatch(/^kassert: shmif_busread/);
  });

  it('the newest frame ends where the oldest begins (a full ring): dumpbus loops forever', () => {
    // 64-byte ring: #1 (25) at 12..49, #2 (15) at 49..76 = 12: the read of #2 returns 12 = first,
    // 12 <= buslast, and the same frames come round again and again.
    const mem = busAfter(64, [25, 15]);
    expect(walk(mem)).toEqual({ offsets: [12, 49], end: 'ok' });
    expect(walk(mem, DUMPBUS)).toEqual({
      offsets: [12, 49],
      end: 'walkLoops: shmif_dumpbus: the walk is back at offset 12 and loops forever (shm_first 12, shm_last 49)',
    });
  });

  it('the newest frame ends exactly at the end: the read returns 0 and the walk starts over (the phantom, then again)', () => {
    // 100-byte ring: #1 at 12, #2 at 44, #3 at 73..100: busread returns 0 with wrap; at 0 the
    // zero header of a fresh bus is skipped (curlen 0: continue) and 12 comes round again.
    const mem = busAfter(100, [20, 17, 15]);
    expect(shmifNextpktoff(mem, getLast(mem))).toBe(0);
    expect(walk(mem, DUMPBUS)).toMatchObject({
      offsets: [12, 44, 73],
      end: expect.stringMatching(/^walkLoops: .* back at offset 12/),
    });
  });

  it('-p mode asserts curlen <= BUFSIZE (64 KiB) before the payload read; without -p the stale frame is read', () => {
    // a 1 MiB bus whose newest frame straddles the end, and a stale "header" with sp_len 128 KiB
    // after it (between BUFSIZE and BUSMEM_DATASIZE/2)
    const bus = ShmifBus.create();
    bus.attach();
    for (let i = 0; bus.gen === 0n || shmifNextpktoff(bus.mem, bus.last) > bus.last; i++)
      bus.send(new Uint8Array(1400 + (i % 100)), i, 0);
    const end = shmifNextpktoff(bus.mem, bus.last);
    bus.mem.view.setUint32(32 + end, 2 * DUMPBUS_BUFSIZE, true);
    expect(2 * DUMPBUS_BUFSIZE).toBeLessThan(BUSMEM_DATASIZE / 2);
    const safe = walk(bus.mem);
    expect(safe.end).toBe('ok');
    const pcap = walk(bus.mem, { walk: 'dumpbus', pcap: true });
    expect(pcap.offsets).toEqual(safe.offsets);
    expect(pcap.end).toBe(`kassert: shmif_dumpbus: assert(curlen <= BUFSIZE) failed at offset ${end}`);
    const text = walk(bus.mem, DUMPBUS);
    expect(text.offsets.slice(0, safe.offsets.length + 1)).toEqual([...safe.offsets, end]);
  });

  it('whenever the newest frame neither wraps nor ends at the end, the walks agree (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(64, 100, 200),
        fc.array(fc.integer({ min: 14, max: 30 }), { minLength: 1, maxLength: 14 }),
        (dataSize, lens) => {
          let mem: ShmifMem;
          try {
            mem = busAfter(dataSize, lens);
          } catch (e) {
            // frames near DATASIZE/2 on a tiny ring can leave shm_first in stale bytes, and a
            // later write's shmif_advancefirst then fails a KASSERT (see @kspec/shmif's README)
            if (e instanceof ShmifError && e.kind === 'kassert') return fc.pre(false);
            throw e;
          }
          fc.pre(shmifNextpktoff(mem, getLast(mem)) > getLast(mem));
          const safe = walk(mem);
          fc.pre(safe.end === 'ok');
          expect(walk(mem, DUMPBUS)).toEqual(safe);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

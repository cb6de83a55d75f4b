// The bus side of shmif_rcv (if_shmem.c rev 1.33, 611-716) and stillvalid_p (580-608), and
// the findings SHMIF-BUS-1..3 about it (docs/findings.md), each pinned by its shortest schedule.
import { describe, expect, it } from 'vitest';
import {
  SHMIF_BUS_FINDINGS,
  SHMIF_READER_CORRECTIONS,
  createShmifMem,
  exploreReaderSchedules,
  getFirst,
  getLast,
  replayReaderSchedule,
  setFirst,
  setGen,
  setLast,
  shmifInitbackendBus,
  shmifRcvNeedsData,
  shmifRcvReadLocked,
  shmifReaderStart,
  shmifStillvalidP,
  shmifWritePacketLocked,
  getGenNumber,
  genCompare,
  u64FromBigint,
  u64Increment,
} from '../index.js';
import type { ReaderScheduleStep, ShmifMem, ShmifReaderVariant } from '../index.js';

const W = (len: number): ReaderScheduleStep => ({ op: 'write', len });
/** A u64 generation. */
const g = (n: number | bigint) => u64FromBigint(BigInt(n));
const A: ReaderScheduleStep = { op: 'attach' };
const R: ReaderScheduleStep = { op: 'read' };

/** A 100-byte ring with 20-byte frames (12 + 8) at every multiple of 20. */
function tiled(first: number, last: number, gen: number): ShmifMem {
  const mem = createShmifMem(100);
  for (let off = 0; off < 100; off += 20) mem.view.setUint32(32 + off, 8, true);
  setFirst(mem, first);
  setLast(mem, last);
  setGen(mem, BigInt(gen));
  return mem;
}

describe('stillvalid_p (580-608)', () => {
  it.each([
    // linear valid data [first, lastoff): only the same generation is valid
    { first: 20, last: 60, gen: 5, pos: { nextpacket: 40, devgen: 5 }, valid: true },
    { first: 20, last: 60, gen: 5, pos: { nextpacket: 80, devgen: 5 }, valid: true }, // == lastoff
    { first: 20, last: 60, gen: 5, pos: { nextpacket: 0, devgen: 5 }, valid: false },
    { first: 20, last: 60, gen: 5, pos: { nextpacket: 40, devgen: 4 }, valid: false },
    // wrapped valid data [first, end) + [0, lastoff): previous generation above first, current below lastoff
    { first: 60, last: 20, gen: 5, pos: { nextpacket: 80, devgen: 4 }, valid: true },
    { first: 60, last: 20, gen: 5, pos: { nextpacket: 20, devgen: 5 }, valid: true },
    { first: 60, last: 20, gen: 5, pos: { nextpacket: 40, devgen: 5 }, valid: true }, // == lastoff
    { first: 60, last: 20, gen: 5, pos: { nextpacket: 40, devgen: 4 }, valid: false },
    { first: 60, last: 20, gen: 5, pos: { nextpacket: 80, devgen: 3 }, valid: false }, // gendiff > 1
  ])(
    'first $first last $last gen $gen at $pos.nextpacket/$pos.devgen: $valid',
    ({ first, last, gen, pos, valid }) => {
      expect(
        shmifStillvalidP(tiled(first, last, gen), { nextpacket: pos.nextpacket, devgen: g(pos.devgen) }),
      ).toBe(valid);
    },
  );

  it('KASSERTs shm_first != shm_last (line 587)', () => {
    expect(() => shmifStillvalidP(tiled(40, 40, 1), { nextpacket: 40, devgen: g(1) })).toThrow(
      /shm_first != busmem->shm_last/,
    );
  });

  it('computes gendiff as 32-bit unsigned (line 583): 2^32 generations behind looks current', () => {
    const mem = tiled(20, 60, 2 ** 32 + 5);
    expect(shmifStillvalidP(mem, { nextpacket: 40, devgen: g(5) })).toBe(true);
  });
});

describe('shmif_rcv on the bus (641-694)', () => {
  it('has no new data at the end of the newest frame in the bus generation (646-648)', () => {
    const mem = createShmifMem(100);
    shmifInitbackendBus(mem);
    const pos = shmifReaderStart(mem);
    expect(pos).toEqual({ nextpacket: 0, devgen: g(0) }); // initbackend 234-235: shm_last, shm_gen
    expect(shmifRcvNeedsData(mem, pos)).toBe(false); // the phantom frame at 0 is "new"
    shmifWritePacketLocked(mem, [new Uint8Array(20).fill(1)], 0, 0);
    const dest = new Uint8Array(64);
    const f0 = shmifRcvReadLocked(mem, pos, dest);
    expect(f0).toMatchObject({ len: 0, offset: 0, overrun: false });
    const f1 = shmifRcvReadLocked(mem, pos, dest);
    expect(f1).toMatchObject({ len: 20, offset: 12, overrun: false });
    expect(pos.nextpacket).toBe(44);
    expect(shmifRcvNeedsData(mem, pos)).toBe(true);
  });

  it('resyncs to shm_first after an overrun (658-669)', () => {
    const mem = createShmifMem(100);
    shmifInitbackendBus(mem);
    const pos = shmifReaderStart(mem);
    for (let i = 0; i < 12; i++) shmifWritePacketLocked(mem, [new Uint8Array(14).fill(i)], i, 0);
    expect(getGenNumber(mem)).toBeGreaterThan(1);
    const f = shmifRcvReadLocked(mem, pos, new Uint8Array(64));
    expect(f.overrun).toBe(true);
    expect(f.offset).toBe(getFirst(mem));
    expect(getLast(mem)).not.toBe(getFirst(mem));
  });
});

const faithful = { dataSize: 64, variant: 'faithful' as ShmifReaderVariant };
const corrected = { dataSize: 64, variant: 'corrected' as ShmifReaderVariant };

describe('SHMIF-BUS-1: the phantom frame at offset 0 is delivered (initbackend 234, shmif_rcv 679-697)', () => {
  const schedule = [A, R];
  it('faithful: a fresh reader delivers a zero-length frame nobody wrote', () => {
    const r = replayReaderSchedule(faithful, schedule);
    expect(r.violation?.kind).toBe('notWritten');
    expect(r.log).toEqual(['attach at 0/gen 0', 'read -> #0 at 0']);
  });
  it('corrected: the frame is skipped', () => {
    const r = replayReaderSchedule(corrected, schedule);
    expect(r.violation).toBeNull();
    expect(r.log[1]).toBe('read -> skipped 0-byte frame at 0');
  });
});

describe('SHMIF-BUS-3: resync takes the wrong generation when the newest frame wraps (663-666)', () => {
  // W14 fills [12, 38), the second W14 [38, 64) ends exactly at the end: shm_gen 1, shm_first 12,
  // shm_last 38 < shm_first is false, so the reader resyncs with sc_devgen = shm_gen although
  // [12, 64) is the lap before the wrap.
  const dup = [A, W(14), W(14), R, R];
  it('faithful: the same frame is delivered again and again', () => {
    const r = replayReaderSchedule(faithful, dup);
    expect(r.violation?.kind).toBe('duplicate');
    expect(r.log).toEqual([
      'attach at 0/gen 0',
      'write 14 -> #1 at 12',
      'write 14 -> #2 at 38 (wrap)',
      'read -> #1 at 12 (overrun)',
      'read -> #1 at 12 (overrun)',
    ]);
  });
  it('faithful: frames skipped without an overrun on a 100-byte ring', () => {
    const r = replayReaderSchedule({ dataSize: 100, variant: 'faithful' }, [
      A,
      W(14),
      W(14),
      W(25),
      R,
      W(25),
      W(14),
      R,
    ]);
    expect(r.violation?.kind).toBe('silentLoss');
    expect(r.violation?.message).toBe('frames #2..#4 skipped without an overrun');
  });
  it('corrected: every frame once, in order', () => {
    const r = replayReaderSchedule(corrected, [...dup, R]);
    expect(r.violation).toBeNull();
    expect(r.log.slice(3)).toEqual(['read -> #1 at 12 (overrun)', 'read -> #2 at 38', 'read -> no new data']);
    expect(
      replayReaderSchedule({ dataSize: 100, variant: 'corrected' }, [
        A,
        W(14),
        W(14),
        W(25),
        R,
        W(25),
        W(14),
        R,
      ]).violation,
    ).toBeNull();
  });
});

describe('SHMIF-BUS-2: attaching while the newest frame wraps (initbackend 234-235, shmif_init 385-386)', () => {
  const schedule = [W(14), W(14), A, W(14), W(14), R];
  it('faithful: the reader takes the middle of a frame for a header (KASSERT at 675)', () => {
    const r = replayReaderSchedule(faithful, schedule);
    expect(r.violation?.kind).toBe('kassert');
    expect(r.violation?.message).toMatch(/nextpkt > busmem->shm_last && sc->sc_devgen == busmem->shm_gen/);
    expect(r.log[2]).toBe('attach at 38/gen 1');
  });
  it('corrected: attaches one generation back and reads on', () => {
    const r = replayReaderSchedule(corrected, schedule);
    expect(r.violation).toBeNull();
    expect(r.log[2]).toBe('attach at 38/gen 0');
  });
});

describe('the corrections are stated in one place', () => {
  it('names exactly the three findings', () => {
    expect(Object.keys(SHMIF_READER_CORRECTIONS)).toEqual(['SHMIF-BUS-1', 'SHMIF-BUS-2', 'SHMIF-BUS-3']);
  });
});

describe('breadth-first exploration (shortest schedules)', () => {
  it('faithful: the shortest counterexamples are the pinned schedules', () => {
    const r = exploreReaderSchedules({
      ...faithful,
      payloadLengths: [14, 19],
      attach: 'anywhere',
      maxDepth: 6,
    });
    const byKind = Object.fromEntries(r.counterexamples.map((c) => [c.kind, c.schedule.length]));
    expect(byKind).toEqual({ notWritten: 2, duplicate: 5, kassert: 6 });
  });
  it('corrected: no counterexample within 7 steps on two ring sizes', () => {
    for (const o of [
      { dataSize: 64, payloadLengths: [14, 19] },
      { dataSize: 100, payloadLengths: [14, 19, 25] },
    ]) {
      const r = exploreReaderSchedules({ ...o, variant: 'corrected', attach: 'anywhere', maxDepth: 7 });
      expect(r.counterexamples).toEqual([]);
      expect(r.schedules).toBeGreaterThan(10_000);
    }
  });
});

describe('corrected reader on long random schedules (several readers, seeded)', () => {
  it('never delivers a frame not written, twice, out of order, or skips one without an overrun', () => {
    let seed = 0x12345678;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const mem = createShmifMem(300);
    shmifInitbackendBus(mem);
    const readers = Array.from({ length: 3 }, () => ({
      pos: shmifReaderStart(mem, 'corrected'),
      last: 0,
      overruns: 0,
      got: 0,
    }));
    const dest = new Uint8Array(64);
    const bad: string[] = [];
    let id = 0;
    for (let step = 0; step < 40_000; step++) {
      if (rnd(5) < 2) {
        id++;
        shmifWritePacketLocked(mem, [new Uint8Array(14 + rnd(30)).fill(id & 0xff)], id, 0);
        continue;
      }
      const r = readers[rnd(3)]!;
      if (genCompare(mem, r.pos.devgen) < 0) bad.push(`step ${step}: sc_devgen ahead of shm_gen`);
      if (shmifRcvNeedsData(mem, r.pos)) continue;
      const f = shmifRcvReadLocked(mem, r.pos, dest, 'corrected');
      if (f.wrapped) r.pos.devgen = u64Increment(r.pos.devgen);
      if (f.skipped) continue;
      if (f.len < 14 || !dest.subarray(0, f.len).every((b) => b === (f.sec & 0xff)))
        bad.push(`step ${step}: torn frame`);
      if (f.sec <= r.last) bad.push(`step ${step}: #${f.sec} after #${r.last}`);
      if (f.sec !== r.last + 1 && !f.overrun)
        bad.push(`step ${step}: #${r.last + 1}..#${f.sec - 1} lost silently`);
      if (f.overrun) r.overruns++;
      r.last = f.sec;
      r.got++;
    }
    expect(bad).toEqual([]);
    for (const r of readers) {
      expect(r.got).toBeGreaterThan(1000);
      expect(r.overruns).toBeGreaterThan(10);
    }
  });
});

describe('the findings as recorded in the manifest', () => {
  it('replay to the violation they name (faithful) and to none (corrected)', () => {
    const kinds: Record<string, string> = {
      'SHMIF-BUS-1': 'notWritten',
      'SHMIF-BUS-2': 'kassert',
      'SHMIF-BUS-3': 'duplicate',
      'SHMIF-BUS-4': 'kassert',
    };
    expect(SHMIF_BUS_FINDINGS.map((f) => f.id)).toEqual(Object.keys(kinds));
    for (const f of SHMIF_BUS_FINDINGS) {
      const schedule = (f.trace ?? []).map((e) =>
        e.type === 'write' ? W((e as unknown as { len: number }).len) : e.type === 'attach' ? A : R,
      );
      // SHMIF-BUS-4 starts on a bus of generation 2^64 - 1; the corrected reader keeps that KASSERT
      if (f.id === 'SHMIF-BUS-4') {
        const at = { initialGen: 2n ** 64n - 1n };
        expect(replayReaderSchedule({ ...faithful, ...at }, schedule).violation?.kind).toBe('kassert');
        expect(replayReaderSchedule(faithful, schedule).violation?.kind).not.toBe('kassert');
        continue;
      }
      expect(replayReaderSchedule(faithful, schedule).violation?.kind).toBe(kinds[f.id]);
      expect(replayReaderSchedule(corrected, schedule).violation).toBeNull();
      expect(f.seed.every((s) => s.file === 'netbsd-rump-if_shmem.c')).toBe(true);
    }
  });
});

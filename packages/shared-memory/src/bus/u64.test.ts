// shm_gen and sc_devgen are uint64_t (shmifvar.h; if_shmem.c 583, 643, 646, 661-666, 675, 692):
// every u64 value must behave as in C, near 2^32, above 2^53 (where a JS number rounds) and at
// the 2^64 wrap, and finding SHMIF-BUS-4 (the wrap trips KASSERT 643 in every reader).
import { describe, expect, it } from 'vitest';
import {
  SHMIF_BUS_FINDINGS,
  createShmifMem,
  exploreReaderSchedules,
  genCompare,
  genLow32Diff,
  getGen,
  incrementGen,
  replayReaderSchedule,
  setFirst,
  setGen,
  setLast,
  shmifInitbackendBus,
  shmifNextpktoff,
  shmifRcvNeedsData,
  shmifRcvStep,
  shmifReaderStart,
  shmifStillvalidP,
  shmifWritePacketLocked,
  u64Compare,
  u64Decrement,
  u64FromBigint,
  u64Increment,
  u64String,
  u64ToBigint,
} from '../index.js';
import type { ReaderScheduleStep, ShmifMem } from '../index.js';

const g = (n: bigint) => u64FromBigint(n);
const TWO32 = 2n ** 32n;
const TWO53 = 2n ** 53n;
const TWO64 = 2n ** 64n;

/** A 100-byte ring with 20-byte frames at every multiple of 20, linear valid data [20, 80). */
function linear(gen: bigint): ShmifMem {
  const mem = createShmifMem(100);
  for (let off = 0; off < 100; off += 20) mem.view.setUint32(32 + off, 8, true);
  setFirst(mem, 20);
  setLast(mem, 60);
  setGen(mem, gen);
  return mem;
}

describe('U64 arithmetic (two u32 halves) is exact and wraps at 2^64', () => {
  it.each([0n, 1n, TWO32 - 1n, TWO32, TWO32 + 1n, TWO53 - 1n, TWO53, TWO53 + 1n, TWO64 - 2n, TWO64 - 1n])(
    '%s: increment, decrement, compare, bigint round trip',
    (v) => {
      expect(u64ToBigint(g(v))).toBe(v);
      expect(u64ToBigint(u64Increment(g(v)))).toBe((v + 1n) % TWO64);
      expect(u64ToBigint(u64Decrement(g(v)))).toBe((v - 1n + TWO64) % TWO64);
      expect(u64Compare(u64Increment(g(v)), g(v))).toBe(v === TWO64 - 1n ? -1 : 1);
      expect(u64String(g(v))).toBe(v.toString());
    },
  );
});

describe("stillvalid_p's unsigned gendiff = shm_gen - sc_devgen (line 583)", () => {
  it.each([
    // [shm_gen, sc_devgen, C's gendiff]
    [TWO32 + 1n, TWO32, 1],
    [TWO32, TWO32 - 1n, 1], // the low halves wrap: 0 - 0xffffffff
    [TWO32 + 5n, 5n, 0], // 2^32 generations behind looks current (truncated to 32 bits)
    [TWO53 + 1n, TWO53, 1], // as numbers both are 2^53: gendiff 0
    [TWO53 + 3n, TWO53, 3],
    [TWO64 - 1n, TWO64 - 2n, 1], // as numbers both are 2^64
    [0n, TWO64 - 1n, 1], // across the wrap
  ])('shm_gen %s, sc_devgen %s: gendiff %i', (gen, devgen, diff) => {
    const mem = linear(gen);
    expect(genLow32Diff(mem, g(devgen))).toBe(diff);
    // linear valid data: only gendiff 0 keeps a position inside [first, lastoff] valid (602-605)
    expect(shmifStillvalidP(mem, { nextpacket: 40, devgen: g(devgen) })).toBe(diff === 0);
  });
});

describe('the comparisons of shmif_rcv are exact above 2^53 (643, 646-648, 675)', () => {
  it('a reader one generation behind above 2^53 has new data (as numbers it would block)', () => {
    const mem = linear(TWO53 + 1n);
    const pos = { nextpacket: shmifNextpktoff(mem, 60), devgen: g(TWO53) };
    expect(shmifRcvNeedsData(mem, pos)).toBe(false);
    expect(shmifRcvNeedsData(mem, { ...pos, devgen: g(TWO53 + 1n) })).toBe(true);
    expect(genCompare(mem, g(TWO53 + 2n))).toBe(-1); // KASSERT 643 would fail for that reader
  });

  it('near 2^64: shm_gen 2^64 - 1 and sc_devgen 2^64 - 2 differ', () => {
    const mem = linear(TWO64 - 1n);
    const pos = { nextpacket: shmifNextpktoff(mem, 60), devgen: g(TWO64 - 2n) };
    expect(shmifRcvNeedsData(mem, pos)).toBe(false);
    expect(shmifStillvalidP(mem, pos)).toBe(false); // gendiff 1, linear data: overrun
  });

  it('sc_devgen++ after each wrapping read (691-694) keeps step with shm_gen across 2^53', () => {
    const mem = createShmifMem(100);
    shmifInitbackendBus(mem);
    setGen(mem, TWO53 - 3n);
    const pos = shmifReaderStart(mem);
    const dest = new Uint8Array(64);
    let overruns = 0;
    let read = 0;
    for (let i = 0; i < 60; i++) {
      shmifWritePacketLocked(mem, [new Uint8Array(14)], i, 0);
      for (let f = shmifRcvStep(mem, pos, dest); f !== null; f = shmifRcvStep(mem, pos, dest)) {
        read++;
        if (f.overrun) overruns++;
      }
      // caught up: the reader's generation is the bus's (as numbers it sticks at 2^53)
      expect(u64ToBigint(pos.devgen)).toBe(getGen(mem));
    }
    expect(getGen(mem)).toBeGreaterThan(TWO53 + 5n);
    expect([overruns, read]).toEqual([0, 61]); // the phantom frame, then every frame once
  });
});

const A: ReaderScheduleStep = { op: 'attach' };
const R: ReaderScheduleStep = { op: 'read' };
const W = (len: number): ReaderScheduleStep => ({ op: 'write', len });

describe('SHMIF-BUS-4: shm_gen wraps at 2^64 and KASSERT 643 fails in every attached reader', () => {
  const opts = { dataSize: 64, initialGen: TWO64 - 1n } as const;

  it('the writer wraps shm_gen to 0 (shm_gen++, line 535)', () => {
    const mem = createShmifMem(64);
    setGen(mem, TWO64 - 1n);
    incrementGen(mem);
    expect(getGen(mem)).toBe(0n);
  });

  it.each(['faithful', 'corrected'] as const)(
    '%s reader: attach, two writes (the second wraps), read',
    (variant) => {
      const r = replayReaderSchedule({ ...opts, variant }, [A, W(14), W(14), R]);
      expect(r.violation?.kind).toBe('kassert');
      expect(r.violation?.message).toMatch(/busmem->shm_gen >= sc->sc_devgen/);
      expect(r.log[0]).toBe(`attach at 0/gen ${TWO64 - 1n}`);
    },
  );

  it('is the shortest KASSERT the explorer finds from that generation', () => {
    const r = exploreReaderSchedules({
      ...opts,
      variant: 'faithful',
      payloadLengths: [14],
      attach: 'start',
      maxDepth: 4,
    });
    const k = r.counterexamples.find((c) => c.kind === 'kassert');
    expect(k?.schedule).toEqual([A, W(14), W(14), R]);
  });

  it('is recorded with that trace', () => {
    const f = SHMIF_BUS_FINDINGS.find((x) => x.id === 'SHMIF-BUS-4');
    expect(f?.invariant).toBe('rcvGenNeverBehindDevgen');
    expect(f?.trace).toEqual([
      { type: 'attach' },
      { type: 'write', len: 14 },
      { type: 'write', len: 14 },
      { type: 'read' },
    ]);
  });
});

// The receiver shmif_rcv (if_shmem.c 610-716) and stillvalid_p (579-608).
import {
  busImageApply,
  createBusImage,
  encodePkthdr,
  setFirst,
  setGen,
  setLast,
  setMagic,
  SHMIF_MAGIC,
  u64FromBigint,
  u64ToBigint,
} from '@kspec/shared-memory';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { harness } from '../test/harness.js';
import { SHMIF_SCENARIOS } from './check.js';
import type { ShmifContext } from './context.js';
import { createShmifContext } from './init.js';
import { shmifBusSystemMachine } from './machine/machines.js';
import { withIf } from './model/common.js';
import {
  afterRead,
  isGenBehindDevgen,
  isReadPointerAhead,
  isStillValid,
  needsMoreData,
  resyncToFirst,
} from './model/rcv.js';
import { hostWithBuses, imageHostPort } from './ports.js';
import { SCENARIO_BUS, scenarioContext, scenarioFrame } from './scenario.js';

const D = 100;

/** A context whose interface 0 reads bus '/b' (D bytes) with the given header and reader position. */
function reader(
  bus: { first: number; last: number; gen: number | bigint; lastLen: number },
  pos: { nextpacket: number; devgen: number | bigint },
): ShmifContext {
  const img = busImageApply(createBusImage(D), (m) => {
    setMagic(m, SHMIF_MAGIC);
    setFirst(m, bus.first);
    setLast(m, bus.last);
    setGen(m, BigInt(bus.gen));
    const hdr = encodePkthdr({ len: bus.lastLen, sec: 0, usec: 0 });
    for (let k = 0; k < 12; k++) m.data[(bus.last + k) % D] = hdr[k]!;
  }).image;
  const c = createShmifContext({
    host: imageHostPort({ dataSize: D }),
    hostState: hostWithBuses({ '/b': img }),
  });
  const s = c.ifs[0]!;
  return withIf(c, 0, {
    busmem: 1,
    maps: [{ id: 1, path: '/b' }],
    nextpacket: pos.nextpacket,
    devgen: u64FromBigint(BigInt(pos.devgen)),
    rx: { ...s.rx, busmem: 1 },
  });
}

describe('stillvalid_p (579-608): first <= nextpacket <= nextpktoff(last), normalised onto two laps', () => {
  // linear valid data: first = 10, newest frame at 40 with 14 bytes, lastoff = 40 + 12 + 14 = 66
  const linear = { first: 10, last: 40, gen: 5, lastLen: 14 };
  it.each([
    [30, 5, true, 'gendiff 0, inside [first, lastoff]'],
    [10, 5, true, 'gendiff 0, at first'],
    [66, 5, true, 'gendiff 0, at lastoff: the "last + 1" end is valid'],
    [70, 5, false, 'gendiff 0, beyond lastoff'],
    [5, 5, false, 'gendiff 0, before first'],
    [30, 4, false, 'gendiff 1 with linear data: invalid whatever the offset (602-604)'],
    [30, 3, false, 'gendiff 2: invalid (593-594)'],
    [30, 0, false, 'gendiff 5: invalid (593-594)'],
  ])('first before last (linear): nextpacket %i, devgen %i -> %s (%s)', (np, dg, valid) => {
    expect(isStillValid(reader(linear, { nextpacket: np, devgen: dg }), 0)).toBe(valid);
  });

  // wrapped valid data: first = 60, newest frame at 10 with 14 bytes, lastoff = 36 < first
  const wrapped = { first: 60, last: 10, gen: 5, lastLen: 14 };
  it.each([
    [20, 5, true, 'gendiff 0: devoff + D = 120 in [60, 136]'],
    [36, 5, true, 'gendiff 0: at lastoff'],
    [70, 5, false, 'gendiff 0: devoff + D = 170 beyond lastoff + D (598-601)'],
    [70, 4, true, 'gendiff 1: devoff 70 in [60, 136], not shifted'],
    [60, 4, true, 'gendiff 1: at first'],
    [40, 4, false, 'gendiff 1: devoff 40 before first'],
    [70, 3, false, 'gendiff 2: invalid'],
  ])('first after last (wrapped): nextpacket %i, devgen %i -> %s (%s)', (np, dg, valid) => {
    expect(isStillValid(reader(wrapped, { nextpacket: np, devgen: dg }), 0)).toBe(valid);
  });
});

describe('overrun resync (660-669): nextpkt = shm_first, sc_devgen by shm_first > shm_last', () => {
  it('first > last: sc_devgen = shm_gen - 1', () => {
    const c = resyncToFirst(
      reader({ first: 60, last: 10, gen: 5, lastLen: 14 }, { nextpacket: 70, devgen: 3 }),
      0,
    );
    expect([c.ifs[0]!.rx.nextpkt, u64ToBigint(c.ifs[0]!.devgen)]).toEqual([60, 4n]);
  });
  it('first < last: sc_devgen = shm_gen', () => {
    const c = resyncToFirst(
      reader({ first: 10, last: 40, gen: 5, lastLen: 14 }, { nextpacket: 70, devgen: 3 }),
      0,
    );
    expect([c.ifs[0]!.rx.nextpkt, u64ToBigint(c.ifs[0]!.devgen)]).toEqual([10, 5n]);
  });
  it('first < last but the newest frame ends at the end of the data area: still shm_gen (the SHMIF-4 rule)', () => {
    // newest frame at 74, 14 bytes: ends at 100 == D, so lastoff = 0 and stillvalid_p sees wrapped data
    const c = resyncToFirst(
      reader({ first: 22, last: 74, gen: 5, lastLen: 14 }, { nextpacket: 90, devgen: 3 }),
      0,
    );
    expect([c.ifs[0]!.rx.nextpkt, u64ToBigint(c.ifs[0]!.devgen)]).toEqual([22, 5n]);
  });
});

describe('sc_devgen and shm_gen are uint64_t: exact near 2^32, above 2^53 and at the 2^64 wrap', () => {
  const TWO32 = 2n ** 32n;
  const TWO53 = 2n ** 53n;
  const TWO64 = 2n ** 64n;
  const linear = { first: 10, last: 40, lastLen: 14 }; // lastoff 66
  const wrapped = { first: 60, last: 10, lastLen: 14 }; // lastoff 36 < first

  it.each([
    [TWO32 + 1n, TWO32, false, 'gendiff 1 (linear: invalid)'],
    [TWO32 + 5n, 5n, true, 'gendiff truncated to 32 bits: 0 (583)'],
    [TWO53 + 1n, TWO53, false, 'gendiff 1 above 2^53 (as numbers: 0, valid)'],
    [TWO64 - 1n, TWO64 - 2n, false, 'gendiff 1 near 2^64 (as numbers: 0, valid)'],
  ])('stillvalid_p with shm_gen %s, sc_devgen %s: %s (%s)', (gen, devgen, valid) => {
    expect(isStillValid(reader({ ...linear, gen }, { nextpacket: 30, devgen }), 0)).toBe(valid);
  });

  it('"need more data?" (646-648) and KASSERT 675 compare all 64 bits', () => {
    const behind = reader({ ...linear, gen: TWO53 + 1n }, { nextpacket: 66, devgen: TWO53 });
    expect(needsMoreData(behind, 0)).toBe(false); // as numbers both are 2^53: it would wait
    const current = reader({ ...linear, gen: TWO53 + 1n }, { nextpacket: 66, devgen: TWO53 + 1n });
    expect(needsMoreData(current, 0)).toBe(true);
    const ahead = withIf(current, 0, { rx: { ...current.ifs[0]!.rx, nextpkt: 50 } });
    expect(isReadPointerAhead(ahead, 0)).toBe(true);
    expect(isReadPointerAhead(withIf(ahead, 0, { devgen: u64FromBigint(TWO53) }), 0)).toBe(false);
  });

  it('resync (663-666) takes shm_gen - 1 exactly, also across a 32-bit boundary', () => {
    for (const gen of [TWO53 + 2n, TWO32, TWO64 - 1n]) {
      const c = resyncToFirst(reader({ ...wrapped, gen }, { nextpacket: 90, devgen: 0n }), 0);
      expect(u64ToBigint(c.ifs[0]!.devgen)).toBe(gen - 1n);
    }
  });

  it('sc_devgen++ (692) is exact above 2^53 and wraps at 2^64', () => {
    const at = (devgen: bigint) => {
      const c = reader({ ...linear, gen: 0n }, { nextpacket: 30, devgen });
      return withIf(c, 0, { rx: { ...c.ifs[0]!.rx, wrap: true } });
    };
    expect(u64ToBigint(afterRead(at(TWO53), 0).ifs[0]!.devgen)).toBe(TWO53 + 1n);
    expect(u64ToBigint(afterRead(at(TWO64 - 1n), 0).ifs[0]!.devgen)).toBe(0n);
  });

  it('SHMIF-BUS-4: once shm_gen wraps to 0, KASSERT 643 fails for a reader at 2^64 - 1', () => {
    expect(isGenBehindDevgen(reader({ ...linear, gen: 0n }, { nextpacket: 30, devgen: TWO64 - 1n }), 0)).toBe(
      true,
    );
    expect(
      isGenBehindDevgen(reader({ ...linear, gen: TWO64 - 1n }, { nextpacket: 30, devgen: TWO64 - 1n }), 0),
    ).toBe(false);
  });
});

describe('the receive loop on a live bus', () => {
  it('drops frames whose Ethernet source is its own address and keeps the mbuf (700-707)', () => {
    const got: number[][] = [];
    const h = harness({ onInput: (_i, f) => got.push([...f]) });
    h.send({ type: 'if.create', path: '/shmbus' });
    h.send({ type: 'if.up' });
    const mine = scenarioFrame(h.sc.myaddr, 1, 20);
    const foreign = scenarioFrame([2, 0, 0, 0, 0, 9], 2, 20); // a spoofed source: not ours, passed up
    h.send({ type: 'if.output', frames: [mine, foreign] });
    // the phantom (SHMIF-1), then the foreign frame; our own frame is dropped
    expect(got.map((f) => f.length)).toEqual([0, 20]);
    expect(got[1]).toEqual(foreign);
    expect(h.region('rcv')).toBe('waitingForWrite');
  });

  it('a wake-up between "need more data" and the wait is not lost (kqueue EV_CLEAR, 646-655)', () => {
    const a = createActor(shmifBusSystemMachine, {
      input: { context: scenarioContext(SHMIF_SCENARIOS.steadyState) },
    });
    a.start();
    for (const e of [
      { type: 'if.create', path: SCENARIO_BUS },
      { type: 'ifnet.step' },
      { type: 'if.up' },
    ] as const)
      a.send(e);
    const rcvState = () => (a.getSnapshot().value as { kernel: { rcv: string } }).kernel.rcv;
    for (let k = 0; k < 20 && rcvState() !== 'waitingForWrite'; k++) a.send({ type: 'rcv.step' });
    expect(rcvState()).toBe('waitingForWrite');
    const blocked = a.getSnapshot();
    a.send({ type: 'rcv.step' });
    expect(a.getSnapshot()).toBe(blocked); // nothing pending: the wait blocks
    const peer = a.getSnapshot().context.ifs[0]!.myaddr;
    a.send({ type: 'peer.if.output', frames: [scenarioFrame(peer, 9, 14)] });
    a.send({ type: 'peer.tx.step' });
    a.send({ type: 'peer.tx.step' });
    const written = a.getSnapshot();
    a.send({ type: 'rcv.step' });
    expect(a.getSnapshot()).toBe(written); // written, but no wake-up yet: still blocked
    a.send({ type: 'peer.tx.step' }); // end of shmif_start: the one wake-up pwrite (550-552)
    a.send({ type: 'rcv.step' });
    expect(rcvState()).toBe('loopCheck');
  });

  it('a fresh bus: the first read is the zero-length phantom at offset 0, passed up (SHMIF-1; 234-235, 679-707)', () => {
    const got: Uint8Array[] = [];
    const h = harness({ onInput: (_i, f) => got.push(f) });
    h.send({ type: 'if.create', path: '/shmbus' });
    h.send({ type: 'if.up' });
    expect(got.map((f) => f.length)).toEqual([0]);
    expect(h.ctx.ghost?.tornDelivered).toBe(true);
  });
});

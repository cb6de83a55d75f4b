// The transmitter shmif_start (if_shmem.c 485-553).
import { busImageRead, decodePkthdr } from '@kspec/shared-memory';
import { describe, expect, it } from 'vitest';
import { BUS, frame, harness } from '../test/harness.js';
import { IFF_OACTIVE } from './constants.js';

function attachedUp(dataSize = 100, threads = false) {
  const h = harness({ dataSize, threads });
  h.send({ type: 'if.create', path: BUS });
  h.send({ type: 'if.up' });
  return h;
}

describe('shmif_start (485-553)', () => {
  it('on a fresh bus the first frame goes to 12: shm_last = nextpktoff(0) skips the zero header (522)', () => {
    const h = attachedUp();
    h.send({ type: 'if.output', frames: [frame(h.sc.myaddr, 1, 20)] });
    expect(h.header()).toMatchObject({ last: 12, gen: 0, first: 100 });
    const hdr = h.bus((m) => decodePkthdr(m.data.subarray(12, 24)));
    expect(hdr.len).toBe(20); // sp_len = pktsize (516)
    expect(h.bus((m) => [...m.data.subarray(24, 44)])).toEqual(frame(h.sc.myaddr, 1, 20)); // 528-532
  });

  it('steps: dequeue+lock+write, then shm_gen++ and unlock, then clear IFF_OACTIVE and one wake-up', () => {
    const h = attachedUp();
    h.raw({ type: 'if.output', frames: [frame(h.sc.myaddr, 1), frame(h.sc.myaddr, 2)] });
    expect(h.sc.flags & IFF_OACTIVE).toBe(IFF_OACTIVE); // 498
    h.raw({ type: 'tx.step' }); // 504-533, lock held
    expect(h.region('tx')).toBe('written');
    expect(h.bus((m) => m.view.getUint32(24, true))).toBe(1);
    h.raw({ type: 'tx.step' }); // 534-541
    expect(h.bus((m) => m.view.getUint32(24, true))).toBe(0);
    h.raw({ type: 'tx.step' });
    h.raw({ type: 'tx.step' }); // second packet
    expect(h.bus((m) => m.view.getUint32(4, true))).toBe(0); // no wake-up inside the loop
    h.raw({ type: 'tx.step' }); // queue empty: 547-552
    expect(h.region('tx')).toBe('idle');
    expect(h.sc.flags & IFF_OACTIVE).toBe(0);
    expect(h.bus((m) => m.view.getUint32(4, true))).toBe(2); // the wake-up pwrite of SHMIF_VERSION at IFMEM_WAKEUP
    expect(h.header().last).toBe(12 + 26); // the second frame follows the first
  });

  it('the header timestamp is read with getmicrouptime before the bus lock is taken (515-520)', () => {
    let clock = 7;
    const h = harness({ dataSize: 100, threads: false, uptime: () => ({ sec: clock, usec: 500 }) });
    h.send({ type: 'if.create', path: BUS });
    h.send({ type: 'if.up' });
    h.raw({ type: 'if.output', frames: [frame(h.sc.myaddr, 1)] });
    h.raw({ type: 'tx.step' }); // dequeue (504), getmicrouptime (515), lockbus (520), write (522-532)
    expect(h.sc.tx).toMatchObject({ sec: 7, usec: 500 });
    clock = 9; // the clock moves while the lock is held: the header keeps the earlier reading
    h.raw({ type: 'tx.step' });
    const hdr = h.bus((m) => decodePkthdr(m.data.subarray(12, 24)));
    expect(hdr).toMatchObject({ len: 14, sec: 7, usec: 500 });
  });

  it('a frame that reaches the end of the data area wraps: shm_gen++ and the next frame starts at 0 (534-536)', () => {
    const h = attachedUp(100);
    // frames of 26 bytes on the bus: 12..38, 38..64, 64..90, then 90..116 wraps (chunk to 100, rest at 0)
    for (let n = 0; n < 3; n++) h.send({ type: 'if.output', frames: [frame(h.sc.myaddr, n)] });
    expect(h.header()).toMatchObject({ last: 64, gen: 0 });
    h.send({ type: 'if.output', frames: [frame(h.sc.myaddr, 3)] });
    expect(h.header()).toMatchObject({ last: 90, gen: 1 });
    // the header was split 10 + 2 bytes; the frame continues at 2
    const bytes = busImageRead(h.ctx.host.buses[BUS]!, (m) => [...m.data.subarray(2, 16)]);
    expect(bytes).toEqual(frame(h.sc.myaddr, 3));
    // shm_first moved off its sentinel onto the oldest intact frame (busops advancefirst)
    expect(h.header().first).toBe(38);
  });

  it('an mbuf chain: sp_len is the total (509-516), each mbuf follows the last on the bus (528-532)', () => {
    const h = attachedUp();
    const f = frame(h.sc.myaddr, 1, 30);
    h.send({ type: 'if.output', frames: [{ segments: [f.slice(0, 14), [], f.slice(14, 20), f.slice(20)] }] });
    expect(h.header()).toMatchObject({ last: 12, gen: 0 });
    expect(h.bus((m) => decodePkthdr(m.data.subarray(12, 24))).len).toBe(30);
    expect(h.bus((m) => [...m.data.subarray(24, 54)])).toEqual(f);
    expect(h.ctx.ghost!.writes.at(-1)).toMatchObject({ off: 12, len: 30 });
  });

  describe('frames near BUSMEM_DATASIZE/2: each mbuf has its own shmif_buswrite (528-532)', () => {
    // 64-byte ring: #1 (22) at 12..46, #2 (22) at 46..16 (wraps, shm_gen 1, shm_first 46), then
    // #3 (28) at 16..56, which overwrites #2 (46..64 + 0..16) where it passes 46.
    function third(segments: number[] | null) {
      const h = attachedUp(64);
      h.send({ type: 'if.output', frames: [frame(h.sc.myaddr, 1, 22)] });
      h.send({ type: 'if.output', frames: [frame(h.sc.myaddr, 2, 22)] });
      expect(h.header()).toMatchObject({ first: 46, last: 46, gen: 1 });
      const f = frame(h.sc.myaddr, 3, 28);
      let off = 0;
      const chain = segments === null ? f : { segments: segments.map((n) => f.slice(off, (off += n))) };
      h.send({ type: 'if.output', frames: [chain] });
      return h;
    }

    it('one mbuf: advancefirst(28, 28) evicts #2, then reads #3 own new header and stops past it, at 56', () => {
      // off <= shm_first + 12 holds for the whole walk: 46 -> nextpktoff = 16 (#3's header,
      // written a moment ago) -> 56, inside #2's old header
      expect(third(null).header()).toMatchObject({ first: 56, last: 16, gen: 1 });
    });

    it('the same frame as mbufs of 17 and 11: advancefirst(45, 11) stops at 16 (45 > 16 + 12)', () => {
      // the second mbuf's write starts at 45: after evicting #2 the walk is at 16 and
      // off <= shm_first + 12 fails; shm_first == shm_last, the only intact frame
      expect(third([17, 11]).header()).toMatchObject({ first: 16, last: 16, gen: 1 });
    });

    it('a 32-byte frame in one mbuf fails KASSERT(len < BUSMEM_DATASIZE/2) of shmif_buswrite; as 16 + 16 it is written', () => {
      const one = attachedUp(64);
      one.send({ type: 'if.output', frames: [frame(one.sc.myaddr, 1, 32)] });
      expect(one.actor.getSnapshot().value).toBe('panicked');
      expect(one.ctx.panic).toMatchObject({ kind: 'kassert', fn: 'shmif_buswrite' });
      const two = attachedUp(64);
      const f = frame(two.sc.myaddr, 1, 32);
      two.send({ type: 'if.output', frames: [{ segments: [f.slice(0, 16), f.slice(16)] }] });
      expect(two.ctx.panic).toBeNull();
      expect(two.header()).toMatchObject({ last: 12, gen: 0 });
      expect(two.bus((m) => [...m.data.subarray(24, 56)])).toEqual(f);
    });
  });

  it('a frame of more than ETHERMTU + ETHER_HDR_LEN bytes fails KASSERT(pktsize <= ...) (513)', () => {
    const h = attachedUp(4096);
    h.send({ type: 'if.output', frames: [new Uint8Array(1515)] });
    expect(h.actor.getSnapshot().value).toBe('panicked');
    expect(h.ctx.panic).toMatchObject({ kind: 'kassert', fn: 'shmif_start', lines: [513, 513] });
  });
});

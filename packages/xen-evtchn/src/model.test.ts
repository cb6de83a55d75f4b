import { describe, expect, it } from 'vitest';
import {
  EMPTY_RING,
  EPOLL,
  addEvtchn,
  delEvtchn,
  evtchnBytesToPorts,
  evtchnInterruptPushInPlace,
  evtchnPollMask,
  evtchnPortsToBytes,
  evtchnPushOutcome,
  evtchnReadChunks,
  evtchnReadCopy,
  evtchnResetRing,
  evtchnResizeRing,
  evtchnResizeTarget,
  evtchnRingDraft,
  evtchnRingOffset,
  evtchnRingQueued,
  evtchnRoundCount,
  findEvtchn,
  type EvtchnRing,
} from './model.js';

const ring = (
  size: number,
  cons: number,
  prod: number,
  fill: (i: number) => number = (i) => 100 + i,
): EvtchnRing => ({
  size,
  slots: Array.from({ length: size }, (_, i) => fill(i)),
  cons,
  prod,
  overflow: false,
});

describe('evtchn_ring_offset (lines 95-99)', () => {
  it.each([
    [64, 0, 0],
    [64, 63, 63],
    [64, 64, 0],
    [64, 0xffffffff, 63],
    [128, 200, 72],
  ])('size %i, idx %i -> slot %i', (size, idx, slot) => {
    expect(evtchnRingOffset(size, idx)).toBe(slot);
  });
});

describe('evtchn_resize_ring (lines 313-367)', () => {
  it('lines 322-328: nothing to do while nr_evtchns <= ring_size; 64 first, then doubling', () => {
    expect(evtchnResizeTarget(0, 0)).toBeUndefined();
    expect(evtchnResizeTarget(1, 0)).toBe(64);
    expect(evtchnResizeTarget(64, 64)).toBeUndefined();
    expect(evtchnResizeTarget(65, 64)).toBe(128);
    expect(evtchnResizeTarget(129, 128)).toBe(256);
  });

  it('lines 343-356: copies the old contents twice, so free-running indices find the same ports (the diagram at 350-352)', () => {
    // |34567  12| with p at slot 5, c at slot 7 (a wrapped ring, size 8 for the picture; 64 in C)
    const old: EvtchnRing = {
      size: 64,
      slots: Array.from({ length: 64 }, (_, i) => i),
      cons: 64 * 3 + 60,
      prod: 64 * 4 + 5,
      overflow: false,
    };
    const grown = evtchnResizeRing(old, 128);
    expect(grown.size).toBe(128);
    expect(grown.slots.slice(0, 64)).toEqual(old.slots);
    expect(grown.slots.slice(64)).toEqual(old.slots);
    expect(evtchnRingQueued(grown)).toEqual(evtchnRingQueued(old));
    expect([grown.cons, grown.prod]).toEqual([old.cons, old.prod]);
  });

  it('holds for a full ring with indices near 2^32 (u32 wrap)', () => {
    const old = ring(64, 0xffffffe0, (0xffffffe0 + 64) >>> 0);
    expect(evtchnRingQueued(evtchnResizeRing(old, 128))).toEqual(evtchnRingQueued(old));
  });
});

describe('evtchn_interrupt push (lines 175-188)', () => {
  it('line 178-186: pushes at prod, publishes prod + 1, wakes only when the snapshot was empty', () => {
    const r = evtchnRingDraft(ring(64, 5, 5));
    expect(evtchnInterruptPushInPlace(r, 7, { prod: 5, cons: 5 })).toBe('pushedAndWoke');
    expect(r.slots[5]).toBe(7);
    expect(r.prod).toBe(6);
    expect(evtchnInterruptPushInPlace(r, 8, { prod: 6, cons: 5 })).toBe('pushed');
    expect(evtchnRingQueued(r)).toEqual([7, 8]);
  });

  it('lines 187-188: a full ring sets the sticky overflow flag and stores nothing', () => {
    const r = evtchnRingDraft(ring(64, 0, 64));
    const before = r.slots.slice();
    expect(evtchnInterruptPushInPlace(r, 9, { prod: 64, cons: 0 })).toBe('overflowed');
    expect(r.overflow).toBe(true);
    expect(r.slots).toEqual(before);
    expect(r.prod).toBe(64);
  });

  it('line 178: the room check is unsigned across the 2^32 wrap', () => {
    expect(evtchnPushOutcome(64, { prod: 3, cons: 0xfffffffe })).toBe('pushed');
    expect(evtchnPushOutcome(64, { prod: 62, cons: 0xfffffffe })).toBe('overflowed');
  });
});

describe('evtchn_read chunking (lines 202-260)', () => {
  it('lines 202-209: whole ports only, capped at PAGE_SIZE', () => {
    expect([0, 3, 4, 7, 8, 4096, 4099, 9000].map(evtchnRoundCount)).toEqual([
      0, 0, 4, 4, 8, 4096, 4096, 4096,
    ]);
  });

  it.each([
    // c, p, size, count -> bytes1, bytes2
    ['no wrap', 2, 5, 64, 4096, 12, 0],
    ['wrap: split at the ring end (235-238)', 62, 66, 64, 4096, 8, 8],
    ['wrap, truncated inside chunk 1 (245-247)', 60, 70, 64, 8, 8, 0],
    ['wrap, truncated inside chunk 2 (248-249)', 60, 70, 64, 20, 16, 4],
    ['full ring starting at slot 0', 64, 128, 64, 4096, 256, 0],
    ['u32 wrap of the indices', 0xfffffffe, 2, 64, 4096, 8, 8],
  ])('%s', (_name, c, p, size, count, b1, b2) => {
    expect(evtchnReadChunks(c, p, size, count)).toEqual({ bytes1: b1, bytes2: b2 });
  });

  it('lines 252-260: copies chunk 1 from slot c then chunk 2 from slot 0 and advances cons', () => {
    const r = ring(64, 62, 66);
    const copy = evtchnReadCopy(r, 62, 66, 4096);
    expect(copy.ports).toEqual([162, 163, 100, 101]);
    expect(copy.bytes).toBe(16);
    expect(copy.cons).toBe(66);
  });

  it('ports are little-endian u32 on the wire', () => {
    const bytes = evtchnPortsToBytes([1, 0x01020304]);
    expect([...bytes]).toEqual([1, 0, 0, 0, 4, 3, 2, 1]);
    expect(evtchnBytesToPorts(bytes)).toEqual([1, 0x01020304]);
    expect(evtchnBytesToPorts(bytes, 7)).toEqual([1]);
  });
});

describe('evtchn_poll (lines 599-610) and reset (lines 556-566)', () => {
  it.each([
    ['empty', { cons: 0, prod: 0, overflow: false }, EPOLL.EPOLLOUT | EPOLL.EPOLLWRNORM],
    [
      'non-empty',
      { cons: 0, prod: 1, overflow: false },
      EPOLL.EPOLLOUT | EPOLL.EPOLLWRNORM | EPOLL.EPOLLIN | EPOLL.EPOLLRDNORM,
    ],
    ['overflowed: EPOLLERR alone (607-608)', { cons: 0, prod: 64, overflow: true }, EPOLL.EPOLLERR],
  ])('%s', (_n, r, mask) => {
    expect(evtchnPollMask(r)).toBe(mask);
  });

  it('reset zeroes both indices and clears overflow, keeping the size', () => {
    const r = evtchnResetRing({ ...ring(64, 5, 69), overflow: true });
    expect([r.size, r.cons, r.prod, r.overflow]).toEqual([64, 0, 0, false]);
    expect(EMPTY_RING.size).toBe(0);
  });
});

describe('add_evtchn / del_evtchn / find_evtchn (lines 107-159)', () => {
  it('lines 111-129: counts the node first, links it in port order', () => {
    const a = addEvtchn([], 0, { port: 5, enabled: true });
    const b = addEvtchn(a.tree, a.nrEvtchns, { port: 2, enabled: true });
    expect(b.tree.map((e) => e.port)).toEqual([2, 5]);
    expect(b.nrEvtchns).toBe(2);
    expect(findEvtchn(b.tree, 5)?.port).toBe(5);
    expect(findEvtchn(b.tree, 3)).toBeUndefined();
  });

  it('lines 111, 123-124: a duplicate returns -EEXIST with nr_evtchns already incremented', () => {
    const a = addEvtchn([{ port: 5, enabled: true }], 1, { port: 5, enabled: true });
    expect(a.rc).toBe(-17);
    expect(a.nrEvtchns).toBe(2);
    expect(a.tree).toHaveLength(1);
  });

  it('lines 134-139: del_evtchn of a linked node removes it and decrements', () => {
    const d = delEvtchn(
      [
        { port: 2, enabled: true },
        { port: 5, enabled: false },
      ],
      2,
      2,
      true,
    );
    expect(d.tree.map((e) => e.port)).toEqual([5]);
    expect(d.nrEvtchns).toBe(1);
    expect(d.lost).toEqual([]);
  });

  it('line 137: rb_erase of the never-linked node (parent NULL) empties the whole tree', () => {
    const tree = [
      { port: 2, enabled: true },
      { port: 5, enabled: true },
    ];
    const d = delEvtchn(tree, 3, 5, false);
    expect(d.tree).toEqual([]);
    expect(d.nrEvtchns).toBe(2);
    expect(d.lost).toEqual(tree);
  });
});

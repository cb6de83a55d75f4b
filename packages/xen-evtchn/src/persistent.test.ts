import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  PortMap,
  countMap,
  countView,
  portSetMap,
  portSetView,
  recordMap,
  recordView,
  slotsMap,
  slotsView,
  sourceOf,
} from './persistent.js';
import { openEvtchn } from './device.js';

const sorted = (m: Map<number, number>): [number, number][] => [...m].sort((a, b) => a[0] - b[0]);
const entries = (m: PortMap<number>): [number, number][] => {
  const out: [number, number][] = [];
  m.forEach((v, k) => out.push([k, v]));
  return out;
};

// Keys from a few dense ranges and the u32 extremes, so that tries grow, share and prune.
const keyArb = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.integer({ min: 1000, max: 1100 }),
  fc.constantFrom(31, 32, 1023, 1024, 32767, 32768, 2 ** 30 - 1, 2 ** 30, 2 ** 31, 2 ** 32 - 1),
);
type Op = { set: number; v: number } | { del: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ set: keyArb, v: fc.integer({ min: 1, max: 9 }) }), weight: 3 },
  fc.record({ del: keyArb }),
);

describe('PortMap: a persistent map from u32 keys', () => {
  it('agrees with a Map after any sequence of sets and deletes, in one edit batch or one by one', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const ref = new Map<number, number>();
        let persistent = PortMap.empty<number>();
        const batch = PortMap.empty<number>().edit();
        for (const o of ops) {
          if ('set' in o) {
            ref.set(o.set, o.v);
            persistent = persistent.set(o.set, o.v);
            batch.set(o.set, o.v);
          } else {
            ref.delete(o.del);
            persistent = persistent.delete(o.del);
            batch.delete(o.del);
          }
          expect(batch.get('set' in o ? o.set : o.del)).toBe(ref.get('set' in o ? o.set : o.del));
        }
        const batched = batch.done();
        for (const m of [persistent, batched]) {
          expect(entries(m)).toEqual(sorted(ref));
          expect(m.size).toBe(ref.size);
          expect(m.keys()).toEqual(sorted(ref).map(([k]) => k));
          expect(m.first()).toEqual(sorted(ref)[0]);
          for (const k of [0, 31, 32, 1024, 2 ** 32 - 1]) expect(m.get(k)).toBe(ref.get(k));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never changes a map once built: every earlier version keeps its entries', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const versions: { map: PortMap<number>; want: [number, number][] }[] = [];
        const ref = new Map<number, number>();
        let m = PortMap.empty<number>();
        for (const o of ops) {
          // alternate one-shot updates and small edit batches started from shared versions
          if ('set' in o) {
            ref.set(o.set, o.v);
            const e = m.edit();
            e.set(o.set, o.v);
            e.set(o.set, o.v);
            m = e.done();
          } else {
            ref.delete(o.del);
            m = m.delete(o.del);
          }
          versions.push({ map: m, want: sorted(ref) });
        }
        for (const v of versions) expect(entries(v.map)).toEqual(v.want);
      }),
      { numRuns: 200 },
    );
  });

  it('returns the same map for a no-op update, and refuses keys that are not u32', () => {
    const m = PortMap.from([[5, 1]]);
    expect(m.set(5, 1)).toBe(m);
    expect(m.delete(6)).toBe(m);
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) {
      expect(m.get(bad)).toBeUndefined();
      expect(() => m.set(bad, 1)).toThrow(RangeError);
    }
  });

  it('an edit batch cannot be used after done()', () => {
    const e = PortMap.empty<number>().edit();
    e.set(1, 1);
    e.done();
    expect(() => e.set(2, 2)).toThrow(/already done/);
    expect(() => e.done()).toThrow(/already done/);
  });
});

describe('array views over persistent maps', () => {
  const tree = recordMap([
    { port: 7, enabled: false },
    { port: 2, enabled: true },
  ]);

  it('are frozen arrays in key order for every reader: indexing, iteration, JSON, matchers, util.inspect', () => {
    const v = recordView(tree);
    expect(Array.isArray(v)).toBe(true);
    expect(v.length).toBe(2);
    expect(v[0]).toEqual({ port: 2, enabled: true });
    expect([...v].map((e) => e.port)).toEqual([2, 7]);
    expect(JSON.parse(JSON.stringify(v))).toEqual([
      { port: 2, enabled: true },
      { port: 7, enabled: false },
    ]);
    expect(v).toStrictEqual([
      { port: 2, enabled: true },
      { port: 7, enabled: false },
    ]);
    expect(Object.getPrototypeOf(v)).toBe(Array.prototype);
    expect(Object.isFrozen(v)).toBe(true);
    // util.inspect reads a proxy's target without its traps: the view must still show its elements
    expect(inspect(recordView(tree))).toBe(inspect([...v]));
  });

  it('cannot be written', () => {
    const v = recordView(tree) as { port: number; enabled: boolean }[];
    expect(() => {
      v[0] = { port: 1, enabled: true };
    }).toThrow(TypeError);
    expect(() => v.push({ port: 1, enabled: true })).toThrow(TypeError);
    expect(v.map((e) => e.port)).toEqual([2, 7]);
  });

  it('remember their map; plain arrays are converted', () => {
    const v = recordView(tree);
    expect(sourceOf(v)).toBe(tree);
    expect(recordMap(v)).toBe(tree);
    expect(sourceOf([1, 2])).toBeUndefined();
    expect(slotsView(slotsMap([0, 9, 0, 4]), 4)).toEqual([0, 9, 0, 4]);
    expect(portSetView(portSetMap([3, 1, 3]))).toEqual([1, 3]);
    expect(countView(countMap([{ port: 4, n: 2 }]))).toEqual([{ port: 4, n: 2 }]);
  });
});

describe('snapshots stay immutable (time travel)', () => {
  it('an earlier snapshot keeps its tree, ring, channels and ghost after later raises, reads and writes', () => {
    // Two files with the same history; only the first goes on. Nothing reads the first's
    // snapshot until the end (reading a view materializes it).
    const [d, twin] = [openEvtchn({ nonblock: true }), openEvtchn({ nonblock: true })];
    for (const f of [d, twin]) {
      for (let i = 0; i < 40; i++) f.bindUnboundPort(1);
      f.raise(3);
    }
    const before = d.snapshot;
    d.raiseMany([1, 2, 4, 5]);
    d.read(8);
    d.writePorts([3, 1]);
    d.unbind(5);
    d.raise(3);
    expect(JSON.stringify(before.context)).toBe(JSON.stringify(twin.snapshot.context));
    expect(before.context.evtchns.filter((e) => !e.enabled).map((e) => e.port)).toEqual([3]);
    expect(d.snapshot.context.evtchns.find((e) => e.port === 2)?.enabled).toBe(false);
  });
});

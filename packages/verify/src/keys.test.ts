import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assign, setup } from 'xstate';
import { src, type KeyWriter, type MachineCheckModel } from '@kspec/spec-kit';
import { explore } from './explore.js';
import { checkEncoding } from './encoding-check.js';
import { KeyBuffer } from './key.js';
import { abbaModel, counterModel, raceModel, senderModel } from './fixtures.test-helpers.js';
import type { CheckReport } from './report.js';

// fixture lines cite lines inside one real function of the seed (the seed index checks them)
const S = (a: number) => ({ source: src('linux-xen-evtchn.c', 'evtchn_ioctl', 429 + a) });

/** Two counters modulo n, bumped independently: n^2 states, two events per state. */
function gridModel(n: number, encode = true): MachineCheckModel {
  const machine = setup({
    types: {} as { context: { a: number; b: number }; events: { type: 'a' } | { type: 'b' } },
    actions: {
      bumpA: assign({ a: ({ context }) => (context.a + 1) % n }),
      bumpB: assign({ b: ({ context }) => (context.b + 1) % n }),
    },
  }).createMachine({
    id: 'grid',
    meta: S(1),
    context: { a: 0, b: 0 },
    on: { a: { actions: 'bumpA', meta: S(2) }, b: { actions: 'bumpB', meta: S(3) } },
  });
  return {
    kind: 'machine',
    name: `grid(${n})`,
    machine,
    alphabet: () => [{ type: 'a' }, { type: 'b' }],
    project: (s) => [s.context.a, s.context.b],
    ...(encode
      ? {
          encode: (s: { context: { a: number; b: number } }, w: KeyWriter) => {
            w.num(s.context.a);
            w.num(s.context.b);
          },
        }
      : {}),
    invariants: [],
    configs: [],
  } as MachineCheckModel;
}

/** What must not depend on how keys are held: everything but timings and key statistics. */
function answers(r: CheckReport) {
  return {
    verdict: r.verdict,
    complete: r.complete,
    states: r.states,
    edges: r.edges,
    depth: r.depth,
    violations: r.violations,
    sentinels: r.sentinels,
    coverage: r.coverage,
  };
}

describe('state keys: fingerprint mode agrees with exact mode', () => {
  const models = [
    counterModel(5),
    counterModel(2),
    abbaModel,
    senderModel(2),
    raceModel(false),
    raceModel(true),
    gridModel(30),
    gridModel(30, false),
  ];
  for (const m of models) {
    it(`${m.name}: same verdict, states, depth, violations and shortest traces`, () => {
      const exact = explore(m, { stateKeys: 'exact' });
      const fp = explore(m, { stateKeys: 'fingerprint' });
      expect(answers(fp)).toEqual(answers(exact));
      expect(exact.keys.mode).toBe('exact');
      expect(fp.keys.mode).toBe('fingerprint');
      expect(exact.keys.collisions).toBe(0);
      expect(fp.keys.sampledCollisions).toBe(0);
      expect(fp.keys.keyBytesPerState).toBe(8);
    });
  }

  it('auto is exact for small budgets and fingerprints for large ones', () => {
    expect(explore(gridModel(5), { maxStates: 1000 }).keys.mode).toBe('exact');
    expect(explore(gridModel(5), { maxStates: 1_000_000 }).keys.mode).toBe('fingerprint');
  });

  it('binary encode and JSON project give the same exploration', () => {
    expect(answers(explore(gridModel(40)))).toEqual(answers(explore(gridModel(40, false))));
    expect(checkEncoding(gridModel(40)).mismatches).toEqual([]);
  });

  it('checkEncoding reports an encoder coarser than the projection', () => {
    const coarse = {
      ...gridModel(10),
      encode: (s: { context: { a: number } }, w: KeyWriter) => w.num(s.context.a),
    };
    const r = checkEncoding(coarse as MachineCheckModel);
    expect(r.mismatches.length).toBeGreaterThan(0);
    expect(r.mismatches[0]).toMatch(/equal encodings, different projections/);
  });
});

describe('state keys: collision accounting', () => {
  it('exact mode counts the real collisions of narrowed fingerprints and keeps every state', () => {
    const full = explore(gridModel(60), { stateKeys: 'exact' });
    expect(full.states).toBe(3600);
    const narrow = explore(gridModel(60), { stateKeys: 'exact', fingerprintBits: 12 });
    expect(narrow.states).toBe(3600);
    // 3600 keys in 4096 fingerprints: most share one with an earlier key
    expect(narrow.keys.collisions).toBeGreaterThan(1000);
    expect(narrow.keys.collisionProbability).toBe(1);
  });

  it('fingerprint mode with narrowed fingerprints loses states and says it probably did', () => {
    const r = explore(gridModel(60), { stateKeys: 'fingerprint', fingerprintBits: 12 });
    expect(r.states).toBeLessThan(3600);
    expect(r.keys.collisionProbability).toBe(1);
    expect(r.keys.collisionProbabilityObserved).toBeGreaterThan(0.1);
    // the canonicity sampling tells merged states from a bad projection, and counts them
    expect(r.keys.sampledCollisions).toBeGreaterThan(0);
  });

  it('64-bit fingerprints: no collision, and tiny estimates computed as TLC does', () => {
    const r = explore(gridModel(60), { stateKeys: 'fingerprint' });
    expect(r.states).toBe(3600);
    const n = r.states;
    // optimistic: n (g - n) / 2^64, with g the successor keys looked up (every enabled edge here)
    expect(r.keys.collisionProbability).toBeCloseTo((n * (r.edges - n)) / 2 ** 64, 25);
    expect(r.keys.collisionProbability).toBeLessThan(1e-9);
    expect(r.keys.collisionProbabilityObserved).toBeLessThan(1e-6);
  });

  it('rejects a fingerprint width outside 1..64', () => {
    expect(() => explore(gridModel(3), { fingerprintBits: 65 })).toThrow(/fingerprintBits/);
    expect(() => explore(gridModel(3), { stateKeys: 'nope' as never })).toThrow(/stateKeys/);
  });
});

describe('KeyBuffer', () => {
  const bytesOf = (write: (w: KeyBuffer) => void): string => {
    const w = new KeyBuffer();
    write(w);
    return Buffer.from(w.copy()).toString('hex');
  };
  const item = fc.oneof(
    fc.double().map((n) => ({ k: 'num', v: Object.is(n, -0) ? 0 : Number.isNaN(n) ? NaN : n })),
    fc.integer().map((v) => ({ k: 'num', v })),
    fc.string().map((v) => ({ k: 'str', v })),
    fc.boolean().map((v) => ({ k: 'bool', v })),
    fc.constant({ k: 'null', v: null }),
    fc.uint8Array({ maxLength: 20 }).map((v) => ({ k: 'bytes', v })),
  );
  type Item = { k: string; v: unknown };
  const write = (w: KeyBuffer, items: readonly Item[]) => {
    for (const { k, v } of items) {
      // the writer's schema: a tag byte per item, as a model's encoder writes a fixed shape
      w.byte(['num', 'str', 'bool', 'null', 'bytes'].indexOf(k));
      if (k === 'num') w.num(v as number);
      else if (k === 'str') w.str(v as string);
      else if (k === 'bool') w.bool(v as boolean);
      else if (k === 'null') w.numOrNull(null);
      else w.bytes(v as Uint8Array);
    }
  };
  const same = (a: readonly Item[], b: readonly Item[]) =>
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]!;
      if (x.k !== y.k) return false;
      if (x.v instanceof Uint8Array) return Buffer.from(x.v).equals(Buffer.from(y.v as Uint8Array));
      return Object.is(x.v, y.v);
    });

  it('is injective: two item sequences get equal bytes exactly when they are equal', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 6 }), fc.array(item, { maxLength: 6 }), (a, b) => {
        const ka = bytesOf((w) => write(w, a));
        const kb = bytesOf((w) => write(w, b));
        expect(ka === kb).toBe(same(a, b));
        expect(bytesOf((w) => write(w, a))).toBe(ka);
      }),
      { numRuns: 1000 },
    );
  });

  it('memo replays exactly the bytes the writer produced the first time', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 6 }), (items) => {
        const obj = { items };
        const part = (o: { items: Item[] }, w: KeyWriter) => write(w as KeyBuffer, o.items);
        const w = new KeyBuffer();
        w.memo(obj, part);
        const first = Buffer.from(w.copy()).toString('hex');
        w.reset();
        w.memo(obj, part);
        expect(Buffer.from(w.copy()).toString('hex')).toBe(first);
        expect(first).toBe(bytesOf((x) => write(x, items)));
      }),
      { numRuns: 1000 },
    );
  });

  it('fingerprints of distinct small keys differ', () => {
    const seen = new Set<string>();
    const w = new KeyBuffer();
    for (let a = 0; a < 300; a++) {
      for (let b = 0; b < 300; b++) {
        w.reset();
        w.num(a);
        w.num(b);
        w.hash();
        seen.add(`${w.hi}:${w.lo}`);
      }
    }
    expect(seen.size).toBe(90_000);
  });
});

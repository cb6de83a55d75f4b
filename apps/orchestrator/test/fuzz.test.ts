/**
 * Fuzzing the command line in this process (`main(argv, io)` returns the exit status and
 * writes to the given sinks): more than a thousand random and hostile scenarios and bus files
 * per run, each built to be bad (a poison the CLI must refuse: a field of the wrong type, an
 * unknown field, a number a JavaScript number cannot hold, nesting up to 100k levels, bytes
 * that are not UTF-8 or not JSON, duplicate keys, a plan that cannot make progress, a bus
 * file of the wrong size or magic, a held lock, impossible offsets), on top of random noise.
 * Every one must give exit 2, a message on stderr, no stack trace, nothing on stdout, and no
 * file changed or left behind. (process.test.ts shows the same through real processes.)
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHMIF_MAGIC, busSizeFor } from '@kspec/shared-memory';
import { main } from '../src/program.js';
import { STACK_FRAME, captureIo, tmpDir } from './helpers.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const DATA_SIZE = 8192;
const BASE: { [k: string]: Json } = {
  name: 'fuzz',
  seed: 3,
  maxTicks: 100_000,
  sharedMemory: { bus: { dataSize: DATA_SIZE } },
  subsystems: {
    shmif: { interfaces: 2, framesPerInterface: 5, frameLength: { min: 60, max: 200 }, sendProbability: 1 },
    'xen-evtchn': { ports: 2, reader: { readEvery: 2, readBytes: 64, eoi: 'afterRead' } },
  },
};

/** Every path in BASE, with what is there. */
function paths(v: Json, at: string[] = []): { path: string[]; value: Json }[] {
  const here = [{ path: at, value: v }];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return here;
  return [...here, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))];
}
const ALL = paths(BASE);
const OBJECTS = ALL.filter((p) => p.value !== null && typeof p.value === 'object');
const LEAVES = ALL.filter((p) => p.value === null || typeof p.value !== 'object');
const NUMBERS = LEAVES.filter((p) => typeof p.value === 'number');

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function setAt(root: Json, path: readonly string[], value: Json): Json {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as { [k: string]: Json };
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as { [k: string]: Json };
  o[path[path.length - 1]!] = value;
  return copy;
}

/** BASE with `raw` (any text) where the value at `path` was. */
function withRaw(path: readonly string[], raw: string): string {
  const marker = '"\u0000KSPEC-FUZZ\u0000"';
  return JSON.stringify(setAt(BASE, path, marker.slice(1, -1))).replace(
    JSON.stringify(marker.slice(1, -1)),
    raw,
  );
}

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);

/** Scenario texts (as bytes), each with one poison. */
const hostileScenario: fc.Arbitrary<{ what: string; bytes: Uint8Array }> = fc
  .oneof(
    // a leaf or an object replaced by a value of another JSON type
    fc
      .tuple(pick([...LEAVES, ...OBJECTS.filter((p) => p.path.length > 0)]), fc.jsonValue())
      .filter(([p, v]) => kind(v) !== kind(p.value))
      .map(([p, v]) => ({
        what: `wrong type at ${p.path.join('.')}`,
        text: JSON.stringify(setAt(BASE, p.path, v as Json)),
      })),
    // an unknown field in any object
    fc
      .tuple(pick(OBJECTS), fc.string({ minLength: 1, maxLength: 30 }), fc.jsonValue())
      .filter(
        ([p, k]) => p.path[0] !== 'subsystems' || p.path.length !== 1 || !['shmif', 'xen-evtchn'].includes(k),
      )
      .filter(([p, k]) => !(k in (p.value as object)))
      .map(([p, k, v]) => ({
        what: `unknown field at ${p.path.join('.')}`,
        text: JSON.stringify(setAt(BASE, [...p.path, k], v as Json)),
      })),
    // a number no JavaScript number holds as written
    fc
      .tuple(pick(NUMBERS), pick(['1e400', '-1e400', '1e-400', '99999999999999999999', '-9007199254740993']))
      .map(([p, n]) => ({ what: `${n} at ${p.path.join('.')}`, text: withRaw(p.path, n) })),
    // nesting from just too deep to 100k levels, anywhere
    fc
      .tuple(pick(ALL), fc.integer({ min: 65, max: 100_000 }), pick(['[]', '{"a":}']))
      .map(([p, d, kindOf]) => ({
        what: `nesting ${d} at ${p.path.join('.')}`,
        text: withRaw(
          p.path,
          kindOf === '[]' ? '['.repeat(d) + ']'.repeat(d) : '{"a":'.repeat(d) + '1' + '}'.repeat(d),
        ),
      })),
    // plans that decode but cannot make progress
    fc
      .oneof(
        fc.constant(['shmif', 'sendProbability', 0] as const),
        fc.integer({ min: 0, max: 3 }).map((n) => ['xen-evtchn', 'reader', { readBytes: n }] as const),
        fc
          .string({ maxLength: 40 })
          .filter((s) => s !== 'shmif.delivered')
          .map((s) => ['xen-evtchn', 'raiseOn', s] as const),
        fc.integer({ min: 100_001, max: 10_000_000 }).map((n) => ['shmif', 'framesPerInterface', n] as const),
      )
      .map(([sub, k, v]) => ({
        what: `plan ${sub}.${k}`,
        text: JSON.stringify(setAt(BASE, ['subsystems', sub, k], v as Json)),
      })),
    // duplicate keys, cut short, a random JSON document, random bytes
    fc.constant({ what: 'duplicate key', text: `{"name":"a",${JSON.stringify(BASE).slice(1)}` }),
    fc
      .integer({ min: 0, max: JSON.stringify(BASE).length - 1 })
      .map((k) => ({ what: `cut at ${k}`, text: JSON.stringify(BASE).slice(0, k) })),
    fc.jsonValue().map((v) => ({ what: 'a random JSON document', text: JSON.stringify(v) ?? 'null' })),
  )
  .chain((c) =>
    // the text, sometimes with a byte order mark, sometimes with a byte that is not UTF-8
    fc
      .tuple(
        fc.boolean(),
        fc.option(fc.tuple(fc.nat(), pick([[0xff], [0xc0, 0x80], [0x80], [0xed, 0xa0, 0x80]])), { freq: 4 }),
      )
      .map(([bom, bad]) => {
        let bytes: Uint8Array = new TextEncoder().encode(c.text);
        if (bad) {
          const [at, seq] = bad;
          const i = at % (bytes.length + 1);
          bytes = Uint8Array.from([...bytes.subarray(0, i), ...seq, ...bytes.subarray(i)]);
        }
        if (bom) bytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes]);
        return { what: `${c.what}${bom ? ' +BOM' : ''}${bad ? ' +bad UTF-8' : ''}`, bytes };
      }),
  );

const randomBytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** Bus files of the run's size (or not), each with one thing the CLI must refuse. */
function header(
  bytes: Uint8Array,
  h: { magic?: number; first?: number; last?: number; lock?: number },
): Uint8Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (h.magic !== undefined) v.setUint32(0, h.magic, true);
  v.setUint32(4, 2, true);
  if (h.first !== undefined) v.setUint32(16, h.first, true);
  if (h.last !== undefined) v.setUint32(20, h.last, true);
  if (h.lock !== undefined) v.setUint32(24, h.lock, true);
  return bytes;
}
const SIZE = busSizeFor(DATA_SIZE);
/** Bad for every reader (`run` and `pcap`): size, magic, offsets. */
const badLayoutBus = fc.oneof(
  fc
    .integer({ min: 0, max: 3 * SIZE })
    .filter((n) => n !== SIZE)
    .chain((n) => randomBytes(n))
    .map((b) => ({ what: `${b.length} bytes`, bytes: b })),
  fc
    .tuple(
      randomBytes(SIZE),
      u32.filter((m) => m !== 0 && m !== SHMIF_MAGIC),
    )
    .map(([b, m]) => ({ what: `magic ${m}`, bytes: header(b, { magic: m }) })),
  fc
    .tuple(randomBytes(SIZE), u32, fc.integer({ min: DATA_SIZE, max: 0xffffffff }), fc.boolean())
    .map(([b, ok, bad, which]) => ({
      what: 'an offset out of range',
      bytes: header(b, {
        magic: SHMIF_MAGIC,
        first: which ? bad + 1 : ok % DATA_SIZE,
        last: which ? ok % DATA_SIZE : bad,
      }),
    })),
);
/** Bad for `run` (the seed cannot attach), whatever `pcap` makes of them. */
const badSeedBus = fc.oneof(
  fc
    .tuple(
      randomBytes(SIZE),
      pick([0, SHMIF_MAGIC]),
      u32.filter((l) => l !== 0),
    )
    .map(([b, m, l]) => ({ what: `lock ${l}`, bytes: header(b, { magic: m, lock: l }) })),
  fc.tuple(randomBytes(SIZE), fc.integer({ min: 0, max: DATA_SIZE - 1 })).map(([b, at]) => ({
    what: `first == last == ${at}`,
    bytes: header(b, { magic: SHMIF_MAGIC, first: at, last: at, lock: 0 }),
  })),
  fc
    .tuple(randomBytes(SIZE), fc.integer({ min: DATA_SIZE, max: 0xffffffff }))
    .map(([b, last]) => ({ what: `fresh, last ${last}`, bytes: header(b, { magic: 0, last, lock: 0 }) })),
);

const root = tmpDir();
let n = 0;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Runs `kspec args` in a fresh directory holding `inputs`; checks the refusal. */
async function refused(
  inputs: Record<string, Uint8Array>,
  args: (d: string) => string[],
  what: string,
): Promise<void> {
  const dir = join(root, `c${n++}`);
  mkdirSync(dir);
  for (const [f, b] of Object.entries(inputs)) writeFileSync(join(dir, f), b);
  const cap = captureIo();
  const code = await main(['node', 'kspec', ...args(dir)], cap.io);
  const err = cap.err.join('\n');
  expect(code, `${what}: ${err}`).toBe(2);
  expect(err, what).toMatch(/^kspec: \S/);
  expect(err, what).not.toMatch(STACK_FRAME);
  expect(cap.out, what).toEqual([]);
  expect(readdirSync(dir).sort(), what).toEqual(Object.keys(inputs).sort());
  for (const [f, b] of Object.entries(inputs))
    expect(sha(readFileSync(join(dir, f))), `${what}: ${f}`).toBe(sha(b));
  rmSync(dir, { recursive: true });
}

const GOOD = new TextEncoder().encode(JSON.stringify(BASE));
const outputs = (d: string) => ['--trace', join(d, 't.jsonl'), '--report', join(d, 'r.html')];

describe('fuzzing kspec with hostile input (exit 2, a message, no stack trace, no file changed)', () => {
  it('700 hostile scenarios through kspec run with every output', async () => {
    await fc.assert(
      fc.asyncProperty(hostileScenario, async (c) =>
        refused(
          { 's.json': c.bytes },
          (d) => ['run', join(d, 's.json'), ...outputs(d), '--bus-file', join(d, 'bus')],
          c.what,
        ),
      ),
      { numRuns: 700 },
    );
  });

  it('200 bus files the seed cannot run on, through kspec run', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(badLayoutBus, badSeedBus), async (b) =>
        refused(
          { 's.json': GOOD, bus: b.bytes },
          (d) => ['run', join(d, 's.json'), ...outputs(d), '--bus-file', join(d, 'bus')],
          b.what,
        ),
      ),
      { numRuns: 200 },
    );
  });

  it('150 bus files that are no bus, through kspec pcap', async () => {
    await fc.assert(
      fc.asyncProperty(badLayoutBus, async (b) =>
        refused({ bus: b.bytes }, (d) => ['pcap', join(d, 'bus'), '-o', join(d, 'x.pcap')], b.what),
      ),
      { numRuns: 150 },
    );
  });
});

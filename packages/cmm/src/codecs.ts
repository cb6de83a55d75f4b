/**
 * Everything that arrives from outside, checked with io-ts before anything runs: the load
 * options (page size, RAM, parameters, faults, loan policy), notifier actions, parameter and
 * attribute names, and written values. A bad value is a {@link CmmDecodeError} naming the path
 * and the value found; nothing is half-applied. (Values written to sysfs are strings of any
 * content: the kernel's parsers decide what they mean, as in C.)
 *
 * 64-bit quantities may be given as bigints, safe integers or decimal strings.
 *
 * @module
 */
import * as t from 'io-ts/lib/index.js';
import { isLeft } from 'fp-ts/lib/Either.js';
import { PagePool } from '@kspec/shared-memory';
import { MEM, SYS } from './constants.js';
import { FAULT_OPS } from './faults.js';
import { CMM_PARAMS, CMM_SYSFS_ATTRS } from './model/params.js';

/** An error naming what was wrong and where. @category Codecs */
export class CmmDecodeError extends Error {
  override readonly name = 'CmmDecodeError';
}

/** `t.partial(props)` that also rejects fields it does not know (a misspelt option is an error). */
function strictPartial<P extends t.Props>(props: P, name: string) {
  const base = t.partial(props, name);
  const known = new Set(Object.keys(props));
  return new t.Type<t.TypeOf<typeof base>, t.OutputOf<typeof base>, unknown>(
    name,
    base.is,
    (u, c) => {
      if (typeof u === 'object' && u !== null && !Array.isArray(u)) {
        const extra = Object.keys(u).find((k) => !known.has(k));
        if (extra !== undefined) {
          const v = (u as Record<string, unknown>)[extra];
          return t.failure(v, [...c, { key: extra, type: t.never, actual: v }], `unknown field '${extra}'`);
        }
      }
      return base.validate(u, c);
    },
    base.encode,
  );
}

const int = (name: string, min: number, max: number) =>
  t.refinement(t.number, (n) => Number.isInteger(n) && n >= min && n <= max, name);

/** An `unsigned int`. @category Codecs */
export const UInt = int('unsigned int', 0, 0xffffffff);

/** A 64-bit value as a bigint, a safe integer or a decimal string. @category Codecs */
export const Int64 = new t.Type<bigint, bigint, unknown>(
  'int64',
  (u): u is bigint => typeof u === 'bigint',
  (u, c) => {
    if (typeof u === 'bigint') return t.success(u);
    if (typeof u === 'number' && Number.isSafeInteger(u)) return t.success(BigInt(u));
    if (typeof u === 'string' && /^-?\d+$/.test(u)) return t.success(BigInt(u));
    return t.failure(u, c, 'expected an integer (bigint, safe integer or decimal string)');
  },
  t.identity,
);

/** An `unsigned long` (0 .. 2^64 - 1). @category Codecs */
export const ULong = t.refinement(Int64, (v) => v >= 0n && v < 1n << 64n, 'unsigned long');

/** A memory-hotplug action name. @category Codecs */
export const MemoryActionCodec = t.keyof(
  Object.fromEntries(Object.keys(MEM).map((k) => [k, null])) as Record<keyof typeof MEM, null>,
  'MemoryAction',
);
/** A reboot action name. @category Codecs */
export const RebootActionCodec = t.keyof(
  Object.fromEntries(Object.keys(SYS).map((k) => [k, null])) as Record<keyof typeof SYS, null>,
  'RebootAction',
);
/** A module parameter name. @category Codecs */
export const ParamNameCodec = t.keyof(
  Object.fromEntries(Object.keys(CMM_PARAMS).map((k) => [k, null])) as Record<keyof typeof CMM_PARAMS, null>,
  'CmmParamName',
);
/** A device attribute name. @category Codecs */
export const SysfsAttrCodec = t.keyof(
  Object.fromEntries(CMM_SYSFS_ATTRS.map((k) => [k, null])) as Record<(typeof CMM_SYSFS_ATTRS)[number], null>,
  'CmmSysfsAttr',
);
/** A value written to a sysfs file. @category Codecs */
export const WriteValueCodec = t.string;

/** A fault. @category Codecs */
export const FaultCodec = t.type(
  {
    op: t.keyof(
      Object.fromEntries(FAULT_OPS.map((k) => [k, null])) as Record<(typeof FAULT_OPS)[number], null>,
    ),
    nth: int('n >= 1', 1, Number.MAX_SAFE_INTEGER),
    rc: int('integer', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  },
  'Fault',
);

/** The hypervisor's loan policy. @category Codecs */
export const LoanPolicyCodec = t.type(
  { kind: t.keyof({ request: null, target: null }), bytes: Int64 },
  'LoanPolicy',
);

/** Load-time module parameters. @category Codecs */
export const ParamsCodec = strictPartial(
  {
    delay: UInt,
    hotplug_delay: UInt,
    oom_kb: UInt,
    min_mem_mb: ULong,
    debug: UInt,
    simulate: t.boolean,
    disable: t.union([t.literal(0), t.literal(1)]),
  },
  'CmmParams',
);

const PoolCodec = new t.Type<PagePool, PagePool, unknown>(
  'PagePool',
  (u): u is PagePool => u instanceof PagePool,
  (u, c) => (u instanceof PagePool ? t.success(u) : t.failure(u, c, 'expected a PagePool')),
  t.identity,
);

/** Options of `loadCmm` as accepted from outside. @category Codecs */
export const LoadOptionsCodec = strictPartial(
  {
    pageShift: t.union([t.literal(12), t.literal(16)]),
    ramBytes: int('positive integer', 1, Number.MAX_SAFE_INTEGER),
    pool: PoolCodec,
    totalramPages: int('non-negative integer', 0, Number.MAX_SAFE_INTEGER),
    cmoPageSize: t.union([t.literal(4096), t.literal(65536)]),
    firmwareCmo: t.boolean,
    balloonCompaction: t.boolean,
    builtin: t.boolean,
    params: ParamsCodec,
    simulateLoanTargetKb: ULong,
    loanPolicy: LoanPolicyCodec,
    faults: t.readonlyArray(FaultCodec),
    logLimit: int('non-negative integer', 0, Number.MAX_SAFE_INTEGER),
  },
  'CmmLoadOptions',
);

function pathOf(context: t.Context): string {
  return context
    .map((c) => c.key)
    .filter((k) => k !== '' && !/^\d+$/.test(k))
    .join('.');
}

const shown = (v: unknown): string => {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof PagePool) return 'PagePool';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

/**
 * Decodes `value` with `codec`, or throws a {@link CmmDecodeError} naming `where`, the path of
 * each bad field and the value found.
 * @category Codecs
 */
export function decodeOrThrow<A, O>(codec: t.Type<A, O, unknown>, value: unknown, where: string): A {
  const r = codec.decode(value);
  if (isLeft(r)) {
    const msgs = r.left.slice(0, 4).map((e) => {
      const p = pathOf(e.context);
      const want = e.message ?? `expected ${e.context[e.context.length - 1]?.type.name ?? '?'}`;
      return `${p ? `${p}: ` : ''}${want}, got ${shown(e.value)}`;
    });
    throw new CmmDecodeError(`${where}: ${msgs.join('; ')}`);
  }
  return r.right;
}

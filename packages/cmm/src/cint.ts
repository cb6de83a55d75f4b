/**
 * C integers at their widths on ppc64 (LP64): `int` and `unsigned int` are 32 bits, `long` and
 * `unsigned long` 64 bits, as `bigint`s; conversions wrap modulo 2^n as the C conversions do
 * (and as gcc does for the signed overflows the kernel never triggers on these paths). Also
 * the kernel's string-to-number parsers the driver reaches: `simple_strtoul` (cmm_set_disable,
 * store_oom_pages) and `kstrtouint`/`kstrtoul` (module parameters, the simulate attribute).
 *
 * Parsers follow lib/kstrtox.c and lib/vsprintf.c: base 0 takes a `0x` prefix as hex and a
 * leading `0` as octal; `kstrto*` accept one `+`, one trailing newline, nothing else, and
 * report overflow as -ERANGE; `simple_strtoul` stops at the first non-digit, never fails, and
 * wraps on overflow.
 *
 * @module
 */
import { ERR } from './constants.js';

/** `unsigned long` (u64): wraps `x` modulo 2^64. @category C integers */
export const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
/** `long` (s64): two's-complement wrap. @category C integers */
export const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
/** `int` (s32) of a bigint. @category C integers */
export const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
/** `unsigned int` (u32) of a number: wraps modulo 2^32 (exact for |x| < 2^53). @category C integers */
export const u32 = (x: number): number => {
  const r = x % 4294967296;
  return r < 0 ? r + 4294967296 : r;
};

/** The largest `unsigned int`. @category C integers */
export const UINT_MAX = 0xffffffff;
/** The largest `unsigned long`. @category C integers */
export const ULONG_MAX = (1n << 64n) - 1n;

function digit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return 99;
}

const isXdigit = (c: number | undefined): boolean => c !== undefined && digit(c) < 16;

/** `_parse_integer_fixup_radix`: the base and where the digits start. */
function fixupRadix(s: string, base: number, at: number): { base: number; at: number } {
  let b = base;
  let i = at;
  if (b === 0) {
    if (s.charCodeAt(i) === 0x30) {
      b = (s.charCodeAt(i + 1) | 0x20) === 0x78 && isXdigit(s.charCodeAt(i + 2)) ? 16 : 8;
    } else b = 10;
  }
  if (b === 16 && s.charCodeAt(i) === 0x30 && (s.charCodeAt(i + 1) | 0x20) === 0x78) i += 2;
  return { base: b, at: i };
}

/** `_parse_integer`: digits read, the value modulo 2^64, and whether it overflowed. */
function parseInteger(
  s: string,
  base: number,
  at: number,
): { readonly n: number; readonly value: bigint; readonly overflow: boolean } {
  let v = 0n;
  let overflow = false;
  let i = at;
  const b = BigInt(base);
  for (; i < s.length; i++) {
    const d = digit(s.charCodeAt(i));
    if (d >= base) break;
    const next = v * b + BigInt(d);
    if (next > ULONG_MAX) overflow = true;
    v = u64(next);
  }
  return { n: i - at, value: v, overflow };
}

/**
 * `simple_strtoul(s, NULL, base)`: the leading digits of `s` as an `unsigned long`, 0 when
 * there are none; no sign, no whitespace skipped, overflow wraps.
 * @category C integers
 */
export function simpleStrtoul(s: string, base = 10): bigint {
  const r = fixupRadix(s, base, 0);
  return parseInteger(s, r.base, r.at).value;
}

/**
 * `kstrtoull(s, base, &res)`: the value, or -EINVAL (no digits, or anything but one trailing
 * newline after them) or -ERANGE (overflow).
 * @category C integers
 */
export function kstrtoull(s: string, base = 0): bigint | number {
  let at = 0;
  if (s.charCodeAt(0) === 0x2b) at = 1; // '+'
  const r = fixupRadix(s, base, at);
  const p = parseInteger(s, r.base, r.at);
  if (p.overflow) return ERR.ERANGE;
  if (p.n === 0) return ERR.EINVAL;
  let end = r.at + p.n;
  if (s.charCodeAt(end) === 0x0a) end++;
  if (end !== s.length) return ERR.EINVAL;
  return p.value;
}

/** `kstrtoul` (64-bit `unsigned long`): as {@link kstrtoull}. @category C integers */
export const kstrtoul = kstrtoull;

/**
 * `kstrtouint(s, base, &res)`: as {@link kstrtoull}, then -ERANGE above `UINT_MAX`.
 * @category C integers
 */
export function kstrtouint(s: string, base = 0): number {
  const v = kstrtoull(s, base);
  if (typeof v === 'number') return v;
  if (v > BigInt(UINT_MAX)) return ERR.ERANGE;
  return Number(v);
}

/**
 * The `unsigned int` multiplication `a * b` (wraps modulo 2^32), e.g. `delay * 1000` (line 298).
 * @category C integers
 */
export function u32Mul(a: number, b: number): number {
  return Number((BigInt(u32(a)) * BigInt(u32(b))) & 0xffffffffn);
}

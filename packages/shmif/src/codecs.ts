/**
 * io-ts codecs for what reaches the facade from outside: Ethernet frames (a `Uint8Array` of
 * `ETHER_HDR_LEN` to `ETHERMTU + ETHER_HDR_LEN` bytes; `shmif_start` asserts the upper bound
 * at line 513, and the stack never hands it less than a header), bus paths, and the
 * `struct ifdrv` arguments of `SIOCSLINKSTR` / `SIOCGLINKSTR`. Decoding failures name the
 * field and what was wrong; nothing is applied before decoding succeeds.
 *
 * @module
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts/lib/index.js';
import { ETHER_HDR_LEN, ETHER_MAX_FRAME, MAXPATHLEN } from './constants.js';

/**
 * An Ethernet frame as `shmif_start` takes it: bytes, 14..1514 long.
 * @category Codecs
 */
export const EthernetFrame = new t.Type<Uint8Array, Uint8Array, unknown>(
  'EthernetFrame',
  (u): u is Uint8Array => u instanceof Uint8Array && u.length >= ETHER_HDR_LEN && u.length <= ETHER_MAX_FRAME,
  (u, c) => {
    if (!(u instanceof Uint8Array)) return t.failure(u, c, 'an Ethernet frame must be a Uint8Array');
    if (u.length < ETHER_HDR_LEN)
      return t.failure(
        u,
        c,
        `an Ethernet frame needs at least ${ETHER_HDR_LEN} bytes (destination, source, type), got ${u.length}`,
      );
    if (u.length > ETHER_MAX_FRAME)
      return t.failure(
        u,
        c,
        `an Ethernet frame is at most ETHERMTU + ETHER_HDR_LEN = ${ETHER_MAX_FRAME} bytes, got ${u.length}`,
      );
    return t.success(u);
  },
  (a) => a,
);

/**
 * Options of the facade's `send`: `segments`, the `m_len` of each mbuf of the chain the frame
 * is handed to `ether_output` as (non-negative integers, at most 64 of them; they must add up to
 * the frame's length, which the facade checks).
 * @category Codecs
 */
export const SendOptions = new t.Type<{ readonly segments?: readonly number[] }, unknown, unknown>(
  'SendOptions',
  (u): u is { readonly segments?: readonly number[] } => typeof u === 'object' && u !== null,
  (u, c) => {
    if (typeof u !== 'object' || u === null || Array.isArray(u)) return t.failure(u, c, 'must be an object');
    const rec = u as Record<string, unknown>;
    const extra = Object.keys(rec).filter((k) => k !== 'segments');
    if (extra.length > 0)
      return t.failure(
        rec[extra[0]!],
        [...c, { key: extra[0]!, type: t.never, actual: rec[extra[0]!] }],
        'unknown option (one of segments)',
      );
    const segs = rec['segments'];
    if (segs === undefined) return t.success({});
    const at = [...c, { key: 'segments', type: t.never, actual: segs }];
    if (!Array.isArray(segs) || segs.length === 0 || segs.length > 64)
      return t.failure(segs, at, 'must be an array of 1 to 64 mbuf lengths');
    const bad = segs.findIndex((n) => typeof n !== 'number' || !Number.isInteger(n) || n < 0);
    if (bad >= 0)
      return t.failure(
        segs[bad],
        [...at, { key: String(bad), type: t.never, actual: segs[bad] }],
        'must be an integer >= 0',
      );
    return t.success({ segments: segs as number[] });
  },
  (a) => a,
);

/**
 * A bus path: a non-empty string without NUL that fits `MAXPATHLEN` with its NUL.
 * @category Codecs
 */
export const BusPath = new t.Type<string, string, unknown>(
  'BusPath',
  (u): u is string => typeof u === 'string',
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, 'a bus path must be a string');
    if (u.length === 0) return t.failure(u, c, 'a bus path must not be empty');
    if (u.includes('\0')) return t.failure(u, c, 'a bus path must not contain NUL');
    if (new TextEncoder().encode(u).length + 1 > MAXPATHLEN)
      return t.failure(u, c, `a bus path and its NUL must fit MAXPATHLEN (${MAXPATHLEN}) bytes`);
    return t.success(u);
  },
  (a) => a,
);

const NonNegativeInt = new t.Type<number, number, unknown>(
  'NonNegativeInt',
  (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= 0,
  (u, c) =>
    typeof u === 'number' && Number.isInteger(u) && u >= 0 && u <= 0xffffffff
      ? t.success(u)
      : t.failure(u, c, 'must be an integer in [0, 2^32)'),
  (a) => a,
);

/**
 * `SIOCSLINKSTR` arguments: `ifd_cmd` (0 or `IFLINKSTR_UNSET`), `ifd_len` (defaults to the
 * path's length with its NUL) and the path (`ifd_data`).
 * @category Codecs
 */
export const SlinkstrRequest = t.intersection([
  t.type({ cmd: NonNegativeInt }),
  t.partial({ len: NonNegativeInt, path: t.string }),
]);

/** @category Codecs */
export type SlinkstrRequest = t.TypeOf<typeof SlinkstrRequest>;

/**
 * `SIOCGLINKSTR` arguments: `ifd_cmd` (0 or `IFLINKSTR_QUERYLEN`), and the caller's buffer
 * (`ifd_data`, whose length is `ifd_len` unless `len` says otherwise).
 * @category Codecs
 */
export const GlinkstrRequest = t.intersection([
  t.type({ cmd: NonNegativeInt }),
  t.partial({ len: NonNegativeInt, buffer: t.unknown }),
]);

/** @category Codecs */
export type GlinkstrRequest = t.TypeOf<typeof GlinkstrRequest>;

/**
 * Decodes `u` with `codec` or throws a `TypeError` naming `what` and each failing path.
 * @category Codecs
 */
export function decodeOrThrow<A>(codec: t.Decoder<unknown, A>, u: unknown, what: string): A {
  const r = codec.decode(u);
  if (isLeft(r)) {
    const msgs = r.left.map((e) => {
      // the keys of the context, without the member indices io-ts adds for intersections
      const keys: string[] = [];
      e.context.forEach((c, k) => {
        const parent = k > 0 ? (e.context[k - 1]!.type as { _tag?: string })._tag : undefined;
        if (c.key !== '' && parent !== 'IntersectionType') keys.push(c.key);
      });
      const path = keys.join('.');
      return `${path === '' ? what : `${what}.${path}`}: ${e.message ?? `invalid value ${JSON.stringify(e.value)}`}`;
    });
    throw new TypeError(msgs.join('; '));
  }
  return r.right;
}

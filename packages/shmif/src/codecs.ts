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

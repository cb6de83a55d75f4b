/**
 * Everything that arrives from outside, checked with io-ts before anything runs: a KIP
 * description, a boot-info description, the layout and thread options of `createPlatform`, and
 * a page-fault message for `pager.fault`. A bad value is a {@link CorePagerDecodeError} naming
 * the path and the value found; nothing is half-applied.
 *
 * Checked here, and not left to the model: words are 32-bit integers, a descriptor's `high` is
 * not below its `low`, there are at most as many descriptors as fit in the KIP page. Not
 * rejected, because the C code has an answer for them: a wrong KIP magic, a page-size mask
 * without 4K, unaligned or empty modules, a boot info with a bad magic (each ends in the panic
 * the seed has for it).
 *
 * @module
 */
import * as t from 'io-ts/lib/index.js';
import { isLeft } from 'fp-ts/lib/Either.js';
import { MAX_MEMORY_DESCRIPTORS } from './kip.js';

/** An integer in [0, 2^32). @category Codecs */
export const U32 = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff, 'u32');
/** An integer in [0, 15]. @category Codecs */
export const U4 = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n <= 15, 'u4');
/** An integer in [0, 63]. @category Codecs */
export const U6 = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n <= 63, 'u6');

/** A KIP memory descriptor. @category Codecs */
export const MemoryDescriptorCodec = t.refinement(
  t.intersection([t.type({ type: U4, virtual: t.boolean, low: U32, high: U32 }), t.partial({ subtype: U4 })]),
  (d) => d.high >= d.low,
  'MemoryDescriptor (high >= low)',
);

/** A KIP description. @category Codecs */
export const KipDescriptionCodec = t.intersection(
  [
    t.type({
      pageSizeMask: U32,
      memory: t.refinement(
        t.array(MemoryDescriptorCodec),
        (a) => a.length <= MAX_MEMORY_DESCRIPTORS,
        `at most ${MAX_MEMORY_DESCRIPTORS} descriptors`,
      ),
      bootInfo: U32,
    }),
    t.partial({
      magic: U32,
      apiVersion: U32,
      userBase: t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n < 4096, 'u12'),
      utcbArea: t.type({
        sizeLog2: U6,
        alignLog2: U6,
        multiplier: t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n < 1024, 'u10'),
      }),
    }),
  ],
  'KipDescription',
);

/** A boot module. @category Codecs */
export const BootModuleCodec = t.type(
  { start: U32, size: U32, cmdline: t.union([t.string, t.null]) },
  'BootModule',
);

/** A boot-info description. @category Codecs */
export const BootInfoDescriptionCodec = t.intersection(
  [
    t.type({ modules: t.array(BootModuleCodec) }),
    t.partial({ otherRecords: t.array(t.type({ type: U32 })), magic: U32, version: U32, size: U32 }),
  ],
  'BootInfoDescription',
);

/** Where things are in core (the `layout` option of `createPlatform`). @category Codecs */
export const LayoutCodec = t.partial(
  { imageStart: U32, imageEnd: U32, kipAddress: U32, coreMainLocalId: U32 },
  'PlatformLayout',
);

/** A page-fault (or any) message to the pager, as `pager.fault` takes it. @category Codecs */
export const FaultMessageCodec = t.intersection(
  [
    t.type({ from: t.union([U32, t.string]), addr: U32, ip: U32 }),
    t.partial({
      flags: U4,
      label: t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n <= 0xffff, 'u16'),
      untyped: U6,
      call: t.boolean,
    }),
  ],
  'FaultMessage',
);

/** An error naming what was wrong and where. @category Codecs */
export class CorePagerDecodeError extends Error {
  override readonly name = 'CorePagerDecodeError';
}

/**
 * Decodes `value` with `codec`, or throws a {@link CorePagerDecodeError} naming `where`, the
 * path of each bad field and the value found there.
 * @category Codecs
 */
export function decodeOrThrow<A, O>(codec: t.Type<A, O, unknown>, value: unknown, where: string): A {
  const r = codec.decode(value);
  if (isLeft(r)) {
    const msgs = r.left.map((e) => {
      // Keys of intersection and union members are io-ts's own, not the value's path.
      const path = e.context
        .filter((c, i) => {
          let parent = e.context[i - 1]?.type;
          while (parent instanceof t.RefinementType) parent = parent.type;
          return c.key !== '' && !(parent instanceof t.IntersectionType) && !(parent instanceof t.UnionType);
        })
        .map((c) => c.key)
        .join('.');
      const expected = e.message ?? `expected ${e.context[e.context.length - 1]?.type.name ?? '?'}`;
      return `${path ? `${path}: ` : ''}${expected}, got ${JSON.stringify(e.value)}`;
    });
    throw new CorePagerDecodeError(`${where}: invalid\n  ${[...new Set(msgs)].join('\n  ')}`);
  }
  return r.right;
}

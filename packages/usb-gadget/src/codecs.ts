/**
 * Everything that reaches the facade from outside, checked with io-ts: the controller
 * description, the build and module parameters (the ranges the kernel's `ushort` / `charp`
 * parameters and Kconfig allow), SETUP packets (u8/u16 fields, an OUT data stage of at most
 * wLength bytes), frames (14..1514 bytes on usb0) and raw bulk transfers (bytes). A decode
 * failure is a {@link GadgetDecodeError} naming the path and the value; nothing is applied
 * before decoding succeeds.
 *
 * @module
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts/lib/index.js';
import { ETH_FRAME_LEN, ETH_HLEN, USB_BUFSIZ } from './constants.js';
import { FAULT_OPS } from './ports.js';

const int = (name: string, min: number, max: number) =>
  t.refinement(
    t.number,
    (n) => Number.isInteger(n) && n >= min && n <= max,
    `${name} (integer ${min}..${max})`,
  );

/** A byte. @category Codecs */
export const U8 = int('u8', 0, 0xff);
/** A 16-bit field. @category Codecs */
export const U16 = int('u16', 0, 0xffff);

/** Bytes: an array of u8. @category Codecs */
export const Bytes = t.array(U8, 'bytes');

/** One endpoint of a controller. @category Codecs */
export const UdcEndpointCodec = t.type(
  {
    name: t.refinement(t.string, (s) => /^ep/.test(s), 'endpoint name starting "ep"'),
    maxpacket: int('maxpacket', 1, 1024),
  },
  'UdcEndpoint',
);

/** A controller description. @category Codecs */
export const ControllerCodec = t.type(
  {
    name: t.refinement(t.string, (s) => s.length > 0 && s.length <= 32, 'controller name (1..32 characters)'),
    dualspeed: t.boolean,
    otg: t.boolean,
    ep0Maxpacket: t.union(
      [t.literal(8), t.literal(16), t.literal(32), t.literal(64)],
      'ep0 maxpacket (8, 16, 32 or 64)',
    ),
    endpoints: t.array(UdcEndpointCodec, 'endpoints'),
  },
  'Controller',
);

/** Kconfig choices. @category Codecs */
export const BuildCodec = t.partial(
  {
    rndis: t.boolean,
    builtIn: t.boolean,
    vbusDraw: int('CONFIG_USB_GADGET_VBUS_DRAW (mA)', 2, 500),
    udcCore: t.keyof({ '2.6.31': null, rebind: null }),
  },
  'BuildConfig',
);

const charp = t.union([
  t.null,
  t.refinement(t.string, (s) => s.length <= 126, 'string (at most 126 characters)'),
]);

/** Module parameters. @category Codecs */
export const ParamsCodec = t.partial(
  {
    idVendor: U16,
    idProduct: U16,
    bcdDevice: U16,
    iManufacturer: charp,
    iProduct: charp,
    iSerialNumber: charp,
    devAddr: t.union([t.null, t.string]),
    hostAddr: t.union([t.null, t.string]),
    qmult: int('qmult', 1, 64),
  },
  'ModuleParams',
);

/** `init_utsname()`. @category Codecs */
export const UtsCodec = t.partial({ sysname: t.string, release: t.string }, 'Utsname');

/** Options of the facade. @category Codecs */
export const GadgetOptionsCodec = t.partial(
  {
    controller: t.union([t.null, ControllerCodec]),
    build: BuildCodec,
    params: ParamsCodec,
    uts: UtsCodec,
    seed: int('seed', 0, 0xffffffff),
  },
  'GadgetOptions',
);

/** A SETUP packet with its OUT data stage. @category Codecs */
export const SetupPacketCodec = t.refinement(
  t.intersection([
    t.type({ bmRequestType: U8, bRequest: U8, wValue: U16, wIndex: U16, wLength: U16 }),
    t.partial({ data: t.array(U8) }),
  ]),
  (p) =>
    (p.data === undefined || ((p.bmRequestType & 0x80) === 0 && p.data.length <= p.wLength)) &&
    p.wLength <= 0xffff,
  'SetupPacket (an OUT data stage of at most wLength bytes)',
);

/** An Ethernet frame for usb0: 14..1514 bytes. @category Codecs */
export const FrameCodec = t.refinement(
  Bytes,
  (b) => b.length >= ETH_HLEN && b.length <= ETH_FRAME_LEN,
  `Ethernet frame (${ETH_HLEN}..${ETH_FRAME_LEN} bytes)`,
);

/** A bulk OUT transfer: at most USB_BUFSIZ * 4 bytes (one RNDIS-wrapped frame and more). @category Codecs */
export const BulkCodec = t.refinement(
  Bytes,
  (b) => b.length <= USB_BUFSIZ * 4,
  'bulk transfer (at most 2048 bytes)',
);

/** A fault to arm. @category Codecs */
export const FaultCodec = t.intersection([
  t.type({ op: t.keyof(Object.fromEntries(FAULT_OPS.map((o) => [o, null])) as Record<string, null>) }),
  t.partial({ nth: int('nth', 1, 1000), errno: int('errno', -4095, -1) }),
]);

/** An error naming what was wrong and where. @category Codecs */
export class GadgetDecodeError extends Error {
  override readonly name = 'GadgetDecodeError';
}

function pathOf(context: t.Context): string {
  return context
    .map((c) => c.key)
    .filter((k) => k !== '')
    .join('.');
}

/**
 * Decodes `value` with `codec`, or throws a {@link GadgetDecodeError} naming `where`, the path
 * of each bad field and the value found.
 * @category Codecs
 */
export function decodeOrThrow<A, O>(codec: t.Type<A, O, unknown>, value: unknown, where: string): A {
  const r = codec.decode(value);
  if (isLeft(r)) {
    const msgs = r.left.map((e) => {
      const p = pathOf(e.context);
      const expected = e.message ?? `expected ${e.context[e.context.length - 1]?.type.name ?? '?'}`;
      return `${p ? `${p}: ` : ''}${expected}, got ${JSON.stringify(e.value)}`;
    });
    throw new GadgetDecodeError(`${where}: ${[...new Set(msgs)].join('; ')}`);
  }
  return r.right;
}

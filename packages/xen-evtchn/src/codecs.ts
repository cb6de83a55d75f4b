/**
 * Everything that arrives from outside, checked: ioctl command numbers and argument structs as
 * bytes (`include/uapi/xen/evtchn.h`, facts 3.2: little-endian u32 fields, `domid_t` u16),
 * typed ioctl arguments, read/write counts and buffers, and the options of `open`. io-ts
 * codecs report the path of what is wrong; nothing is half-applied.
 *
 * `copy_from_user` is modelled by the argument length: a buffer shorter than the struct (or
 * none) faults, which the device turns into -EFAULT at exactly the place the C code copies.
 *
 * @module
 */
import * as t from 'io-ts/lib/index.js';
import { isLeft } from 'fp-ts/lib/Either.js';
import type { EvtchnEvent, UserArg } from './context.js';

/** An integer in [0, 2^32). @category Codecs */
export const U32 = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff, 'u32');
/** An integer in [0, 2^16). @category Codecs */
export const U16 = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n <= 0xffff, 'u16');
/** A non-negative safe integer (`size_t` counts). @category Codecs */
export const SizeT = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'size_t');

/** A byte buffer from user space. @category Codecs */
export const UserBytes = new t.Type<Uint8Array, Uint8Array, unknown>(
  'Uint8Array',
  (u): u is Uint8Array => u instanceof Uint8Array,
  (u, c) => (u instanceof Uint8Array ? t.success(u) : t.failure(u, c, 'expected a Uint8Array')),
  t.identity,
);

/** `struct ioctl_evtchn_bind_virq`. @category Codecs */
export const BindVirqArg = t.type({ virq: U32 }, 'ioctl_evtchn_bind_virq');
/** `struct ioctl_evtchn_bind_interdomain`. @category Codecs */
export const BindInterdomainArg = t.type(
  { remoteDomain: U32, remotePort: U32 },
  'ioctl_evtchn_bind_interdomain',
);
/** `struct ioctl_evtchn_bind_unbound_port`. @category Codecs */
export const BindUnboundPortArg = t.type({ remoteDomain: U32 }, 'ioctl_evtchn_bind_unbound_port');
/** `struct ioctl_evtchn_unbind` / `ioctl_evtchn_notify`. @category Codecs */
export const PortArg = t.type({ port: U32 }, 'ioctl_evtchn_port');
/** `struct ioctl_evtchn_restrict_domid`. @category Codecs */
export const RestrictDomidArg = t.type({ domid: U16 }, 'ioctl_evtchn_restrict_domid');

/** An object that is not `null` (the environment value and the port objects of `openEvtchn`). */
const AnObject = new t.Type<object, object, unknown>(
  'object',
  (u): u is object => typeof u === 'object' && u !== null,
  (u, c) => (typeof u === 'object' && u !== null ? t.success(u) : t.failure(u, c, 'expected an object')),
  t.identity,
);

/**
 * `codec` (a `t.partial`) that also refuses keys it does not know, each reported at its own
 * path with the message "unknown option (one of ...)" (io-ts itself ignores extra keys).
 * @category Codecs
 */
export function strictPartial<P extends t.Props>(
  codec: t.PartialC<P>,
): t.Type<t.TypeOf<t.PartialC<P>>, unknown, unknown> {
  const known = Object.keys(codec.props);
  return new t.Type<t.TypeOf<t.PartialC<P>>, unknown, unknown>(
    codec.name,
    (u): u is t.TypeOf<t.PartialC<P>> =>
      codec.is(u) && Object.keys(u as object).every((k) => known.includes(k)),
    (u, c) => {
      if (typeof u !== 'object' || u === null || Array.isArray(u))
        return t.failure(u, c, `expected an object of options (${known.join(', ')})`);
      const extra = Object.keys(u).filter((k) => !known.includes(k));
      if (extra.length > 0) {
        const rec = u as Record<string, unknown>;
        return t.failures(
          extra.map((k) => ({
            value: rec[k],
            context: [...c, { key: k, type: t.never, actual: rec[k] }],
            message: `unknown option (one of ${known.join(', ')})`,
          })),
        );
      }
      return codec.validate(u, c);
    },
    codec.encode,
  );
}

/**
 * Options of `openEvtchn`, as accepted from outside: unknown keys are refused (a misspelt
 * option would otherwise be ignored silently); `env`, `hypervisor` and `irqLayer` must be
 * objects (their contents are the caller's ports).
 * @category Codecs
 */
export const EvtchnOpenOptions = strictPartial(
  t.partial(
    {
      comm: t.string,
      nrChannels: t.refinement(U32, (n) => n > 0, 'positive u32'),
      nonblock: t.boolean,
      arch: t.keyof({ generic: null, powerpc: null }),
      bindingActors: t.boolean,
      env: AnObject,
      hypervisor: AnObject,
      irqLayer: AnObject,
    },
    'EvtchnOpenOptions',
  ),
);

/** Options of a facade `read`, as accepted from outside (unknown keys refused). @category Codecs */
export const EvtchnReadOptions = strictPartial(t.partial({ faultAt: SizeT }, 'EvtchnReadOptions'));

/** An error naming what was wrong and where. @category Codecs */
export class EvtchnDecodeError extends Error {
  override readonly name = 'EvtchnDecodeError';
}

function pathOf(context: t.Context): string {
  return context
    .map((c) => c.key)
    .filter((k) => k !== '')
    .join('.');
}

/**
 * Decodes `value` with `codec`, or throws an {@link EvtchnDecodeError} naming `where` and the
 * path of each bad field.
 * @category Codecs
 */
export function decodeOrThrow<A, O>(codec: t.Type<A, O, unknown>, value: unknown, where: string): A {
  const r = codec.decode(value);
  if (isLeft(r)) {
    const msgs = r.left.map((e) => {
      const p = pathOf(e.context);
      return `${p ? `${p}: ` : ''}${e.message ?? `expected ${e.context[e.context.length - 1]?.type.name ?? '?'}`}, got ${JSON.stringify(e.value)}`;
    });
    throw new EvtchnDecodeError(`${where}: ${msgs.join('; ')}`);
  }
  return r.right;
}

/** The ioctl numbers (`_IOC(_IOC_NONE, 'E', nr, size)`, facts 3.2). @category Codecs */
export const EVTCHN_IOCTL = Object.freeze({
  BIND_VIRQ: { nr: 0, size: 4 },
  BIND_INTERDOMAIN: { nr: 1, size: 8 },
  BIND_UNBOUND_PORT: { nr: 2, size: 4 },
  UNBIND: { nr: 3, size: 4 },
  NOTIFY: { nr: 4, size: 4 },
  RESET: { nr: 5, size: 0 },
  RESTRICT_DOMID: { nr: 6, size: 2 },
} as const);

/** An ioctl name. @category Codecs */
export type EvtchnIoctlName = keyof typeof EVTCHN_IOCTL;

/** Which `_IOC` encoding: asm-generic (x86, arm, arm64, riscv) or powerpc/mips/sparc. @category Codecs */
export type IoctlArch = 'generic' | 'powerpc';

/**
 * The command value of an ioctl: `_IOC(_IOC_NONE, 'E', nr, size)`; 0x00044500 for BIND_VIRQ
 * on asm-generic, 0x20044500 on powerpc.
 * @category Codecs
 */
export function evtchnIoctlCmd(name: EvtchnIoctlName, arch: IoctlArch = 'generic'): number {
  const { nr, size } = EVTCHN_IOCTL[name];
  const none = arch === 'powerpc' ? 1 << 29 : 0;
  return (none | (size << 16) | (0x45 << 8) | nr) >>> 0;
}

function u32At(bytes: Uint8Array, off: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(off, true);
}

function copyFromUser<T>(
  bytes: Uint8Array | null | undefined,
  size: number,
  read: (b: Uint8Array) => T,
): UserArg<T> {
  return bytes == null || bytes.length < size ? null : read(bytes);
}

/**
 * Turns a numeric ioctl command and its argument bytes into the device event, as the C switch
 * does: an unknown command gives `ioctl.unknown`; an argument shorter than its struct gives
 * `arg: null` (the device answers -EFAULT where the C calls `copy_from_user`).
 * @category Codecs
 */
export function evtchnIoctlEvent(
  cmd: number,
  arg: Uint8Array | null | undefined,
  arch: IoctlArch = 'generic',
): EvtchnEvent {
  const c = decodeOrThrow(U32, cmd, 'ioctl cmd');
  if (arg != null) decodeOrThrow(UserBytes, arg, 'ioctl arg');
  const is = (name: EvtchnIoctlName) => c === evtchnIoctlCmd(name, arch);
  if (is('BIND_VIRQ'))
    return { type: 'ioctl.bindVirq', arg: copyFromUser(arg, 4, (b) => ({ virq: u32At(b, 0) })) };
  if (is('BIND_INTERDOMAIN')) {
    return {
      type: 'ioctl.bindInterdomain',
      arg: copyFromUser(arg, 8, (b) => ({ remoteDomain: u32At(b, 0), remotePort: u32At(b, 4) })),
    };
  }
  if (is('BIND_UNBOUND_PORT')) {
    return {
      type: 'ioctl.bindUnboundPort',
      arg: copyFromUser(arg, 4, (b) => ({ remoteDomain: u32At(b, 0) })),
    };
  }
  if (is('UNBIND'))
    return { type: 'ioctl.unbind', arg: copyFromUser(arg, 4, (b) => ({ port: u32At(b, 0) })) };
  if (is('NOTIFY'))
    return { type: 'ioctl.notify', arg: copyFromUser(arg, 4, (b) => ({ port: u32At(b, 0) })) };
  if (is('RESET')) return { type: 'ioctl.reset' };
  if (is('RESTRICT_DOMID')) {
    return {
      type: 'ioctl.restrictDomid',
      arg: copyFromUser(arg, 2, (b) => ({
        domid: new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(0, true),
      })),
    };
  }
  return { type: 'ioctl.unknown', cmd: c };
}

/**
 * The L4 X.2 types the seed builds and reads, with their 32-bit (ia32, little-endian) bit
 * layouts as in Pistachio's user headers (`l4/types.h`, `l4/message.h`, `l4/ipc.h`): flexpages
 * (`L4_Fpage_t`), message tags (`L4_MsgTag_t`), map items (`L4_MapItem_t`), thread ids
 * (`L4_ThreadId_t`), and the message a reply loads into the message registers.
 *
 * Every value is a raw `L4_Word_t` (an unsigned 32-bit number); the functions are named after
 * the C inline functions and compute exactly what they compute, including what they leave
 * alone: `L4_Fpage(base, size)` stores the raw base and only overwrites the `s` and `rwx`
 * fields, so the base's bit 3 (the `reserved` bit) and its bits below the size stay in the
 * word. Shifts by 32 or more (a 6-bit `s` field allows 63) are taken modulo 32, as the ia32
 * `shl` instruction does with the `1UL << s` of `L4_Address`/`L4_Size` (undefined in C).
 *
 * Not covered: string items, grant items, typed-item transfer, 64-bit layouts.
 *
 * @module
 */

/** An `L4_Word_t` on ia32: an unsigned 32-bit number. @category L4 types */
export type Word = number;

/** `x` as an unsigned 32-bit word (C's wrap-around). @category L4 types */
export const u32 = (x: number): Word => x >>> 0;

/** `1UL << n` on ia32 (`shl` takes the count modulo 32). */
const bit = (n: number): Word => u32(2 ** (n & 31));

// ---------------------------------------------------------------------------------------------
// Flexpages: rwx bits 0-2, reserved bit 3, s (log2 size) bits 4-9, b (base / 1K) bits 10-31.

/** `L4_Readable`. @category L4 types */
export const L4_Readable = 0x04;
/** `L4_Writable`. @category L4 types */
export const L4_Writable = 0x02;
/** `L4_eXecutable`. @category L4 types */
export const L4_eXecutable = 0x01;
/** `L4_FullyAccessible`. @category L4 types */
export const L4_FullyAccessible = 0x07;
/** `L4_NoAccess`. @category L4 types */
export const L4_NoAccess = 0x00;
/** `L4_Nilpage` (raw 0). @category L4 types */
export const L4_Nilpage: Word = 0;
/** `L4_CompleteAddressSpace`: s = 1, base 0. @category L4 types */
export const L4_CompleteAddressSpace: Word = 1 << 4;

/** `__L4_Msb(w)`: index of the highest set bit (`bsr`; 0 for 0, where `bsr` is undefined). @category L4 types */
export function L4_Msb(w: Word): number {
  return w === 0 ? 0 : 31 - Math.clz32(w);
}

/** Replaces bits `[lo, lo + width)` of `word` by `value` (a C bit-field store). */
function setField(word: Word, lo: number, width: number, value: number): Word {
  const mask = (2 ** width - 1) * 2 ** lo;
  return u32((word & ~mask) | ((value * 2 ** lo) & mask));
}

/**
 * `L4_Fpage(BaseAddress, FpageSize)`: `raw = base`, `s = ceil(log2 size)`, `rwx = 0`. The base is
 * not aligned: its bit 3 and its bits between 10 and `s` stay in the word.
 * @category L4 types
 */
export function L4_Fpage(base: Word, size: Word): Word {
  const msb = L4_Msb(u32(size));
  const s = bit(msb) < u32(size) ? msb + 1 : msb;
  return setField(setField(u32(base), 4, 6, s), 0, 3, L4_NoAccess);
}

/** `L4_FpageLog2(BaseAddress, s)`. @category L4 types */
export function L4_FpageLog2(base: Word, s: number): Word {
  return setField(setField(u32(base), 4, 6, s), 0, 3, L4_NoAccess);
}

/** `L4_SizeLog2(f)`: the `s` field. @category L4 types */
export const L4_SizeLog2 = (f: Word): number => (f >>> 4) & 0x3f;
/** `L4_Rights(f)`. @category L4 types */
export const L4_Rights = (f: Word): number => f & 7;
/** `L4_IsNilFpage(f)`: raw == 0. @category L4 types */
export const L4_IsNilFpage = (f: Word): boolean => u32(f) === 0;

/** `L4_Address(f)`: `raw & ~((1UL << s) - 1)`. @category L4 types */
export function L4_Address(f: Word): Word {
  return u32(f & ~u32(bit(L4_SizeLog2(f)) - 1));
}

/** `L4_Size(f)`: 0 when s is 0, else `1UL << s`. @category L4 types */
export function L4_Size(f: Word): Word {
  const s = L4_SizeLog2(f);
  return s === 0 ? 0 : bit(s);
}

/** `f += rwx` (`L4_FpageAddRightsTo`): `X.rwx |= rwx`, a 3-bit field. @category L4 types */
export function L4_FpageAddRights(f: Word, rwx: Word): Word {
  return setField(f, 0, 3, L4_Rights(f) | (rwx & 7));
}

// ---------------------------------------------------------------------------------------------
// Message tags: u bits 0-5, t bits 6-11, flags bits 12-15, label bits 16-31.

/** The fields of an `L4_MsgTag_t`. @category L4 types */
export interface MsgTag {
  /** Untyped words. */
  readonly u: number;
  /** Typed words. */
  readonly t: number;
  /** Bit 0 propagated, 1 redirected, 2 cross-cpu, 3 error. */
  readonly flags: number;
  readonly label: number;
}

/** Builds the raw tag word (each field truncated to its width, as a bit-field store). @category L4 types */
export function msgTagRaw(tag: MsgTag): Word {
  return (
    ((tag.u & 0x3f) | ((tag.t & 0x3f) << 6) | ((tag.flags & 0xf) << 12) | ((tag.label & 0xffff) << 16)) >>> 0
  );
}

/** Splits a raw tag word into its fields. @category L4 types */
export function msgTagFields(raw: Word): MsgTag {
  const w = u32(raw);
  return { u: w & 0x3f, t: (w >>> 6) & 0x3f, flags: (w >>> 12) & 0xf, label: w >>> 16 };
}

/** `L4_UntypedWords(t)`. @category L4 types */
export const L4_UntypedWords = (raw: Word): number => u32(raw) & 0x3f;
/** `L4_IpcFailed(t)`: the error flag (flags bit 3). @category L4 types */
export const L4_IpcFailed = (raw: Word): boolean => ((u32(raw) >>> 12) & 0x8) !== 0;
/** `res.X.flags`. @category L4 types */
export const msgTagFlags = (raw: Word): number => (u32(raw) >>> 12) & 0xf;

/** `msg_tag_t::error_tag()` of the kernel (api/v4/ipc.h): only the error flag set. @category L4 types */
export const L4_ERROR_TAG: Word = 0x8000;

/**
 * The label of a page-fault IPC the kernel synthesises (`pagefault_tag`, api/v4/ipc.h):
 * `(-2 << 4)` in 16 bits with the access bits R=4, W=2, X=1.
 * @category L4 types
 */
export function L4_PagefaultLabel(access: { read?: boolean; write?: boolean; exec?: boolean }): number {
  return 0xffe0 | (access.read ? 4 : 0) | (access.write ? 2 : 0) | (access.exec ? 1 : 0);
}

/** True when `label` has the page-fault prefix `0xFFE`. @category L4 types */
export const isPagefaultLabel = (label: number): boolean => (label & 0xfff0) === 0xffe0;

// ---------------------------------------------------------------------------------------------
// Map items: word 0 = C bit 0, type bits 1-3 (map = 4), zeros bits 4-9, snd_base bits 10-31;
// word 1 = the send fpage.

/** An `L4_MapItem_t`: its two raw words. @category L4 types */
export type MapItem = readonly [Word, Word];

/**
 * `L4_MapItem(f, SndBase)`: `raw[0] = 0; __type = 4; snd_base = SndBase >> 10;
 * snd_fpage = f` (word 0 = `(SndBase & ~0x3ff) | 0x8`).
 * @category L4 types
 */
export function L4_MapItem(fpage: Word, sndBase: Word): MapItem {
  const w0 = setField(setField(0, 1, 3, 0x04), 10, 22, u32(sndBase) >>> 10);
  return [w0, u32(fpage)];
}

/** `L4_IsMapItem(m)`: `__type == 4`. @category L4 types */
export const L4_IsMapItem = (m: MapItem): boolean => ((m[0] >>> 1) & 7) === 0x04;
/** `L4_MapItemSndBase(m)`: `snd_base << 10`. @category L4 types */
export const L4_MapItemSndBase = (m: MapItem): Word => u32(m[0] & ~0x3ff);
/** `L4_MapItemSndFpage(m)`. @category L4 types */
export const L4_MapItemSndFpage = (m: MapItem): Word => m[1];

/**
 * The message registers a reply carrying one map item loads (`L4_Clear`: MR0 = 0;
 * `L4_Append(&msg, item)`: the item after the untyped words, `t += 2`; `L4_MsgLoad`: MR0 ..
 * MR(u+t)): `[tag with t = 2 (0x80), item word 0, item word 1]`.
 * @category L4 types
 */
export function replyWithMapItem(item: MapItem): readonly [Word, Word, Word] {
  return [msgTagRaw({ u: 0, t: 2, flags: 0, label: 0 }), item[0], item[1]];
}

// ---------------------------------------------------------------------------------------------
// Thread ids: global = version bits 0-13, thread_no bits 14-31; local = zeros bits 0-5, local_id bits 6-31.

/** `L4_nilthread`. @category L4 types */
export const L4_nilthread: Word = 0;
/** `L4_anythread`. @category L4 types */
export const L4_anythread: Word = 0xffffffff;

/** `L4_GlobalId(threadno, version)`. @category L4 types */
export function L4_GlobalId(threadNo: number, version: number): Word {
  return setField(setField(0, 14, 18, threadNo), 0, 14, version);
}

/** `L4_IsLocalId(t)`: the low 6 bits are zero (nilthread is local). @category L4 types */
export const L4_IsLocalId = (t: Word): boolean => (u32(t) & 0x3f) === 0;
/** `L4_IsGlobalId(t)`. @category L4 types */
export const L4_IsGlobalId = (t: Word): boolean => (u32(t) & 0x3f) !== 0;
/** `t.global.X.thread_no`. @category L4 types */
export const L4_ThreadNo = (t: Word): number => u32(t) >>> 14;
/** `t.global.X.version`. @category L4 types */
export const L4_Version = (t: Word): number => u32(t) & 0x3fff;
/** `t.local.X.local_id`. @category L4 types */
export const L4_LocalIdField = (t: Word): number => u32(t) >>> 6;

// ---------------------------------------------------------------------------------------------
// IPC error codes (kernel api/v4/ipc.h), as the ErrorCode TCR would hold them.

/** `ERR_IPC_TIMEOUT` etc.; the phase bit is added by {@link ipcErrorCode}. @category L4 types */
export const ERR_IPC = Object.freeze({ TIMEOUT: 1, NON_EXISTING: 2, CANCELED: 3, ABORTED: 7 } as const);

/** `IPC_SND_ERROR(err)` / `IPC_RCV_ERROR(err)`: `(err << 1) | phase`. @category L4 types */
export function ipcErrorCode(phase: 'send' | 'receive', err: number): number {
  return (err << 1) | (phase === 'receive' ? 1 : 0);
}

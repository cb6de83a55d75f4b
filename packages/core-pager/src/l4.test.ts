// The L4 X.2 types with their ia32 bit layouts (Pistachio user/include/l4/types.h, message.h,
// ipc.h; facts 5.2), and is_write_fault (lines 52-53) for every flags value.
import { describe, expect, it } from 'vitest';
import {
  L4_Address,
  L4_CompleteAddressSpace,
  L4_Fpage,
  L4_FpageAddRights,
  L4_FpageLog2,
  L4_FullyAccessible,
  L4_GlobalId,
  L4_IpcFailed,
  L4_IsGlobalId,
  L4_IsLocalId,
  L4_IsMapItem,
  L4_IsNilFpage,
  L4_MapItem,
  L4_MapItemSndBase,
  L4_MapItemSndFpage,
  L4_PagefaultLabel,
  L4_Size,
  L4_SizeLog2,
  L4_ThreadNo,
  L4_UntypedWords,
  L4_Version,
  isPagefaultLabel,
  isWriteFault,
  msgTagFields,
  msgTagRaw,
  replyWithMapItem,
} from './index.js';

describe('L4_Fpage (types.h): raw base, s = ceil(log2 size), rwx = 0', () => {
  it.each([
    // base, size, raw
    [0x00012000, 4096, 0x000120c0],
    [0x00012fff, 4096, 0x00012cc8], // bit 3 (reserved) and bits 10-11 of the base stay
    [0x00012008, 4096, 0x000120c8], // bit 3 of the address survives in the reserved bit
    [0x00400000, 0x400000, 0x00400160], // 4M: s = 22
    [0x00001000, 0x3000, 0x000010e0], // not a power of two: rounded up to s = 14
    [0xffffffff, 1, 0xfffffc08], // s = 0: msb(1) = 0
  ])('L4_Fpage(%#x, %#x) = %#x', (base, size, raw) => {
    expect(L4_Fpage(base, size)).toBe(raw);
  });

  it('L4_Address masks by the size, L4_Size is 2^s (0 for s = 0), += ORs the 3-bit rights', () => {
    const f = L4_Fpage(0x00012fff, 4096);
    expect(L4_Address(f)).toBe(0x00012000);
    expect([L4_Size(f), L4_SizeLog2(f)]).toEqual([4096, 12]);
    expect(L4_FpageAddRights(f, L4_FullyAccessible)).toBe(0x00012ccf);
    expect(L4_FpageAddRights(L4_FpageAddRights(f, 4), 0xff)).toBe(0x00012ccf); // rwx is a 3-bit field
    expect(L4_Size(L4_FpageLog2(0, 0))).toBe(0);
    expect(L4_IsNilFpage(0)).toBe(true);
    // s = 1 masks bit 0 only: the s field itself stays in the "address", as the C computes it.
    expect([L4_Address(L4_CompleteAddressSpace), L4_SizeLog2(L4_CompleteAddressSpace)]).toEqual([0x10, 1]);
  });

  it('sizes of 2^32 and more wrap like the ia32 shl (count mod 32)', () => {
    expect(L4_Size(L4_FpageLog2(0, 32))).toBe(1);
    expect(L4_FpageLog2(0x12345678, 33)).toBe(0x12345618); // s = 33 in bits 4-9
    expect(L4_Address(L4_FpageLog2(0x12345678, 33))).toBe(0x12345618); // ~((1 << (33 & 31)) - 1)
  });
});

describe('message tags (message.h, ipc.h): u bits 0-5, t 6-11, flags 12-15, label 16-31', () => {
  it('encodes, decodes and tests the error flag', () => {
    const raw = msgTagRaw({ u: 2, t: 0, flags: 0, label: L4_PagefaultLabel({ write: true }) });
    expect(raw).toBe(0xffe20002);
    expect(msgTagFields(raw)).toEqual({ u: 2, t: 0, flags: 0, label: 0xffe2 });
    expect(L4_UntypedWords(raw)).toBe(2);
    expect(L4_IpcFailed(raw)).toBe(false);
    expect(L4_IpcFailed(msgTagRaw({ u: 0, t: 0, flags: 8, label: 0 }))).toBe(true);
    expect(msgTagRaw({ u: 64 + 1, t: 65, flags: 16 + 3, label: 0x1ffff })).toBe(0xffff3041); // fields truncate
  });

  it('the kernel page-fault label is (-2 << 4) | rwx', () => {
    expect(L4_PagefaultLabel({ read: true })).toBe(0xffe4);
    expect(L4_PagefaultLabel({ read: true, write: true, exec: true })).toBe(0xffe7);
    expect([isPagefaultLabel(0xffe2), isPagefaultLabel(0), isPagefaultLabel(0xffd0)]).toEqual([
      true,
      false,
      false,
    ]);
  });
});

describe('map items (message.h): word 0 = snd_base & ~0x3ff | type 4 << 1; word 1 = the fpage', () => {
  it('L4_MapItem and its accessors', () => {
    const f = L4_FpageAddRights(L4_Fpage(0x00012fff, 4096), 7);
    const item = L4_MapItem(f, 0x00012fff);
    expect(item).toEqual([0x00012c08, 0x00012ccf]);
    expect(L4_IsMapItem(item)).toBe(true);
    expect(L4_MapItemSndBase(item)).toBe(0x00012c00);
    expect(L4_MapItemSndFpage(item)).toBe(f);
    expect(L4_IsMapItem([0, 0])).toBe(false);
  });

  it('a reply carrying one map item loads MR0 = t 2 (0x80), MR1, MR2', () => {
    expect(replyWithMapItem([0x11, 0x22])).toEqual([0x80, 0x11, 0x22]);
  });
});

describe('thread ids (types.h)', () => {
  it('global: version bits 0-13, thread_no 14-31; local: low 6 bits zero', () => {
    const g = L4_GlobalId(0x32, 1);
    expect(g).toBe(0x000c8001);
    expect([L4_ThreadNo(g), L4_Version(g), L4_IsGlobalId(g)]).toEqual([0x32, 1, true]);
    expect([L4_IsLocalId(0xbff00400), L4_IsLocalId(0), L4_IsGlobalId(0xffffffff)]).toEqual([
      true,
      true,
      true,
    ]);
  });
});

describe('is_write_fault (lines 52-53): (flags & 2) == 1', () => {
  it.each(Array.from({ length: 16 }, (_, f) => f))('flags %d: false', (flags) => {
    expect(isWriteFault(flags)).toBe(false);
  });
  it('no 32-bit value makes it true (the and-result is 0 or 2, never 1)', () => {
    for (const f of [2, 3, 0xff, 0xffffffff, 0x80000002]) expect(isWriteFault(f)).toBe(false);
  });
});

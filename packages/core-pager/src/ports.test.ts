// The environment: sigma0 (facts 5.2), the IPC layer (kernel api/v4/ipc.cc), core memory, the
// KIP and boot info byte layouts (l4/kip.h, l4/bootinfo.h), thread ids as the pager sees and
// prints them (print_l4_thread_id.h), and C's printf subset.
import { describe, expect, it } from 'vitest';
import {
  CoreMemory,
  INITIAL_IPC,
  INITIAL_SIGMA0,
  KIP_OFFSETS,
  L4_Address,
  L4_BootInfo_Size,
  L4_BootInfo_Valid,
  L4_Fpage,
  L4_FpageLog2,
  L4_High,
  L4_IsVirtual,
  L4_Low,
  L4_MAGIC,
  L4_MemoryDesc,
  L4_NumMemoryDescriptors,
  L4_PageSizeMask,
  L4_Size,
  L4_ThreadIdUserBase,
  L4_Type,
  L4_UtcbAreaSize,
  L4_UtcbSize,
  SMALL_KIP,
  armSendFailure,
  bootInfoModules,
  defaultThreads,
  encodeBootInfo,
  encodeKip,
  formatC,
  inMemoryIpc,
  kipMagic,
  kipSigma0,
  l4GlobalIdOf,
  physicalMemoryMap,
  printL4ThreadId,
  readCString,
  refuseSigma0Request,
} from './index.js';

describe('sigma0', () => {
  const s0 = kipSigma0(SMALL_KIP);

  it('a later descriptor overrides an earlier one', () => {
    const map = physicalMemoryMap({
      pageSizeMask: 0x1000,
      bootInfo: 0,
      memory: [
        { type: 1, virtual: false, low: 0, high: 0xffff },
        { type: 2, virtual: false, low: 0x4000, high: 0x7fff },
        { type: 1, virtual: true, low: 0, high: 0xffffffff },
      ],
    });
    expect(map).toEqual([
      { start: 0, end: 0x4000, type: 1 },
      { start: 0x4000, end: 0x8000, type: 2 },
      { start: 0x8000, end: 0x10000, type: 1 },
    ]);
  });

  it('GetAny: the lowest aligned free conventional block; nil when none or below 4K', () => {
    let st = INITIAL_SIGMA0;
    const sizes: number[] = [];
    for (;;) {
      const a = s0.getAny(st, 22);
      st = a.state;
      if (a.fpage === 0) break;
      sizes.push(L4_Address(a.fpage));
      expect(L4_Size(a.fpage)).toBe(0x400000);
    }
    expect(sizes).toEqual([0x400000, 0x800000]);
    expect(s0.getAny(st, 12).fpage).toBe(0); // all conventional memory is held now
    expect(s0.getAny(INITIAL_SIGMA0, 11).fpage).toBe(0);
    expect(st.requests).toBe(3);
  });

  it('GetPage: held, free or non-reserved memory, not kernel-reserved memory; refusals by request index', () => {
    const reserved = kipSigma0({
      ...SMALL_KIP,
      memory: [...SMALL_KIP.memory, { type: 2, virtual: false, low: 0x200000, high: 0x2fffff }],
    });
    expect(L4_Address(reserved.getPage(INITIAL_SIGMA0, L4_Fpage(0x00090000, 4096)).fpage)).toBe(0x00090000);
    expect(reserved.getPage(INITIAL_SIGMA0, L4_Fpage(0x00200000, 4096)).fpage).toBe(0);
    const refusing = refuseSigma0Request(refuseSigma0Request(INITIAL_SIGMA0, 1), 1);
    expect(refusing.refuse).toEqual([1]);
    const first = s0.getPage(refusing, L4_Fpage(0x00500000, 4096));
    expect(first.fpage).not.toBe(0);
    expect(s0.getPage(first.state, L4_Fpage(0x00500000, 4096)).fpage).toBe(0);
    expect(s0.getPage(first.state, L4_FpageLog2(0x00500000, 11)).fpage).toBe(0); // below the minimum page size
  });
});

describe('IPC (zero send timeout, nil thread, error codes)', () => {
  it('a reply reaches a caller once; to anyone else it is a send timeout; to nil no send phase', () => {
    const st = inMemoryIpc.received(INITIAL_IPC, 0xbff00400, true);
    const ok = inMemoryIpc.send(st, 0xbff00400);
    expect([ok.sent, ok.error, ok.state.callers]).toEqual([true, null, []]);
    expect(inMemoryIpc.send(ok.state, 0xbff00400).error).toBe(2); // IPC_SND_ERROR(ERR_IPC_TIMEOUT)
    expect(inMemoryIpc.send(INITIAL_IPC, 0)).toEqual({ state: INITIAL_IPC, sent: false, error: null });
    expect(inMemoryIpc.send(armSendFailure(st, 6), 0xbff00400).error).toBe(6);
    expect(inMemoryIpc.received(INITIAL_IPC, 7, false)).toBe(INITIAL_IPC);
  });
});

describe('CoreMemory', () => {
  it('copy on write, little-endian words, unwritten memory reads 0, mapping independent of contents', () => {
    const a = CoreMemory.empty().writeWords(0xffc, [0x11223344, 0x55667788]);
    const b = a.writeWords(0x1000, [1]);
    expect([a.readWord(0x1000), b.readWord(0x1000), b.readWord(0xffc)]).toEqual([0x55667788, 1, 0x11223344]);
    expect(a.read(0xffe, 4)).toEqual(new Uint8Array([0x22, 0x11, 0x88, 0x77]));
    expect(a.readWord(0x5000)).toBe(0);
    const m = b.map(0x1000, 0x3000).unmap(0x2000, 0x3000);
    expect([m.isMapped(0x1fff), m.isMapped(0x2000), m.isMapped(0xffc), m.isMapped(0x1ffc, 8)]).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('KIP bytes (l4/kip.h, ia32)', () => {
  const mem = CoreMemory.empty().write(0x8000, encodeKip(SMALL_KIP));
  it('the accessors read what the encoder wrote, at the ia32 offsets', () => {
    expect(kipMagic(mem, 0x8000)).toBe(L4_MAGIC);
    expect(mem.readWord(0x8000 + KIP_OFFSETS.bootInfo)).toBe(SMALL_KIP.bootInfo);
    expect(L4_NumMemoryDescriptors(mem, 0x8000)).toBe(SMALL_KIP.memory.length);
    expect(L4_PageSizeMask(mem, 0x8000)).toBe(0x401000);
    expect([
      L4_UtcbAreaSize(mem, 0x8000),
      L4_UtcbSize(mem, 0x8000),
      L4_ThreadIdUserBase(mem, 0x8000),
    ]).toEqual([0x4000, 512, 0x30]);
    const d = L4_MemoryDesc(mem, 0x8000, 4)!;
    expect([L4_IsVirtual(d), L4_Type(d), L4_Low(d), L4_High(d)]).toEqual([true, 1, 0, 0xbfffffff]);
    expect(L4_MemoryDesc(mem, 0x8000, 5)).toBeNull();
  });
  it('types >= 0xE carry their subtype in L4_Type; low and high keep 1K', () => {
    const m2 = CoreMemory.empty().write(
      0,
      encodeKip({
        ...SMALL_KIP,
        memory: [{ type: 0xe, subtype: 3, virtual: false, low: 0x12345, high: 0x22345 }],
      }),
    );
    const d = L4_MemoryDesc(m2, 0, 0)!;
    expect([L4_Type(d), L4_Low(d), L4_High(d)]).toEqual([0x3e, 0x12000, 0x223ff]);
  });
});

describe('boot info bytes (l4/bootinfo.h)', () => {
  it('header and module records, walked by offset_next; other records skipped', () => {
    const bytes = encodeBootInfo({
      modules: [
        { start: 0x100000, size: 0x1800, cmdline: '/a/b c' },
        { start: 0x200000, size: 0, cmdline: null },
      ],
      otherRecords: [{ type: 0x102 }],
    });
    const mem = CoreMemory.empty().write(0x9000, bytes);
    expect([L4_BootInfo_Valid(mem, 0x9000), L4_BootInfo_Size(mem, 0x9000)]).toEqual([true, bytes.length]);
    const mods = bootInfoModules(mem, 0x9000);
    expect(mods.map((m) => [m.start, m.size, m.cmdline === 0 ? null : readCString(mem, m.cmdline)])).toEqual([
      [0x100000, 0x1800, '/a/b c'],
      [0x200000, 0, null],
    ]);
    expect(
      L4_BootInfo_Valid(CoreMemory.empty().write(0, encodeBootInfo({ modules: [], version: 2 })), 0),
    ).toBe(false);
  });
});

describe('thread ids', () => {
  const threads = defaultThreads();
  it("L4_GlobalId(t): a core thread's local id gives its global id; nil and unknown local ids give nil", () => {
    expect(l4GlobalIdOf(threads, 0xbff00000)).toBe(0x000c8001);
    expect(l4GlobalIdOf(threads, 0)).toBe(0);
    expect(l4GlobalIdOf(threads, 0x12340000)).toBe(0);
    expect(l4GlobalIdOf(threads, 0x010c0002)).toBe(0x010c0002);
  });
  it('print_l4_thread_id: local, global, and nil (a local id)', () => {
    expect(printL4ThreadId('f', 1, 0xbff00000).text).toBe('THREAD (local) 2ffc000 (raw bff00000)');
    expect(printL4ThreadId('f', 1, 0x000c8001).text).toBe('THREAD (global) 32 (version 1) (raw 000c8001)');
    expect(printL4ThreadId('f', 1, 0).text).toBe('THREAD (local) 00 (raw 00000000)');
  });
});

describe('formatC', () => {
  it.each([
    ['%08lx', [0x1234], '00001234'],
    ['%lx', [0xffffffff], 'ffffffff'],
    ['%ld words, %d', [2, -1], '2 words, -1'],
    ['%uK', [0x80000000 >>> 10], '2097152K'],
    ['%02lx|%s|%%|%p', [5, 'x', 0x10], '05|x|%|0x10'],
  ] as const)('%s', (fmt, args, out) => {
    expect(formatC(fmt, args)).toBe(out);
  });
});

// Platform construction (lines 300-533) through createPlatform: the allocators' resulting
// ranges on a KIP with modules (one empty) and on a KIP with memory at 0, the log in C order,
// every panic of the construction, and the 32-bit arithmetic (bytes_got, 1 << 31, wrapping ends).
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LAYOUT,
  SMALL_BOOT_INFO,
  SMALL_KIP,
  TOP_KIP,
  ZERO_KIP,
  createPlatform,
  sizeOf,
  takeChunk,
  type KipDescription,
} from './index.js';

const M = 0x100000;
const BOOT = 0xe;

describe('SMALL_KIP: 8 MiB at 4 MiB, boot info and modules in boot-loader memory, one empty module', () => {
  const p = createPlatform(SMALL_KIP, SMALL_BOOT_INFO);

  it('constructs and starts the core pager (lines 186-190, 173-185)', () => {
    expect([p.status, p.stop]).toEqual(['constructed', null]);
    expect(p.snapshot.context.bound).toEqual(['core.main', 'core.pager']);
    expect(p.snapshot.context.mainPager).toBe('core.pager'); // L4_Set_Pager, line 184
    expect(p.snapshot.context.priority).toBe(128); // line 366
    expect(p.pager?.running).toBe(true);
  });

  it('the allocators as lines 300-482 leave them', () => {
    expect(p.ranges()).toEqual({
      ramAlloc: [[4 * M, 8 * M]],
      ioMemAlloc: [
        [0, 0x90000],
        [0x91000, 0x6f000],
        [0x102000, 0x2fe000], // the module [0x100000, 0x101800) rounded up to pages (lines 479, 243-245)
        [12 * M, 4 * M],
        [0x1080000, 0xbee80000],
        [0xbff04000, 0xec000], // the UTCB area [0xbff00000, +16K) removed (452)
        [0xbfff1000, 0x4000efff], // the KIP page (446) ... up to 0xfffffffe: add_range(0, ~0) (414)
      ],
      ioPortAlloc: [[0, 0x10000]],
      irqAlloc: [[0, 0x10]],
      regionAlloc: [
        [0x1000, 0x8f000], // _vm_start = max(0x1000, low) (434)
        [0x91000, 0x6f000],
        [0x102000, 0x2fe000],
        [12 * M, 4 * M],
        [0x1080000, 0x3ef80000],
        [0x50000000, 0x6ff00000], // the stack area [0x40000000, 0x50000000) removed (442)
        [0xbff04000, 0xec000],
        [0xbfff1000, 0xf000],
      ],
      coreAddressRanges: [
        [0x100000, 0x2000], // the module (481)
        [4 * M, 8 * M], // RAM (349)
        [DEFAULT_LAYOUT.imageStart, 0x80000], // the image (459)
      ],
    });
  });

  it('the ROM file system: the KIP (395-396) and the non-empty module, named from its command line', () => {
    expect(p.romFs).toEqual([
      { name: 'pistachio_kip', addr: DEFAULT_LAYOUT.kipAddress, size: 0x120 },
      { name: 'init', addr: 0x100000, size: 0x1800 },
    ]);
    // get_module cut the command line at the first blank, in place
    expect(p.memory.read(SMALL_KIP.bootInfo + 32 + 24, 21)).toEqual(
      new TextEncoder().encode('/genode/init\0config=1'),
    );
    // the tail of the module's last page is zeroed (474-476); its pages were mapped through sigma0
    expect(p.memory.isMapped(0x100000, 0x2000)).toBe(true);
  });

  it('prints in the C order', () => {
    expect(p.log.map((l) => `${l.level} ${l.text}`)).toEqual([
      'printf mem 0: [0x00400000, 0x00c00000) type=0x1 (Conventional) Non-Virtual',
      'printf mem 1: [0x00090000, 0x00091000) type=0xe (Boot loader) Non-Virtual',
      'printf mem 2: [0x00100000, 0x00104000) type=0xe (Boot loader) Non-Virtual',
      'printf mem 3: [0x01000000, 0x01080000) type=0xe (Boot loader) Non-Virtual',
      'printf mem 4: [0x00000000, 0xc0000000) type=0x1 (Conventional) Virtual',
      'PWRN Core can have 32 threads.',
      'printf KIP reports virtual memory region at [0,bfffffff)',
      'printf Trying to allocate 4096K pages from sigma0.',
      'printf Got 8192K in 4096K pieces.',
      'printf Trying to allocate 4K pages from sigma0.',
      'printf Got 0K in 4K pieces.',
    ]);
  });

  it('sigma0 answered 135 requests: 128 image pages, the boot info, 2 + 1 GetAny(22), 1 GetAny(12), 2 module pages', () => {
    expect(p.snapshot.context.sigma0.requests).toBe(135);
    expect(p.snapshot.context.ghost.chunks).toEqual([
      { addr: 4 * M, size: 4 * M, placement: 'ram' },
      { addr: 8 * M, size: 4 * M, placement: 'ram' },
    ]);
  });

  it('lines 499-500: a second Platform panics', () => {
    const q = createPlatform(SMALL_KIP, SMALL_BOOT_INFO).constructAgain();
    expect([q.status, q.stop]).toEqual([
      'panicked',
      { kind: 'panic', message: 'Platform constructed twice!', fn: 'Platform::Platform', line: 500 },
    ]);
    // _core_address_ranges() is a function-static: the second object did not reset it
    expect(q.ranges().coreAddressRanges).toEqual(p.ranges().coreAddressRanges);
  });
});

describe('ZERO_KIP: conventional memory from address 0 (a 4 MiB chunk at 0)', () => {
  const p = createPlatform(ZERO_KIP, { modules: [] });

  it('the chunk at 0 is kept mapped and counted, never added nor removed (lines 336-341, 354)', () => {
    expect(p.status).toBe('constructed');
    const c = p.snapshot.context;
    expect(c.ghost.chunks[0]).toEqual({ addr: 0, size: 4 * M, placement: 'page0' });
    expect(c.ghost.chunks).toHaveLength(1 + 768); // then 4K pieces of [4M, 6M) and [7M, 8M)
    expect(p.memory.isMapped(0)).toBe(true);
    expect(p.log.filter((l) => l.line === 357).map((l) => l.text)).toEqual([
      'Got 4096K in 4096K pieces.', // the chunk at 0, counted (line 354) though not used
      'Got 3072K in 4K pieces.',
    ]);
  });

  it('the allocators', () => {
    expect(p.ranges()).toEqual({
      ramAlloc: [
        [4 * M, 2 * M],
        [7 * M, 1 * M],
      ],
      ioMemAlloc: [
        [0, 4 * M], // still I/O memory (CORE-8)
        [6 * M, 1 * M], // kernel-reserved memory was never core's
        [0x801000, 0x7ff000],
        [0x1080000, 0xbee80000],
        [0xbff04000, 0xec000],
        [0xbfff1000, 0x4000efff],
      ],
      ioPortAlloc: [[0, 0x10000]],
      irqAlloc: [[0, 0x10]],
      regionAlloc: [
        [0x1000, 0x3ff000], // core's virtual memory over the chunk at 0 is still free (CORE-8)
        [6 * M, 1 * M],
        [0x801000, 0x7ff000],
        [0x1080000, 0x3ef80000],
        [0x50000000, 0x6ff00000],
        [0xbff04000, 0xec000],
        [0xbfff1000, 0xf000],
      ],
      coreAddressRanges: [
        [4 * M, 2 * M],
        [7 * M, 1 * M],
        [DEFAULT_LAYOUT.imageStart, 0x80000],
      ],
    });
  });
});

const kip = (over: Partial<KipDescription>): KipDescription => ({ ...SMALL_KIP, ...over });

describe('the panics and faults of construction', () => {
  it.each([
    [
      '383-385: not the KIP',
      kip({ magic: 0x12345678 }),
      undefined,
      'Platform::_setup_basics',
      385,
      'we got something but not the KIP',
    ],
    [
      '400-404: sigma0 refuses the boot info page',
      SMALL_KIP,
      [128],
      'Platform::_setup_basics',
      404,
      'Could not map BootInfo.',
    ],
    [
      '405-406: bad boot-info magic',
      SMALL_KIP,
      undefined,
      'Platform::_setup_basics',
      406,
      'No valid boot info.',
      { modules: [], magic: 1 },
    ],
    [
      '407-408: boot info bigger than a page',
      SMALL_KIP,
      undefined,
      'Platform::_setup_basics',
      408,
      'TODO Our multiboot info is bigger than a page...',
      { modules: [], size: 0x1001 },
    ],
    [
      'get_module: unaligned module',
      SMALL_KIP,
      undefined,
      'Multiboot_info::get_module',
      466,
      'Module is not aligned to page boundary.',
      { modules: [{ start: 0x100010, size: 1, cmdline: 'x' }] },
    ],
    [
      'get_module: sigma0 refuses a module page',
      SMALL_KIP,
      [133],
      'Multiboot_info::get_module',
      466,
      'Unable to map module data.',
      SMALL_BOOT_INFO,
    ],
  ] as const)('%s', (_name, k, refuse, fn, line, message, bootInfo = { modules: [] }) => {
    const p = createPlatform(k, bootInfo, refuse ? { refuseSigma0: refuse } : {});
    expect([p.status, p.stop]).toEqual(['panicked', { kind: 'panic', message, fn, line }]);
    expect(p.log.at(-1)).toMatchObject({ level: 'panic', text: `Panic: ${message}` });
    expect(p.pager).toBeNull();
  });

  it('init_kip ignores a refused image page (line 376): construction goes on, the page is not mapped', () => {
    const p = createPlatform(SMALL_KIP, SMALL_BOOT_INFO, { refuseSigma0: [0] });
    expect(p.status).toBe('constructed');
    expect(p.memory.isMapped(DEFAULT_LAYOUT.imageStart)).toBe(false);
    expect(p.memory.isMapped(DEFAULT_LAYOUT.imageStart + 0x1000)).toBe(true);
  });

  it('a refused GetAny ends that page size early: the next size takes the memory (lines 331-357)', () => {
    const p = createPlatform(SMALL_KIP, SMALL_BOOT_INFO, { refuseSigma0: [129] });
    expect(p.log.filter((l) => l.line === 357).map((l) => l.text)).toEqual([
      'Got 0K in 4096K pieces.',
      'Got 8192K in 4K pieces.',
    ]);
    expect(p.ranges().ramAlloc).toEqual([[4 * M, 8 * M]]);
  });

  it('CORE-10 (218-222, 342-349): the chunk ending at 4 GiB has end 0: add_region prints and panics', () => {
    const p = createPlatform(TOP_KIP, { modules: [] });
    expect(p.stop).toEqual({
      kind: 'panic',
      message: 'add_region called with bogus parameters.',
      fn: 'add_region',
      line: 222,
      calledAt: 348,
    });
    expect(p.log.slice(-2).map((l) => l.text)).toEqual([
      '(start = 0xffc00000, end = 0x00000000)\n',
      'Panic: add_region called with bogus parameters.',
    ]);
  });

  it('235-238: a module ending at 4 GiB makes remove_region panic (no PERR there)', () => {
    const p = createPlatform(
      kip({
        memory: [...SMALL_KIP.memory, { type: BOOT, virtual: false, low: 0xfffff000, high: 0xffffffff }],
      }),
      { modules: [{ start: 0xfffff000, size: 0x1000, cmdline: 'top' }] },
    );
    expect(p.stop).toEqual({
      kind: 'panic',
      message: 'remove_region called with bogus parameters.',
      fn: 'remove_region',
      line: 238,
      calledAt: 478,
    });
  });

  it('a module without command line: get_module reads its name at address 0, which is not mapped', () => {
    const p = createPlatform(SMALL_KIP, { modules: [{ start: 0x100000, size: 0x1000, cmdline: null }] });
    expect([p.status, p.stop?.kind, p.stop?.fn]).toEqual(['faulted', 'fault', 'Multiboot_info::get_module']);
  });

  it('touch_utcb_space divides by L4_UtcbSize: a KIP with a UTCB multiplier of 0 faults', () => {
    const p = createPlatform(kip({ utcbArea: { sizeLog2: 14, alignLog2: 9, multiplier: 0 } }), {
      modules: [],
    });
    expect([p.status, p.stop?.message]).toEqual(['faulted', 'division by zero: L4_UtcbSize(kip) is 0']);
  });

  it('426-428: a second virtual-memory descriptor is warned about and ignored', () => {
    const p = createPlatform(
      kip({ memory: [...SMALL_KIP.memory, { type: 1, virtual: true, low: 0xc0000000, high: 0xcfffffff }] }),
      { modules: [] },
    );
    expect(p.log.filter((l) => l.level === 'PWRN').map((l) => l.text)).toContain(
      'KIP has multiple virtual-memory descriptors. Taking only the first.',
    );
    expect(p.ranges().regionAlloc.at(-1)).toEqual([0xbfff1000, 0xf000]);
  });
});

describe('32-bit arithmetic of _setup_mem_alloc', () => {
  it('size = 1 << size_log2 is a signed int shift: 1 << 31 is INT_MIN, 0x80000000 unsigned', () => {
    expect([sizeOf(31), sizeOf(22), sizeOf(12)]).toEqual([0x80000000, 0x400000, 0x1000]);
    const p = createPlatform(kip({ pageSizeMask: 0x80001000 }), { modules: [] });
    expect(p.log.find((l) => l.line === 324)?.text).toBe('Trying to allocate 2097152K pages from sigma0.');
  });

  it('bytes_got is an unsigned int: a chunk that brings it to 2^32 wraps it to 0 (line 354)', () => {
    const p = createPlatform(SMALL_KIP, SMALL_BOOT_INFO);
    const c = p.snapshot.context;
    const u = takeChunk({
      ...c,
      sigma0: { ...c.sigma0, held: [] },
      memAlloc: { pageSizeMask: 0x1000, sizeLog2: 22, size: 0x400000, bytesGot: 0xffc00000 },
    });
    expect('memAlloc' in u && u.memAlloc?.bytesGot).toBe(0);
  });
});

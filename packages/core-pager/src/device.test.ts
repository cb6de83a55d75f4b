// The facade: createPlatform(kip, bootInfo) and pager.fault({ from, addr, ip, flags, label }),
// map_local's echo request, injected IPC and sigma0 failures, the log it keeps, the page pool
// binding, and decode errors for bad input (path and value named, nothing started).
import { describe, expect, it } from 'vitest';
import { PagePool } from '@kspec/shared-memory';
import {
  CorePagerDecodeError,
  L4_PagefaultLabel,
  SMALL_BOOT_INFO,
  SMALL_KIP,
  createPlatform,
  faultReplyItem,
  replyWithMapItem,
} from './index.js';

const platform = () => createPlatform(SMALL_KIP, SMALL_BOOT_INFO);

describe('pager.fault', () => {
  it('a core thread faulting in RAM gets the page mapped (reply words bit for bit)', () => {
    const pager = platform().pager!;
    const r = pager.fault({
      from: 'core.ep',
      addr: 0x00512345,
      ip: 0x01000f00,
      label: L4_PagefaultLabel({ write: true }),
    });
    expect(r.outcomes).toEqual(['received', 'mapped', 'replied']);
    expect(r.reply).toEqual({ to: 0xbff00400, words: [0x80, 0x00512008, 0x005120c7], kind: 'fault' });
    expect(r.reply?.words).toEqual(replyWithMapItem(faultReplyItem(0x00512345)));
    expect([r.loopEnded, r.stop]).toEqual([false, null]);
    expect(r.log.map((l) => l.text)).toEqual([
      'void _core_pager_loop(): Got page fault (pf_addr = 00512345, pf_ip = 01000f00, flags = 00000000).',
      'THREAD (global) b2 (version 1) (raw 002c8001)',
    ]);
  });

  it('a thread of another task is served too (CORE-2), by its global id', () => {
    const r = platform().pager!.fault({ from: 'init', addr: 0x00400000, ip: 1 });
    expect(r.reply?.to).toBe(0x010c0002);
  });

  it('the loop ends at a null pointer; further calls throw', () => {
    const pager = platform().pager!;
    const r = pager.fault({ from: 'core.main', addr: 0x0, ip: 0x01000010 });
    expect([r.loopEnded, r.stop]).toEqual([true, { reason: 'nullPointer', line: 139 }]);
    expect(pager.running).toBe(false);
    expect(() => pager.fault({ from: 'core.main', addr: 0x00400000, ip: 1 })).toThrow(
      /loop has ended \(nullPointer at line 139\)/,
    );
  });

  it('echo: map_local stores L4_MapItem(L4_Fpage(from, 4K) += 7, 0) and sends (item address, 0)', () => {
    const pager = platform().pager!;
    const r = pager.echo('core.ep', 0x00700000, 0x00600ff0);
    expect(r.outcomes).toEqual(['received', 'echo', 'replied']);
    expect(r.reply).toEqual({ to: 0xbff00400, words: [0x80, 0x00000008, 0x007000c7], kind: 'echo' });
  });

  it('injected failures: a failing send, a receive error, a sigma0 refusal', () => {
    const pager = platform().pager!;
    pager.failNextSend();
    const a = pager.fault({ from: 'core.ep', addr: 0x00400000, ip: 1 });
    expect([a.outcomes, a.reply, a.log.at(-1)?.text]).toEqual([
      ['received', 'mapped', 'ipcError'],
      null,
      'got 0 words, expected 2',
    ]);
    const b = pager.ipcError();
    expect(b.outcomes).toEqual(['ipcError', 'mapped']); // the old fault again; the reply to the nil thread is not sent
    pager.refuseSigma0();
    const c = pager.fault({ from: 'core.ep', addr: 0x00400000, ip: 1 });
    expect([c.loopEnded, c.stop, c.log.at(-1)?.text]).toEqual([
      true,
      { reason: 'panic', line: 155 },
      'Panic: Unhandled page fault',
    ]);
  });

  it('keeps the last keepLog lines and counts them all', () => {
    const pager = createPlatform(SMALL_KIP, SMALL_BOOT_INFO, { keepLog: 3 }).pager!;
    for (let i = 0; i < 4; i++) pager.fault({ from: 'core.ep', addr: 0x00400000 + i * 0x1000, ip: 1 });
    expect(pager.logLines).toBe(8);
    expect(pager.log.map((l) => l.text)).toEqual([
      'THREAD (global) b2 (version 1) (raw 002c8001)',
      'void _core_pager_loop(): Got page fault (pf_addr = 00403000, pf_ip = 00000001, flags = 00000000).',
      'THREAD (global) b2 (version 1) (raw 002c8001)',
    ]);
    expect(pager.messages).toBe(4);
  });
});

describe('createPlatform', () => {
  it('bound to a page pool, sigma0 moves the frames it hands core to "core"', () => {
    const pool = new PagePool({ ramBytes: 16 * 2 ** 20 });
    const p = createPlatform(SMALL_KIP, SMALL_BOOT_INFO, { pool });
    expect(p.status).toBe('constructed');
    // 8 MiB of RAM chunks, the boot-info page, 2 module pages (image pages lie above the pool)
    expect(pool.count('core')).toBe(2048 + 1 + 2);
    expect(pool.state(0x400)).toBe('core');
    expect(pool.state(0xc00)).toBe('free');
  });

  it('construct: false waits in idle until construct()', () => {
    const p = createPlatform(SMALL_KIP, SMALL_BOOT_INFO, { construct: false });
    expect([p.status, p.pager]).toEqual(['idle', null]);
    expect(p.construct().status).toBe('constructed');
    expect(p.pager?.running).toBe(true);
  });

  it('startPager: false leaves the pager to Platform::core_pager()', () => {
    const p = createPlatform(SMALL_KIP, SMALL_BOOT_INFO, { startPager: false });
    expect([p.pager, p.snapshot.context.mainPager]).toEqual([null, 'sigma0']);
    expect(p.startPager()).toBe(p.startPager());
    expect(p.snapshot.context.mainPager).toBe('core.pager');
  });

  it.each([
    [{ ...SMALL_KIP, pageSizeMask: -1 }, SMALL_BOOT_INFO, /kip: invalid\n {2}pageSizeMask: .*got -1/],
    [
      { ...SMALL_KIP, memory: [{ type: 1, virtual: false, low: 0x2000, high: 0x1000 }] },
      SMALL_BOOT_INFO,
      /memory\.0: .*high >= low/,
    ],
    [
      { ...SMALL_KIP, memory: [{ type: 16, virtual: false, low: 0, high: 1 }] },
      SMALL_BOOT_INFO,
      /memory\.0\.type: .*got 16/,
    ],
    [
      SMALL_KIP,
      { modules: [{ start: 0, size: 1 }] },
      /bootInfo: invalid\n {2}modules\.0\.cmdline: .*got undefined/,
    ],
  ])('bad input is a decode error naming the path (%#)', (kip, bi, message) => {
    expect(() => createPlatform(kip as never, bi as never)).toThrow(CorePagerDecodeError);
    expect(() => createPlatform(kip as never, bi as never)).toThrow(message);
  });

  it('a bad fault message is a decode error naming the field', () => {
    const pager = platform().pager!;
    expect(() => pager.fault({ from: 'core.ep', addr: 0x1_0000_0000, ip: 1 })).toThrow(
      /pager\.fault: invalid\n {2}addr: .*got 4294967296/,
    );
    expect(() => pager.fault({ from: 'core.ep', addr: 1, ip: 1, flags: 99 })).toThrow(/flags/);
    expect(() => pager.fault({ from: 'nobody', addr: 1, ip: 1 })).toThrow(/no thread named 'nobody'/);
    expect(pager.messages).toBe(0);
  });
});

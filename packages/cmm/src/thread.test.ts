// cmm_thread (292-334) through the facade's tick: the interruptible sleep and its unsigned int
// arithmetic, the hotplug trylock and hotplug_occurred paths, cmm_get_mpp's early return on an
// H_GET_MPP failure, simulate mode, the min_mem_mb floor, the oom_freed_pages subtraction, and
// cmm_alloc_pages / cmm_free_pages with a fault injected at each call they make.
import { describe, expect, it } from 'vitest';
import {
  H_PAGE_SET_ACTIVE,
  H_PAGE_SET_LOANED,
  loadCmm,
  strayLoanedPages,
  type CmmLoadOptions,
} from './index.js';

const PAGE = 4096n;
function live(target: number, extra: CmmLoadOptions = {}, pageShift: 12 | 16 = 12) {
  const pageSize = BigInt(1 << pageShift);
  const cmm = loadCmm({
    pageShift,
    ramBytes: 256 << pageShift,
    ...extra,
    params: { min_mem_mb: 0, ...extra.params },
    loanPolicy: { kind: 'target', bytes: BigInt(target) * pageSize },
  });
  expect(cmm.init()).toBe(0);
  return cmm;
}
const pageInits = (cmm: ReturnType<typeof live>) =>
  cmm
    .hcalls()
    .filter((c) => c.hcall === 'H_PAGE_INIT')
    .map((c) => [c.flags === H_PAGE_SET_LOANED ? 'L' : 'A', c.addr, c.rc]);

describe('the sleep (298, 311)', () => {
  it('delay seconds, read when the sleep starts; delay * 1000 wraps as unsigned int', () => {
    const cmm = live(0);
    expect(cmm.tick()).toMatchObject({ ran: true, sleptMs: 1000, sleepMs: 1000, now: 1000 });
    expect(cmm.writeParam('delay', '2\n')).toBe(2);
    expect(cmm.tick()).toMatchObject({ sleptMs: 1000, sleepMs: 2000, now: 2000 });
    // 4294968 * 1000 = 4294968000 = 2^32 + 704
    expect(cmm.writeParam('delay', '4294968')).toBe(7);
    expect(cmm.tick()).toMatchObject({ sleptMs: 2000, sleepMs: 704, now: 4000 });
    expect(cmm.writeParam('delay', '0')).toBe(1);
    expect(cmm.tick()).toMatchObject({ sleptMs: 704, sleepMs: 0 });
    expect(cmm.tick()).toMatchObject({ sleptMs: 0, sleepMs: 0, now: 4704 }); // one round per tick
  });

  it('advanceTo runs every wake-up due and moves the clock', () => {
    const cmm = live(3);
    expect(cmm.advanceTo(3500).map((t) => t.now)).toEqual([1000, 2000, 3000]);
    expect(cmm.state.now).toBe(3500);
    expect(cmm.state.loanedPages).toBe(3);
  });
});

describe('the hotplug check (303-322)', () => {
  it('mutex_trylock fails while an offline holds hotplug_mutex: the round is skipped', () => {
    const cmm = live(4);
    expect(cmm.memoryNotify('GOING_OFFLINE')).toBe(1);
    const r = cmm.tick();
    expect(r).toMatchObject({ hcalls: 0, loanedAfter: 0, sleepMs: 1000 });
    expect(cmm.state.hotplugOccurred).toBe(1);
    expect(cmm.memoryNotify('OFFLINE')).toBe(1);
    // hotplug_occurred: cleared, hotplug_delay seconds of sleep, still no loaning
    expect(cmm.tick()).toMatchObject({ hcalls: 0, loanedAfter: 0, sleepMs: 5000 });
    expect(cmm.state.hotplugOccurred).toBe(0);
    expect(cmm.tick()).toMatchObject({ sleptMs: 5000, sleepMs: 1000, hcalls: 0 }); // the continue (315)
    expect(cmm.tick()).toMatchObject({ loanedAfter: 4 }); // back to normal
  });

  it('a cancelled offline also suspends loaning for hotplug_delay (hotplug_occurred is set at GOING_OFFLINE)', () => {
    const cmm = live(2);
    cmm.memoryOffline('cancelled');
    expect(cmm.tick()).toMatchObject({ sleepMs: 5000, loanedAfter: 0 });
  });
});

describe('cmm_get_mpp in the round (324, 237-279)', () => {
  it('H_GET_MPP fails: the old target stays and the thread keeps acting on it (248-249)', () => {
    const cmm = live(5, { faults: [{ op: 'H_GET_MPP', nth: 2, rc: -1 }] });
    cmm.tick();
    expect(cmm.state).toMatchObject({ loanedPages: 5, loanedPagesTarget: 5 });
    cmm.hypervisor.policy = { kind: 'target', bytes: 2n * PAGE };
    expect(cmm.tick()).toMatchObject({ loanedAfter: 5, target: 5 }); // ignored: rc -1
    expect(cmm.tick()).toMatchObject({ loanedAfter: 2, target: 2 });
    expect(
      cmm
        .hcalls()
        .filter((c) => c.hcall === 'H_GET_MPP')
        .map((c) => c.rc),
    ).toEqual([0n, -1n, 0n]);
  });

  it('the min_mem_mb floor: a 1 MiB partition with the default 256 MiB never balloons', () => {
    const cmm = loadCmm({ ramBytes: 256 * 4096, loanPolicy: { kind: 'target', bytes: 100n * PAGE } });
    cmm.init();
    expect(cmm.tick()).toMatchObject({ loanedAfter: 0, target: 0 });
    // min_mem_mb = 1 leaves 256 pages: with 256 pages, target = total - min = 0
    expect(cmm.writeParam('min_mem_mb', '0')).toBe(1);
    expect(cmm.tick()).toMatchObject({ loanedAfter: 100, target: 100 });
  });

  it('oom_freed_pages lowers every later target until oom_freed_kb is reset (261-264)', () => {
    const cmm = live(10, { params: { oom_kb: 8 } });
    cmm.tick();
    expect(cmm.oom()).toEqual({ rc: 1, freed: 2 });
    expect(cmm.tick()).toMatchObject({ loanedAfter: 8, target: 8 });
    expect(cmm.sysfsWrite('oom_freed_kb', '0')).toBe(1);
    expect(cmm.tick()).toMatchObject({ loanedAfter: 10, target: 10 });
  });

  it('simulate mode: the target is simulate_loan_target_kb, no hcall at all (100-101, 120-121, 253-256)', () => {
    const cmm = loadCmm({
      ramBytes: 64 * 4096,
      firmwareCmo: false,
      params: { simulate: true, min_mem_mb: 0 },
    });
    expect(cmm.init()).toBe(0);
    expect(cmm.sysfsWrite('simulate_loan_target_kb', '40\n')).toBe(3);
    expect(cmm.sysfsRead('simulate_loan_target_kb')).toBe('28\n'); // device_show_ulong prints hex
    expect(cmm.tick()).toMatchObject({ loanedAfter: 10, target: 10, hcalls: 0 });
    expect(cmm.hypervisor.callCount).toBe(0);
    expect(cmm.sysfsWrite('simulate_loan_target_kb', '0x8')).toBe(3); // kstrtoul, base 0
    expect(cmm.tick()).toMatchObject({ loanedAfter: 2 });
    expect(cmm.hypervisor.loanedPages).toBe(0);
  });
});

describe('cmm_alloc_pages (140-177) with injected failures', () => {
  it('every page: trylock check, balloon_page_alloc, H_PAGE_INIT loaned, enqueue at the head, loaned++, managed--', () => {
    const cmm = live(3);
    const ram = cmm.state.totalramPages;
    cmm.tick();
    expect(cmm.balloonPages()).toEqual([2, 1, 0]); // list_add: the newest page at the head
    expect(cmm.state).toMatchObject({ loanedPages: 3, totalramPages: ram - 3, freePages: 253 });
    expect(pageInits(cmm)).toEqual([
      ['L', 0, 0n],
      ['L', 4096, 0n],
      ['L', 8192, 0n],
    ]);
    expect(cmm.hcalls()[0]!.hcall).toBe('H_GET_MPP'); // the query comes first
  });

  it('balloon_page_alloc fails at the 3rd page: 2 loaned, target reset to the pre-round count (160-161, 328-329)', () => {
    const cmm = live(5, { faults: [{ op: 'balloon_page_alloc', nth: 3, rc: 0 }] });
    const r = cmm.tick();
    expect(r).toMatchObject({ loanedAfter: 2, target: 0 }); // CMM-5: __loaned_pages was 0
    expect(cmm.sysfsRead('loaned_kb')).toBe('8\n');
    expect(cmm.sysfsRead('loaned_target_kb')).toBe('0\n');
    expect(cmm.tick()).toMatchObject({ loanedAfter: 5, target: 5 });
  });

  it('the pool runs out: the loop stops at the first NULL page', () => {
    const cmm = loadCmm({
      ramBytes: 8 * 4096,
      totalramPages: 100,
      params: { min_mem_mb: 0 },
      loanPolicy: { kind: 'target', bytes: 20n * PAGE },
    });
    cmm.init();
    expect(cmm.tick()).toMatchObject({ loanedAfter: 8, target: 0 });
    expect(cmm.state.freePages).toBe(0);
  });

  it.each([1, 2, 3])('H_PAGE_INIT fails on page %i: the page is freed, pr_err, the round ends', (nth) => {
    const cmm = live(4, { faults: [{ op: 'H_PAGE_INIT.loaned', nth, rc: -4 }] });
    cmm.tick();
    expect(cmm.state.loanedPages).toBe(nth - 1);
    expect(cmm.state.freePages).toBe(256 - (nth - 1));
    expect(cmm.kernel.klog).toContain('cmm: cmm_alloc_pages: Can not set page to loaned. rc=-4');
    expect(strayLoanedPages(cmm.kernel)).toBe(0);
  });

  it('64 KiB pages: set loaned once per 4 KiB CMO page; a failure at the 4th rolls back the 3rd, 2nd, 1st (103-108)', () => {
    const cmm = live(1, { faults: [{ op: 'H_PAGE_INIT.loaned', nth: 4, rc: -1 }] }, 16);
    cmm.tick();
    expect(pageInits(cmm)).toEqual([
      ['L', 0, 0n],
      ['L', 4096, 0n],
      ['L', 8192, 0n],
      ['L', 12288, -1n],
      ['A', 8192, 0n],
      ['A', 4096, 0n],
      ['A', 0, 0n],
    ]);
    expect(cmm.state.loanedPages).toBe(0);
    expect(cmm.hypervisor.loanedPages).toBe(0);
    const ok = live(2, {}, 16);
    ok.tick();
    expect(ok.hypervisor.loanedPages).toBe(32);
    expect(pageInits(ok).length).toBe(32);
  });

  it('64 KiB pages: a failure at the first CMO page needs no rollback', () => {
    const cmm = live(1, { faults: [{ op: 'H_PAGE_INIT', nth: 1, rc: -1 }] }, 16);
    cmm.tick();
    expect(pageInits(cmm)).toEqual([['L', 0, -1n]]);
  });

  it('the hotplug check runs before every page: an offline after page 2 stops the loop (149-157)', () => {
    const cmm = live(5);
    cmm.tick({ at: 'allocating', iteration: 2, run: (c) => void c.memoryNotify('GOING_OFFLINE') });
    expect(cmm.state).toMatchObject({ loanedPages: 2, loanedPagesTarget: 0, hotplugMutexHeld: true });
  });
});

describe('cmm_free_pages (186-203) with injected failures', () => {
  it('dequeues from the head, sets active, managed++, frees, loaned-- (192-199)', () => {
    const cmm = live(4);
    cmm.tick();
    cmm.hypervisor.policy = { kind: 'target', bytes: 1n * PAGE };
    cmm.hypervisor.clearLog();
    cmm.tick();
    expect(cmm.balloonPages()).toEqual([0]);
    expect(pageInits(cmm)).toEqual([
      ['A', 12288, 0n],
      ['A', 8192, 0n],
      ['A', 4096, 0n],
    ]);
    expect(cmm.state).toMatchObject({ loanedPages: 1, totalramPages: 255 });
    // the LIFO pool hands the freed pages out again, most recent first
    cmm.hypervisor.policy = { kind: 'target', bytes: 3n * PAGE };
    cmm.tick();
    expect(cmm.balloonPages()).toEqual([2, 1, 0]);
  });

  it('H_PAGE_SET_ACTIVE fails: ignored, the page is freed still loaned (195, CMM-10)', () => {
    const cmm = live(1, { faults: [{ op: 'H_PAGE_INIT.active', nth: 1, rc: -1 }] });
    cmm.tick();
    cmm.hypervisor.policy = { kind: 'target', bytes: 0n };
    cmm.tick();
    expect(cmm.state).toMatchObject({ loanedPages: 0, freePages: 256 });
    expect(cmm.hypervisor.isLoaned(0)).toBe(true);
    expect(strayLoanedPages(cmm.kernel)).toBe(1);
  });

  it('64 KiB pages: a set-active failure at the 3rd CMO page re-loans the 2nd and 1st (123-128)', () => {
    const cmm = live(1, { faults: [{ op: 'H_PAGE_INIT.active', nth: 3, rc: -1 }] }, 16);
    cmm.tick();
    cmm.hypervisor.policy = { kind: 'target', bytes: 0n };
    cmm.hypervisor.clearLog();
    cmm.tick();
    expect(pageInits(cmm)).toEqual([
      ['A', 0, 0n],
      ['A', 4096, 0n],
      ['A', 8192, -1n],
      ['L', 4096, 0n],
      ['L', 0, 0n],
    ]);
    expect(cmm.hypervisor.loanedPages).toBe(16); // the whole page is still loaned
    expect(cmm.state.loanedPages).toBe(0);
    expect(
      cmm
        .hcalls()
        .every((c) => c.hcall !== 'H_PAGE_INIT' || [H_PAGE_SET_ACTIVE, H_PAGE_SET_LOANED].includes(c.flags!)),
    ).toBe(true);
  });
});

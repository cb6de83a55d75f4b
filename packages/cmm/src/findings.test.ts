// Every finding replayed through the facade, with a race hook at the point the checker found:
// what a user of the driver would see. (check.test.ts pins the checker's shortest traces.)
import { describe, expect, it } from 'vitest';
import {
  CmmKernelCrash,
  ERR,
  loadCmm,
  strayLoanedPages,
  type CmmLoadOptions,
  type CmmModule,
} from './index.js';

const PAGE = 4096n;
function live(target: number, extra: CmmLoadOptions = {}): CmmModule {
  const cmm = loadCmm({
    ramBytes: 64 * 4096,
    ...extra,
    params: { min_mem_mb: 0, oom_kb: 4, ...extra.params },
    loanPolicy: { kind: 'target', bytes: BigInt(target) * PAGE },
  });
  expect(cmm.init()).toBe(0);
  return cmm;
}
const crashOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof CmmKernelCrash) return e.crash;
    throw e;
  }
  throw new Error('no crash');
};
const setTarget = (cmm: CmmModule, pages: number) => {
  cmm.hypervisor.policy = { kind: 'target', bytes: BigInt(pages) * PAGE };
};

describe('findings, through the facade', () => {
  it('CMM-1: an OOM with 3 pages loaned and oom_kb = 1024 BUG()s in balloon_page_dequeue', () => {
    const cmm = live(3, { params: { oom_kb: 1024 } });
    cmm.tick();
    expect(crashOf(() => cmm.oom())).toMatchObject({ kind: 'BUG', fn: 'cmm_free_pages', lines: [192, 192] });
    expect(cmm.state.loanedPages).toBe(0); // it freed the 3, then asked for a 4th
  });

  it('CMM-2: an OOM while the thread deflates: the thread dequeues from the emptied balloon', () => {
    const cmm = live(2);
    cmm.tick();
    setTarget(cmm, 0);
    const crash = crashOf(() => cmm.tick({ at: 'freeing', iteration: 1, run: (c) => void c.oom() }));
    expect(crash).toMatchObject({ kind: 'BUG', fn: 'cmm_free_pages' });
    expect(crash.what).toMatch(/called by thread with 1 pages left/);
  });

  it('CMM-3: without CONFIG_BALLOON_COMPACTION the first balloon_page_enqueue oopses', () => {
    const cmm = live(1, { balloonCompaction: false });
    expect(crashOf(() => cmm.tick())).toMatchObject({
      kind: 'oops',
      fn: 'cmm_alloc_pages',
      lines: [169, 169],
    });
    const oom = live(0, { balloonCompaction: false });
    expect(crashOf(() => oom.oom())).toMatchObject({ kind: 'oops', fn: 'cmm_free_pages' });
  });

  it('CMM-4: an OOM during inflation: the thread loans past the target the OOM set', () => {
    const cmm = live(2);
    cmm.tick();
    setTarget(cmm, 6);
    let targetAfterOom = -1;
    cmm.tick({
      at: 'allocating',
      iteration: 1,
      run: (c) => {
        c.oom();
        targetAfterOom = c.state.loanedPagesTarget;
      },
    });
    expect(targetAfterOom).toBe(2);
    expect(cmm.state).toMatchObject({ loanedPages: 5, loanedPagesTarget: 2 });
    expect(cmm.sysfsRead('loaned_target_kb')).toBe('8\n');
    expect(cmm.sysfsRead('loaned_kb')).toBe('20\n');
  });

  it('CMM-5: a partial inflation resets the target below what was loaned; an H_GET_MPP failure then deflates it', () => {
    const cmm = live(5, {
      faults: [
        { op: 'balloon_page_alloc', nth: 4, rc: 0 },
        { op: 'H_GET_MPP', nth: 2, rc: -1 },
      ],
    });
    cmm.tick();
    expect(cmm.state).toMatchObject({ loanedPages: 3, loanedPagesTarget: 0 });
    cmm.tick(); // H_GET_MPP fails: the stale target 0 stays, the thread frees its 3 pages
    expect(cmm.state).toMatchObject({ loanedPages: 0, loanedPagesTarget: 0 });
    expect(cmm.hypervisor.loanRequest()).toBe(5n * PAGE); // which the hypervisor still wants
  });

  it('CMM-6: an OOM between the two reads of the target: cmm_alloc_pages(-1) takes every page it can', () => {
    const cmm = live(1, { ramBytes: 16 * 4096 });
    cmm.tick();
    setTarget(cmm, 2);
    cmm.tick({ at: 'startingAlloc', run: (c) => void c.oom() });
    expect(cmm.state).toMatchObject({ loanedPages: 16, freePages: 0, loanedPagesTarget: 1 });
    expect(cmm.kernel.klog).toEqual([]); // nothing says so (debug off)
  });

  it('CMM-7: kthread_run fails in cmm_set_disable; the reboot notifier then kthread_stop()s the ERR_PTR', () => {
    const cmm = live(1, { faults: [{ op: 'kthread_run', nth: 2, rc: ERR.ENOMEM }] });
    cmm.writeParam('disable', '1');
    expect(cmm.writeParam('disable', '0')).toBe(ERR.ENOMEM);
    expect(crashOf(() => cmm.reboot())).toMatchObject({
      kind: 'oops',
      fn: 'cmm_reboot_notifier',
      lines: [453, 454],
    });
    const viaExit = live(1, { faults: [{ op: 'kthread_run', nth: 2, rc: ERR.ENOMEM }] });
    viaExit.writeParam('disable', '1');
    viaExit.writeParam('disable', '0');
    expect(crashOf(() => viaExit.exit())).toMatchObject({ kind: 'oops', fn: 'cmm_exit' });
  });

  it('CMM-8: MEM_CANCEL_OFFLINE after a veto above CMM unlocks a mutex CMM does not hold', () => {
    const cmm = live(0);
    cmm.memoryOffline('vetoedAbove');
    expect(cmm.kernel.ghost.mutexMisuse).toBe(1);
    expect(cmm.state).toMatchObject({ hotplugMutexHeld: false, hotplugOccurred: 0 });
  });

  it('CMM-9: oom_kb written while the OOM notifier frees: *freed and oom_freed_pages count pages never freed', () => {
    const cmm = live(1);
    cmm.tick();
    const r = cmm.oom(0, { at: 'accounting', run: (c) => void c.writeParam('oom_kb', '8') });
    expect(r).toEqual({ rc: 1, freed: 2 }); // KB2PAGES(8) - 0, though one page was freed
    expect(cmm.state).toMatchObject({ loanedPages: 0, oomFreedPages: 2 });
  });

  it('CMM-10: a failed H_PAGE_SET_ACTIVE leaves a freed page loaned, also after the reboot notifier', () => {
    const cmm = live(2, { faults: [{ op: 'H_PAGE_INIT.active', nth: 1, rc: -1 }] });
    cmm.tick();
    expect(cmm.reboot()).toBe(0);
    expect(cmm.state).toMatchObject({ loanedPages: 0, rebootNotifier: 'done' });
    expect(cmm.hypervisor.loanedPages).toBe(1);
    expect(strayLoanedPages(cmm.kernel)).toBe(1);
  });

  it('CMM-11: min_mem_mb = 2^44 wraps to no floor: the balloon takes the whole partition', () => {
    const cmm = live(64, { params: { min_mem_mb: 1n << 44n } });
    cmm.tick();
    expect(cmm.state).toMatchObject({ loanedPages: 64, totalramPages: 0 });
    expect(cmm.kernel.ghost.minMemBreached).toBe(true);
  });

  it('CMM-12: disable=1 during cmm_init: a thread runs with cmm_disabled = 1, disable=0 then starts a second', () => {
    const cmm = loadCmm({
      ramBytes: 64 * 4096,
      params: { min_mem_mb: 0 },
      loanPolicy: { kind: 'target', bytes: PAGE },
    });
    expect(cmm.init({ at: 'startingThread', run: (c) => void c.writeParam('disable', '1') })).toBe(0);
    expect(cmm.state).toMatchObject({ cmmDisabled: 1, thread: 'sleeping', threadPtr: 'task' });
    cmm.tick();
    expect(cmm.state.loanedPages).toBe(1); // "disabled", and ballooning
    expect(cmm.writeParam('disable', '1')).toBe(1); // ignored: already disabled
    expect(crashOf(() => cmm.writeParam('disable', '0'))).toMatchObject({ kind: 'secondThread' });
  });

  it('CMM-13: SYS_RESTART during cmm_init: the thread starts afterwards and loans pages', () => {
    const cmm = loadCmm({
      ramBytes: 64 * 4096,
      params: { min_mem_mb: 0 },
      loanPolicy: { kind: 'target', bytes: 3n * PAGE },
    });
    expect(cmm.init({ at: 'startingThread', run: (c) => void c.reboot() })).toBe(0);
    expect(cmm.state.rebootNotifier).toBe('done');
    cmm.tick();
    expect(cmm.state.loanedPages).toBe(3);
    expect(cmm.hypervisor.loanedPages).toBe(3);
  });
});

// The three notifiers through the facade: cmm_oom_notify (214-227), cmm_memory_cb (475-497),
// cmm_reboot_notifier (449-459), each with what it returns and does.
import { describe, expect, it } from 'vitest';
import { CmmKernelCrash, NOTIFY_DONE, NOTIFY_OK, loadCmm, type CmmLoadOptions } from './index.js';

function live(target: number, extra: CmmLoadOptions = {}) {
  const cmm = loadCmm({
    ramBytes: 256 * 4096,
    ...extra,
    params: { min_mem_mb: 0, oom_kb: 8, ...extra.params },
    loanPolicy: { kind: 'target', bytes: BigInt(target) * 4096n },
  });
  expect(cmm.init()).toBe(0);
  cmm.tick();
  return cmm;
}

describe('cmm_oom_notify', () => {
  it('frees KB2PAGES(oom_kb) pages, sets the target to what is left, adds to *freed and oom_freed_pages', () => {
    const cmm = live(10);
    expect(cmm.oom(7)).toEqual({ rc: NOTIFY_OK, freed: 7 + 2 });
    expect(cmm.state).toMatchObject({ loanedPages: 8, loanedPagesTarget: 8, oomFreedPages: 2 });
    expect(cmm.sysfsRead('oom_freed_kb')).toBe('8\n');
    expect(cmm.oom()).toEqual({ rc: NOTIFY_OK, freed: 2 });
    expect(cmm.state.oomFreedPages).toBe(4);
  });

  it('64 KiB pages: KB2PAGES(1024) is 16 pages', () => {
    const cmm = loadCmm({
      pageShift: 16,
      ramBytes: 64 * 65536,
      params: { min_mem_mb: 0 },
      loanPolicy: { kind: 'target', bytes: 20n * 65536n },
    });
    cmm.init();
    cmm.tick();
    expect(cmm.oom()).toEqual({ rc: NOTIFY_OK, freed: 16 });
    expect(cmm.state.loanedPages).toBe(4);
  });

  it('runs whether or not the thread runs (disabled: still frees)', () => {
    const cmm = live(4);
    cmm.writeParam('disable', '1');
    expect(cmm.state.loanedPages).toBe(0); // disabling freed everything
    expect(() => cmm.oom()).toThrow(CmmKernelCrash); // and an OOM on the empty balloon BUG()s (CMM-1)
  });

  it('asks for its pages whatever is loaned: with fewer, balloon_page_dequeue BUG()s (CMM-1)', () => {
    const cmm = live(1);
    try {
      cmm.oom();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CmmKernelCrash);
      expect((e as CmmKernelCrash).crash).toMatchObject({
        kind: 'BUG',
        fn: 'cmm_free_pages',
        lines: [192, 192],
      });
    }
    expect(cmm.state.module).toBe('crashed');
    expect(() => cmm.tick()).toThrow(CmmKernelCrash);
  });

  it('is not called before init or after exit', () => {
    expect(loadCmm().oom()).toBeNull();
    const cmm = live(0);
    cmm.exit();
    expect(cmm.oom()).toBeNull();
  });
});

describe('cmm_memory_cb', () => {
  it('GOING_OFFLINE locks hotplug_mutex and sets hotplug_occurred; OFFLINE and CANCEL_OFFLINE unlock (481-489)', () => {
    const cmm = live(0);
    expect(cmm.memoryNotify('GOING_OFFLINE')).toBe(NOTIFY_OK);
    expect(cmm.state).toMatchObject({
      hotplugMutexHeld: true,
      hotplugOccurred: 1,
      memoryNotifier: 'offlining',
    });
    expect(cmm.memoryNotify('OFFLINE')).toBe(NOTIFY_OK);
    expect(cmm.state).toMatchObject({ hotplugMutexHeld: false, hotplugOccurred: 1 });
    cmm.memoryNotify('GOING_OFFLINE');
    expect(cmm.memoryNotify('CANCEL_OFFLINE')).toBe(NOTIFY_OK);
    expect(cmm.state.hotplugMutexHeld).toBe(false);
    expect(cmm.kernel.ghost.mutexMisuse).toBe(0);
  });

  it('the online actions do nothing (490-493)', () => {
    const cmm = live(0);
    for (const a of ['GOING_ONLINE', 'ONLINE', 'CANCEL_ONLINE'] as const) {
      expect(cmm.memoryNotify(a)).toBe(NOTIFY_OK);
      expect(cmm.state).toMatchObject({ hotplugMutexHeld: false, hotplugOccurred: 0 });
    }
  });

  it('a higher-priority veto: CMM sees only MEM_CANCEL_OFFLINE and unlocks a mutex it does not hold (CMM-8)', () => {
    const cmm = live(0);
    expect(cmm.memoryOffline('vetoedAbove')).toEqual(['CANCEL_OFFLINE']);
    expect(cmm.kernel.ghost.mutexMisuse).toBe(1);
    expect(cmm.memoryOffline('vetoedBelow')).toEqual(['GOING_OFFLINE', 'CANCEL_OFFLINE']);
    expect(cmm.kernel.ghost.mutexMisuse).toBe(1);
  });

  it('GOING_OFFLINE while the previous one still holds the mutex: mutex_lock never returns', () => {
    const cmm = live(0);
    cmm.memoryNotify('GOING_OFFLINE');
    expect(() => cmm.memoryNotify('GOING_OFFLINE')).toThrow(/deadlock in cmm_memory_cb/);
  });

  it('not registered: not called; bad actions are decode errors', () => {
    expect(loadCmm().memoryNotify('OFFLINE')).toBeNull();
    expect(() => live(0).memoryNotify('MELT' as 'OFFLINE')).toThrow(/memoryNotify\(action\).*"MELT"/);
  });
});

describe('cmm_reboot_notifier', () => {
  it('SYS_HALT and SYS_POWER_OFF: NOTIFY_DONE, nothing else (452, 458)', () => {
    const cmm = live(3);
    expect(cmm.reboot('HALT')).toBe(NOTIFY_DONE);
    expect(cmm.reboot('POWER_OFF')).toBe(NOTIFY_DONE);
    expect(cmm.state).toMatchObject({ loanedPages: 3, thread: 'sleeping', rebootNotifier: 'idle' });
  });

  it('SYS_RESTART: stops the thread (waiting out its sleep), clears the pointer, frees every page (453-456)', () => {
    const cmm = live(3);
    const t = cmm.state.now;
    expect(cmm.reboot('RESTART')).toBe(NOTIFY_DONE);
    expect(cmm.state).toMatchObject({
      loanedPages: 0,
      balloonLength: 0,
      thread: 'notRunning',
      threadPtr: 'null',
      rebootNotifier: 'done',
      now: t + 1000,
    });
    expect(cmm.hypervisor.loanedPages).toBe(0);
    expect(cmm.kernel.calls.slice(-1)).toEqual(['kthread_stop']);
    expect(cmm.reboot('RESTART')).toBeNull(); // the restart is under way
  });

  it('SYS_RESTART with the thread disabled frees the balloon all the same', () => {
    const cmm = live(3, { params: { disable: 1 } });
    expect(cmm.state.loanedPages).toBe(0); // no thread: nothing was loaned
    expect(cmm.reboot()).toBe(NOTIFY_DONE);
    expect(cmm.kernel.calls).not.toContain('kthread_stop');
  });
});

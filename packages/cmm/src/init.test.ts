// cmm_init (620-665) with every failure unwinding in the C order, cmm_sysfs_register (396-429)
// with its own unwinding, and cmm_exit (673-683), through the facade; the kernel-service calls
// are logged in order.
import { describe, expect, it } from 'vitest';
import { ERR, loadCmm, type FaultOp } from './index.js';

const OK_CALLS = [
  'kern_mount',
  'alloc_anon_inode',
  'register_oom_notifier',
  'register_reboot_notifier',
  'subsys_system_register',
  'device_register',
  'device_create_file(loaned_kb)',
  'device_create_file(loaned_target_kb)',
  'device_create_file(oom_freed_kb)',
  'register_memory_notifier',
  'kthread_run',
];
const COMPACTION_DEINIT = ['iput', 'kern_unmount'];
const SYSFS_UNREGISTER = [
  'device_remove_file(loaned_kb)',
  'device_remove_file(loaned_target_kb)',
  'device_remove_file(oom_freed_kb)',
  'device_unregister',
  'bus_unregister',
];

function failing(op: FaultOp, nth = 1, rc: number = ERR.ENOMEM, extra: Parameters<typeof loadCmm>[0] = {}) {
  const cmm = loadCmm({ ...extra, faults: [{ op, nth, rc }] });
  const result = cmm.init();
  return { cmm, rc: result, calls: cmm.kernel.calls };
}

describe('cmm_init succeeds', () => {
  it('registers in the C order, starts the thread, which sleeps delay seconds (620-654)', () => {
    const cmm = loadCmm();
    expect(cmm.init()).toBe(0);
    expect(cmm.kernel.calls).toEqual(OK_CALLS);
    expect(cmm.state).toMatchObject({ module: 'live', thread: 'sleeping', threadPtr: 'task', sleepMs: 1000 });
    expect(cmm.kernel.reg).toMatchObject({
      oom: true,
      reboot: true,
      memory: true,
      bus: true,
      device: true,
      files: 3,
    });
    expect(cmm.kernel.reg.simulateAttr).toBe(false);
    expect(cmm.sysfsRead('loaned_kb')).toBe('0\n');
    expect(cmm.sysfsRead('simulate_loan_target_kb')).toBe(ERR.ENOENT); // only in simulate mode (415-419)
  });

  it('disable=1 at load: no thread (645-646)', () => {
    const cmm = loadCmm({ params: { disable: 1 } });
    expect(cmm.init()).toBe(0);
    expect(cmm.kernel.calls).toEqual(OK_CALLS.slice(0, -1));
    expect(cmm.state).toMatchObject({ thread: 'notRunning', threadPtr: 'null' });
  });

  it('simulate: runs without FW_FEATURE_CMO and adds simulate_loan_target_kb (624, 415-419)', () => {
    const cmm = loadCmm({ firmwareCmo: false, params: { simulate: true } });
    expect(cmm.init()).toBe(0);
    expect(cmm.kernel.calls).toContain('device_create_file(simulate_loan_target_kb)');
    expect(cmm.sysfsRead('simulate_loan_target_kb')).toBe('0\n');
  });

  it('without CONFIG_BALLOON_COMPACTION the stub registers no pseudo-fs (604-607)', () => {
    const cmm = loadCmm({ balloonCompaction: false });
    expect(cmm.init()).toBe(0);
    expect(cmm.kernel.calls).toEqual(OK_CALLS.slice(2));
    expect(cmm.kernel.balloonInit).toBe(false); // CMM-3: balloon_devinfo_init never ran
  });
});

describe('cmm_init fails and unwinds in the C order', () => {
  it('no FW_FEATURE_CMO and not simulating: -EOPNOTSUPP before anything (624-625)', () => {
    const cmm = loadCmm({ firmwareCmo: false });
    expect(cmm.init()).toBe(ERR.EOPNOTSUPP);
    expect(cmm.kernel.calls).toEqual([]);
    expect(cmm.state.module).toBe('failed');
    // the module did not load: its parameter files are gone
    expect(cmm.readParam('delay')).toBe(ERR.ENOENT);
    expect(cmm.writeParam('disable', '1')).toBe(ERR.ENOENT);
    expect(cmm.oom()).toBeNull();
  });

  it('kern_mount fails: init returns its error directly (576-580, 627-629)', () => {
    const { rc, calls, cmm } = failing('kern_mount', 1, ERR.ENOMEM);
    expect(rc).toBe(ERR.ENOMEM);
    expect(calls).toEqual(['kern_mount']);
    expect(cmm.kernel.reg.mount).toBe(false);
  });

  it('alloc_anon_inode fails: kern_unmount, return (583-590)', () => {
    const { rc, calls } = failing('alloc_anon_inode', 1, ERR.ENOMEM);
    expect(rc).toBe(ERR.ENOMEM);
    expect(calls).toEqual(['kern_mount', 'alloc_anon_inode', 'kern_unmount']);
  });

  it('register_oom_notifier fails: out_balloon_compaction (631-633, 662-663)', () => {
    const { rc, calls } = failing('register_oom_notifier', 1, ERR.EEXIST);
    expect(rc).toBe(ERR.EEXIST);
    expect(calls).toEqual([...OK_CALLS.slice(0, 3), ...COMPACTION_DEINIT]);
  });

  it('register_reboot_notifier fails: out_oom_notifier (635-636, 660-663)', () => {
    const { rc, calls } = failing('register_reboot_notifier', 1, ERR.EEXIST);
    expect(rc).toBe(ERR.EEXIST);
    expect(calls).toEqual([...OK_CALLS.slice(0, 4), 'unregister_oom_notifier', ...COMPACTION_DEINIT]);
  });

  it('subsys_system_register fails: cmm_sysfs_register returns, out_reboot_notifier (400-401, 638-639)', () => {
    const { rc, calls } = failing('subsys_system_register', 1, ERR.ENOMEM);
    expect(rc).toBe(ERR.ENOMEM);
    expect(calls).toEqual([
      ...OK_CALLS.slice(0, 5),
      'unregister_reboot_notifier',
      'unregister_oom_notifier',
      ...COMPACTION_DEINIT,
    ]);
  });

  it('device_register fails: bus_unregister (407-408, 426-428)', () => {
    const { rc, calls } = failing('device_register', 1, ERR.EEXIST);
    expect(rc).toBe(ERR.EEXIST);
    expect(calls).toEqual([
      ...OK_CALLS.slice(0, 6),
      'bus_unregister',
      'unregister_reboot_notifier',
      'unregister_oom_notifier',
      ...COMPACTION_DEINIT,
    ]);
  });

  it.each([1, 2, 3])(
    'device_create_file #%i fails: the files before it are removed, newest first (410-413, 422-428)',
    (nth) => {
      const { rc, calls, cmm } = failing('device_create_file', nth, ERR.ENOMEM);
      expect(rc).toBe(ERR.ENOMEM);
      const attrs = ['loaned_kb', 'loaned_target_kb', 'oom_freed_kb'];
      const removed = attrs
        .slice(0, nth - 1)
        .reverse()
        .map((a) => `device_remove_file(${a})`);
      expect(calls).toEqual([
        ...OK_CALLS.slice(0, 6 + nth),
        ...removed,
        'device_unregister',
        'bus_unregister',
        'unregister_reboot_notifier',
        'unregister_oom_notifier',
        ...COMPACTION_DEINIT,
      ]);
      expect(cmm.kernel.reg).toMatchObject({
        files: 0,
        device: false,
        bus: false,
        reboot: false,
        oom: false,
      });
    },
  );

  it('simulate_loan_target_kb cannot be created: goto fail with i = 3 removes all three (417-419, 422-428)', () => {
    const { rc, calls } = failing('device_create_file', 4, ERR.ENOMEM, { params: { simulate: true } });
    expect(rc).toBe(ERR.ENOMEM);
    expect(calls.slice(9, 13)).toEqual([
      'device_create_file(simulate_loan_target_kb)',
      'device_remove_file(oom_freed_kb)',
      'device_remove_file(loaned_target_kb)',
      'device_remove_file(loaned_kb)',
    ]);
  });

  it('register_memory_notifier fails: out_unregister_notifier unregisters it anyway (641-643, 655-663)', () => {
    const { rc, calls } = failing('register_memory_notifier', 1, ERR.ENOMEM);
    expect(rc).toBe(ERR.ENOMEM);
    expect(calls).toEqual([
      ...OK_CALLS.slice(0, 10),
      'unregister_memory_notifier',
      ...SYSFS_UNREGISTER,
      'unregister_reboot_notifier',
      'unregister_oom_notifier',
      ...COMPACTION_DEINIT,
    ]);
  });

  it('kthread_run fails: PTR_ERR returned, cmm_thread_ptr keeps the ERR_PTR (648-651)', () => {
    const { rc, calls, cmm } = failing('kthread_run', 1, ERR.EINTR);
    expect(rc).toBe(ERR.EINTR);
    expect(calls).toEqual([
      ...OK_CALLS,
      'unregister_memory_notifier',
      ...SYSFS_UNREGISTER,
      'unregister_reboot_notifier',
      'unregister_oom_notifier',
      ...COMPACTION_DEINIT,
    ]);
    expect(cmm.state).toMatchObject({ module: 'failed', threadPtr: 'errptr', thread: 'notRunning' });
  });

  it('built in: a failed init leaves the parameters writable (and the ERR_PTR reachable, CMM-7)', () => {
    const { cmm } = failing('kthread_run', 1, ERR.ENOMEM, { builtin: true });
    expect(cmm.readParam('disable')).toBe('0\n');
    expect(cmm.writeParam('delay', '3')).toBe(1);
    expect(() => cmm.writeParam('disable', '1')).toThrow(/oops in cmm_set_disable.*ERR_PTR\(-12\)/);
  });
});

describe('cmm_exit', () => {
  it('stops the thread, unregisters, frees every page, removes sysfs, deinits compaction (673-683)', () => {
    const cmm = loadCmm({ params: { min_mem_mb: 0 }, loanPolicy: { kind: 'target', bytes: 5n * 4096n } });
    cmm.init();
    cmm.tick();
    expect(cmm.state.loanedPages).toBe(5);
    const t0 = cmm.state.now;
    cmm.kernel.calls.length = 0;
    cmm.exit();
    expect(cmm.kernel.calls).toEqual([
      'kthread_stop',
      'unregister_oom_notifier',
      'unregister_reboot_notifier',
      'unregister_memory_notifier',
      ...SYSFS_UNREGISTER,
      ...COMPACTION_DEINIT,
    ]);
    expect(cmm.state).toMatchObject({
      module: 'exited',
      thread: 'notRunning',
      loanedPages: 0,
      balloonLength: 0,
    });
    expect(cmm.hypervisor.loanedPages).toBe(0);
    // kthread_stop waited for the thread to sleep out its 1 s (a kthread ignores signals)
    expect(cmm.state.now).toBe(t0 + 1000);
    expect(cmm.sysfsRead('loaned_kb')).toBe(ERR.ENOENT);
    expect(cmm.readParam('delay')).toBe(ERR.ENOENT);
  });

  it('a built-in driver has no exit; exit before init is refused', () => {
    const b = loadCmm({ builtin: true });
    b.init();
    expect(() => b.exit()).toThrow(/built-in/);
    expect(() => loadCmm().exit()).toThrow(/module state unloaded/);
  });
});

// The files user space reads and writes: the device attributes (345-379) and the module
// parameters (62-79, 713-714), every path with its errno; cmm_set_disable (691-711).
import { describe, expect, it } from 'vitest';
import { ERR, loadCmm, type CmmLoadOptions } from './index.js';

function live(extra: CmmLoadOptions = {}, target = 4) {
  const cmm = loadCmm({
    ramBytes: 256 * 4096,
    ...extra,
    params: { min_mem_mb: 0, oom_kb: 4, ...extra.params },
    loanPolicy: { kind: 'target', bytes: BigInt(target) * 4096n },
  });
  expect(cmm.init()).toBe(0);
  cmm.tick();
  return cmm;
}

describe('device attributes', () => {
  it('loaned_kb, loaned_target_kb, oom_freed_kb show PAGES2KB with %lu (345-352)', () => {
    const cmm = live();
    cmm.oom();
    expect(cmm.sysfsRead('loaned_kb')).toBe('12\n');
    expect(cmm.sysfsRead('loaned_target_kb')).toBe('12\n');
    expect(cmm.sysfsRead('oom_freed_kb')).toBe('4\n');
  });

  it('loaned_kb and loaned_target_kb are read-only (0444): -EACCES', () => {
    const cmm = live();
    expect(cmm.sysfsWrite('loaned_kb', '0')).toBe(ERR.EACCES);
    expect(cmm.sysfsWrite('loaned_target_kb', '0')).toBe(ERR.EACCES);
  });

  it('store_oom_pages: -EPERM without CAP_SYS_ADMIN, -EBADMSG for non-zero, else reset and count (354-367)', () => {
    const cmm = live();
    cmm.oom();
    expect(cmm.sysfsWrite('oom_freed_kb', '1', { capSysAdmin: false })).toBe(ERR.EPERM); // capable() first
    expect(cmm.sysfsWrite('oom_freed_kb', '0', { capSysAdmin: false })).toBe(ERR.EPERM);
    expect(cmm.sysfsWrite('oom_freed_kb', '5\n')).toBe(ERR.EBADMSG);
    expect(cmm.state.oomFreedPages).toBe(1);
    expect(cmm.sysfsWrite('oom_freed_kb', '0\n')).toBe(2);
    expect(cmm.state.oomFreedPages).toBe(0);
  });

  it('simple_strtoul: trailing garbage and 2^64 (which wraps to 0) are taken as 0', () => {
    const cmm = live();
    expect(cmm.sysfsWrite('oom_freed_kb', '0abc')).toBe(4);
    expect(cmm.sysfsWrite('oom_freed_kb', 'abc')).toBe(3);
    expect(cmm.sysfsWrite('oom_freed_kb', '18446744073709551616')).toBe(20);
    expect(cmm.sysfsWrite('oom_freed_kb', '18446744073709551617')).toBe(ERR.EBADMSG);
  });

  it('the file permission check and kernfs: non-root -EACCES, more than a page -E2BIG, no such file -ENOENT', () => {
    const cmm = live();
    expect(cmm.sysfsWrite('oom_freed_kb', '0', { asRoot: false })).toBe(ERR.EACCES);
    expect(cmm.sysfsWrite('oom_freed_kb', '0'.repeat(4097))).toBe(ERR.E2BIG);
    expect(cmm.sysfsWrite('oom_freed_kb', '0'.repeat(4096))).toBe(4096);
    expect(cmm.sysfsWrite('nonsense', '0')).toBe(ERR.ENOENT);
    expect(cmm.sysfsWrite('simulate_loan_target_kb', '0')).toBe(ERR.ENOENT);
    expect(() => cmm.sysfsRead('nonsense' as 'loaned_kb')).toThrow(/sysfsRead\(attr\).*"nonsense"/);
  });

  it('simulate_loan_target_kb (simulate mode): kstrtoul errors, hex show (378-379)', () => {
    const cmm = live({ firmwareCmo: false, params: { simulate: true } });
    expect(cmm.sysfsWrite('simulate_loan_target_kb', 'abc')).toBe(ERR.EINVAL);
    expect(cmm.sysfsWrite('simulate_loan_target_kb', '99999999999999999999')).toBe(ERR.ERANGE);
    expect(cmm.sysfsWrite('simulate_loan_target_kb', '0x100\n')).toBe(6);
    expect(cmm.sysfsRead('simulate_loan_target_kb')).toBe('100\n');
    expect(cmm.sysfsWrite('simulate_loan_target_kb', '255')).toBe(3);
    expect(cmm.sysfsRead('simulate_loan_target_kb')).toBe('ff\n');
  });
});

describe('module parameters', () => {
  it('show the defaults (47-53, 62-79)', () => {
    const cmm = loadCmm();
    expect(
      ['delay', 'hotplug_delay', 'oom_kb', 'min_mem_mb', 'debug', 'simulate', 'disable'].map((n) =>
        cmm.readParam(n as 'delay'),
      ),
    ).toEqual(['1\n', '5\n', '1024\n', '256\n', '0\n', 'N\n', '0\n']);
  });

  it('uint parameters: kstrtouint base 0, -EINVAL, -ERANGE; writable at run time', () => {
    const cmm = live();
    expect(cmm.writeParam('oom_kb', '0x10')).toBe(4);
    expect(cmm.readParam('oom_kb')).toBe('16\n');
    expect(cmm.writeParam('hotplug_delay', '010')).toBe(3);
    expect(cmm.readParam('hotplug_delay')).toBe('8\n');
    expect(cmm.writeParam('debug', '+1\n')).toBe(3);
    expect(cmm.writeParam('delay', 'abc')).toBe(ERR.EINVAL);
    expect(cmm.writeParam('delay', '3\n\n')).toBe(ERR.EINVAL);
    expect(cmm.writeParam('delay', '08')).toBe(ERR.EINVAL); // a leading 0 means octal
    expect(cmm.writeParam('delay', '4294967296')).toBe(ERR.ERANGE);
    expect(cmm.writeParam('delay', '4294967295')).toBe(10);
    expect(cmm.readParam('delay')).toBe('4294967295\n');
  });

  it('min_mem_mb is unsigned long; simulate is 0444; unknown names, non-root, long writes fail', () => {
    const cmm = live();
    expect(cmm.writeParam('min_mem_mb', '18446744073709551615')).toBe(20);
    expect(cmm.readParam('min_mem_mb')).toBe('18446744073709551615\n');
    expect(cmm.writeParam('min_mem_mb', '18446744073709551616')).toBe(ERR.ERANGE);
    expect(cmm.writeParam('simulate', '1')).toBe(ERR.EACCES);
    expect(cmm.writeParam('colour', '1')).toBe(ERR.ENOENT);
    expect(cmm.writeParam('delay', '1', { asRoot: false })).toBe(ERR.EACCES);
    expect(cmm.writeParam('delay', '1'.repeat(4097))).toBe(ERR.E2BIG);
  });

  it('debug=1 logs the cmm_dbg lines of a round', () => {
    const cmm = live();
    cmm.writeParam('debug', '1');
    cmm.tick();
    expect(cmm.kernel.klog.some((l) => l.startsWith('cmm: delta = 0, loaned = 4, target = 4'))).toBe(true);
  });
});

describe('cmm_set_disable (691-711)', () => {
  it('"1" stops the thread and frees every page; "0" starts a new one', () => {
    const cmm = live();
    expect(cmm.writeParam('disable', '1\n')).toBe(2);
    expect(cmm.state).toMatchObject({
      cmmDisabled: 1,
      thread: 'notRunning',
      threadPtr: 'null',
      loanedPages: 0,
    });
    expect(cmm.writeParam('disable', '1')).toBe(1); // already disabled: nothing
    expect(cmm.writeParam('disable', '0')).toBe(1);
    expect(cmm.state).toMatchObject({ cmmDisabled: 0, thread: 'sleeping', threadPtr: 'task' });
    cmm.tick();
    expect(cmm.state.loanedPages).toBe(4);
  });

  it('only 0 and 1: -EINVAL otherwise, after simple_strtoul into an int', () => {
    const cmm = live();
    expect(cmm.writeParam('disable', '2')).toBe(ERR.EINVAL);
    expect(cmm.writeParam('disable', 'yes')).toBe(3); // no digits: 0, already enabled
    expect(cmm.writeParam('disable', '-1')).toBe(2); // no sign for simple_strtoul: 0
    expect(cmm.writeParam('disable', '4294967297')).toBe(10); // (int)(2^32 + 1) = 1: disables
    expect(cmm.state.cmmDisabled).toBe(1);
  });

  it('kthread_run fails: PTR_ERR returned, cmm_disabled stays 1, the ERR_PTR stays in cmm_thread_ptr', () => {
    const cmm = live({ faults: [{ op: 'kthread_run', nth: 2, rc: ERR.ENOMEM }] });
    cmm.writeParam('disable', '1');
    expect(cmm.writeParam('disable', '0')).toBe(ERR.ENOMEM);
    expect(cmm.state).toMatchObject({ cmmDisabled: 1, threadPtr: 'errptr', thread: 'notRunning' });
    expect(cmm.writeParam('disable', '0')).toBe(1); // a retry overwrites the pointer
    expect(cmm.state.threadPtr).toBe('task');
  });
});

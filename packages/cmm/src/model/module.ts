/**
 * Module init and exit: `cmm_init` (620-665) with `cmm_balloon_compaction_init` (569-594, or
 * the stub 604-607 without CONFIG_BALLOON_COMPACTION), `cmm_sysfs_register` (396-429), each
 * failure unwinding in the C's order (out_unregister_notifier, out_reboot_notifier,
 * out_oom_notifier, out_balloon_compaction), and `cmm_exit` (673-683) with
 * `cmm_unregister_sysfs` (435-443) and `cmm_balloon_compaction_deinit` (595-602).
 *
 * Every kernel service the init path calls can be made to fail through the fault plan; each
 * call is recorded in `calls` in order, so a test can pin the unwinding. A failed
 * `kthread_run` leaves `cmm_thread_ptr` holding the `ERR_PTR` (648-651). An unregistration
 * waits for a running callback of its chain (the chain's rwsem), which the machine expresses
 * by enabling the step only while that notifier is idle.
 *
 * @module
 */
import { ERR } from '../constants.js';
import type { Kernel } from '../kernel.js';
import { kcall } from './common.js';
import { beginFree } from './free.js';
import type { Action, Guard } from './step.js';

/** The names of `cmm_attrs` in order (372-376). @category Model */
export const CMM_ATTRS = ['loaned_kb', 'loaned_target_kb', 'oom_freed_kb'] as const;

function serviceRc(k: Kernel, name: Parameters<Kernel['faults']['take']>[0], call = name as string): number {
  kcall(k, call);
  return k.faults.take(name) ?? 0;
}

/** `!firmware_has_feature(FW_FEATURE_CMO) && !simulate` (624). @category Model */
export const isCmoUnsupported: Guard = (k) => !k.cfg.firmwareCmo && !k.simulate;

/** `return -EOPNOTSUPP` (625). @category Model */
export const replyEopnotsupp: Action = (k) => {
  k.reply.module = ERR.EOPNOTSUPP;
};

/** The module's init is running. @category Model */
export const beginInit: Action = (k) => {
  k.reply.module = null;
};

/** Built without CONFIG_BALLOON_COMPACTION: the stub returns 0 and nothing initialises `b_dev_info`. @category Model */
export const isCompactionOff: Guard = (k) => !k.cfg.balloonCompaction;

/** `cmm_balloon_compaction_init` (573-593): devinfo, `kern_mount`, `alloc_anon_inode`. @category Model */
export const compactionInit: Action = (k) => {
  k.balloonInit = true; // balloon_devinfo_init (573)
  k.isolatedPages = 0;
  k.reg.compaction = true;
  const mnt = serviceRc(k, 'kern_mount');
  if (mnt !== 0) {
    k.reply.module = mnt < 0 ? mnt : ERR.ENOMEM;
    return;
  }
  k.reg.mount = true;
  const inode = serviceRc(k, 'alloc_anon_inode');
  if (inode !== 0) {
    k.reply.module = inode < 0 ? inode : ERR.ENOMEM;
    kcall(k, 'kern_unmount');
    k.reg.mount = false;
    return;
  }
  k.reg.inode = true;
};

/** The step before set an error (`rc != 0`). @category Model */
export const hasInitError: Guard = (k) => k.reply.module !== null && k.reply.module !== 0;

/** `register_oom_notifier(&cmm_oom_nb)` (631). @category Model */
export const registerOomNotifier: Action = (k) => {
  const rc = serviceRc(k, 'register_oom_notifier');
  if (rc < 0) k.reply.module = rc;
  else k.reg.oom = true;
};

/** `register_reboot_notifier(&cmm_reboot_nb)` (635). @category Model */
export const registerRebootNotifier: Action = (k) => {
  const rc = serviceRc(k, 'register_reboot_notifier');
  if (rc !== 0) k.reply.module = rc;
  else k.reg.reboot = true;
};

/** `cmm_sysfs_register(&cmm_dev)` (396-429), with its own unwinding. @category Model */
export const cmmSysfsRegister: Action = (k) => {
  let rc = serviceRc(k, 'subsys_system_register');
  if (rc !== 0) {
    k.reply.module = rc;
    return;
  }
  k.reg.bus = true;
  rc = serviceRc(k, 'device_register');
  if (rc !== 0) {
    kcall(k, 'bus_unregister');
    k.reg.bus = false;
    k.reply.module = rc;
    return;
  }
  k.reg.device = true;
  let i = 0;
  for (; i < CMM_ATTRS.length; i++) {
    rc = serviceRc(k, 'device_create_file', `device_create_file(${CMM_ATTRS[i]})`);
    if (rc !== 0) break;
    k.reg.files = i + 1;
  }
  if (rc === 0 && k.simulate) {
    rc = serviceRc(k, 'device_create_file', 'device_create_file(simulate_loan_target_kb)');
    if (rc === 0) k.reg.simulateAttr = true;
  }
  if (rc === 0) return;
  // fail: while (--i >= 0) device_remove_file(dev, cmm_attrs[i]); (423-424)
  while (--i >= 0) {
    kcall(k, `device_remove_file(${CMM_ATTRS[i]})`);
    k.reg.files = i;
  }
  kcall(k, 'device_unregister');
  k.reg.device = false;
  kcall(k, 'bus_unregister');
  k.reg.bus = false;
  k.reply.module = rc;
};

/** `register_memory_notifier(&cmm_mem_nb)` (641). @category Model */
export const registerMemoryNotifier: Action = (k) => {
  const rc = serviceRc(k, 'register_memory_notifier');
  if (rc !== 0) k.reply.module = rc;
  else k.reg.memory = true;
};

/** `if (cmm_disabled) return 0;` (645-646). @category Model */
export const isCmmDisabled: Guard = (k) => k.cmmDisabled !== 0;

/** `return 0` (646, 654). @category Model */
export const replyInitOk: Action = (k) => {
  k.reply.module = 0;
};

/** `rc = PTR_ERR(cmm_thread_ptr)` (650). @category Model */
export const replyThreadErr: Action = (k) => {
  const p = k.threadPtr;
  k.reply.module = p !== null && 'err' in p ? p.err : ERR.ENOMEM;
};

/** `unregister_memory_notifier` + `cmm_unregister_sysfs` (656-657, 435-443). @category Model */
export const unwindMemoryAndSysfs: Action = (k) => {
  kcall(k, 'unregister_memory_notifier');
  k.reg.memory = false;
  unregisterSysfs(k);
};

function unregisterSysfs(k: Kernel): void {
  for (let i = 0; i < CMM_ATTRS.length; i++) kcall(k, `device_remove_file(${CMM_ATTRS[i]})`);
  k.reg.files = 0;
  kcall(k, 'device_unregister');
  k.reg.device = false;
  k.reg.simulateAttr = false; // the device's directory goes with it
  kcall(k, 'bus_unregister');
  k.reg.bus = false;
}

/** `unregister_reboot_notifier` (659, 678). @category Model */
export const unregisterRebootNotifier: Action = (k) => {
  kcall(k, 'unregister_reboot_notifier');
  k.reg.reboot = false;
};

/** `unregister_oom_notifier` (661, 677). @category Model */
export const unregisterOomNotifier: Action = (k) => {
  kcall(k, 'unregister_oom_notifier');
  k.reg.oom = false;
};

/** `unregister_memory_notifier` (679). @category Model */
export const unregisterMemoryNotifier: Action = (k) => {
  kcall(k, 'unregister_memory_notifier');
  k.reg.memory = false;
};

/** `cmm_balloon_compaction_deinit()` (663, 682; 595-602 or the empty stub 609-611). @category Model */
export const compactionDeinit: Action = (k) => {
  if (!k.cfg.balloonCompaction) return;
  if (k.reg.inode) kcall(k, 'iput');
  k.reg.inode = false;
  kcall(k, 'kern_unmount');
  k.reg.mount = false;
};

/** `return rc` (664): the module did not load; its parameters go with it unless built in. @category Model */
export const failInit: Action = (k) => {
  if (!k.cfg.builtin) k.reg.params = false;
};

/** The OOM notifier is not running (unregister_oom_notifier would wait). @category Model */
export const isOomIdle: Guard = (k) => k.oom === null;
/** The reboot notifier is not running. @category Model */
export const isRebootIdle: Guard = (k) => k.reboot === null;

/** `cmm_free_pages(atomic_long_read(&loaned_pages))` in `cmm_exit` (680). @category Model */
export const beginExitFree: Action = (k) => {
  beginFree(k, 'exit', k.loanedPages);
};

/** `cmm_unregister_sysfs` and `cmm_balloon_compaction_deinit` (681-682); the module is gone. @category Model */
export const finishExit: Action = (k, e, p) => {
  unregisterSysfs(k);
  compactionDeinit(k, e, p);
  k.reg.params = false;
};

/** Built into the kernel: `cmm_exit` is never called. @category Model */
export const isBuiltin: Guard = (k) => k.cfg.builtin;

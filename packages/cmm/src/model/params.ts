/**
 * The files user space writes: the module parameters under /sys/module/cmm/parameters (lines
 * 62-79 and 713-714) and the device attributes under /sys/devices/system/cmm/cmm0 (345-379).
 *
 * Parameter writes go through `param_attr_store` (kernel/params.c): serialised by the module's
 * parameter lock, the write returns its byte count when the setter returns 0, else the
 * setter's error. `delay`, `hotplug_delay`, `oom_kb` and `debug` are `uint` (kstrtouint, base
 * 0), `min_mem_mb` is `ulong` (kstrtoul), `simulate` is a read-only `bool` (0444: opening it for
 * writing fails with -EACCES), `disable` has its own setter `cmm_set_disable` (691-711), which
 * parses with `simple_strtoul` into an `int` and starts or stops the thread.
 *
 * Attribute writes: `loaned_kb` and `loaned_target_kb` are 0444 (-EACCES); `oom_freed_kb`
 * (`store_oom_pages`, 354-367): -EPERM without CAP_SYS_ADMIN, -EBADMSG for a non-zero value,
 * else the count; `simulate_loan_target_kb` exists only in simulate mode (`device_store_ulong`:
 * kstrtoul's error, else the count). Writers other than root fail the files' 0644 permission
 * check (-EACCES); a write longer than a page is -E2BIG; a file that does not exist, -ENOENT.
 *
 * Shows: `%lu\n` of PAGES2KB for the three attributes, `%lx\n` (hex) for
 * `simulate_loan_target_kb` (`device_show_ulong`), `%u\n`/`%lu\n`/`Y\n` for the parameters.
 *
 * @module
 */
import { kstrtoul, kstrtouint, s32, simpleStrtoul } from '../cint.js';
import { ERR, SYSFS_WRITE_MAX } from '../constants.js';
import { ev, type CmmEvent } from '../events.js';
import type { Kernel } from '../kernel.js';
import { pages2kb } from '../mpp.js';
import { countEvent } from './common.js';
import { beginFree, kthreadRun } from './free.js';
import type { Action, Guard } from './step.js';

/** The module parameters and their kinds. @category Model */
export const CMM_PARAMS = {
  delay: 'uint',
  hotplug_delay: 'uint',
  oom_kb: 'uint',
  min_mem_mb: 'ulong',
  debug: 'uint',
  simulate: 'bool',
  disable: 'disable',
} as const;

/** A module parameter name. @category Model */
export type CmmParamName = keyof typeof CMM_PARAMS;

/** The device attributes. @category Model */
export const CMM_SYSFS_ATTRS = [
  'loaned_kb',
  'loaned_target_kb',
  'oom_freed_kb',
  'simulate_loan_target_kb',
] as const;

/** A device attribute name. @category Model */
export type CmmSysfsAttr = (typeof CMM_SYSFS_ATTRS)[number];

const isParamName = (n: string): n is CmmParamName => Object.prototype.hasOwnProperty.call(CMM_PARAMS, n);
const pset = (e: CmmEvent) => ev(e, 'param.set');
const sset = (e: CmmEvent) => ev(e, 'sysfs.store');
const byteLength = (s: string): number => new TextEncoder().encode(s).length;

function replyParam(k: Kernel, e: CmmEvent, rc: number): void {
  const name = e.type === 'param.set' ? e.name : (k.param?.name ?? 'disable');
  k.reply.param = { name, rc };
}

/** The parameter file does not exist (unknown name, or the module is not loaded). @category Model */
export const isParamMissing: Guard = (k, e) => !k.reg.params || !isParamName(pset(e).name);
/** More than a page written. @category Model */
export const isParamTooLong: Guard = (_k, e) => byteLength(pset(e).value) > SYSFS_WRITE_MAX;
/** `simulate` is 0444. @category Model */
export const isParamReadOnly: Guard = (_k, e) => pset(e).name === 'simulate';
/** The writer is not root (the files are 0644 root). @category Model */
export const isParamWriterUnprivileged: Guard = (_k, e) => pset(e).asRoot === false;
/** `disable` has its own setter. @category Model */
export const isDisableParam: Guard = (_k, e) => pset(e).name === 'disable';

/** The write fails before any setter runs. @category Model */
export function replyParamErrno(errno: keyof typeof ERR): Action {
  return (k, e) => {
    countEvent(k, 'param');
    replyParam(k, e, ERR[errno]);
  };
}

/** `param_set_uint` / `param_set_ulong`: parse, store, the byte count or the parse error. @category Model */
export const storeParam: Action = (k, e) => {
  countEvent(k, 'param');
  const { name, value } = pset(e);
  if (name === 'min_mem_mb') {
    const v = kstrtoul(value);
    if (typeof v === 'number') return replyParam(k, e, v);
    k.minMemMb = v;
  } else {
    const v = kstrtouint(value);
    if (v < 0) return replyParam(k, e, v);
    if (name === 'delay') k.delay = v;
    else if (name === 'hotplug_delay') k.hotplugDelay = v;
    else if (name === 'oom_kb') k.oomKb = v;
    else if (name === 'debug') k.cmmDebug = v;
  }
  replyParam(k, e, byteLength(value));
};

/** `int disable = simple_strtoul(val, NULL, 10);` (693). @category Model */
export const beginSetDisable: Action = (k, e) => {
  countEvent(k, 'param');
  const { name, value } = pset(e);
  k.param = { name, value, disable: Number(s32(simpleStrtoul(value, 10))) };
};

const disable = (k: Kernel): number => k.param?.disable ?? 0;

/** `disable != 0 && disable != 1` (695). @category Model */
export const isDisableInvalid: Guard = (k) => disable(k) !== 0 && disable(k) !== 1;
/** `disable && !cmm_disabled` (698). @category Model */
export const isDisabling: Guard = (k) => disable(k) !== 0 && k.cmmDisabled === 0;
/** `!disable && cmm_disabled` (703). @category Model */
export const isEnabling: Guard = (k) => disable(k) === 0 && k.cmmDisabled !== 0;

/** `return -EINVAL` (696). @category Model */
export const replyDisableEinval: Action = (k, e) => {
  replyParam(k, e, ERR.EINVAL);
  k.param = null;
};

/** `cmm_free_pages(atomic_long_read(&loaned_pages))` (702). @category Model */
export const beginParamFree: Action = (k) => {
  beginFree(k, 'param', k.loanedPages);
};

/** `cmm_thread_ptr = kthread_run(...)` (704). @category Model */
export const kthreadRunForEnable: Action = (k) => {
  kthreadRun(k);
};

/** `return PTR_ERR(cmm_thread_ptr)` (705-706): `cmm_disabled` stays 1, the `ERR_PTR` stays. @category Model */
export const replyDisablePtrErr: Action = (k, e) => {
  const p = k.threadPtr;
  replyParam(k, e, p !== null && 'err' in p ? p.err : ERR.ENOMEM);
  k.param = null;
};

/** `cmm_disabled = disable; return 0;` (709-710): the write returns its byte count. @category Model */
export const finishSetDisable: Action = (k, e) => {
  k.cmmDisabled = disable(k);
  replyParam(k, e, byteLength(k.param?.value ?? ''));
  k.param = null;
};

const attrExists = (k: Kernel, attr: string): boolean => {
  const i = (CMM_SYSFS_ATTRS as readonly string[]).indexOf(attr);
  if (i < 0) return false;
  if (i < 3) return k.reg.files > i;
  return k.reg.simulateAttr;
};

/** The attribute file does not exist. @category Model */
export const isSysfsAttrMissing: Guard = (k, e) => !attrExists(k, sset(e).attr);
/** More than a page written. @category Model */
export const isSysfsWriteTooLong: Guard = (_k, e) => byteLength(sset(e).value) > SYSFS_WRITE_MAX;
/** `loaned_kb` and `loaned_target_kb` are 0444 (343). @category Model */
export const isSysfsAttrReadOnly: Guard = (_k, e) =>
  sset(e).attr === 'loaned_kb' || sset(e).attr === 'loaned_target_kb';
/** The writer is not root. @category Model */
export const isSysfsWriterUnprivileged: Guard = (_k, e) => sset(e).asRoot === false;
/** `store_oom_pages` without CAP_SYS_ADMIN (360). @category Model */
export const isOomFreedStoreWithoutCap: Guard = (_k, e) =>
  sset(e).attr === 'oom_freed_kb' && sset(e).capSysAdmin === false;
/** `store_oom_pages` with `val != 0` (362). @category Model */
export const isOomFreedStoreNonZero: Guard = (_k, e) =>
  sset(e).attr === 'oom_freed_kb' && simpleStrtoul(sset(e).value, 10) !== 0n;
/** `store_oom_pages` with 0. @category Model */
export const isOomFreedStore: Guard = (_k, e) => sset(e).attr === 'oom_freed_kb';
/** `device_store_ulong`: kstrtoul fails. @category Model */
export const isSimulateStoreInvalid: Guard = (_k, e) => typeof kstrtoul(sset(e).value) === 'number';

/** A sysfs write fails with `errno`. @category Model */
export function replySysfsErrno(errno: keyof typeof ERR): Action {
  return (k, e) => {
    countEvent(k, 'sysfs');
    k.reply.sysfs = { attr: sset(e).attr, rc: ERR[errno] };
  };
}

/** `device_store_ulong` returns kstrtoul's error. @category Model */
export const replySimulateStoreError: Action = (k, e) => {
  countEvent(k, 'sysfs');
  k.reply.sysfs = { attr: sset(e).attr, rc: kstrtoul(sset(e).value) as number };
};

/** `oom_freed_pages = 0; return count;` (365-366). @category Model */
export const resetOomFreedPages: Action = (k, e) => {
  countEvent(k, 'sysfs');
  k.oomFreedPages = 0;
  k.reply.sysfs = { attr: 'oom_freed_kb', rc: byteLength(sset(e).value) };
};

/** `*(unsigned long *)(ea->var) = new; return size;`. @category Model */
export const storeSimulateTarget: Action = (k, e) => {
  countEvent(k, 'sysfs');
  k.simulateLoanTargetKb = kstrtoul(sset(e).value) as bigint;
  k.reply.sysfs = { attr: 'simulate_loan_target_kb', rc: byteLength(sset(e).value) };
};

/**
 * What reading a device attribute gives, or -ENOENT when the file does not exist.
 * @category Model
 */
export function sysfsShow(k: Kernel, attr: CmmSysfsAttr): string | number {
  if (!attrExists(k, attr)) return ERR.ENOENT;
  const shift = k.cfg.pageShift;
  if (attr === 'loaned_kb') return `${pages2kb(BigInt(k.loanedPages), shift)}\n`;
  if (attr === 'loaned_target_kb') return `${pages2kb(BigInt(k.loanedPagesTarget), shift)}\n`;
  if (attr === 'oom_freed_kb') return `${pages2kb(BigInt(k.oomFreedPages), shift)}\n`;
  return `${k.simulateLoanTargetKb.toString(16)}\n`;
}

/**
 * What reading a module parameter gives, or -ENOENT.
 * @category Model
 */
export function paramShow(k: Kernel, name: CmmParamName): string | number {
  if (!k.reg.params) return ERR.ENOENT;
  switch (name) {
    case 'delay':
      return `${k.delay}\n`;
    case 'hotplug_delay':
      return `${k.hotplugDelay}\n`;
    case 'oom_kb':
      return `${k.oomKb}\n`;
    case 'min_mem_mb':
      return `${k.minMemMb}\n`;
    case 'debug':
      return `${k.cmmDebug}\n`;
    case 'simulate':
      return k.simulate ? 'Y\n' : 'N\n';
    case 'disable':
      return `${k.cmmDisabled}\n`;
  }
}

/** The hypervisor now asks for a fixed `loan_request`. @category Model */
export const setHvLoanRequest: Action = (k, e) => {
  countEvent(k, 'hv');
  k.hv.policy = { kind: 'request', bytes: BigInt(ev(e, 'hv.loanRequest').bytes) };
};

/** The hypervisor now aims at a number of loaned bytes. @category Model */
export const setHvLoanTarget: Action = (k, e) => {
  countEvent(k, 'hv');
  k.hv.policy = { kind: 'target', bytes: BigInt(ev(e, 'hv.loanTarget').bytes) };
};

/**
 * The numbers of the CMM driver and of the kernel and PAPR interfaces it uses: the driver's
 * defaults (cmm.c 35-45), the H_PAGE_INIT flags and hcall numbers (asm/hvcall.h, facts.md §4.2),
 * the memory-hotplug actions (linux/memory.h), the reboot actions (linux/reboot.h), notifier
 * return values (linux/notifier.h) and the errnos the driver returns.
 *
 * 64-bit quantities of the PAPR interface (hcall flags, return words) are `bigint`s; page
 * counts and parameters that fit a double are numbers.
 *
 * @module
 */
import { linuxErr } from '@kspec/spec-kit';

/** The seed this package models. @category Constants */
export const SEED = 'linux-powerpc-pseries-cmm.c' as const;

/** `CMM_DRIVER_VERSION` (line 35). @category Constants */
export const CMM_DRIVER_VERSION = '1.0.0';
/** `CMM_DEFAULT_DELAY`: seconds between polls (line 36). @category Constants */
export const CMM_DEFAULT_DELAY = 1;
/** `CMM_HOTPLUG_DELAY`: seconds of suspended loaning after a hotplug remove (line 37). @category Constants */
export const CMM_HOTPLUG_DELAY = 5;
/** `CMM_DEBUG` (line 38). @category Constants */
export const CMM_DEBUG = 0;
/** `CMM_DISABLE` (line 39). @category Constants */
export const CMM_DISABLE = 0;
/** `CMM_OOM_KB`: KiB freed per OOM notification (line 40). @category Constants */
export const CMM_OOM_KB = 1024;
/** `CMM_MIN_MEM_MB`: MiB never ballooned (line 41). @category Constants */
export const CMM_MIN_MEM_MB = 256;
/** `CMM_MEM_HOTPLUG_PRI`: the memory notifier's priority (line 45). @category Constants */
export const CMM_MEM_HOTPLUG_PRI = 1;

/** Kernel page shifts of the two pseries builds: 4 KiB and 64 KiB pages. @category Constants */
export type PageShift = 12 | 16;

/** `H_SUCCESS`. @category Constants */
export const H_SUCCESS = 0n;
/** `H_HARDWARE` (-1): a typical failure code for injected hcall faults. @category Constants */
export const H_HARDWARE = -1n;
/** `H_PARAMETER` (-4). @category Constants */
export const H_PARAMETER = -4n;
/** The H_PAGE_INIT hcall number (facts.md §4.2, recalled). @category Constants */
export const H_PAGE_INIT = 0x2cn;
/** The H_GET_MPP hcall number (facts.md §4.2, recalled). @category Constants */
export const H_GET_MPP = 0x2d4n;

/** `H_PAGE_STATE_CHANGE` = 1 << (63 - 28). @category Constants */
export const H_PAGE_STATE_CHANGE = 0x0000000800000000n;
/** `H_PAGE_UNUSED` = (1 << (63 - 29)) | (1 << (63 - 30)). @category Constants */
export const H_PAGE_UNUSED = 0x0000000600000000n;
/** `H_PAGE_SET_UNUSED` = STATE_CHANGE | UNUSED. @category Constants */
export const H_PAGE_SET_UNUSED = H_PAGE_STATE_CHANGE | H_PAGE_UNUSED;
/** `H_PAGE_SET_LOANED` = SET_UNUSED | (1 << (63 - 31)): the flags cmm.c passes at line 104. @category Constants */
export const H_PAGE_SET_LOANED = H_PAGE_SET_UNUSED | 0x0000000100000000n;
/** `H_PAGE_SET_ACTIVE` = STATE_CHANGE: the flags cmm.c passes at line 124. @category Constants */
export const H_PAGE_SET_ACTIVE = H_PAGE_STATE_CHANGE;

/**
 * Memory-hotplug notifier actions (include/linux/memory.h).
 * @category Constants
 */
export const MEM = Object.freeze({
  ONLINE: 1 << 0,
  GOING_OFFLINE: 1 << 1,
  OFFLINE: 1 << 2,
  GOING_ONLINE: 1 << 3,
  CANCEL_ONLINE: 1 << 4,
  CANCEL_OFFLINE: 1 << 5,
} as const);

/** A memory-hotplug action name. @category Constants */
export type MemoryAction = keyof typeof MEM;

/**
 * Reboot notifier actions (include/linux/reboot.h): `SYS_RESTART` is `SYS_DOWN`.
 * @category Constants
 */
export const SYS = Object.freeze({ RESTART: 1, HALT: 2, POWER_OFF: 3 } as const);

/** A reboot action name. @category Constants */
export type RebootAction = keyof typeof SYS;

/** `NOTIFY_DONE` (0): the reboot notifier's return value (line 458). @category Constants */
export const NOTIFY_DONE = 0;
/** `NOTIFY_OK` (1): the OOM and memory notifiers' return value (lines 226, 496). @category Constants */
export const NOTIFY_OK = 1;

/** The negative errnos the driver and its kernel interfaces return. @category Constants */
export const ERR = Object.freeze({
  EPERM: linuxErr('EPERM'),
  ENOENT: linuxErr('ENOENT'),
  EINTR: linuxErr('EINTR'),
  EIO: linuxErr('EIO'),
  E2BIG: linuxErr('E2BIG'),
  ENOMEM: linuxErr('ENOMEM'),
  EACCES: linuxErr('EACCES'),
  EBUSY: linuxErr('EBUSY'),
  EEXIST: linuxErr('EEXIST'),
  ENODEV: linuxErr('ENODEV'),
  EINVAL: linuxErr('EINVAL'),
  ERANGE: linuxErr('ERANGE'),
  EBADMSG: linuxErr('EBADMSG'),
  EOPNOTSUPP: linuxErr('EOPNOTSUPP'),
} as const);

/** The bytes a sysfs write may carry at most (kernfs `atomic_write_len`, one page). @category Constants */
export const SYSFS_WRITE_MAX = 4096;

/**
 * Errno tables. Linux entry points return negative errno values (`-13` for EACCES); NetBSD
 * entry points return positive ones (`13`). The tables hold only the numbers the five seeds
 * use and their common neighbours, with the same numeric values as the respective
 * `errno.h` files (Linux asm-generic/errno-base.h and errno.h; NetBSD sys/errno.h).
 *
 * @module
 */

/**
 * Linux errno numbers (positive; Linux kernel paths return their negation).
 * @category Errno
 */
export const LINUX_ERRNO = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EFBIG: 27,
  ENOSPC: 28,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  EBADMSG: 74,
  EOPNOTSUPP: 95,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ERESTARTSYS: 512,
} as const);

/**
 * NetBSD errno numbers (returned positive by NetBSD kernel paths).
 * @category Errno
 */
export const NETBSD_ERRNO = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EFBIG: 27,
  ENOSPC: 28,
  EAGAIN: 35,
  EOPNOTSUPP: 45,
  ENETRESET: 52,
  ENOTCONN: 57,
  ETIMEDOUT: 60,
  ENAMETOOLONG: 63,
  ENOSYS: 78,
} as const);

/** @category Errno */
export type LinuxErrnoName = keyof typeof LINUX_ERRNO;
/** @category Errno */
export type NetbsdErrnoName = keyof typeof NETBSD_ERRNO;

/**
 * The negative return value a Linux kernel path uses for `name` (`linuxErr('EACCES') === -13`).
 * @category Errno
 */
export function linuxErr(name: LinuxErrnoName): number {
  return -LINUX_ERRNO[name];
}

/**
 * The positive return value a NetBSD kernel path uses for `name` (`netbsdErr('EBUSY') === 16`).
 * @category Errno
 */
export function netbsdErr(name: NetbsdErrnoName): number {
  return NETBSD_ERRNO[name];
}

function invert<T extends Record<string, number>>(table: T): ReadonlyMap<number, keyof T & string> {
  const m = new Map<number, keyof T & string>();
  for (const [k, v] of Object.entries(table)) m.set(v, k as keyof T & string);
  return m;
}
const LINUX_BY_NUMBER = invert(LINUX_ERRNO);
const NETBSD_BY_NUMBER = invert(NETBSD_ERRNO);

/**
 * Names a Linux return value: `-13` gives `'EACCES'`, a non-negative value gives `undefined`,
 * an unknown negative value gives `'errno 123'`.
 * @category Errno
 */
export function linuxErrnoName(rc: number): string | undefined {
  if (rc >= 0) return undefined;
  return LINUX_BY_NUMBER.get(-rc) ?? `errno ${-rc}`;
}

/**
 * Names a NetBSD errno value: `16` gives `'EBUSY'`, `0` gives `undefined`, an unknown value
 * gives `'errno 123'`.
 * @category Errno
 */
export function netbsdErrnoName(errno: number): string | undefined {
  if (errno === 0) return undefined;
  return NETBSD_BY_NUMBER.get(errno) ?? `errno ${errno}`;
}

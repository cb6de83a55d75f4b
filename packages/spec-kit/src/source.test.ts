import { describe, expect, it } from 'vitest';
import { formatSourceRef, isSourceRef, src } from './source.js';
import { linuxErr, linuxErrnoName, netbsdErr, netbsdErrnoName, LINUX_ERRNO, NETBSD_ERRNO } from './errno.js';

describe('src / SourceRef', () => {
  it('builds and formats references', () => {
    const r = src('linux-xen-evtchn.c', 'evtchn_ioctl', 444, 446);
    expect(isSourceRef(r)).toBe(true);
    expect(formatSourceRef(r)).toBe('linux-xen-evtchn.c:444-446 (evtchn_ioctl)');
    expect(formatSourceRef(src('netbsd-rump-if_shmem.c', 'shmif_rcv', 7))).toBe(
      'netbsd-rump-if_shmem.c:7 (shmif_rcv)',
    );
  });
  it('rejects bad ranges and unknown files', () => {
    expect(() => src('linux-xen-evtchn.c', 'f', 10, 9)).toThrow(RangeError);
    expect(() => src('linux-xen-evtchn.c', 'f', 0)).toThrow(RangeError);
    expect(() => src('nope.c' as never, 'f', 1)).toThrow(/unknown seed file/);
    expect(isSourceRef({ file: 'linux-xen-evtchn.c', fn: 'f', lines: [3, 2] })).toBe(false);
  });
});

describe('errno tables', () => {
  it('match the Linux and NetBSD errno.h values the seeds use', () => {
    // asm-generic/errno-base.h and errno.h
    expect([linuxErr('EACCES'), linuxErr('EFAULT'), linuxErr('ENOTCONN'), linuxErr('ENOSYS')]).toEqual([
      -13, -14, -107, -38,
    ]);
    expect([linuxErr('EFBIG'), linuxErr('EAGAIN'), linuxErr('EEXIST'), linuxErr('ENOMEM')]).toEqual([
      -27, -11, -17, -12,
    ]);
    // CMM's sysfs and parameter paths: store_oom_pages (-EBADMSG), kstrto* overflow (-ERANGE)
    expect([linuxErr('EBADMSG'), linuxErr('ERANGE'), linuxErr('EOPNOTSUPP')]).toEqual([-74, -34, -95]);
    // sys/errno.h (NetBSD): numbering differs from Linux above 34
    expect([netbsdErr('EBUSY'), netbsdErr('ENOEXEC'), netbsdErr('E2BIG'), netbsdErr('ENXIO')]).toEqual([
      16, 8, 7, 6,
    ]);
    expect([
      netbsdErr('EAGAIN'),
      netbsdErr('ENETRESET'),
      netbsdErr('EOPNOTSUPP'),
      netbsdErr('ENOTCONN'),
    ]).toEqual([35, 52, 45, 57]);
  });
  it('name return values', () => {
    expect(linuxErrnoName(-107)).toBe('ENOTCONN');
    expect(linuxErrnoName(5)).toBeUndefined();
    expect(linuxErrnoName(-999)).toBe('errno 999');
    expect(netbsdErrnoName(8)).toBe('ENOEXEC');
    expect(netbsdErrnoName(0)).toBeUndefined();
  });
  it('have no two names for one number', () => {
    for (const table of [LINUX_ERRNO, NETBSD_ERRNO]) {
      const values = Object.values(table);
      expect(new Set(values).size).toBe(values.length);
    }
  });
});

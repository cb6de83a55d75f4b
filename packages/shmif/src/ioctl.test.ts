// shmif_ioctl (if_shmem.c 394-483): every errno of SIOCGLINKSTR and SIOCSLINKSTR, in the order
// the seed checks them.
import { NETBSD_ERRNO } from '@kspec/spec-kit';
import { describe, expect, it } from 'vitest';
import { BUS, FOREIGN, harness } from '../test/harness.js';
import { ENAMETOOLONG, IFLINKSTR_QUERYLEN, IFLINKSTR_UNSET, MAXPATHLEN } from './constants.js';

const { ENOENT, EINVAL, EBUSY, E2BIG, ENOEXEC, EACCES } = NETBSD_ERRNO;

function attachedWithoutBus() {
  const h = harness({ openErrors: { '/denied': EACCES } });
  h.send({ type: 'if.create' });
  return h;
}

function attachedWithBus() {
  const h = harness();
  h.send({ type: 'if.create', path: BUS });
  return h;
}

describe('SIOCGLINKSTR (404-425)', () => {
  it('ENOENT without a backing file (407-410)', () => {
    const h = attachedWithoutBus();
    expect(h.send({ type: 'ioctl.SIOCGLINKSTR', cmd: 0, len: 64 })).toEqual({
      op: 'SIOCGLINKSTR',
      rv: ENOENT,
    });
  });

  it('IFLINKSTR_QUERYLEN sets ifd_len = sc_backfilelen and returns 0 (412-416)', () => {
    const h = attachedWithBus();
    expect(h.send({ type: 'ioctl.SIOCGLINKSTR', cmd: IFLINKSTR_QUERYLEN, len: 0 })).toEqual({
      op: 'SIOCGLINKSTR',
      rv: 0,
      ifdLen: BUS.length + 1,
    });
  });

  it('any other non-zero ifd_cmd: EINVAL, after ifd_len was set (418-421)', () => {
    const h = attachedWithBus();
    expect(h.send({ type: 'ioctl.SIOCGLINKSTR', cmd: 7, len: 64 })).toEqual({
      op: 'SIOCGLINKSTR',
      rv: EINVAL,
      ifdLen: BUS.length + 1,
    });
  });

  it('cmd 0 copies the path and its NUL out (423-425)', () => {
    const h = attachedWithBus();
    expect(h.send({ type: 'ioctl.SIOCGLINKSTR', cmd: 0, len: 64 })).toEqual({
      op: 'SIOCGLINKSTR',
      rv: 0,
      ifdLen: BUS.length + 1,
      copied: BUS + '\0',
      overflow: 0,
    });
  });
});

describe('SIOCSLINKSTR (426-473)', () => {
  it('EBUSY while IFF_UP (427-430), before looking at ifd_cmd', () => {
    const h = attachedWithBus();
    h.send({ type: 'if.up' });
    expect(h.send({ type: 'ioctl.SIOCSLINKSTR', cmd: IFLINKSTR_UNSET, len: 0 })).toEqual({
      op: 'SIOCSLINKSTR',
      rv: EBUSY,
    });
  });

  it('IFLINKSTR_UNSET runs finibackend and returns 0 (433-436)', () => {
    const h = attachedWithBus();
    expect(h.send({ type: 'ioctl.SIOCSLINKSTR', cmd: IFLINKSTR_UNSET, len: 0 })).toEqual({
      op: 'SIOCSLINKSTR',
      rv: 0,
    });
    expect(h.sc.backfile).toBeNull();
    expect(h.sc.memfd).toBe(-1);
    expect(h.sc.fds).toEqual([]);
    expect(h.sc.maps).toEqual([]);
    // finibackend does nothing without a backing file (262-263): unset again is still 0
    expect(h.send({ type: 'ioctl.SIOCSLINKSTR', cmd: IFLINKSTR_UNSET, len: 0 })).toEqual({
      op: 'SIOCSLINKSTR',
      rv: 0,
    });
  });

  it('another non-zero ifd_cmd: EINVAL (437-439), even with a backing file', () => {
    const h = attachedWithBus();
    expect(h.send({ type: 'ioctl.SIOCSLINKSTR', cmd: 3, len: 8, path: '/x' })).toEqual({
      op: 'SIOCSLINKSTR',
      rv: EINVAL,
    });
  });

  it('EBUSY when a backing file is set (440-442), before the length checks', () => {
    const h = attachedWithBus();
    expect(h.send({ type: 'ioctl.SIOCSLINKSTR', cmd: 0, len: MAXPATHLEN + 1 })).toEqual({
      op: 'SIOCSLINKSTR',
      rv: EBUSY,
    });
  });

  it('E2BIG above MAXPATHLEN (445-447)', () => {
    const h = attachedWithoutBus();
    expect(h.send({ type: 'ioctl.SIOCSLINKSTR', cmd: 0, len: MAXPATHLEN + 1, path: BUS })).toEqual({
      op: 'SIOCSLINKSTR',
      rv: E2BIG,
    });
  });

  it('EINVAL below 1 (448-450)', () => {
    const h = attachedWithoutBus();
    expect(h.send({ type: 'ioctl.SIOCSLINKSTR', cmd: 0, len: 0, path: BUS })).toEqual({
      op: 'SIOCSLINKSTR',
      rv: EINVAL,
    });
  });

  it('copyinstr: ENAMETOOLONG when the path and its NUL do not fit ifd_len (453-458)', () => {
    const h = attachedWithoutBus();
    expect(h.send({ type: 'ioctl.SIOCSLINKSTR', cmd: 0, len: BUS.length, path: BUS })).toEqual({
      op: 'SIOCSLINKSTR',
      rv: ENAMETOOLONG,
    });
  });

  it('rumpuser_open fails: its errno (459-463)', () => {
    const h = attachedWithoutBus();
    expect(h.send({ type: 'ioctl.SIOCSLINKSTR', cmd: 0, len: 8, path: '/denied' })).toEqual({
      op: 'SIOCSLINKSTR',
      rv: EACCES,
    });
    expect(h.sc.fds).toEqual([]);
  });

  it('initbackend fails (ENOEXEC): the path is freed and the memfd closed (464-469)', () => {
    const h = attachedWithoutBus();
    expect(h.send({ type: 'ioctl.SIOCSLINKSTR', cmd: 0, len: FOREIGN.length + 1, path: FOREIGN })).toEqual({
      op: 'SIOCSLINKSTR',
      rv: ENOEXEC,
    });
    expect(h.sc.fds).toEqual([]);
    expect(h.sc.maps).toEqual([]);
    expect(h.sc.backfile).toBeNull();
  });

  it('success: sc_backfile = path, sc_backfilelen = ifd_len, not strlen + 1 (470-471)', () => {
    const h = attachedWithoutBus();
    expect(h.send({ type: 'ioctl.SIOCSLINKSTR', cmd: 0, len: 100, path: BUS })).toEqual({
      op: 'SIOCSLINKSTR',
      rv: 0,
    });
    expect(h.sc.backfile).toBe(BUS);
    expect(h.sc.backfilelen).toBe(100);
    expect(h.sc.memfd).not.toBe(-1);
    expect(h.send({ type: 'ioctl.SIOCGLINKSTR', cmd: IFLINKSTR_QUERYLEN, len: 0 })?.ifdLen).toBe(100);
    expect(h.send({ type: 'if.up' })).toEqual({ op: 'init', rv: 0 });
  });
});

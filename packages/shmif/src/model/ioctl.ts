/**
 * `shmif_ioctl` (if_shmem.c 394-483): `SIOCGLINKSTR` and `SIOCSLINKSTR` on `struct ifdrv`
 * (`ifd_cmd`, `ifd_len`, `ifd_data`), each check in the seed's order, with NetBSD errno
 * numbers. `SIOCSLINKSTR`'s attach path continues in `initbackend` (`lifecycle.ts`).
 *
 * User memory: `ifd_data` is modelled as the path string the caller passes (`copyinstr` fails
 * with `ENAMETOOLONG` when it does not fit in `ifd_len`) and, for `SIOCGLINKSTR`, as a buffer
 * of the caller's `ifd_len` bytes. The seed overwrites `ifd_len` with `sc_backfilelen` before
 * the copy (line 412), so `copyoutstr` writes the whole path whatever buffer the caller
 * declared: the model reports the bytes written past the declared length (`overflow`).
 *
 * Not covered: `ether_ioctl` for every other command (line 475), `copyinstr`/`copyoutstr`
 * `EFAULT` on a bad user address.
 *
 * @module
 */
import { NETBSD_ERRNO } from '@kspec/spec-kit';
import { ENAMETOOLONG, IFLINKSTR_QUERYLEN, IFLINKSTR_UNSET, MAXPATHLEN } from '../constants.js';
import type { ShmifContext } from '../context.js';
import { scOf, withIf } from './common.js';
import { ghostCopyoutOverflow, ghostCount } from './ghost.js';
import { byteLength, closeFd, finibackend, isUp, openErrorFor } from './lifecycle.js';

/** `struct ifdrv` fields of an ioctl event. @category Model */
export interface IfdrvArgs {
  readonly cmd: number;
  readonly len: number;
  readonly path?: string;
  readonly bufferSize?: number;
}

// ---- SIOCGLINKSTR (404-425) ----

/** `sc_backfilelen == 0`: `ENOENT` (407-410). @category Model */
export function isGlinkstrWithoutBackfile(ctx: ShmifContext, i: number): boolean {
  return scOf(ctx, i).backfilelen === 0;
}

/** `rv = ENOENT` for `SIOCGLINKSTR` (408). @category Model */
export function glinkstrEnoent(ctx: ShmifContext, i: number): ShmifContext {
  return withIf(ctx, i, { result: { op: 'SIOCGLINKSTR', rv: NETBSD_ERRNO.ENOENT } });
}

/** `ifd_cmd == IFLINKSTR_QUERYLEN` (413). @category Model */
export function isQuerylen(args: IfdrvArgs): boolean {
  return args.cmd === IFLINKSTR_QUERYLEN;
}

/** `ifd->ifd_len = sc_backfilelen; rv = 0` for `IFLINKSTR_QUERYLEN` (412-415). @category Model */
export function glinkstrQuerylen(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  return withIf(ctx, i, { result: { op: 'SIOCGLINKSTR', rv: 0, ifdLen: s.backfilelen } });
}

/** Any other non-zero `ifd_cmd`: `EINVAL` (418-421; for `SIOCSLINKSTR` 437-439). @category Model */
export function isCmdNonZero(args: IfdrvArgs): boolean {
  return args.cmd !== 0;
}

/** `ifd_len` set, then `rv = EINVAL` (412, 418-421). @category Model */
export function glinkstrEinval(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  return withIf(ctx, i, { result: { op: 'SIOCGLINKSTR', rv: NETBSD_ERRNO.EINVAL, ifdLen: s.backfilelen } });
}

/**
 * `ifd_len = sc_backfilelen`, then `copyoutstr(sc_backfile, ifd_data, MIN(sc_backfilelen,
 * ifd_len))` (412, 423-424): the minimum is `sc_backfilelen` itself, so the path and its NUL
 * are written whatever the caller's buffer (`args.len`) was.
 * @category Model
 */
export function glinkstrCopyout(ctx: ShmifContext, i: number, args: IfdrvArgs): ShmifContext {
  const s = scOf(ctx, i);
  const path = s.backfile ?? '';
  const strBytes = byteLength(path) + 1;
  const max = Math.min(s.backfilelen, s.backfilelen);
  const fits = strBytes <= max;
  const copied = fits ? path + '\0' : '';
  const declared = args.bufferSize ?? args.len;
  const overflow = Math.max(0, (fits ? strBytes : max) - declared);
  const next = withIf(ctx, i, {
    result: { op: 'SIOCGLINKSTR', rv: fits ? 0 : ENAMETOOLONG, ifdLen: s.backfilelen, copied, overflow },
  });
  return overflow > 0 ? ghostCopyoutOverflow(next) : next;
}

// ---- SIOCSLINKSTR (426-473) ----

/** `rv = errno` for `SIOCSLINKSTR`. @category Model */
export function slinkstrReturn(ctx: ShmifContext, i: number, rv: number): ShmifContext {
  return withIf(ctx, i, { result: { op: 'SIOCSLINKSTR', rv } });
}

/** `if_flags & IFF_UP`: `EBUSY` (427-430). @category Model */
export function isSlinkstrWhileUp(ctx: ShmifContext, i: number): boolean {
  return isUp(ctx, i);
}

/** `ifd_cmd == IFLINKSTR_UNSET` (433). @category Model */
export function isUnset(args: IfdrvArgs): boolean {
  return args.cmd === IFLINKSTR_UNSET;
}

/** `finibackend(sc); rv = 0` (434-436). @category Model */
export function slinkstrUnset(ctx: ShmifContext, i: number): ShmifContext {
  return slinkstrReturn(finibackend(ghostCount(ctx, `unset${i}`), i), i, 0);
}

/** `sc_backfile` already set: `EBUSY` (440-442). @category Model */
export function hasBackfileSet(ctx: ShmifContext, i: number): boolean {
  return scOf(ctx, i).backfile !== null;
}

/** `ifd_len > MAXPATHLEN`: `E2BIG` (445-447). @category Model */
export function isLenAboveMaxpathlen(args: IfdrvArgs): boolean {
  return args.len > MAXPATHLEN;
}

/** `ifd_len < 1`: `EINVAL` (448-450). @category Model */
export function isLenBelowOne(args: IfdrvArgs): boolean {
  return args.len < 1;
}

/** `copyinstr(ifd_data, path, ifd_len)` fails: the string and its NUL exceed `ifd_len` (454-458). @category Model */
export function isCopyinstrFailing(args: IfdrvArgs): boolean {
  return args.path === undefined || byteLength(args.path) + 1 > args.len;
}

/** `rumpuser_open(path, O_RDWR | O_CREAT)` fails (459-463). @category Model */
export function isSlinkstrOpenFailing(ctx: ShmifContext, args: IfdrvArgs): boolean {
  return args.path !== undefined && openErrorFor(ctx, args.path) !== 0;
}

/** The errno of the failing open. @category Model */
export function slinkstrOpenError(ctx: ShmifContext, args: IfdrvArgs): number {
  return args.path === undefined ? NETBSD_ERRNO.EFAULT : openErrorFor(ctx, args.path);
}

/** `SIOCSLINKSTR` attach path entered: the path copied in, about to open it (453-459). @category Model */
export function slinkstrBegin(ctx: ShmifContext, i: number, args: IfdrvArgs): ShmifContext {
  const s = scOf(ctx, i);
  return withIf(ctx, i, {
    attach: { ...s.attach, via: 'ioctl', path: args.path ?? null, memfd: -1, error: 0, len: args.len },
    result: null,
  });
}

/** `initbackend` failed: free the path, `rumpuser_close(memfd)`, return its error (465-469). @category Model */
export function slinkstrInitbackendFailed(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  return slinkstrReturn(closeFd(ctx, i, s.attach.memfd), i, s.attach.error);
}

/** `sc_backfile = path; sc_backfilelen = ifd_len` (470-471). @category Model */
export function slinkstrRecordBackfile(ctx: ShmifContext, i: number): ShmifContext {
  const s = scOf(ctx, i);
  return withIf(ctx, i, {
    backfile: s.attach.path,
    backfilelen: s.attach.len,
    result: { op: 'SIOCSLINKSTR', rv: 0 },
  });
}

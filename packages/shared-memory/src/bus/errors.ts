/**
 * Typed errors of the shmif bus. Every failure names what went wrong and where (a byte offset,
 * a field, a file), and carries the NetBSD errno the C code would return when there is one
 * (`ENOEXEC` for a bus that is not magical, as `initbackend` returns).
 *
 * Three families:
 * - `kassert`: a `KASSERT` of the C code would fire (`shmif_busops.c`, `shmif_rcv`). The C
 *   kernel panics (DIAGNOSTIC) or reads garbage (no DIAGNOSTIC); this model stops with the
 *   assertion's C expression instead, before touching memory out of bounds.
 * - bad input from outside (`notMagical`, `truncatedFile`, `impossibleLength`,
 *   `offsetOutOfRange`, `badVersion`, `wrongSize`, `badOption`): a bus file or option that cannot be a bus.
 * - `lockWedged`: the lock watchdog gave up; the C code would spin forever.
 * - `walkLoops`: the `shmif_dumpbus` walk came back to where it was; the tool would loop forever.
 *
 * @module
 */
import { NETBSD_ERRNO } from '@kspec/spec-kit';

/**
 * What kind of failure a {@link ShmifError} reports.
 * @category Shmif bus
 */
export type ShmifErrorKind =
  | 'kassert'
  | 'notMagical'
  | 'badVersion'
  | 'truncatedFile'
  | 'wrongSize'
  | 'impossibleLength'
  | 'offsetOutOfRange'
  | 'lockWedged'
  | 'walkLoops'
  | 'badOption';

/**
 * The one error class of the bus. `kind` says what failed, `errno` is the NetBSD errno number
 * the C code returns for it (only `notMagical`: `ENOEXEC` = 8), `offset` the byte offset
 * concerned when there is one (into the data area unless the message says file offset).
 * @category Shmif bus
 */
export class ShmifError extends Error {
  override readonly name = 'ShmifError';
  readonly kind: ShmifErrorKind;
  readonly errno: number | undefined;
  readonly offset: number | undefined;
  constructor(kind: ShmifErrorKind, message: string, options: { errno?: number; offset?: number } = {}) {
    super(message);
    this.kind = kind;
    this.errno = options.errno;
    this.offset = options.offset;
  }
}

/**
 * Throws a `kassert` {@link ShmifError} when `cond` is false: the model of a C `KASSERT`.
 * `expr` is the C expression; `where` names the C function.
 * @internal
 */
export function kassert(cond: boolean, where: string, expr: string, offset?: number): asserts cond {
  if (!cond) {
    throw new ShmifError(
      'kassert',
      `${where}: KASSERT(${expr}) failed` + (offset === undefined ? '' : ` at offset ${offset}`),
      offset === undefined ? {} : { offset },
    );
  }
}

/** The `ENOEXEC` number `initbackend` returns for a bus that is not magical. @internal */
export const ENOEXEC: number = NETBSD_ERRNO.ENOEXEC;

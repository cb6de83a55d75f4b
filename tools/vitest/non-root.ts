/**
 * Running a command without root's bypass of file permissions, for tests of "cannot create a
 * file here": the tests run as root in CI, where every permission check passes. In order:
 * this process's own user when it is not root; else uid/gid 65534 (nobody) when that user can
 * read `readable` (the entry point under test: a clone in a private directory cannot be read
 * by it); else root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (`setpriv`), which the
 * kernel then holds to the permission bits like any owner. Never a silent skip: when none of
 * these can be had, it throws saying why.
 */
import { spawnSync } from 'node:child_process';

export interface NonRootRunner {
  /** Who runs the command, for messages. */
  readonly who: string;
  /** The command line to spawn for `cmd args`. */
  argv(cmd: string, args: readonly string[]): [string, string[]];
  /** Options to add to `spawn`/`spawnSync`. */
  readonly options: { readonly uid?: number; readonly gid?: number };
}

export function nonRootRunner(readable: string): NonRootRunner {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return { who: `uid ${uid}`, argv: (c, a) => [c, [...a]], options: {} };
  const probe = spawnSync(
    process.execPath,
    ['-e', `require('fs').accessSync(${JSON.stringify(readable)}, 4)`],
    {
      uid: 65534,
      gid: 65534,
    },
  );
  if (probe.status === 0) {
    return { who: 'uid 65534', argv: (c, a) => [c, [...a]], options: { uid: 65534, gid: 65534 } };
  }
  const setpriv = spawnSync('setpriv', ['--bounding-set=-dac_override,-dac_read_search', 'true']);
  if (setpriv.status !== 0) {
    throw new Error(
      `cannot run as a non-root user: uid 65534 cannot read ${readable}, and setpriv (util-linux) failed: ${setpriv.error?.message ?? setpriv.stderr}`,
    );
  }
  return {
    who: 'uid 0 without CAP_DAC_OVERRIDE',
    argv: (c, a) => ['setpriv', ['--bounding-set=-dac_override,-dac_read_search', c, ...a]],
    options: {},
  };
}

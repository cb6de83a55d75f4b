/**
 * Output files of the kspec command lines, written so that bad output paths are found before
 * any work and a failure never leaves a partial file:
 *
 * - **Checked first.** {@link reserveOutputs} resolves every output (through symbolic links
 *   to the file they name), refuses one that is a directory or not a regular file, whose
 *   directory is missing, that is one of the command's inputs or the same file as another
 *   output (compared by real path and by device and inode, so symbolic and hard links are
 *   seen through), and then *creates* a temporary file beside each target. Creating it is the
 *   only honest test of "can be created": it answers for permissions (also for a non-root
 *   user), read-only file systems and full disks alike.
 * - **Written aside, renamed at the end.** Each output is written into its temporary file
 *   (`.<name>.kspec-<pid>-<random>.tmp` in the target's directory), flushed to disk, and
 *   renamed over the target by {@link PendingOutput.commit}: readers see the old file or the
 *   whole new one, never a part. {@link PendingOutput.discard} (on a failure) removes the
 *   temporary file and leaves the target as it was. A replaced file keeps its mode.
 * - A temporary file still pending when the process exits (an uncaught error) is removed.
 *
 * What this does not cover: a process killed with SIGKILL leaves its temporary files (never
 * the target half-written); hard links to a replaced file keep its old contents (the rename
 * gives the name a new inode), as with every rename-based writer.
 *
 * @module
 */
import {
  accessSync,
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * A bad output (or input) path: the command line names what is wrong and where. The CLIs
 * print the message and exit with status 2 before doing any work.
 * @category Files
 */
export class OutputPathError extends Error {
  override readonly name = 'OutputPathError';
}

/**
 * An output of a command: the option that names it (`--trace`) and the path given.
 * @category Files
 */
export interface OutputSpec {
  readonly flag: string;
  readonly path: string;
}

/**
 * An input of a command (a scenario file, a bus file to read): no output may be the same file.
 * @category Files
 */
export interface InputSpec {
  readonly flag: string;
  readonly path: string;
}

/**
 * An output reserved by {@link reserveOutputs}: a temporary file beside its target.
 * @category Files
 */
export interface PendingOutput {
  readonly flag: string;
  /** The path as given. */
  readonly path: string;
  /** The file that {@link commit} replaces (symbolic links resolved). */
  readonly target: string;
  /** The temporary file written meanwhile. */
  readonly tmp: string;
  /** Bytes written so far. */
  readonly bytes: number;
  /** Appends to the temporary file. */
  write(data: string | Uint8Array): void;
  /** Flushes and closes the temporary file and renames it over the target. */
  commit(): void;
  /** Removes the temporary file; the target stays as it was. Idempotent. */
  discard(): void;
  /** `pending` until committed or discarded. */
  readonly state: 'pending' | 'committed' | 'discarded';
}

function errno(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

function ident(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

/** The file an output path names once symbolic links are resolved, and its stats if it exists. */
interface Resolved {
  readonly target: string;
  readonly stats: Stats | null;
}

function resolveOutput(o: OutputSpec): Resolved {
  const where = `${o.flag} ${o.path}`;
  if (o.path === '') throw new OutputPathError(`${o.flag}: an empty path`);
  const abs = resolve(o.path);
  let link: Stats | null = null;
  try {
    link = lstatSync(abs);
  } catch (err) {
    const code = errno(err);
    if (code === 'ENOTDIR') throw new OutputPathError(`${where}: ${dirname(abs)} is not a directory`);
    if (code !== 'ENOENT') throw new OutputPathError(`${where}: cannot look at it (${code})`);
  }
  if (link === null) {
    const dir = dirname(abs);
    let d: Stats;
    try {
      d = statSync(dir);
    } catch (err) {
      if (errno(err) === 'ENOENT') throw new OutputPathError(`${where}: directory ${dir} does not exist`);
      throw new OutputPathError(`${where}: cannot look at directory ${dir} (${errno(err)})`);
    }
    if (!d.isDirectory()) throw new OutputPathError(`${where}: ${dir} is not a directory`);
    return { target: join(realpathSync(dir), basename(abs)), stats: null };
  }
  let target: string;
  try {
    target = realpathSync(abs);
  } catch (err) {
    throw new OutputPathError(
      `${where}: a symbolic link that leads nowhere (${errno(err)}); name the file it should write`,
    );
  }
  const st = statSync(target);
  if (st.isDirectory()) throw new OutputPathError(`${where}: is a directory`);
  if (!st.isFile()) throw new OutputPathError(`${where}: not a regular file (outputs are replaced whole)`);
  try {
    accessSync(target, constants.W_OK);
  } catch {
    throw new OutputPathError(`${where}: the file is not writable (permission denied)`);
  }
  return { target, stats: st };
}

function inputIdentity(i: InputSpec): { real: string; id: string } | null {
  try {
    const real = realpathSync(resolve(i.path));
    return { real, id: ident(statSync(real)) };
  } catch {
    return null; // a missing input is reported by whoever reads it
  }
}

const live = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const tmp of live) {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
    }
  });
}

class TempOutput implements PendingOutput {
  state: 'pending' | 'committed' | 'discarded' = 'pending';
  bytes = 0;
  private fd: number | null;

  constructor(
    readonly flag: string,
    readonly path: string,
    readonly target: string,
    readonly tmp: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  write(data: string | Uint8Array): void {
    if (this.fd === null) throw new Error(`${this.flag} ${this.path}: written after it was ${this.state}`);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.bytes += buf.length;
  }

  commit(): void {
    if (this.state !== 'pending') return;
    const fd = this.fd!;
    this.fd = null;
    try {
      fsyncSync(fd);
      closeSync(fd);
      renameSync(this.tmp, this.target);
    } catch (err) {
      this.discard();
      throw new Error(`${this.flag} ${this.path}: cannot write ${this.target} (${errno(err)})`, {
        cause: err,
      });
    }
    live.delete(this.tmp);
    this.state = 'committed';
  }

  discard(): void {
    if (this.state !== 'pending') return;
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // closed already
      }
      this.fd = null;
    }
    try {
      unlinkSync(this.tmp);
    } catch {
      // gone already
    }
    live.delete(this.tmp);
    this.state = 'discarded';
  }
}

function createTemp(o: OutputSpec, r: Resolved): TempOutput {
  const dir = dirname(r.target);
  const tmp = join(dir, `.${basename(r.target)}.kspec-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o666);
  } catch (err) {
    const code = errno(err);
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EROFS'
          ? 'a read-only file system'
          : code;
    throw new OutputPathError(`${o.flag} ${o.path}: cannot create a file in ${dir} (${why})`);
  }
  installExitHook();
  live.add(tmp);
  if (r.stats) {
    try {
      fchmodSync(fd, r.stats.mode & 0o7777);
    } catch {
      // keeps the default mode
    }
  }
  return new TempOutput(o.flag, o.path, r.target, tmp, fd);
}

/**
 * The outputs of one command, reserved together ({@link reserveOutputs}).
 * @category Files
 */
export interface ReservedOutputs {
  /** The reserved output of `flag`, if that output was asked for. */
  get(flag: string): PendingOutput | undefined;
  readonly all: readonly PendingOutput[];
  /** Commits every pending output (in the order given). */
  commitAll(): void;
  /** Discards every output still pending. */
  discardAll(): void;
}

/**
 * Checks every output of a command before any work and reserves a temporary file for each
 * (see the module header). Throws an {@link OutputPathError} naming the first bad one; then
 * nothing is left behind.
 * @category Files
 */
export function reserveOutputs(
  outputs: readonly OutputSpec[],
  inputs: readonly InputSpec[] = [],
): ReservedOutputs {
  const resolved = outputs.map((o) => ({ o, r: resolveOutput(o) }));
  const ins = inputs.flatMap((i) => {
    const id = inputIdentity(i);
    return id ? [{ i, ...id }] : [];
  });
  for (const [k, { o, r }] of resolved.entries()) {
    const id = r.stats ? ident(r.stats) : null;
    for (const x of ins) {
      if (x.real === r.target || (id !== null && x.id === id)) {
        throw new OutputPathError(
          `${o.flag} ${o.path}: is the ${x.i.flag} ${x.i.path}${x.real === resolve(o.path) ? '' : ` (both are ${x.real})`}; an output must not overwrite an input`,
        );
      }
    }
    for (const { o: p, r: q } of resolved.slice(0, k)) {
      if (q.target === r.target || (id !== null && q.stats !== null && ident(q.stats) === id)) {
        throw new OutputPathError(
          `${o.flag} ${o.path}: is the same file as ${p.flag} ${p.path} (${q.target}); every output must name its own file`,
        );
      }
    }
  }
  const made: TempOutput[] = [];
  try {
    for (const { o, r } of resolved) made.push(createTemp(o, r));
  } catch (err) {
    for (const m of made) m.discard();
    throw err;
  }
  return {
    all: made,
    get: (flag) => made.find((m) => m.flag === flag),
    commitAll() {
      for (const m of made) m.commit();
    },
    discardAll() {
      for (const m of made) m.discard();
    },
  };
}

/**
 * Writes `data` to `path` through a temporary file and a rename (checked as
 * {@link reserveOutputs} checks; `flag` names the option in messages).
 * @category Files
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, flag = 'output'): void {
  const out = reserveOutputs([{ flag, path }]).all[0]!;
  try {
    out.write(data);
    out.commit();
  } catch (err) {
    out.discard();
    throw err;
  }
}

/**
 * Checks that an output directory exists or can be made (its nearest existing ancestor is a
 * directory that this user can create files in, and no part of the path is a file), before
 * any work. Creates nothing but a probe file it removes at once. Throws an
 * {@link OutputPathError} naming what is wrong.
 * @category Files
 */
export function checkOutputDirectory(flag: string, dir: string): void {
  if (dir === '') throw new OutputPathError(`${flag}: an empty path`);
  const abs = resolve(dir);
  let cur = abs;
  for (;;) {
    let st: Stats | null = null;
    try {
      st = statSync(cur);
    } catch (err) {
      if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR')
        throw new OutputPathError(`${flag} ${dir}: cannot look at ${cur} (${errno(err)})`);
    }
    if (st) {
      if (!st.isDirectory()) throw new OutputPathError(`${flag} ${dir}: ${cur} is not a directory`);
      break;
    }
    const up = dirname(cur);
    if (up === cur) throw new OutputPathError(`${flag} ${dir}: no existing directory above it`);
    cur = up;
  }
  createTemp({ flag, path: dir }, { target: join(cur, '.kspec-probe'), stats: null }).discard();
}

/**
 * Makes `dir` (and its parents) after {@link checkOutputDirectory} said it can be made.
 * @category Files
 */
export function makeOutputDirectory(flag: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new OutputPathError(`${flag} ${dir}: cannot make the directory (${errno(err)})`);
  }
}

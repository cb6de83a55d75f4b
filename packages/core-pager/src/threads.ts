/**
 * The threads that can send to core's pager, and how the pager sees and prints them.
 *
 * Pistachio hands the receiver a *local* thread id (the sender's UTCB address; low 6 bits
 * zero) when the sender lives in the receiver's address space, and a global id (thread number
 * and version) otherwise (api/v4/ipc.cc, `HANDLE_LOCAL_IDS`). So core threads reach the pager
 * as local ids, threads of other tasks as global ids. `L4_GlobalId(t)` (C++ overload of
 * `L4_GlobalIdOf`, l4/thread.h) turns a local id into the global one with `ExchangeRegisters`;
 * here through the table ({@link l4GlobalIdOf}), the nil thread and unknown local ids giving
 * the nil thread, as `ExchangeRegisters` does for an invalid thread.
 *
 * `print_l4_thread_id` (base-pistachio print_l4_thread_id.h, printf version of 2013) prints a
 * local id as `THREAD (local) %02lx (raw %08lx)`, a global one as `THREAD (global) %02lx
 * (version %lx) (raw %08lx)`; its third branch (nil/any/???) is unreachable since every id is
 * local or global (nil is local).
 *
 * @module
 */
import {
  L4_GlobalId,
  L4_IsLocalId,
  L4_LocalIdField,
  L4_ThreadNo,
  L4_Version,
  L4_nilthread,
  type Word,
} from './l4.js';
import { printfLine, type LogLine } from './log.js';

/** One thread. @category Threads */
export interface ThreadInfo {
  readonly name: string;
  /** Its global id. */
  readonly global: Word;
  /** Core threads: the local id (UTCB address) other core threads see. */
  readonly local?: Word;
  /** A thread of core's own task. */
  readonly core: boolean;
}

/** The threads known to the model. @category Threads */
export type ThreadTable = readonly ThreadInfo[];

/** The id the pager receives from `thread`: local for core threads, global otherwise. @category Threads */
export const senderId = (thread: ThreadInfo): Word =>
  thread.core && thread.local !== undefined ? thread.local : thread.global;

/** The thread a sender id stands for (local ids of core threads, global ids of any). @category Threads */
export function threadBySender(table: ThreadTable, t: Word): ThreadInfo | undefined {
  return table.find((x) => (x.core && x.local === t) || x.global === t);
}

/** `L4_GlobalId(t)` (= `L4_GlobalIdOf`): see the module header. @category Threads */
export function l4GlobalIdOf(table: ThreadTable, t: Word): Word {
  if (!L4_IsLocalId(t)) return t;
  return table.find((x) => x.core && x.local === t && t !== L4_nilthread)?.global ?? L4_nilthread;
}

/** True when `t` is a sender id of a core thread. @category Threads */
export const isCoreSender = (table: ThreadTable, t: Word): boolean =>
  table.some((x) => x.core && x.local === t);

/** `print_l4_thread_id(t)`: the printf line, attributed to the caller's line. @category Threads */
export function printL4ThreadId(fn: string, line: number, t: Word): LogLine {
  if (L4_IsLocalId(t))
    return printfLine(fn, line, 'THREAD (local) %02lx (raw %08lx)\n', L4_LocalIdField(t), t);
  return printfLine(
    fn,
    line,
    'THREAD (global) %02lx (version %lx) (raw %08lx)\n',
    L4_ThreadNo(t),
    L4_Version(t),
    t,
  );
}

/** Options of {@link defaultThreads}. @category Threads */
export interface DefaultThreadsOptions {
  /** `ThreadInfo.UserBase` (default 0x30): sigma0 = UserBase, core (root server) = UserBase + 2. */
  readonly userBase?: number;
  /** Core main's local id = its UTCB address (default 0xbff00000). */
  readonly coreMainLocalId?: number;
  /** Size of one UTCB (default 512): core thread n has local id coreMainLocalId + n * utcbSize. */
  readonly utcbSize?: number;
  /** Core threads besides core.main and core.pager (default: core.ep, core.signal). */
  readonly moreCoreThreads?: readonly string[];
  /** Threads of other tasks (default: two, "init" and "test"). */
  readonly nonCore?: readonly string[];
}

/**
 * A plausible thread table (in-memory choice): core.main (the root server's first thread),
 * core.pager, more core threads, and threads of two other tasks.
 * @category Threads
 */
export function defaultThreads(o: DefaultThreadsOptions = {}): ThreadTable {
  const base = o.userBase ?? 0x30;
  const main = o.coreMainLocalId ?? 0xbff00000;
  const utcb = o.utcbSize ?? 512;
  const core = ['core.main', 'core.pager', ...(o.moreCoreThreads ?? ['core.ep', 'core.signal'])];
  const threads: ThreadInfo[] = core.map((name, n) => ({
    name,
    global: L4_GlobalId(base + 2 + n * 0x40, 1),
    local: (main + n * utcb) >>> 0,
    core: true,
  }));
  (o.nonCore ?? ['init', 'test']).forEach((name, n) =>
    threads.push({ name, global: L4_GlobalId(base + 0x400 + n * 0x40, 2), core: false }),
  );
  return threads;
}

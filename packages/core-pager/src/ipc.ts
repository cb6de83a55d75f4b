/**
 * The IPC layer the pager loop talks to, as a port over an {@link IpcState} value: who is
 * blocked waiting for the pager's reply, and which operations are armed to fail.
 *
 * What the kernel does (Pistachio api/v4/ipc.cc, read for this model): a thread that faults,
 * or calls the pager (`map_local`'s `L4_Call`), waits in the receive phase of its call for the
 * reply. The pager replies with `L4_ReplyWait(to, &from)`: a send with a zero send timeout,
 * then an open receive. The send fails with a timeout when `to` is not waiting for it (it sent
 * without waiting, or is gone); no send happens when `to` is the nil thread. Any failure
 * returns at once with the error tag (`msg_tag_t::error_tag()`, u = 0) and `from` = nil thread
 * (`return_ipc(NILTHREAD)`); a failed send skips the receive phase. A receive can also fail
 * (cancelled or aborted by another thread): the machine takes that as an `ipc.error` event.
 *
 * Fault injection: `failSend` arms the next send to fail with an error code.
 *
 * @module
 */
import { ERR_IPC, ipcErrorCode, L4_nilthread, type Word } from './l4.js';

/** The IPC layer's state. @category IPC */
export interface IpcState {
  /** Thread ids (as the pager sees them) blocked in a call, waiting for the pager's reply; ascending. */
  readonly callers: readonly Word[];
  /** Error codes the next sends fail with, in order. */
  readonly failSend: readonly number[];
}

/** The outcome of a send phase. @category IPC */
export interface SendResult {
  readonly state: IpcState;
  /** False when `to` was the nil thread (no send phase). */
  readonly sent: boolean;
  /** The error code of a failed send (`IPC_SND_ERROR(err)`), or null. */
  readonly error: number | null;
}

/** The IPC port. @category IPC */
export interface IpcLayer {
  readonly name: string;
  /** A message from `from` reached the pager; `call` says whether the sender waits for a reply. */
  received(state: IpcState, from: Word, call: boolean): IpcState;
  /** The send phase of `L4_ReplyWait(to, ...)`. */
  send(state: IpcState, to: Word): SendResult;
}

/** Nobody waiting, nothing armed. @category IPC */
export const INITIAL_IPC: IpcState = Object.freeze({ callers: [], failSend: [] });

/** `state` with the next send armed to fail with `code` (default: a send timeout). @category IPC */
export function armSendFailure(
  state: IpcState,
  code: number = ipcErrorCode('send', ERR_IPC.TIMEOUT),
): IpcState {
  return { ...state, failSend: [...state.failSend, code] };
}

const sortedInsert = (xs: readonly Word[], x: Word): readonly Word[] =>
  xs.includes(x) ? xs : [...xs, x].sort((a, b) => a - b);

/** The default in-memory IPC layer (see the module header). @category IPC */
export const inMemoryIpc: IpcLayer = {
  name: 'ipc',
  received(state, from, call) {
    return call ? { ...state, callers: sortedInsert(state.callers, from) } : state;
  },
  send(state, to) {
    if (to === L4_nilthread) return { state, sent: false, error: null };
    if (state.failSend.length > 0) {
      return {
        state: { ...state, failSend: state.failSend.slice(1) },
        sent: true,
        error: state.failSend[0]!,
      };
    }
    if (!state.callers.includes(to)) {
      return { state, sent: true, error: ipcErrorCode('send', ERR_IPC.TIMEOUT) };
    }
    return { state: { ...state, callers: state.callers.filter((c) => c !== to) }, sent: true, error: null };
  },
};

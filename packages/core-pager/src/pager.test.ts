// The core pager loop (lines 54-163) on the check world: reply words bit for bit for the echo
// and the fault reply, every way the loop stops, the error prints of both wait functions, and
// the pure classification (classifyCoreFault) against the machine. Each case runs with the
// one-step fast path and step by step.
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  CHECK_ECHO_ITEM_ADDR,
  L4_PagefaultLabel,
  classifyCoreFault,
  corePagerMachine,
  faultReplyItem,
  inRanges,
  msgTagRaw,
  pagerCheckInput,
  type PagerEvent,
} from './index.js';

const CORE_B = 0xbff00400; // core.b's local id
const TASK = 0x010c0002;
const tag = (u: number, label = L4_PagefaultLabel({ read: true }), flags = 0) =>
  msgTagRaw({ u, t: 0, flags, label });
const fault = (from: number, addr: number, ip = 0x1000, label?: number): PagerEvent => ({
  type: 'ipc.receive',
  from,
  tag: tag(2, label),
  words: [addr, ip],
});
const malformed = (from: number, u = 1): PagerEvent => ({
  type: 'ipc.receive',
  from,
  tag: tag(u, 0),
  words: [0x5000],
});

function pager(fastPath: boolean, events: PagerEvent[] = []) {
  const a = createActor(corePagerMachine, { input: { ...pagerCheckInput(), fastPath } }).start();
  for (const e of events) a.send(e);
  return a;
}

const texts = (a: ReturnType<typeof pager>) => a.getSnapshot().context.step.log.map((l) => l.text);

describe.each([true, false])('fastPath %s', (fastPath) => {
  it('lines 152-161, 112-114: a fault in RAM is answered with the fpage built from the raw address', () => {
    const a = pager(fastPath, [fault(CORE_B, 0x3123)]);
    const s = a.getSnapshot();
    expect(s.value).toBe('replyingAndWaiting');
    expect(s.context.step.outcomes).toEqual(['received', 'mapped', 'replied']);
    // MR0 = t 2; MR1 = snd_base 0x3000 (bits 10-11 of 0x123 are 0) | map type; MR2 = 0x3123 with s = 12, rwx = 7
    expect(s.context.step.reply).toEqual({
      to: CORE_B,
      words: [0x80, 0x00003008, 0x000030c7],
      kind: 'fault',
    });
    expect(texts(a)).toEqual([
      'void _core_pager_loop(): Got page fault (pf_addr = 00003123, pf_ip = 00001000, flags = 00000000).',
      'THREAD (global) b2 (version 1) (raw 002c8001)',
    ]);
    expect(s.context.loop.sigma0Answer).toBe(0x000030c7); // sigma0 re-maps the page core holds
  });

  it('the raw address leaves bit 3 (reserved) and bits 10-11 in the reply words', () => {
    const a = pager(fastPath, [fault(CORE_B, 0x3c0b)]);
    expect(a.getSnapshot().context.step.reply?.words).toEqual([0x80, 0x00003c08, 0x00003ccf]);
  });

  it('lines 125-128: pf_ip == 0 echoes the map item word 0 points to', () => {
    const a = pager(fastPath, [
      { type: 'ipc.receive', from: CORE_B, tag: tag(2, 0), words: [CHECK_ECHO_ITEM_ADDR, 0] },
    ]);
    const s = a.getSnapshot();
    expect(s.context.step.outcomes).toEqual(['received', 'echo', 'replied']);
    expect(s.context.step.reply).toEqual({
      to: CORE_B,
      words: [0x80, ...faultReplyItem(0x4000)],
      kind: 'echo',
    });
    expect(s.context.step.reply?.words).toEqual([0x80, 0x00004008, 0x000040c7]);
    expect(texts(a)).toEqual([]); // the echo path prints nothing
  });

  it('lines 134-139: a null pointer prints, leaves the faulter blocked and ends the loop', () => {
    const a = pager(fastPath, [fault(CORE_B, 0x10, 0x1234, L4_PagefaultLabel({ write: true }))]);
    const s = a.getSnapshot();
    expect([s.value, s.status, s.context.stop, s.context.step.reply]).toEqual([
      'loopEnded',
      'done',
      { reason: 'nullPointer', line: 139 },
      null,
    ]);
    expect(texts(a)).toEqual([
      'void _core_pager_loop(): Got page fault (pf_addr = 00000010, pf_ip = 00001234, flags = 00000000).',
      'THREAD (global) b2 (version 1) (raw 002c8001)',
      'possible null pointer READ/EXEC at address 10 at EIP 1234 in', // a write fault: is_write_fault is false
      'THREAD (local) 2ffc010 (raw bff00400)',
    ]);
    expect(s.context.ipc.callers).toEqual([CORE_B]); // "do not unblock faulter"
  });

  it('lines 140-146: an address outside the core ranges prints and ends the loop', () => {
    const a = pager(fastPath, [fault(TASK, 0x20000, 0x1000)]);
    const s = a.getSnapshot();
    expect([s.value, s.context.stop]).toEqual(['loopEnded', { reason: 'outsideRam', line: 146 }]);
    expect(texts(a).slice(2)).toEqual([
      'READ access outside of RAM at 20000 IP 1000',
      'THREAD (global) 430 (version 2) (raw 010c0002)',
    ]);
    expect(texts(a)[1]).toBe('THREAD (global) 430 (version 2) (raw 010c0002)'); // L4_GlobalId of a global id is itself
  });

  it('lines 154-156: sigma0 answering nil panics', () => {
    const a = pager(fastPath, [{ type: 'env.sigma0Refuses' }, fault(CORE_B, 0x3123)]);
    const s = a.getSnapshot();
    expect([s.value, s.context.stop, s.context.step.reply]).toEqual([
      'panicked',
      { reason: 'panic', line: 155 },
      null,
    ]);
    expect(s.context.step.log.at(-1)).toMatchObject({
      level: 'panic',
      line: 155,
      text: 'Panic: Unhandled page fault',
    });
  });

  it('line 126: an echo pointer into unmapped core memory makes the pager fault itself', () => {
    const a = pager(fastPath, [{ type: 'ipc.receive', from: CORE_B, tag: tag(2, 0), words: [0x20000, 0] }]);
    expect([a.getSnapshot().value, a.getSnapshot().context.stop]).toEqual([
      'pagerFaulted',
      { reason: 'pagerFault', line: 126 },
    ]);
  });

  it('lines 106-125: a malformed first message leaves pf_ip uninitialised, and line 125 reads it', () => {
    const a = pager(fastPath, [malformed(CORE_B)]);
    const s = a.getSnapshot();
    expect([s.value, s.context.stop, s.context.loop.pfIp, s.context.loop.t]).toEqual([
      'undefinedBehaviour',
      { reason: 'uninitialised', line: 125 },
      'uninitialised',
      CORE_B,
    ]);
    expect(s.context.step.log.map((l) => [l.fn, l.line, l.text])).toEqual([
      ['wait_for_page_fault', 65, 'got 1 words, expected 2'],
    ]);
  });

  it('lines 61-66: a failing first receive prints "got 0 words" (error tag) and sets t to the nil thread', () => {
    const a = pager(fastPath, [{ type: 'ipc.error' }]);
    expect(texts(a)).toEqual(['got 0 words, expected 2']);
    expect([a.getSnapshot().value, a.getSnapshot().context.loop.t]).toEqual(['undefinedBehaviour', 0]);
  });

  it('lines 64-66, 113-116: a malformed message in wait_for_page_fault is classified with the previous values', () => {
    // A send failure leaves the loop in wait_for_page_fault (line 91) with t = nil.
    const a = pager(fastPath, [fault(CORE_B, 0x3123), { type: 'env.sendFails' }, fault(CORE_B, 0x5123)]);
    expect([a.getSnapshot().value, texts(a).at(-1)]).toEqual(['waitingForFault', 'got 0 words, expected 2']);
    a.send(malformed(TASK, 3));
    const s = a.getSnapshot();
    expect(texts(a)[0]).toBe('got 3 words, expected 2');
    expect(s.context.step.outcomes).toEqual(['malformed', 'mapped', 'replied']);
    // the previous fault (0x5123) is served again, and the reply goes to the sender of the bad message
    expect(s.context.step.reply).toEqual({ to: TASK, words: [0x80, 0x00005008, 0x000050c7], kind: 'fault' });
    expect(s.context.ghost.replyNotForItsFault).toBe(true);
  });

  it('lines 89-91: a malformed message in reply_and_wait_for_page_fault prints and waits again', () => {
    const a = pager(fastPath, [fault(CORE_B, 0x3123), malformed(TASK)]);
    const s = a.getSnapshot();
    expect([s.value, s.context.loop.t, s.context.loop.pfAddr]).toEqual(['waitingForFault', TASK, 0x3123]);
    expect(s.context.step.log.map((l) => [l.fn, l.line, l.text])).toEqual([
      ['reply_and_wait_for_page_fault', 90, 'got 1 words, expected 2'],
    ]);
  });

  it('lines 87-91: a failing receive in reply_and_wait prints "got 0 words" and waits again with t = nil', () => {
    const a = pager(fastPath, [fault(CORE_B, 0x3123), { type: 'ipc.error' }]);
    expect([a.getSnapshot().value, a.getSnapshot().context.loop.t, texts(a)]).toEqual([
      'waitingForFault',
      0,
      ['got 0 words, expected 2'],
    ]);
    // a second failure in wait_for_page_fault: the old fault (0x3123) is classified again and its
    // reply goes to t, the nil thread
    a.send({ type: 'ipc.error' });
    const s = a.getSnapshot();
    expect(s.context.step.outcomes).toEqual(['ipcError', 'mapped']);
    expect([s.value, s.context.step.reply]).toEqual(['replyingAndWaiting', null]); // L4_ReplyWait(nil): no send phase
  });

  it('a reply to a thread that did not wait for it fails with a send timeout (zero send timeout)', () => {
    const a = pager(fastPath, [{ ...(fault(CORE_B, 0x3123) as object), call: false } as PagerEvent]);
    const s = a.getSnapshot();
    expect([s.value, s.context.loop.t, s.context.step.reply, s.context.step.outcomes]).toEqual([
      'waitingForFault',
      0,
      null,
      ['received', 'mapped', 'ipcError'],
    ]);
    expect(texts(a).at(-1)).toBe('got 0 words, expected 2');
  });
});

describe('classifyCoreFault: the decision alone (lines 125-161)', () => {
  const input = pagerCheckInput();
  const env = {
    validAddr: (a: number) => inRanges(input.coreRanges, a),
    readMapItem: (a: number) =>
      input.memory.isMapped(a, 8)
        ? ([input.memory.readWord(a), input.memory.readWord(a + 4)] as const)
        : null,
  };
  it.each([
    // values, sigma0, decision kind, reply words
    [{ pfAddr: 0x3123, pfIp: 0x1000, flags: 0 }, 'granted', 'reply', [0x80, 0x3008, 0x30c7]],
    [{ pfAddr: 0x3123, pfIp: 0x1000, flags: 0 }, 'nil', 'sigma0Nil', null],
    [{ pfAddr: CHECK_ECHO_ITEM_ADDR, pfIp: 0, flags: 0 }, 'granted', 'echo', [0x80, 0x4008, 0x40c7]],
    [{ pfAddr: 0x20000, pfIp: 0, flags: 0 }, 'granted', 'echo', null],
    [{ pfAddr: 0xfff, pfIp: 0x1, flags: 2 }, 'granted', 'nullPointer', null],
    [{ pfAddr: 0x20000, pfIp: 0x1, flags: 0 }, 'granted', 'outsideRam', null],
    [
      { pfAddr: 'uninitialised', pfIp: 'uninitialised', flags: 'uninitialised' },
      'granted',
      'uninitialised',
      null,
    ],
  ] as const)('%j with sigma0 %s: %s', (values, sigma0, kind, words) => {
    const r = classifyCoreFault(values, { ...env, sigma0 });
    expect(r.decision.kind).toBe(kind);
    expect(r.replyWords).toEqual(words);
  });

  it('agrees with the machine on the lines printed (the machine adds the thread-id lines)', () => {
    for (const [addr, ip] of [
      [0x3123, 0x1000],
      [0x10, 0x77],
      [0x20000, 0x88],
    ] as const) {
      const a = pager(false, [fault(CORE_B, addr, ip)]);
      const machine = a
        .getSnapshot()
        .context.step.log.filter((l) => !l.text.startsWith('THREAD'))
        .map((l) => l.text);
      const pure = classifyCoreFault(
        { pfAddr: addr, pfIp: ip, flags: 0 },
        { ...env, sigma0: 'granted' },
      ).log.map((l) => l.text);
      expect(machine).toEqual(pure);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { evtchnBindingMachine, evtchnDeviceMachine } from './machine.js';
import { openEvtchn } from './device.js';

describe('evtchnBindingMachine (lines 83-88, 167-171, 298-300, 417-427)', () => {
  it.each([
    // events, expected state, warnings, late EOIs
    ['bound: enabled (390)', [], 'enabled', 0, 0],
    ['interrupt: disabled (171)', ['irq.handle'], 'disabled', 0, 0],
    [
      'a second interrupt while disabled only WARNs (167-169)',
      ['irq.handle', 'irq.handle'],
      'disabled',
      1,
      0,
    ],
    ['write re-enables with late EOI (298-300)', ['irq.handle', 'write.reenable'], 'enabled', 0, 1],
    ['write of an enabled port does nothing (298)', ['write.reenable'], 'enabled', 0, 0],
    ['unbind from enabled (424-426)', ['unbind'], 'unbound', 0, 0],
    ['unbind from disabled', ['irq.handle', 'unbind'], 'unbound', 0, 0],
  ] as const)('%s', (_name, events, state, warnings, eois) => {
    const a = createActor(evtchnBindingMachine, { input: { port: 7 } }).start();
    for (const type of events) a.send({ type });
    const s = a.getSnapshot();
    expect(s.value).toBe(state);
    expect([s.context.warnings, s.context.lateEois, s.context.port]).toEqual([warnings, eois, 7]);
  });
});

describe('evtchnDeviceMachine environment faults', () => {
  it.each([
    ['alloc_unbound', -28, (d: ReturnType<typeof openEvtchn>) => d.bindUnboundPort(1)],
    ['bind_virq', -16, (d: ReturnType<typeof openEvtchn>) => d.bindVirq(1)],
    ['bind_interdomain', -1, (d: ReturnType<typeof openEvtchn>) => d.bindInterdomain(1, d.offer(1))],
  ] as const)(
    'lines 454-457, 480-483, 505-508: a failing %s hypercall is returned as is and binds nothing',
    (op, errno, call) => {
      const d = openEvtchn();
      d.failNext(op, errno);
      expect(call(d)).toBe(errno);
      expect(d.snapshot.context.nrEvtchns).toBe(0);
    },
  );

  it('lines 411-412: EVTCHNOP_close failing on the err path is BUG()', () => {
    const d = openEvtchn();
    d.failNext('kvmalloc', -12);
    d.failNext('close', -22);
    d.bindUnboundPort(1);
    expect(d.snapshot.value).toBe('crashed');
    expect(d.snapshot.context.bug).toMatch(/lines 411-412/);
    expect(() => d.poll()).toThrow(/BUG/);
  });

  it('the parallel regions start idle, unrestricted, with no ring (618-643)', () => {
    const a = createActor(evtchnDeviceMachine, { input: { comm: 'xl' } }).start();
    const s = a.getSnapshot();
    expect(s.value).toEqual({ open: { control: 'ready', reader: 'idle', irq: 'idle' } });
    expect([
      s.context.name,
      s.context.restrictDomid,
      s.context.ring.size,
      s.context.env.hv.nrChannels,
    ]).toEqual(['evtchn:xl', 0xffff, 0, 4096]);
    // at most 19 properties: with more, V8 makes every Object.assign of a step slow (context.ts)
    expect(Object.keys(s.context).length).toBeLessThanOrEqual(19);
  });
});

import { describe, expect, it } from 'vitest';
import {
  assertConformance,
  listStateNodes,
  listTransitions,
  seedSymbol,
  sourceOfStateNode,
  sourceOfTransition,
} from '@kspec/spec-kit';
import { checkConfig, replay, type CheckModel } from '@kspec/verify';
import type { EventObject } from 'xstate';
import type { EvtchnEvent } from './context.js';
import { evtchnBindingMachine, evtchnDeviceMachine } from './machine.js';
import { evtchnInvariants, type EvtchnSnapshot } from './invariants.js';
import { evtchnFindings } from './findings.js';
import { evtchnCheckModels } from './check-models.js';
import { manifest } from './index.js';

// Monitor<S, E>.observe is contravariant in E, so a model with typed events needs widening to CheckModel.
const evs = (...events: EvtchnEvent[]): EventObject[] => events;
const asCheck = (m: (typeof evtchnCheckModels)[number]): CheckModel => m as unknown as CheckModel;

const invariant = (name: string) => {
  const i = evtchnInvariants.find((x) => x.name === name);
  if (!i) throw new Error(`no invariant ${name}`);
  return i;
};

describe('conformance', () => {
  it.each([
    ['evtchnDevice', evtchnDeviceMachine],
    ['evtchnBinding', evtchnBindingMachine],
  ] as const)('%s: every node and transition has meta.source, nothing inline', (_name, m) => {
    expect(() => assertConformance(m)).not.toThrow();
  });

  it('every source reference names a C function of the seed index and lies inside it', () => {
    for (const m of [evtchnDeviceMachine, evtchnBindingMachine]) {
      const refs = [
        ...listStateNodes(m).map(sourceOfStateNode),
        ...listTransitions(m).map((t) => sourceOfTransition(t.definition)),
      ];
      for (const ref of refs) {
        expect(ref).toBeDefined();
        const fn = seedSymbol('linux-xen-evtchn.c', ref!.fn);
        expect(fn?.kind, `${ref!.fn} is a function of linux-xen-evtchn.c`).toBe('function');
        const [a, b] = ref!.lines;
        expect(a, `${ref!.fn} starts at or before line ${a}`).toBeGreaterThanOrEqual(fn!.first);
        expect(b, `${ref!.fn} ends at or after line ${b}`).toBeLessThanOrEqual(fn!.last);
      }
    }
  });

  it('the manifest names the seed, both machines, every model, invariant and finding', () => {
    expect(manifest.seed).toBe('linux-xen-evtchn.c');
    expect(manifest.machines.map((m) => m.name)).toEqual(['evtchnDevice', 'evtchnBinding']);
    expect(manifest.models).toHaveLength(evtchnCheckModels.length);
    expect(manifest.findings.map((f) => f.id)).toEqual([
      'EVTCHN-1',
      'EVTCHN-2',
      'EVTCHN-3',
      'EVTCHN-4',
      'EVTCHN-5',
    ]);
    for (const f of manifest.findings) expect(evtchnInvariants.map((i) => i.name)).toContain(f.invariant);
  });
});

describe('findings replayed on live actors', () => {
  it.each(evtchnFindings.map((f) => [f.id, f] as const))(
    '%s: the recorded trace violates its invariant only at its last step',
    (_id, f) => {
      const model = evtchnCheckModels[0];
      const trace = f.trace ?? [];
      const before = replay(asCheck(model), trace.slice(0, -1)) as EvtchnSnapshot;
      const after = replay(asCheck(model), trace) as EvtchnSnapshot;
      expect(invariant(f.invariant).holds(before)).toBe(true);
      expect(invariant(f.invariant).holds(after)).toBe(false);
    },
  );

  it('EVTCHN-1 (lines 400-412): the second close of the port hits BUG()', () => {
    const s = replay(asCheck(evtchnCheckModels[0]), evtchnFindings[0]!.trace!) as EvtchnSnapshot;
    expect(s.value).toBe('crashed');
    expect(s.context.bug).toMatch(/EVTCHNOP_close\(1\) returned -22/);
    // BUG() (line 412) comes before del_evtchn (413): the closed port stays in the tree, and the
    // running-kernel invariants (boundPortsAreOpen) do not speak of the dead kernel.
    expect(s.context.evtchns.map((e) => e.port)).toEqual([1]);
    expect(s.context.hypervisor.channel(s.context.env, 1)).toBeUndefined();
    expect(invariant('boundPortsAreOpen').holds(s)).toBe(true);
    expect(invariant('noKernelBug').holds(s)).toBe(false);
  });

  it('EVTCHN-2 (lines 384-386): -ENOMEM, and port 1 stays open in the hypervisor, even after release', () => {
    const s = replay(asCheck(evtchnCheckModels[0]), [
      ...evtchnFindings[1]!.trace!,
      { type: 'release' },
    ]) as EvtchnSnapshot;
    expect(s.context.result?.rc).toBe(0);
    expect(s.context.env.hv.channels.map((c) => c.port)).toEqual([1]);
    expect(invariant('releaseLeavesNothingBound').holds(s)).toBe(false);
  });

  it('EVTCHN-3 (lines 405-406): the ioctl fails with -ENOENT but the port is bound and delivers interrupts', () => {
    const s = replay(asCheck(evtchnCheckModels[0]), [
      ...evtchnFindings[2]!.trace!,
      ...evs({ type: 'hv.raise', port: 1 }, { type: 'irq.interrupt', port: 1 }),
    ]) as EvtchnSnapshot;
    expect(s.context.result?.rc).toBe(-2);
    expect(s.context.nrEvtchns).toBe(1);
    expect(s.context.ring.prod).toBe(1);
  });

  it('EVTCHN-4 (lines 111-124, 408-414, 134-139): -EEXIST, the live binding is closed, the tree is emptied, release leaks the orphan', () => {
    const s = replay(asCheck(evtchnCheckModels[0]), evtchnFindings[3]!.trace!) as EvtchnSnapshot;
    const c = s.context;
    expect(c.result?.rc).toBe(-17);
    expect([c.nrEvtchns, c.evtchns.length, c.orphans.map((o) => o.port)]).toEqual([1, 0, [1]]);
    expect(c.env.hv.channels).toEqual([]);
    expect(invariant('boundPortsAreOpen').holds(s)).toBe(true); // vacuous: the tree is empty
    const released = replay(asCheck(evtchnCheckModels[0]), [
      ...evtchnFindings[3]!.trace!,
      { type: 'release' },
    ]) as EvtchnSnapshot;
    expect(released.context.env.irq.bindings.map((b) => b.port)).toEqual([1]);
    expect(invariant('releaseLeavesNothingBound').holds(released)).toBe(false);
  });

  it('EVTCHN-5 (lines 173-186, 228-229): the reader sleeps with a port in the ring and the next interrupt does not wake it', () => {
    const trace = evtchnFindings[4]!.trace!;
    const s = replay(asCheck(evtchnCheckModels[6]), trace) as EvtchnSnapshot;
    expect(s.matches({ open: { reader: 'asleep' } })).toBe(true);
    expect(s.context.ring.prod - s.context.ring.cons).toBe(1);
    const later = replay(asCheck(evtchnCheckModels[6]), [
      ...trace,
      ...evs(
        { type: 'write', count: 4, ports: [1] },
        { type: 'hv.raise', port: 1 },
        { type: 'irq.interrupt', port: 1 },
      ),
    ]) as EvtchnSnapshot;
    expect(later.context.ring.prod - later.context.ring.cons).toBe(2);
    expect(later.matches({ open: { reader: 'asleep' } })).toBe(true);
  });
});

describe('check configurations (@kspec/verify)', () => {
  const configs = evtchnCheckModels.flatMap((m) => m.configs.map((c) => [m.name, c.name, m] as const));
  it.each(configs)(
    '%s / %s matches its expected verdict, findings, states and depth',
    (_m, name, model) => {
      const r = checkConfig(asCheck(model), name);
      expect(r.mismatches).toEqual([]);
      expect(r.ok).toBe(true);
      for (const v of r.report.violations) {
        const f = evtchnFindings.find((x) => x.id === v.findingId);
        expect(f, `violation ${v.name} is a recorded finding`).toBeDefined();
        expect(v.trace).toEqual(f!.trace);
      }
      for (const s of r.report.sentinels) expect(s.reached, s.name).toBe(true);
    },
    60_000,
  );
});

describe('xen-evtchn/read-fault explores the faulting copy_to_user (lines 252-257)', () => {
  it('takes the first-chunk fault transition and the normal copy; the second chunk needs a ring wrap (facade tests)', () => {
    const m = evtchnCheckModels.find((x) => x.name === 'xen-evtchn/read-fault')!;
    const r = checkConfig(asCheck(m), 'faultingReadsKeepThePorts');
    const copy = 'evtchnDevice.open.reader.holdingConsMutex|read.copy|';
    expect(r.report.coverage.covered).toEqual(expect.arrayContaining([`${copy}0`, `${copy}2`]));
    expect(r.report.coverage.uncovered).toContain(`${copy}1`);
  });
});

// The exploration in CI: every named check configuration of every g_ether model runs and
// matches its expectation (the passing ones over controllers, builds, bind faults and
// enumeration orders; one per finding), and every finding's recorded shortest trace,
// replayed on a live actor, still violates its invariant.
import { checkConfig, replay } from '@kspec/verify';
import type { Finding, MachineCheckModel } from '@kspec/spec-kit';
import type { AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { GADGET_MODELS } from './check.js';
import { GADGET_FINDINGS } from './findings.js';
import { GADGET_INVARIANTS, type GadgetSnapshot } from './invariants.js';

type AnyModel = MachineCheckModel<AnyStateMachine>;
const models = GADGET_MODELS as unknown as readonly AnyModel[];

function modelOf(f: Finding): AnyModel {
  const m = models.find((x) => (x.findings ?? []).some((y) => y.id === f.id));
  if (!m) throw new Error(`no model carries ${f.id}`);
  return m;
}

const passing = models.flatMap((m) =>
  m.configs
    .filter((c) => c.expect.verdict === 'pass')
    .map((c) => [`${m.name}/${c.name}`, m, c.name] as const),
);

describe('usb-gadget check models', () => {
  it('every finding belongs to exactly one model, names an invariant of the package, and has seed lines and a trace', () => {
    expect(GADGET_FINDINGS.map((f) => f.id)).toEqual(Array.from({ length: 9 }, (_, k) => `USBG-${k + 1}`));
    for (const f of GADGET_FINDINGS) {
      expect(models.filter((m) => (m.findings ?? []).some((y) => y.id === f.id))).toHaveLength(1);
      expect(GADGET_INVARIANTS.map((i) => i.name)).toContain(f.invariant);
      expect(f.seed.length).toBeGreaterThan(0);
      expect(f.trace?.length ?? 0).toBeGreaterThan(0);
    }
  });

  it.each(passing)(
    '%s: explored completely, every invariant it checks holds, states and depth as pinned',
    (_n, model, name) => {
      const r = checkConfig(model, name);
      expect(r.mismatches).toEqual([]);
      expect(r.report.complete).toBe(true);
      expect(r.report.verdict).toBe('pass');
    },
    60_000,
  );

  describe.each(GADGET_FINDINGS.map((f) => [f.id, f] as const))('%s', (id, f) => {
    it(`its configuration exhibits exactly ${id} at the depth of its recorded trace`, () => {
      const r = checkConfig(modelOf(f), id);
      expect(r.mismatches).toEqual([]);
      const v = r.report.violations.find((x) => x.name === f.invariant)!;
      expect(v.findingId).toBe(id);
      expect(v.trace.length).toBe(f.trace!.length); // still the shortest: nothing shorter reaches it
    }, 60_000);

    it('its recorded trace, replayed on a live actor, violates the invariant', () => {
      const snapshot = replay(modelOf(f), f.trace!) as unknown as GadgetSnapshot;
      const inv = GADGET_INVARIANTS.find((i) => i.name === f.invariant)!;
      expect(inv.holds(snapshot)).toBe(false);
    });
  });
});

// The exploration in CI: every named check configuration of every shmif model runs and matches
// its expectation (the fast passing one, and one per finding), and every finding's recorded
// shortest trace, replayed on a live actor, still violates its invariant.
import { checkConfig, replay } from '@kspec/verify';
import type { Finding, MachineCheckModel } from '@kspec/spec-kit';
import type { AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { SHMIF_MODELS, STEADY_STATE_PASSES, shmifBusModels } from './check.js';
import { SHMIF_FINDINGS } from './findings.js';
import { SHMIF_INVARIANTS } from './invariants.js';
import type { ShmifSnapshot } from './invariants.js';

type AnyModel = MachineCheckModel<AnyStateMachine>;
const models = SHMIF_MODELS as unknown as readonly AnyModel[];

function modelOf(f: Finding): AnyModel {
  const m = models.find((x) => (x.findings ?? []).some((y) => y.id === f.id));
  if (!m) throw new Error(`no model carries ${f.id}`);
  return m;
}

describe('shmif check models', () => {
  it('every finding belongs to exactly one model and names an invariant of the package', () => {
    for (const f of SHMIF_FINDINGS) {
      expect(models.filter((m) => (m.findings ?? []).some((y) => y.id === f.id))).toHaveLength(1);
      expect(SHMIF_INVARIANTS.map((i) => i.name)).toContain(f.invariant);
      expect(f.seed.length).toBeGreaterThan(0);
      expect(f.trace?.length ?? 0).toBeGreaterThan(0);
    }
  });

  it('steadyStatePasses: the steady-state scenario is explored completely and every invariant holds', () => {
    const steady = shmifBusModels[0]! as unknown as AnyModel;
    const r = checkConfig(steady, STEADY_STATE_PASSES.name, { deadlock: false });
    expect(r.mismatches).toEqual([]);
    expect(r.report.complete).toBe(true);
    expect(r.report.verdict).toBe('pass');
    expect(r.report.states).toBeGreaterThan(100);
  }, 60_000);

  describe.each(SHMIF_FINDINGS.map((f) => [f.id, f] as const))('%s', (id, f) => {
    it(`its configuration exhibits exactly ${id} at the depth of its recorded trace`, () => {
      const r = checkConfig(modelOf(f), id, { deadlock: false });
      expect(r.mismatches).toEqual([]);
      const v = r.report.violations.find((x) => x.name === f.invariant)!;
      expect(v.findingId).toBe(id);
      expect(v.trace.length).toBe(f.trace!.length); // still the shortest: nothing shorter reaches it
    }, 60_000);

    it('its recorded trace, replayed on a live actor, violates the invariant', () => {
      const model = modelOf(f);
      const snapshot = replay(model, f.trace!) as unknown as ShmifSnapshot;
      const inv = SHMIF_INVARIANTS.find((i) => i.name === f.invariant)!;
      expect(inv.holds(snapshot)).toBe(false);
    });
  });
});

// The exploration in CI: every named check configuration of every CMM model runs and matches
// its expectation (the passing ones with every seed guarantee, one per finding), and every
// finding's recorded shortest trace, replayed on a live actor, still violates its invariant.
import { checkConfig, replay, type CheckModel } from '@kspec/verify';
import type { Finding } from '@kspec/spec-kit';
import { describe, expect, it } from 'vitest';
import {
  CMM_TRACES,
  cmmCheckModels,
  cmmFindings,
  cmmInvariants,
  type CmmCheckModel,
  type CmmSnapshot,
} from './index.js';

const asCheck = (m: CmmCheckModel): CheckModel => m as unknown as CheckModel;
const modelOf = (f: Finding): CmmCheckModel => {
  const m = cmmCheckModels.find((x) => x.configs.some((c) => c.expect.findings?.includes(f.id)));
  if (!m) throw new Error(`no configuration exhibits ${f.id}`);
  return m;
};

describe('passing configurations', () => {
  it.each(
    cmmCheckModels.flatMap((m) =>
      m.configs.filter((c) => c.expect.verdict === 'pass').map((c) => [m.name, c.name, m] as const),
    ),
  )(
    '%s / %s: explored completely, every invariant it names holds',
    (_m, config, model) => {
      const r = checkConfig(asCheck(model), config);
      expect(r.mismatches).toEqual([]);
      expect(r.report.complete).toBe(true);
      expect(r.report.verdict).toBe('pass');
      expect(r.report.violations).toEqual([]);
    },
    120_000,
  );

  it('the steady scope inflates and deflates the balloon (sentinels)', () => {
    const steady = cmmCheckModels[0]!;
    const r = checkConfig(asCheck(steady), 'steadyGuarantees');
    expect(r.report.sentinels.map((s) => [s.name, s.reached])).toEqual([
      ['balloonInflated', true],
      ['balloonDeflated', true],
    ]);
  }, 120_000);
});

describe.each(cmmFindings.map((f) => [f.id, f] as const))('%s', (id, f) => {
  it(`its configuration exhibits exactly ${id} with a trace as short as the recorded one`, () => {
    const r = checkConfig(asCheck(modelOf(f)), id);
    expect(r.mismatches).toEqual([]);
    const v = r.report.violations.find((x) => x.name === f.invariant)!;
    expect(v.findingId).toBe(id);
    expect(v.trace.length).toBe(CMM_TRACES[id]!.length);
  }, 60_000);

  it('its recorded trace, replayed on a live actor, violates the invariant (and only at its end)', () => {
    const model = modelOf(f);
    const inv = cmmInvariants.find((i) => i.name === f.invariant)!;
    const trace = CMM_TRACES[id]!;
    expect(trace).toBe(f.trace);
    expect(inv.holds(replay(asCheck(model), trace.slice(0, -1)) as unknown as CmmSnapshot)).toBe(true);
    expect(inv.holds(replay(asCheck(model), trace) as unknown as CmmSnapshot)).toBe(false);
  });
});

// Conformance of both machines, their source references against the seed's functions, the
// manifest, every named check configuration (@kspec/verify), and each finding's recorded trace
// replayed on live actors (violating its invariant only at its last step).
import { describe, expect, it } from 'vitest';
import {
  assertConformance,
  listStateNodes,
  listTransitions,
  sourceOfStateNode,
  sourceOfTransition,
} from '@kspec/spec-kit';
import { checkConfig, replay, type CheckModel } from '@kspec/verify';
import {
  CORE_CHECK_MODELS,
  CORE_FINDINGS,
  FINDING_MODELS,
  PAGER_INVARIANTS,
  PLATFORM_INVARIANTS,
  corePagerMachine,
  corePlatformMachine,
  manifest,
  type PagerSnapshot,
  type PlatformSnapshot,
} from './index.js';

/**
 * The seed's functions with their first and last lines (genode-base-pistachio-core-platform.cc),
 * named as the seed index names them. (Replaced by spec-kit's seedSymbol once main has it.)
 */
const SEED_FUNCTIONS: Record<string, [number, number]> = {
  is_write_fault: [52, 53],
  wait_for_page_fault: [54, 73],
  reply_and_wait_for_page_fault: [74, 98],
  _core_pager_loop: [102, 163],
  'Platform::Sigma0::Sigma0': [164, 167],
  'Platform::sigma0': [168, 172],
  'Platform::Core_pager::Core_pager': [173, 185],
  'Platform::core_pager': [186, 190],
  add_region: [218, 231],
  remove_region: [235, 246],
  intersects_kip_archdep: [247, 265],
  dump_kip_memdesc: [266, 286],
  sigma0_req_region: [290, 299],
  'Platform::_setup_mem_alloc': [300, 359],
  'Platform::_setup_irq_alloc': [360, 360],
  'Platform::_setup_preemption': [361, 368],
  init_kip: [369, 378],
  'Platform::_setup_basics': [379, 460],
  'Platform::_setup_rom': [461, 483],
  'Platform::Platform': [490, 533],
};

const asCheck = (m: (typeof CORE_CHECK_MODELS)[number]): CheckModel => m as unknown as CheckModel;
const modelNamed = (name: string) => CORE_CHECK_MODELS.find((m) => m.name === name)!;
const invariant = (name: string) =>
  [...PAGER_INVARIANTS, ...PLATFORM_INVARIANTS].find((i) => i.name === name)!;

describe('conformance', () => {
  it.each([
    ['corePager', corePagerMachine],
    ['corePlatform', corePlatformMachine],
  ] as const)('%s: every node and transition has meta.source, nothing inline', (_n, m) => {
    expect(() => assertConformance(m)).not.toThrow();
  });

  it.each([
    ['corePager', corePagerMachine],
    ['corePlatform', corePlatformMachine],
  ] as const)('%s: every source reference names a seed function and lies inside it', (_n, m) => {
    const refs = [
      ...listStateNodes(m).map(sourceOfStateNode),
      ...listTransitions(m).map((t) => sourceOfTransition(t.definition)),
      ...[...PAGER_INVARIANTS, ...PLATFORM_INVARIANTS].map((i) => i.source).filter((s) => s !== undefined),
      ...CORE_FINDINGS.flatMap((f) => f.seed),
    ];
    for (const ref of refs) {
      expect(ref?.file).toBe('genode-base-pistachio-core-platform.cc');
      const fn = SEED_FUNCTIONS[ref!.fn];
      expect(fn, `${ref!.fn} is a function of the seed`).toBeDefined();
      expect(ref!.lines[0], `${ref!.fn} ${ref!.lines.join('-')}`).toBeGreaterThanOrEqual(fn![0]);
      expect(ref!.lines[1], `${ref!.fn} ${ref!.lines.join('-')}`).toBeLessThanOrEqual(fn![1]);
    }
  });

  it('the manifest names the seed, both machines, every model, invariant and finding', () => {
    expect(manifest.seed).toBe('genode-base-pistachio-core-platform.cc');
    expect(manifest.machines.map((m) => m.name)).toEqual(['corePager', 'corePlatform']);
    expect(manifest.models.map((m) => m.name)).toEqual(CORE_CHECK_MODELS.map((m) => m.name));
    expect(manifest.findings.map((f) => f.id)).toEqual(Array.from({ length: 10 }, (_, i) => `CORE-${i + 1}`));
    for (const f of manifest.findings) expect(manifest.invariants.map((i) => i.name)).toContain(f.invariant);
  });
});

describe('findings replayed on live actors', () => {
  it.each(CORE_FINDINGS.map((f) => [f.id, f] as const))(
    '%s: the recorded trace violates its invariant only at its last step',
    (id, f) => {
      const model = asCheck(modelNamed(FINDING_MODELS[id]!));
      const trace = f.trace ?? [];
      expect(trace.length).toBeGreaterThan(0);
      const inv = invariant(f.invariant) as { holds: (s: PagerSnapshot | PlatformSnapshot) => boolean };
      expect(inv.holds(replay(model, trace.slice(0, -1)) as PagerSnapshot)).toBe(true);
      expect(inv.holds(replay(model, trace) as PagerSnapshot)).toBe(false);
    },
  );

  it('CORE-4: the reply after two one-word messages maps the page of the fault before them', () => {
    const f = CORE_FINDINGS.find((x) => x.id === 'CORE-4')!;
    const s = replay(asCheck(modelNamed('core-pager/senders')), f.trace!) as PagerSnapshot;
    expect(s.context.step.outcomes).toEqual(['malformed', 'mapped', 'replied']);
    expect(s.context.step.reply?.words).toEqual([0x80, 0x3008, 0x30c7]);
  });

  it('CORE-6: the fault at ip 0 is "echoed" with whatever map item its fault address holds', () => {
    const f = CORE_FINDINGS.find((x) => x.id === 'CORE-6')!;
    const s = replay(asCheck(modelNamed('core-pager/senders')), f.trace!) as PagerSnapshot;
    expect(s.context.step.outcomes).toEqual(['received', 'echo', 'replied']);
    expect(s.context.step.log).toEqual([]); // no null-pointer report
  });
});

describe('check configurations (@kspec/verify)', () => {
  const configs = CORE_CHECK_MODELS.flatMap((m) => m.configs.map((c) => [m.name, c.name, m] as const));
  it.each(configs)(
    '%s / %s matches its expected verdict, findings, states and depth',
    (_m, name, model) => {
      const r = checkConfig(asCheck(model), name);
      expect(r.mismatches).toEqual([]);
      expect(r.ok).toBe(true);
      for (const v of r.report.violations) {
        const f = CORE_FINDINGS.find((x) => x.id === v.findingId);
        expect(f, `violation ${v.name} is a recorded finding`).toBeDefined();
        expect(v.trace).toEqual(f!.trace);
      }
    },
    60_000,
  );
});

// Conformance of both machines, their source references against the seed's functions, the
// manifest, every named check configuration (@kspec/verify), and each finding's recorded trace
// replayed on live actors (violating its invariant only at its last step).
import { describe, expect, it } from 'vitest';
import {
  assertConformance,
  listStateNodes,
  listTransitions,
  seedLineIs,
  seedSymbol,
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
      const fn = seedSymbol('genode-base-pistachio-core-platform.cc', ref!.fn);
      expect(fn, `${ref!.fn} is a symbol of the seed`).toBeDefined();
      expect(ref!.lines[0], `${ref!.fn} ${ref!.lines.join('-')}`).toBeGreaterThanOrEqual(fn!.first);
      expect(ref!.lines[1], `${ref!.fn} ${ref!.lines.join('-')}`).toBeLessThanOrEqual(fn!.last);
    }
  });

  it.each([
    // the seed lines the model's decisions rest on
    [53, 'return (flags & 2) == 1; }'],
    [64, 'if (L4_IpcFailed(res) || (L4_UntypedWords(res)) != EXPECT) {'],
    [65, 'PERR("got %ld words, expected %d", L4_UntypedWords(res), EXPECT);'],
    [91, 'return wait_for_page_fault(from, pf_addr, pf_ip, flags);'],
    [107, 'L4_Word_t pf_addr, pf_ip;'],
    [114, 'reply_and_wait_for_page_fault(t, item, t, pf_addr, pf_ip, flags);'],
    [116, 'wait_for_page_fault(t, pf_addr, pf_ip, flags);'],
    [117, '#warning "TODO Ignore fault messages from non-core tasks"'],
    [125, 'if (pf_ip == 0) {'],
    [126, 'item = *(L4_MapItem_t *)pf_addr;'],
    [130, 'PDBG("Got page fault (pf_addr = %08lx, pf_ip = %08lx, flags = %08lx).",'],
    [134, 'if (pf_addr < page_size) {'],
    [139, 'break;'],
    [158, 'L4_Fpage_t fpage = L4_Fpage(pf_addr, page_size);'],
    [160, 'item = L4_MapItem(fpage, pf_addr);'],
    [318, 'unsigned int size = 1 << size_log2;'],
    [330, 'unsigned int bytes_got = 0;'],
    [337, 'if (addr == 0) {'],
    [342, 'region.start = addr; region.end = addr + size;'],
    [351, 'remove_region(region, _io_mem_alloc);'],
    [354, 'bytes_got += size;'],
    [414, '_io_mem_alloc.add_range(0, ~0);'],
    [434, '_vm_start = max((L4_Word_t)0x1000, L4_MemoryDescLow(md));'],
    [466, 'if (!(rom = _mb_info.get_module(i)).valid()) continue;'],
    [500, 'if (initialized) panic("Platform constructed twice!");'],
  ] as const)('seed line %i reads `%s`', (line, text) => {
    expect(seedLineIs('genode-base-pistachio-core-platform.cc', line, text)).toBe(true);
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

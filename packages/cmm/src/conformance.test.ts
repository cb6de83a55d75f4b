// Every state and transition of the CMM chart carries meta.source naming a symbol of the seed
// (checked against the committed seed index) with its lines inside it, nothing is inline, and
// the cited lines say what the chart claims (spot checks through the index's line hashes).
import {
  assertConformance,
  listStateNodes,
  listTransitions,
  seedLineIs,
  seedSymbol,
  sourceOfStateNode,
  sourceOfTransition,
} from '@kspec/spec-kit';
import { describe, expect, it } from 'vitest';
import { SEED, cmmMachine, manifest } from './index.js';

describe('conformance', () => {
  it('cmmMachine conforms: meta.source everywhere, every guard and action named in setup()', () => {
    expect(() => assertConformance(cmmMachine)).not.toThrow();
  });

  it('every source reference names a symbol of the seed and lies inside it', () => {
    const refs = [
      ...listStateNodes(cmmMachine).map(sourceOfStateNode),
      ...listTransitions(cmmMachine).map((t) => sourceOfTransition(t.definition)),
    ];
    expect(refs.length).toBeGreaterThan(150);
    for (const ref of refs) {
      expect(ref?.file).toBe(SEED);
      const sym = seedSymbol(SEED, ref!.fn);
      expect(sym, ref!.fn).toBeDefined();
      expect(ref!.lines[0]).toBeGreaterThanOrEqual(sym!.first);
      expect(ref!.lines[1]).toBeLessThanOrEqual(sym!.last);
    }
  });

  it('the cited lines say what the chart claims', () => {
    expect(
      seedLineIs(SEED, 104, 'rc = plpar_hcall_norets(H_PAGE_INIT, H_PAGE_SET_LOANED, vpa + i, 0);'),
    ).toBe(true);
    expect(seedLineIs(SEED, 149, 'if (mutex_trylock(&hotplug_mutex)) {')).toBe(true);
    expect(seedLineIs(SEED, 192, 'page = balloon_page_dequeue(&b_dev_info);')).toBe(true);
    expect(seedLineIs(SEED, 195, 'plpar_page_set_active(page);')).toBe(true);
    expect(seedLineIs(SEED, 218, 'long nr = KB2PAGES(oom_kb);')).toBe(true);
    expect(seedLineIs(SEED, 224, 'oom_freed_pages += KB2PAGES(oom_kb) - nr;')).toBe(true);
    expect(seedLineIs(SEED, 244, 'signed long min_mem_pages = (min_mem_mb * 1024 * 1024) / PAGE_SIZE;')).toBe(
      true,
    );
    expect(seedLineIs(SEED, 298, 'timeleft = msleep_interruptible(delay * 1000);')).toBe(true);
    expect(seedLineIs(SEED, 327, 'if (loaned_pages_target > __loaned_pages) {')).toBe(true);
    expect(seedLineIs(SEED, 328, 'if (cmm_alloc_pages(loaned_pages_target - __loaned_pages))')).toBe(true);
    expect(seedLineIs(SEED, 329, 'loaned_pages_target = __loaned_pages;')).toBe(true);
    expect(seedLineIs(SEED, 456, 'cmm_free_pages(atomic_long_read(&loaned_pages));')).toBe(true);
    expect(seedLineIs(SEED, 487, 'mutex_unlock(&hotplug_mutex);')).toBe(true);
    expect(seedLineIs(SEED, 573, 'balloon_devinfo_init(&b_dev_info);')).toBe(true);
    expect(seedLineIs(SEED, 648, 'cmm_thread_ptr = kthread_run(cmm_thread, NULL, "cmmthread");')).toBe(true);
    expect(seedLineIs(SEED, 706, 'return PTR_ERR(cmm_thread_ptr);')).toBe(true);
    // the stray token after the last line is not part of the index
    expect(seedLineIs(SEED, 719, 'module_exit(cmm_exit);')).toBe(true);
  });
});

describe('manifest', () => {
  it('describes the package, its machine, models, invariants and findings', () => {
    expect(manifest.package).toBe('@kspec/cmm');
    expect(manifest.seed).toBe(SEED);
    expect(manifest.machines.map((m) => m.name)).toEqual(['cmm']);
    expect(manifest.invariants[0]!.name).toBe('contextWellFormed');
    expect(manifest.findings.map((f) => f.id)).toEqual(Array.from({ length: 13 }, (_, i) => `CMM-${i + 1}`));
    for (const f of manifest.findings) expect(manifest.invariants.map((i) => i.name)).toContain(f.invariant);
    expect(manifest.models.length).toBe(16);
  });
});

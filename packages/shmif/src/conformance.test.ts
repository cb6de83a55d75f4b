// Every exported machine passes spec-kit's conformance helper (meta.source on every state and
// transition, no inline guards/actions), and the package exports its SubsystemManifest.
import {
  assertConformance,
  listTransitions,
  seedEntry,
  seedLineIs,
  sourceOfTransition,
} from '@kspec/spec-kit';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

const SEED = 'netbsd-rump-if_shmem.c';

describe('conformance', () => {
  it.each(api.manifest.machines.map((m) => [m.name, m.machine] as const))('%s conforms', (_name, machine) => {
    expect(() => assertConformance(machine)).not.toThrow();
  });

  it('every transition cites lines inside the 716-line seed, in the C function it names', () => {
    expect(seedEntry(SEED).lines).toBe(716);
    for (const m of api.manifest.machines) {
      for (const t of listTransitions(m.machine)) {
        const ref = sourceOfTransition(t.definition)!;
        expect(ref.file).toBe('netbsd-rump-if_shmem.c');
        expect(ref.lines[1]).toBeLessThanOrEqual(716);
      }
    }
    // spot checks that the cited lines say what the chart claims
    expect(seedLineIs(SEED, 586, 'KASSERT(busmem->shm_first != busmem->shm_last);')).toBe(true);
    expect(seedLineIs(SEED, 643, 'KASSERT(busmem->shm_gen >= sc->sc_devgen);')).toBe(true);
    expect(seedLineIs(SEED, 681, 'KASSERT(sp.sp_len <= ETHERMTU + ETHER_HDR_LEN);')).toBe(true);
    expect(seedLineIs(SEED, 336, 'KASSERT(unit2-1 == unit);')).toBe(true);
    expect(seedLineIs(SEED, 513, 'KASSERT(pktsize <= ETHERMTU + ETHER_HDR_LEN);')).toBe(true);
    expect(seedLineIs(SEED, 675, 'KASSERT(!(nextpkt > busmem->shm_last')).toBe(true);
  });
});

describe('manifest', () => {
  it('describes the package, its machines, models, invariants and findings', () => {
    const m = api.manifest;
    expect(m.package).toBe('@kspec/shmif');
    expect(m.seed).toBe('netbsd-rump-if_shmem.c');
    expect(m.machines.map((x) => x.name)).toEqual([
      'shmifInterface',
      'shmifIfnet',
      'shmifStart',
      'shmifRcv',
      'shmifBusSystem',
    ]);
    expect(m.models.length).toBe(9);
    expect(m.invariants[0]!.name).toBe('contextWellFormed');
    expect(m.findings.map((f) => f.id)).toEqual(Array.from({ length: 10 }, (_, k) => `SHMIF-${k + 1}`));
    // every finding's invariant is one the manifest lists
    for (const f of m.findings) expect(m.invariants.map((i) => i.name)).toContain(f.invariant);
  });
});

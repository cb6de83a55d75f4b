// Every exported machine passes spec-kit's conformance helper (meta.source on every state and
// transition, no inline guards/actions), and the package exports its SubsystemManifest.
import { assertConformance, listTransitions, sourceOfTransition } from '@kspec/spec-kit';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as api from './index.js';

const SEED_PATH = fileURLToPath(new URL('../../../../shared/seeds/netbsd-rump-if_shmem.c', import.meta.url));

describe('conformance', () => {
  it.each(api.manifest.machines.map((m) => [m.name, m.machine] as const))('%s conforms', (_name, machine) => {
    expect(() => assertConformance(machine)).not.toThrow();
  });

  it('every transition cites lines inside the 716-line seed, in the C function it names', () => {
    const seed = readFileSync(SEED_PATH, 'utf8').split('\n');
    expect(seed.length).toBeGreaterThanOrEqual(716);
    for (const m of api.manifest.machines) {
      for (const t of listTransitions(m.machine)) {
        const ref = sourceOfTransition(t.definition)!;
        expect(ref.file).toBe('netbsd-rump-if_shmem.c');
        expect(ref.lines[1]).toBeLessThanOrEqual(716);
      }
    }
    // spot checks that the cited lines say what the chart claims
    expect(seed[586 - 1]).toContain('KASSERT(busmem->shm_first != busmem->shm_last)');
    expect(seed[643 - 1]).toContain('KASSERT(busmem->shm_gen >= sc->sc_devgen)');
    expect(seed[681 - 1]).toContain('KASSERT(sp.sp_len <= ETHERMTU + ETHER_HDR_LEN)');
    expect(seed[336 - 1]).toContain('KASSERT(unit2-1 == unit)');
    expect(seed[513 - 1]).toContain('KASSERT(pktsize <= ETHERMTU + ETHER_HDR_LEN)');
    expect(seed[675 - 1]).toContain('KASSERT(!(nextpkt > busmem->shm_last');
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

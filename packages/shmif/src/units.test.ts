// The shmif_units vmem arena (if_shmem.c 107, 291-292, 325-336, 359): units offset by one.
import { describe, expect, it } from 'vitest';
import { createUnitArena, isUnitTaken, vmemXalloc, vmemXfree } from './units.js';

describe('unit arena', () => {
  it('hands out the lowest free address; unit = address - 1 (291-292)', () => {
    let a = createUnitArena(4);
    const units: number[] = [];
    for (let k = 0; k < 4; k++) {
      const r = vmemXalloc(a);
      if (!r.ok) throw new Error('exhausted early');
      units.push(r.addr - 1);
      a = r.arena;
    }
    expect(units).toEqual([0, 1, 2, 3]);
    expect(vmemXalloc(a)).toEqual({ ok: false, exhausted: true }); // VM_SLEEP would sleep forever
    a = vmemXfree(a, 2 + 1); // shmif_unclone frees sc_unit + 1 (359)
    expect(isUnitTaken(a, 2)).toBe(false);
    const r = vmemXalloc(a);
    expect(r.ok && r.addr - 1).toBe(2);
  });

  it('clone reserves [unit+1, unit+3): the first free address in that window (334-335)', () => {
    const a = createUnitArena();
    const r1 = vmemXalloc(a, 5 + 1, 5 + 3);
    expect(r1.ok && r1.addr).toBe(6);
    if (!r1.ok) return;
    const r2 = vmemXalloc(r1.arena, 5 + 1, 5 + 3);
    expect(r2.ok && r2.addr).toBe(7); // unit2 - 1 = 6 != 5: the KASSERT at 336 would fire
    if (!r2.ok) return;
    expect(vmemXalloc(r2.arena, 5 + 1, 5 + 3).ok).toBe(false);
  });

  it('freeing an address that is not taken throws (vmem panics)', () => {
    expect(() => vmemXfree(createUnitArena(), 1)).toThrow(/not allocated/);
  });
});

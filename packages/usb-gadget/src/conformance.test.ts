// The machine passes spec-kit's conformance helper (meta.source on every state and
// transition, no inline guards/actions), and every source reference names a symbol of the
// seed (a function, or file-scope initialised data) with lines inside it. The symbol table
// below is written from the seed (395 lines): the same check the seed index of spec-kit
// makes, without reading the seed (the repository stands alone).
import {
  assertConformance,
  listStateNodes,
  listTransitions,
  sourceOfStateNode,
  sourceOfTransition,
} from '@kspec/spec-kit';
import type { SourceRef } from '@kspec/spec-kit';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

/** Seed symbols and their first/last lines. */
const SYMBOLS: Readonly<Record<string, readonly [number, number]>> = {
  has_rndis: [88, 95],
  device_desc: [155, 177],
  otg_descriptor: [179, 187],
  otg_desc: [189, 192],
  strings_dev: [202, 206],
  stringtab_dev: [208, 211],
  dev_strings: [213, 216],
  rndis_do_config: [227, 237],
  rndis_config_driver: [239, 245],
  eth_do_config: [252, 265],
  eth_config_driver: [267, 273],
  eth_bind: [277, 365],
  eth_unbind: [367, 371],
  eth_driver: [373, 379],
  init: [385, 388],
  cleanup: [391, 394],
};

function allRefs(): SourceRef[] {
  const refs: SourceRef[] = [];
  for (const m of api.manifest.machines) {
    for (const n of listStateNodes(m.machine)) refs.push(sourceOfStateNode(n)!);
    for (const t of listTransitions(m.machine)) refs.push(sourceOfTransition(t.definition)!);
  }
  for (const f of api.GADGET_FINDINGS) refs.push(...f.seed);
  for (const i of api.GADGET_INVARIANTS) if (i.source) refs.push(i.source);
  return refs;
}

describe('conformance', () => {
  it.each(api.manifest.machines.map((m) => [m.name, m.machine] as const))('%s conforms', (_name, machine) => {
    expect(() => assertConformance(machine)).not.toThrow();
  });

  it('every source reference (states, transitions, findings, invariants) lies inside the seed symbol it names', () => {
    const refs = allRefs();
    expect(refs.length).toBeGreaterThan(100);
    for (const r of refs) {
      expect(r.file).toBe('linux-usb-gadget-ether.c');
      const sym = SYMBOLS[r.fn];
      expect(sym, `${r.fn} is not a seed symbol`).toBeDefined();
      expect(r.lines[0]).toBeGreaterThanOrEqual(sym![0]);
      expect(r.lines[1]).toBeLessThanOrEqual(sym![1]);
    }
  });

  it('the bind chain cites eth_bind in ascending, non-overlapping line ranges (the C order)', () => {
    const chain = listStateNodes(api.gadgetMachine)
      .filter((n) => n.id.startsWith('gEther.loading.ethBind.'))
      .map((n) => sourceOfStateNode(n)!.lines);
    for (let i = 1; i < chain.length; i++) expect(chain[i]![0]).toBeGreaterThan(chain[i - 1]![1]);
  });
});

describe('manifest', () => {
  it('describes the package, its machine, models, invariants and findings', () => {
    const m = api.manifest;
    expect(m.package).toBe('@kspec/usb-gadget');
    expect(m.name).toBe('usb-gadget');
    expect(m.seed).toBe('linux-usb-gadget-ether.c');
    expect(m.machines.map((x) => x.name)).toEqual(['gEther']);
    expect(m.models.length).toBe(14);
    expect(m.invariants[0]!.name).toBe('contextWellFormed');
    expect(m.findings.map((f) => f.id)).toEqual(Array.from({ length: 9 }, (_, k) => `USBG-${k + 1}`));
    for (const f of m.findings) expect(m.invariants.map((i) => i.name)).toContain(f.invariant);
  });

  it('the machine page carries the lsusb dumps of the four pinned cases and a configfs script', () => {
    const appendix = api.manifest.machines[0]!.appendix!;
    expect(appendix.map((a) => a.title)).toEqual([
      'lsusb -v: net2280, CDC ECM',
      'lsusb -v: pxa25x, CDC Subset/SAFE',
      'lsusb -v: net2280 with CONFIG_USB_ETH_RNDIS: RNDIS then ECM',
      'lsusb -v: an unknown controller (bcdDevice 0x0399)',
      'configfs: net2280 with RNDIS',
    ]);
    expect(appendix[0]!.text).toContain('idProduct          0xa4a1 Linux-USB Ethernet Gadget');
    expect(appendix[3]!.text).toContain('bcdDevice            3.99');
  });
});

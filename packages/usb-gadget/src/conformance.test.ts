// The machine passes spec-kit's conformance helper (meta.source on every state and
// transition, no inline guards/actions, every reference inside the seed symbol it names, by
// the seed index), and so do the findings' and invariants' references; spot checks pin what
// the cited seed lines say (seedLineIs: the repository holds hashes, not the seed's text).
import {
  assertConformance,
  listStateNodes,
  listTransitions,
  seedEntry,
  seedLineIs,
  seedSymbol,
  sourceOfStateNode,
  sourceOfTransition,
} from '@kspec/spec-kit';
import type { SourceRef } from '@kspec/spec-kit';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

const SEED = 'linux-usb-gadget-ether.c';

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
    expect(seedEntry(SEED).lines).toBe(395);
    const refs = allRefs();
    expect(refs.length).toBeGreaterThan(100);
    for (const r of refs) {
      expect(r.file).toBe(SEED);
      const sym = seedSymbol(SEED, r.fn);
      expect(sym, `${r.fn} is not a seed symbol`).toBeDefined();
      expect(r.lines[0]).toBeGreaterThanOrEqual(sym!.first);
      expect(r.lines[1]).toBeLessThanOrEqual(sym!.last);
    }
  });

  it('the cited lines say what the model takes from them', () => {
    const line = (n: number, text: string) => expect(seedLineIs(SEED, n, text), `line ${n}`).toBe(true);
    line(232, 'c->descriptors = otg_desc;');
    line(233, 'c->bmAttributes |= USB_CONFIG_ATT_WAKEUP;');
    line(236, 'return rndis_bind_config(c, hostaddr);');
    line(242, '.bConfigurationValue = 2,');
    line(261, 'if (can_support_ecm(c->cdev->gadget))');
    line(284, 'status = gether_setup(cdev->gadget, hostaddr);');
    line(296, 'device_desc.idVendor = cpu_to_le16(SIMPLE_VENDOR_NUM);');
    line(299, 'device_desc.bDeviceClass = USB_CLASS_VENDOR_SPEC;');
    line(311, 'device_desc.bcdDevice = cpu_to_le16(0x0300 | gcnum);');
    line(322, 'cpu_to_le16(0x0300 | 0x0099);');
    line(348, 'status = usb_add_config(cdev, &rndis_config_driver);');
    line(353, 'status = usb_add_config(cdev, &eth_config_driver);');
    line(363, 'gether_cleanup();');
    line(378, '.unbind = __exit_p(eth_unbind),');
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

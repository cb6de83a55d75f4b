// The descriptors a host reads, byte for byte, for the four cases issue 13 pins: net2280
// (ECM), pxa25x (CDC Subset/SAFE), net2280 with CONFIG_USB_ETH_RNDIS (RNDIS then ECM), and a
// controller usb_gadget_controller_number does not know (bcdDevice 0x0399). Every expected
// byte is written out from the initialisers: device_desc (seed 155-177) as eth_bind rewrites
// it (288-323), the configurations (239-245, 267-273) with the OTG lines (231-234, 256-259),
// strings_dev (202-206), and the function descriptors of f_ecm.c / f_subset.c / f_rndis.c
// (facts.md 2.5). MACs come from the dev_addr/host_addr parameters (SCOPE_PARAMS).
import { describe, expect, it } from 'vitest';
import { UNKNOWN_CONTROLLER } from './check.js';
import { CONTROLLERS } from './controllers.js';
import { hexBytes, utf16le } from './descriptors.js';
import { descriptorSet } from './device.js';
import { boundCase } from './manifest.js';

const h = (s: string) => s.replace(/\s+/g, ' ').trim();
const str = (s: string) => hexBytes([2 + 2 * s.length, 0x03, ...utf16le(s)]);

// building blocks, field by field
const CONFIG = (total: number, nIf: number, value: number, attr = 0xc0) =>
  `09 02 ${hexBytes([total & 0xff, total >> 8])} ${hexBytes([nIf, value])} 00 ${hexBytes([attr])} 01`; // bMaxPower 1 = 2 mA / 2
const HEADER = '05 24 00 10 01'; // CDC header, bcdCDC 0x0110
const UNION = (m: number, s: number) => `05 24 06 ${hexBytes([m, s])}`;
const ETHER = (iMac: number) => `0d 24 0f ${hexBytes([iMac])} 00 00 00 00 ea 05 00 00 00`; // stats 0, 1514, 0 MC, 0 power
const EP = (addr: number, attr: number, size: number, interval: number) =>
  `07 05 ${hexBytes([addr, attr, size & 0xff, size >> 8, interval])}`;
const IF = (n: number, alt: number, eps: number, cls: number, sub: number, proto: number, i: number) =>
  `09 04 ${hexBytes([n, alt, eps, cls, sub, proto, i])}`;

/** f_ecm.c at one speed: control 0 (string ic), data 1 (id), MAC string im; notify 0x83, bulk 0x81/0x02. */
function ecm(ic: number, id: number, im: number, hs: boolean): string {
  const bulk = hs ? 512 : 64;
  return [
    IF(0, 0, 1, 0x02, 0x06, 0x00, ic),
    HEADER,
    UNION(0, 1),
    ETHER(im),
    EP(0x83, 0x03, 16, hs ? 9 : 32),
    IF(1, 0, 0, 0x0a, 0, 0, 0),
    IF(1, 1, 2, 0x0a, 0, 0, id),
    EP(0x81, 0x02, bulk, 0),
    EP(0x02, 0x02, bulk, 0),
  ].join(' ');
}

describe('net2280 (CDC ECM), read at high speed', () => {
  const set = descriptorSet(boundCase(CONTROLLERS.net2280, false))!;
  it('device descriptor: 0525:a4a1, class COMM, ep0 64, bcdDevice 0x0301, strings 1 and 2, one configuration', () => {
    expect(hexBytes(set.device)).toBe(h('12 01 00 02 02 00 00 40 25 05 a1 a4 01 03 01 02 00 01'));
  });
  it('configuration 1: 80 bytes, two interfaces, self-powered, 2 mA; ECM control and data with altsettings 0 and 1', () => {
    expect(set.configs.map(hexBytes)).toEqual([h(`${CONFIG(80, 2, 1)} ${ecm(3, 4, 5, true)}`)]);
  });
  it('the other-speed configuration has the full-speed endpoints (bulk 64, notify interval 32) and the qualifier says so', () => {
    expect(set.otherSpeed.map(hexBytes)).toEqual([
      h(`${CONFIG(80, 2, 1).replace(/^09 02/, '09 07')} ${ecm(3, 4, 5, false)}`),
    ]);
    expect(hexBytes(set.qualifier!)).toBe('0a 06 00 02 02 00 00 40 01 00');
  });
  it('strings: 0x0409; manufacturer from utsname and the controller; product; the ECM labels; the host MAC', () => {
    expect([...set.strings.entries()].map(([id, b]) => [id, hexBytes(b)])).toEqual([
      [0, '04 03 09 04'],
      [1, str('Linux 2.6.31 with net2280')],
      [2, str('Ethernet Gadget')],
      [3, str('CDC Ethernet Control Model (ECM)')],
      [4, str('CDC Ethernet Data')],
      [5, str('020000000002')],
    ]);
  });
});

describe('pxa25x (CDC Subset/SAFE), full speed only', () => {
  const set = descriptorSet(boundCase(CONTROLLERS.pxa25x, false))!;
  it('device descriptor: 049f:505a, vendor-specific class without RNDIS, ep0 16, bcdDevice 0x0303', () => {
    expect(hexBytes(set.device)).toBe(h('12 01 00 02 ff 00 00 10 9f 04 5a 50 03 03 01 02 00 01'));
    expect(set.qualifier).toBeNull();
    expect(set.otherSpeed).toEqual([]);
  });
  it('configuration 1: one MDLM interface with header, MDLM (SAFE GUID), the raw MDLM detail, Ethernet, bulk ep1in/ep2out of 64', () => {
    const mdlm = '15 24 12 00 01 5d 34 cf 66 11 18 11 d6 a2 1a 00 01 02 ca 9a 7f';
    const detail = '06 24 13 00 00 00';
    expect(set.configs.map(hexBytes)).toEqual([
      h(
        `${CONFIG(77, 1, 1)} ${IF(0, 0, 2, 0x02, 0x0a, 0, 3)} ${HEADER} ${mdlm} ${detail} ${ETHER(4)} ${EP(0x81, 2, 64, 0)} ${EP(0x02, 2, 64, 0)}`,
      ),
    ]);
  });
  it('strings: the Subset label and the MAC', () => {
    expect(hexBytes(set.strings.get(1)!)).toBe(str('Linux 2.6.31 with pxa25x_udc'));
    expect(hexBytes(set.strings.get(3)!)).toBe(str('CDC Ethernet Subset/SAFE'));
    expect(hexBytes(set.strings.get(4)!)).toBe(str('020000000002'));
    expect([...set.strings.keys()]).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('net2280 with CONFIG_USB_ETH_RNDIS: RNDIS (value 2) first, then ECM (value 1)', () => {
  const set = descriptorSet(boundCase(CONTROLLERS.net2280, true))!;
  it('device descriptor: 0525:a4a2, class COMM, two configurations', () => {
    expect(hexBytes(set.device)).toBe(h('12 01 00 02 02 00 00 40 25 05 a2 a4 01 03 01 02 00 02'));
  });
  it('index 0 is RNDIS: ACM-like control (vendor protocol) with call management 1, ACM, union, notify of 8; data without altsetting', () => {
    const rndis = [
      IF(0, 0, 1, 0x02, 0x02, 0xff, 3),
      HEADER,
      '05 24 01 00 01', // call management: caps 0, bDataInterface 1
      '04 24 02 00', // ACM: caps 0
      UNION(0, 1),
      EP(0x83, 3, 8, 9),
      IF(1, 0, 2, 0x0a, 0, 0, 4),
      EP(0x81, 2, 512, 0),
      EP(0x02, 2, 512, 0),
    ].join(' ');
    expect(hexBytes(set.configs[0]!)).toBe(h(`${CONFIG(67, 2, 2)} ${rndis}`));
  });
  it('index 1 is ECM with the string ids after RNDIS: 5, 6 and the MAC 7', () => {
    expect(hexBytes(set.configs[1]!)).toBe(h(`${CONFIG(80, 2, 1)} ${ecm(5, 6, 7, true)}`));
  });
  it('string ids in allocation order: manufacturer, product, RNDIS control, RNDIS data, ECM control, ECM data, ECM MAC', () => {
    expect([...set.strings.entries()].map(([id, b]) => [id, hexBytes(b)])).toEqual([
      [0, '04 03 09 04'],
      [1, str('Linux 2.6.31 with net2280')],
      [2, str('RNDIS/Ethernet Gadget')],
      [3, str('RNDIS Communications Control')],
      [4, str('RNDIS Ethernet Data')],
      [5, str('CDC Ethernet Control Model (ECM)')],
      [6, str('CDC Ethernet Data')],
      [7, str('020000000002')],
    ]);
  });
});

describe('an unknown controller: bcdDevice 0x0399 and the warning (seed 312-322)', () => {
  const ctx = boundCase(UNKNOWN_CONTROLLER, false);
  const set = descriptorSet(ctx)!;
  it('device descriptor: the ECM ids, bcdDevice 0x0399', () => {
    expect(hexBytes(set.device)).toBe(h('12 01 00 02 02 00 00 40 25 05 a1 a4 99 03 01 02 00 01'));
    expect(ctx.ghost.warnings).toBeGreaterThanOrEqual(1);
  });
  it('ECM on its named endpoints: ep1in-bulk 0x81, ep2out-bulk 0x02, ep3in-int 0x83', () => {
    expect(set.configs.map(hexBytes)).toEqual([h(`${CONFIG(80, 2, 1)} ${ecm(3, 4, 5, true)}`)]);
    expect(hexBytes(set.strings.get(1)!)).toBe(str('Linux 2.6.31 with kspec_udc'));
  });
});

describe('an OTG controller (musb_hdrc): the OTG descriptor first and remote wakeup (seed 256-259)', () => {
  const set = descriptorSet(boundCase(CONTROLLERS.musbOtg, false))!;
  it('bmAttributes 0xe0 and the 3-byte OTG descriptor (SRP|HNP) before the function', () => {
    const c = set.configs[0]!;
    expect(hexBytes(c.slice(0, 12))).toBe(h(`09 02 53 00 02 01 00 e0 01 03 09 03`));
    expect(c.length).toBe(83);
    // musb names its endpoints ep1in/ep1out/...: bulk ep1in 0x81, ep1out 0x01, notify ep2in 0x82
    expect(hexBytes(c.slice(44, 51))).toBe(EP(0x82, 3, 16, 9));
  });
});

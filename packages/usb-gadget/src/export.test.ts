// The exports a user of the model expects: the lsusb -v dump, the configfs script that
// rebuilds the gadget on a current kernel, and the usbmon record layout.
import { describe, expect, it } from 'vitest';
import { CONTROLLERS } from './controllers.js';
import { descriptorSet } from './device.js';
import { configfsScript } from './export/configfs.js';
import { lsusbVerbose } from './export/lsusb.js';
import { usbmonPacket } from './export/usbmon.js';
import { boundCase } from './manifest.js';
import { createGadgetContext } from './model/context.js';

describe('lsusb -v', () => {
  it('net2280 with RNDIS: the ids, both configurations in order, the CDC descriptors, the qualifier', () => {
    const text = lsusbVerbose(descriptorSet(boundCase(CONTROLLERS.net2280, true))!);
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'Bus 001 Device 002: ID 0525:a4a2 Netchip Technology, Inc. Linux-USB Ethernet/RNDIS Gadget',
    );
    for (const l of [
      '  bcdUSB               2.00',
      '  bDeviceClass            2 Communications',
      '  idVendor           0x0525 Netchip Technology, Inc.',
      '  bcdDevice            3.01',
      '  iManufacturer           1 Linux 2.6.31 with net2280',
      '  iProduct                2 RNDIS/Ethernet Gadget',
      '  bNumConfigurations      2',
      '    wTotalLength       0x0043',
      '      bInterfaceProtocol    255 Vendor Specific (MSFT RNDIS?)',
      '      iInterface              3 RNDIS Communications Control',
      '      CDC Call Management:',
      '        bDataInterface          1',
      '        bEndpointAddress     0x83  EP 3 IN',
      '        wMaxPacketSize     0x0200  1x 512 bytes',
      '      iInterface              5 CDC Ethernet Control Model (ECM)',
      '      CDC Ethernet:',
      'Device Qualifier (for other device speed):',
    ]) {
      expect(lines).toContain(l);
    }
    const values = lines
      .filter((l) => l.trim().startsWith('bConfigurationValue'))
      .map((l) => l.trim().split(/\s+/)[1]);
    expect(values).toEqual(['2', '1']);
  });

  it('pxa25x: the MDLM descriptor with the SAFE GUID and the raw detail; no qualifier', () => {
    const text = lsusbVerbose(descriptorSet(boundCase(CONTROLLERS.pxa25x, false))!);
    expect(text).toContain('ID 049f:505a Compaq Computer Corp.');
    expect(text).toContain('  bDeviceClass          255 Vendor Specific Class');
    expect(text).toContain('      CDC MDLM:');
    expect(text).toContain('{5d34cf66-1118-11d6-a21a-000102ca9a7f}');
    expect(text).toContain('        bDetailData             00 00');
    expect(text).not.toContain('Device Qualifier');
  });

  it('an OTG controller: the OTG descriptor and remote wakeup', () => {
    const text = lsusbVerbose(descriptorSet(boundCase(CONTROLLERS.musbOtg, false))!);
    expect(text).toContain('    bmAttributes         0xe0');
    expect(text).toContain('      Remote Wakeup');
    expect(text).toContain('    OTG Descriptor:');
    expect(text).toContain('        HNP (Host Negotiation Protocol)');
  });
});

describe('the configfs script', () => {
  it('rebuilds net2280 with RNDIS: ids, strings, c.2 (RNDIS) made before c.1 (ECM), MACs, the UDC', () => {
    const s = configfsScript(boundCase(CONTROLLERS.net2280, true), { udc: 'net2280' });
    const lines = s.split('\n');
    for (const l of [
      '#!/bin/sh',
      'modprobe libcomposite',
      'G=/sys/kernel/config/usb_gadget/g_ether',
      'echo 0x0525 > idVendor',
      'echo 0xa4a2 > idProduct',
      'echo 0x0301 > bcdDevice',
      'echo 0x02 > bDeviceClass',
      'echo 64 > bMaxPacketSize0',
      "echo 'Linux 2.6.31 with net2280' > strings/0x409/manufacturer",
      "echo 'RNDIS/Ethernet Gadget' > strings/0x409/product",
      'echo 0xc0 > configs/c.2/bmAttributes',
      'echo 2 > configs/c.2/MaxPower',
      'mkdir -p functions/rndis.usb0',
      'echo 02:00:00:00:00:01 > functions/rndis.usb0/dev_addr',
      'echo 02:00:00:00:00:02 > functions/rndis.usb0/host_addr',
      'ln -s "$G/functions/rndis.usb0" configs/c.2/',
      'mkdir -p functions/ecm.usb1',
      'ln -s "$G/functions/ecm.usb1" configs/c.1/',
      "echo 'net2280' > UDC",
    ]) {
      expect(lines).toContain(l);
    }
    expect(lines.indexOf('mkdir -p configs/c.2')).toBeLessThan(lines.indexOf('mkdir -p configs/c.1'));
  });

  it('uses geth for the Subset, and refuses a gadget that is not bound', () => {
    expect(configfsScript(boundCase(CONTROLLERS.pxa25x, false))).toContain('mkdir -p functions/geth.usb0');
    expect(() => configfsScript(createGadgetContext())).toThrow(TypeError);
  });
});

describe('usbmon records', () => {
  it('the 64-byte header: id, type, transfer type, endpoint, device, bus, flags, time, status, lengths, setup', () => {
    const p = usbmonPacket({
      id: 0x1234,
      type: 'S',
      xfer: 'control',
      ep: 0x80,
      devnum: 2,
      tsUs: 1_500_002,
      status: -115,
      length: 18,
      setup: [0x80, 6, 0, 1, 0, 0, 18, 0],
      data: [],
      note: '',
    });
    const v = new DataView(p.buffer);
    expect(p.length).toBe(64);
    expect([v.getBigUint64(0, true), p[8], p[9], p[10], p[11], v.getUint16(12, true), p[14], p[15]]).toEqual([
      0x1234n,
      0x53,
      2,
      0x80,
      2,
      1,
      0,
      0x3c,
    ]);
    expect([
      v.getBigInt64(16, true),
      v.getInt32(24, true),
      v.getInt32(28, true),
      v.getUint32(32, true),
      v.getUint32(36, true),
    ]).toEqual([1n, 500002, -115, 18, 0]);
    expect([...p.slice(40, 48)]).toEqual([0x80, 6, 0, 1, 0, 0, 18, 0]);
  });
});

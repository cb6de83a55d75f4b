/**
 * An `lsusb -v` style dump (usbutils' layout: the device descriptor, each configuration with
 * its interfaces, their CDC functional descriptors and endpoints, the OTG descriptor, the
 * device qualifier of a dual-speed device), read from the descriptor bytes a host gets, with
 * the strings resolved. Vendor and product names come from a tiny excerpt of usb.ids covering
 * the ids g_ether uses.
 *
 * @module
 */
import { bcdText } from '../descriptors.js';
import type { DescriptorSet } from '../device.js';
import { parseConfig, parseDevice, parseString, type ParsedItem } from './parse.js';

const VENDORS: Readonly<Record<number, string>> = {
  0x0525: 'Netchip Technology, Inc.',
  0x049f: 'Compaq Computer Corp.',
};
const PRODUCTS: Readonly<Record<string, string>> = {
  '0525:a4a1': 'Linux-USB Ethernet Gadget',
  '0525:a4a2': 'Linux-USB Ethernet/RNDIS Gadget',
  '049f:505a': 'Linux-USB "CDC Subset" Device, or Itsy (experimental)',
};
const CLASSES: Readonly<Record<number, string>> = {
  0x00: '(Defined at Interface level)',
  0x02: 'Communications',
  0x0a: 'CDC Data',
  0xff: 'Vendor Specific Class',
};
const COMM_SUBCLASSES: Readonly<Record<number, string>> = {
  0x02: 'Abstract (modem)',
  0x06: 'Ethernet Networking',
  0x0a: 'Mobile Direct Line Model',
};

const hex = (v: number, n: number) => `0x${v.toString(16).padStart(n, '0')}`;
/** One `name value` line as usbutils prints it: the value right-aligned at column indent + width. */
const row = (indent: number, name: string, value: string | number, width = 25) => {
  const v = String(value);
  const w = Math.max(v.length, 5);
  return `${' '.repeat(indent)}${name.padEnd(Math.max(name.length + 1, width - w))}${v.padStart(w)}`;
};

function hexs(b: readonly number[]): string {
  return b.map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

function guid(b: readonly number[]): string {
  const h = (i: number, n: number) => hexs(b.slice(i, i + n)).replace(/ /g, '');
  return `{${h(0, 4)}-${h(4, 2)}-${h(6, 2)}-${h(8, 2)}-${h(10, 6)}}`;
}

function endpointLines(it: ParsedItem & { type: 'endpoint' }, i: number): string[] {
  const types = ['Control', 'Isochronous', 'Bulk', 'Interrupt'];
  const ep = it.bEndpointAddress;
  return [
    `${' '.repeat(i)}Endpoint Descriptor:`,
    row(i + 2, 'bLength', 7),
    row(i + 2, 'bDescriptorType', 5),
    `${row(i + 2, 'bEndpointAddress', hex(ep, 2))}  EP ${ep & 0x0f} ${ep & 0x80 ? 'IN' : 'OUT'}`,
    row(i + 2, 'bmAttributes', it.bmAttributes),
    `${' '.repeat(i + 4)}Transfer Type            ${types[it.bmAttributes & 3]}`,
    `${' '.repeat(i + 4)}Synch Type               None`,
    `${' '.repeat(i + 4)}Usage Type               Data`,
    `${row(i + 2, 'wMaxPacketSize', hex(it.wMaxPacketSize, 4))}  1x ${it.wMaxPacketSize & 0x7ff} bytes`,
    row(i + 2, 'bInterval', it.bInterval),
  ];
}

function cdcLines(it: ParsedItem & { type: 'cdc' }, i: number, str: (id: number) => string): string[] {
  const f = it.fields;
  const n = (k: string) => f[k] as number;
  const p = ' '.repeat(i);
  switch (it.subtype) {
    case 0x00:
      return [`${p}CDC Header:`, row(i + 2, 'bcdCDC', bcdText(n('bcdCDC')))];
    case 0x01:
      return [
        `${p}CDC Call Management:`,
        row(i + 2, 'bmCapabilities', hex(n('bmCapabilities'), 2)),
        row(i + 2, 'bDataInterface', n('bDataInterface')),
      ];
    case 0x02:
      return [`${p}CDC ACM:`, row(i + 2, 'bmCapabilities', hex(n('bmCapabilities'), 2))];
    case 0x06:
      return [
        `${p}CDC Union:`,
        row(i + 2, 'bMasterInterface', n('bMasterInterface')),
        `${row(i + 2, 'bSlaveInterface', (f['bSlaveInterface'] as number[]).join(' '))} `,
      ];
    case 0x0f:
      return [
        `${p}CDC Ethernet:`,
        `${row(i + 2, 'iMacAddress', n('iMACAddress'), 30)} ${str(n('iMACAddress'))}`,
        row(i + 2, 'bmEthernetStatistics', hex(n('bmEthernetStatistics'), 8), 30),
        row(i + 2, 'wMaxSegmentSize', n('wMaxSegmentSize'), 30),
        row(i + 2, 'wNumberMCFilters', hex(n('wNumberMCFilters'), 4), 30),
        row(i + 2, 'bNumberPowerFilters', n('bNumberPowerFilters'), 30),
      ];
    case 0x12:
      return [
        `${p}CDC MDLM:`,
        row(i + 2, 'bcdCDC', bcdText(n('bcdVersion'))),
        `${p}  bGUID               ${guid(f['bGUID'] as number[])}`,
      ];
    case 0x13:
      return [
        `${p}CDC MDLM detail:`,
        row(i + 2, 'bGuidDescriptorType', n('bGuidDescriptorType')),
        `${p}  bDetailData             ${hexs(f['bDetailData'] as number[])}`,
      ];
    default:
      return [`${p}unknown CDC descriptor ${hex(it.subtype, 2)}: ${hexs(it.bytes)}`];
  }
}

/**
 * The dump of a bound device, as `lsusb -v -d vid:pid` prints it (bus 1, device `devnum`).
 * @category Export
 */
export function lsusbVerbose(set: DescriptorSet, devnum = 2): string {
  const d = parseDevice(set.device);
  const str = (id: number) => (id && set.strings.get(id) ? parseString(set.strings.get(id)!) : '');
  const id = `${hex(d.idVendor, 4).slice(2)}:${hex(d.idProduct, 4).slice(2)}`;
  const out: string[] = [];
  out.push(
    `Bus 001 Device ${String(devnum).padStart(3, '0')}: ID ${id} ${VENDORS[d.idVendor] ?? ''} ${PRODUCTS[id] ?? ''}`.trimEnd(),
  );
  out.push('Device Descriptor:');
  out.push(row(2, 'bLength', d.bLength), row(2, 'bDescriptorType', 1), row(2, 'bcdUSB', bcdText(d.bcdUSB)));
  out.push(`${row(2, 'bDeviceClass', d.bDeviceClass)} ${CLASSES[d.bDeviceClass] ?? ''}`.trimEnd());
  out.push(
    `${row(2, 'bDeviceSubClass', d.bDeviceSubClass)} `,
    `${row(2, 'bDeviceProtocol', d.bDeviceProtocol)} `,
  );
  out.push(row(2, 'bMaxPacketSize0', d.bMaxPacketSize0));
  out.push(`${row(2, 'idVendor', hex(d.idVendor, 4))} ${VENDORS[d.idVendor] ?? ''}`.trimEnd());
  out.push(`${row(2, 'idProduct', hex(d.idProduct, 4))} ${PRODUCTS[id] ?? ''}`.trimEnd());
  out.push(row(2, 'bcdDevice', bcdText(d.bcdDevice)));
  out.push(`${row(2, 'iManufacturer', d.iManufacturer)} ${str(d.iManufacturer)}`);
  out.push(`${row(2, 'iProduct', d.iProduct)} ${str(d.iProduct)}`);
  out.push(`${row(2, 'iSerial', d.iSerialNumber)} ${str(d.iSerialNumber)}`);
  out.push(row(2, 'bNumConfigurations', d.bNumConfigurations));
  for (const bytes of set.configs) {
    const c = parseConfig(bytes);
    out.push('  Configuration Descriptor:');
    out.push(
      row(4, 'bLength', 9),
      row(4, 'bDescriptorType', 2),
      row(4, 'wTotalLength', hex(c.wTotalLength, 4)),
    );
    out.push(
      row(4, 'bNumInterfaces', c.bNumInterfaces),
      row(4, 'bConfigurationValue', c.bConfigurationValue),
    );
    out.push(`${row(4, 'iConfiguration', c.iConfiguration)} ${str(c.iConfiguration)}`);
    out.push(row(4, 'bmAttributes', hex(c.bmAttributes, 2)));
    if (c.bmAttributes & 0x40) out.push('      Self Powered');
    if (c.bmAttributes & 0x20) out.push('      Remote Wakeup');
    out.push(row(4, 'MaxPower', `${c.bMaxPower * 2}mA`));
    let inInterface = false;
    for (const it of c.items) {
      const i = inInterface ? 6 : 4;
      if (it.type === 'otg') {
        out.push(
          `${' '.repeat(4)}OTG Descriptor:`,
          row(6, 'bLength', 3),
          row(6, 'bDescriptorType', 9),
          row(6, 'bmAttributes', hex(it.bmAttributes, 2)),
        );
        if (it.bmAttributes & 1) out.push('        SRP (Session Request Protocol)');
        if (it.bmAttributes & 2) out.push('        HNP (Host Negotiation Protocol)');
      } else if (it.type === 'interface') {
        inInterface = true;
        const sub = it.bInterfaceClass === 0x02 ? (COMM_SUBCLASSES[it.bInterfaceSubClass] ?? '') : '';
        const proto =
          it.bInterfaceClass === 0x02 && it.bInterfaceProtocol === 0xff
            ? 'Vendor Specific (MSFT RNDIS?)'
            : '';
        out.push('    Interface Descriptor:');
        out.push(
          row(6, 'bLength', 9),
          row(6, 'bDescriptorType', 4),
          row(6, 'bInterfaceNumber', it.bInterfaceNumber),
        );
        out.push(
          row(6, 'bAlternateSetting', it.bAlternateSetting),
          row(6, 'bNumEndpoints', it.bNumEndpoints),
        );
        out.push(
          `${row(6, 'bInterfaceClass', it.bInterfaceClass)} ${CLASSES[it.bInterfaceClass] ?? ''}`.trimEnd(),
        );
        out.push(`${row(6, 'bInterfaceSubClass', it.bInterfaceSubClass)} ${sub}`);
        out.push(`${row(6, 'bInterfaceProtocol', it.bInterfaceProtocol)} ${proto}`);
        out.push(`${row(6, 'iInterface', it.iInterface)} ${str(it.iInterface)}`);
      } else if (it.type === 'cdc') out.push(...cdcLines(it, i, str));
      else if (it.type === 'endpoint') out.push(...endpointLines(it, i));
      else out.push(`${' '.repeat(i)}** UNRECOGNIZED: ${hexs(it.bytes)}`);
    }
  }
  if (set.qualifier) {
    const q = set.qualifier;
    out.push('Device Qualifier (for other device speed):');
    out.push(
      row(2, 'bLength', q[0]!),
      row(2, 'bDescriptorType', q[1]!),
      row(2, 'bcdUSB', bcdText(q[2]! | (q[3]! << 8))),
    );
    out.push(`${row(2, 'bDeviceClass', q[4]!)} ${CLASSES[q[4]!] ?? ''}`.trimEnd());
    out.push(`${row(2, 'bDeviceSubClass', q[5]!)} `, `${row(2, 'bDeviceProtocol', q[6]!)} `);
    out.push(row(2, 'bMaxPacketSize0', q[7]!), row(2, 'bNumConfigurations', q[8]!));
  }
  out.push(`Device Status:     0x0001`, '  Self Powered');
  return out.join('\n') + '\n';
}

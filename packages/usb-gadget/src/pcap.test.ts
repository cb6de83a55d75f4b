// The usbmon pcap of an enumeration (LINKTYPE_USB_LINUX_MMAPPED, 220), decoded by tshark: the
// descriptor fields tshark reads from the GET_DESCRIPTOR responses are the ones the model's
// bytes carry (read back by this package's own parser), for the four pinned cases. tshark is
// installed by CI (.ci/run); without it these tests fail with the install line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UNKNOWN_CONTROLLER } from './check.js';
import { CONTROLLERS } from './controllers.js';
import { GadgetModule } from './device.js';
import { parseConfig, parseDevice, parseString } from './export/parse.js';
import { LINKTYPE_USB_LINUX_MMAPPED, usbmonPcap } from './export/usbmon.js';
import { UsbHost } from './host.js';
import { SCOPE_PARAMS } from './scope.js';

const INSTALL =
  'echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections && ' +
  'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tshark';

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`tshark is not installed (the CI pretest installs it); install it with: ${INSTALL}`);
  }
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const dir = mkdtempSync(join(tmpdir(), 'kspec-usbmon-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One field of one frame, every occurrence, as numbers (hex or decimal) or text. */
function fields(file: string, frame: number, names: readonly string[]): string[][] {
  const out = tshark([
    '-r',
    file,
    '-Y',
    `frame.number==${frame}`,
    '-T',
    'fields',
    '-E',
    'separator=|',
    '-E',
    'occurrence=a',
    ...names.flatMap((n) => ['-e', n]),
  ]);
  return out
    .trimEnd()
    .split('|')
    .map((f) => (f === '' ? [] : f.split(',')));
}
const nums = (xs: string[]) => xs.map((x) => Number(x));

const CASES = [
  ['net2280 ECM', CONTROLLERS.net2280, false],
  ['pxa25x Subset', CONTROLLERS.pxa25x, false],
  ['net2280 RNDIS', CONTROLLERS.net2280, true],
  ['unknown controller', UNKNOWN_CONTROLLER, false],
] as const;

it('tshark is available (else: the install line)', () => {
  expect(tshark(['-v'])).toMatch(/TShark/);
});

describe.each(CASES)('%s: the enumeration pcap decodes to the model bytes', (name, controller, rndis) => {
  const g = new GadgetModule({ controller, build: { rndis }, params: SCOPE_PARAMS });
  g.load();
  const host = new UsbHost(g, {
    clock: {
      name: 'test clock',
      nowUs: (() => {
        let t = 1_252_454_400_000_000;
        return () => (t += 125);
      })(),
    },
  });
  const e = host.enumerate();
  host.openLink();
  const file = join(dir, `${name.replace(/\W+/g, '-')}.pcap`);
  const pcap = usbmonPcap(host.urbs);
  writeFileSync(file, pcap);
  const frameOf = (note: string) => host.urbs.findIndex((u) => u.type === 'C' && u.note === note) + 1;

  it('the file is a linktype-220 pcap with one record per usbmon event', () => {
    expect(new DataView(pcap.buffer).getUint32(20, true)).toBe(LINKTYPE_USB_LINUX_MMAPPED);
    expect(tshark(['-r', file, '-T', 'fields', '-e', 'frame.number']).trim().split('\n')).toHaveLength(
      host.urbs.length,
    );
  });

  it('the device descriptor fields', () => {
    const d = parseDevice(e.deviceBytes);
    const f = fields(file, frameOf('GET_DESCRIPTOR DEVICE 0 len 18'), [
      'usb.bLength',
      'usb.bcdUSB',
      'usb.bDeviceClass',
      'usb.bMaxPacketSize0',
      'usb.idVendor',
      'usb.idProduct',
      'usb.bcdDevice',
      'usb.iManufacturer',
      'usb.iProduct',
      'usb.iSerialNumber',
      'usb.bNumConfigurations',
    ]).map(nums);
    expect(f).toEqual(
      [
        d.bLength,
        d.bcdUSB,
        d.bDeviceClass,
        d.bMaxPacketSize0,
        d.idVendor,
        d.idProduct,
        d.bcdDevice,
        d.iManufacturer,
        d.iProduct,
        d.iSerialNumber,
        d.bNumConfigurations,
      ].map((v) => [v]),
    );
  });

  it('every configuration: header, interfaces, endpoints and CDC descriptor subtypes', () => {
    e.configBytes.forEach((bytes, i) => {
      const c = parseConfig(bytes);
      const frame = frameOf(`GET_DESCRIPTOR CONFIGURATION ${i} len ${c.wTotalLength}`);
      const [total, nIf, value, attr, power, ifNum, alt, cls, sub, proto, ep, epAttr, mps, interval, cdc] =
        fields(file, frame, [
          'usb.wTotalLength',
          'usb.bNumInterfaces',
          'usb.bConfigurationValue',
          'usb.configuration.bmAttributes',
          'usb.bMaxPower',
          'usb.bInterfaceNumber',
          'usb.bAlternateSetting',
          'usb.bInterfaceClass',
          'usb.bInterfaceSubClass',
          'usb.bInterfaceProtocol',
          'usb.bEndpointAddress',
          'usb.bmAttributes',
          'usb.wMaxPacketSize',
          'usb.bInterval',
          'usbcom.descriptor.subtype',
        ]).map(nums);
      const ifs = c.items.filter((x) => x.type === 'interface');
      const eps = c.items.filter((x) => x.type === 'endpoint');
      expect([total, nIf, value, attr, power]).toEqual([
        [c.wTotalLength],
        [c.bNumInterfaces],
        [c.bConfigurationValue],
        [c.bmAttributes],
        [c.bMaxPower],
      ]);
      expect(ifNum).toEqual(ifs.map((x) => x.bInterfaceNumber));
      expect(alt).toEqual(ifs.map((x) => x.bAlternateSetting));
      expect([cls, sub, proto]).toEqual([
        ifs.map((x) => x.bInterfaceClass),
        ifs.map((x) => x.bInterfaceSubClass),
        ifs.map((x) => x.bInterfaceProtocol),
      ]);
      expect(ep).toEqual(eps.map((x) => x.bEndpointAddress));
      expect(epAttr).toEqual(eps.map((x) => x.bmAttributes));
      expect(mps).toEqual(eps.map((x) => x.wMaxPacketSize));
      expect(interval).toEqual(eps.map((x) => x.bInterval));
      // tshark's CDC dissector decodes the functional descriptors of COMM-class interfaces
      const comm = c.items.filter((x) => x.type === 'cdc').map((x) => x.subtype);
      expect(cdc).toEqual(comm);
    });
  });

  it('the strings the host read', () => {
    for (const [id, text] of e.strings) {
      const [s] = fields(file, frameOf(`GET_DESCRIPTOR STRING ${id} len 255`), ['usb.bString']);
      expect(s).toEqual([text]);
      expect(parseString(g.descriptors()!.strings.get(id)!)).toBe(text);
    }
    const [lang] = fields(file, frameOf('GET_DESCRIPTOR STRING 0 len 255'), ['usb.wLANGID']);
    expect(nums(lang!)).toEqual([0x0409]);
  });
});

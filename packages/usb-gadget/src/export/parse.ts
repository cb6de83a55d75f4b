/**
 * Reads descriptor bytes back into fields, the way a host does: the device descriptor, a
 * configuration with its interfaces and, per interface, its class-specific (CDC) and endpoint
 * descriptors in order, and string descriptors. Used by the `lsusb -v` dump, the host model
 * and the tests (so they check bytes, not the model's own data).
 *
 * @module
 */
import { USB_DT } from '../constants.js';
import { walkDescriptors, type DeviceDescriptor } from '../descriptors.js';

const u16 = (b: readonly number[], o: number): number => (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
const u32 = (b: readonly number[], o: number): number => (u16(b, o) | (u16(b, o + 2) << 16)) >>> 0;

/** The fields of a device descriptor as read back (with its bLength). @category Export */
export interface ParsedDevice extends DeviceDescriptor {
  readonly bLength: number;
}

/** Parses a device descriptor. @category Export */
export function parseDevice(b: readonly number[]): ParsedDevice {
  return {
    bLength: b[0]!,
    bcdUSB: u16(b, 2),
    bDeviceClass: b[4]!,
    bDeviceSubClass: b[5]!,
    bDeviceProtocol: b[6]!,
    bMaxPacketSize0: b[7]!,
    idVendor: u16(b, 8),
    idProduct: u16(b, 10),
    bcdDevice: u16(b, 12),
    iManufacturer: b[14]!,
    iProduct: b[15]!,
    iSerialNumber: b[16]!,
    bNumConfigurations: b[17]!,
  };
}

/** One descriptor inside a configuration, with its fields. @category Export */
export type ParsedItem =
  | { readonly type: 'otg'; readonly bytes: readonly number[]; readonly bmAttributes: number }
  | {
      readonly type: 'interface';
      readonly bytes: readonly number[];
      readonly bInterfaceNumber: number;
      readonly bAlternateSetting: number;
      readonly bNumEndpoints: number;
      readonly bInterfaceClass: number;
      readonly bInterfaceSubClass: number;
      readonly bInterfaceProtocol: number;
      readonly iInterface: number;
    }
  | {
      readonly type: 'endpoint';
      readonly bytes: readonly number[];
      readonly bEndpointAddress: number;
      readonly bmAttributes: number;
      readonly wMaxPacketSize: number;
      readonly bInterval: number;
    }
  | {
      readonly type: 'cdc';
      readonly bytes: readonly number[];
      readonly subtype: number;
      readonly fields: Readonly<Record<string, number | readonly number[]>>;
    }
  | { readonly type: 'unknown'; readonly bytes: readonly number[] };

/** A configuration descriptor with its contents. @category Export */
export interface ParsedConfig {
  readonly bDescriptorType: number;
  readonly wTotalLength: number;
  readonly bNumInterfaces: number;
  readonly bConfigurationValue: number;
  readonly iConfiguration: number;
  readonly bmAttributes: number;
  readonly bMaxPower: number;
  readonly items: readonly ParsedItem[];
}

function cdcFields(b: readonly number[]): Record<string, number | readonly number[]> {
  switch (b[2]) {
    case 0x00:
      return { bcdCDC: u16(b, 3) };
    case 0x01:
      return { bmCapabilities: b[3]!, bDataInterface: b[4]! };
    case 0x02:
      return { bmCapabilities: b[3]! };
    case 0x06:
      return { bMasterInterface: b[3]!, bSlaveInterface: b.slice(4) };
    case 0x0f:
      return {
        iMACAddress: b[3]!,
        bmEthernetStatistics: u32(b, 4),
        wMaxSegmentSize: u16(b, 8),
        wNumberMCFilters: u16(b, 10),
        bNumberPowerFilters: b[12]!,
      };
    case 0x12:
      return { bcdVersion: u16(b, 3), bGUID: b.slice(5, 21) };
    case 0x13:
      return { bGuidDescriptorType: b[3]!, bDetailData: b.slice(4) };
    default:
      return {};
  }
}

/**
 * Parses a configuration descriptor and everything after it; throws a `RangeError` when a
 * bLength does not fit.
 * @category Export
 */
export function parseConfig(b: readonly number[]): ParsedConfig {
  const w = walkDescriptors(b);
  if (!w) throw new RangeError('configuration descriptor: a bLength runs past the end');
  const items: ParsedItem[] = [];
  for (const d of w.slice(1)) {
    const x = b.slice(d.offset, d.offset + d.length);
    if (d.type === USB_DT.OTG) items.push({ type: 'otg', bytes: x, bmAttributes: x[2]! });
    else if (d.type === USB_DT.INTERFACE)
      items.push({
        type: 'interface',
        bytes: x,
        bInterfaceNumber: x[2]!,
        bAlternateSetting: x[3]!,
        bNumEndpoints: x[4]!,
        bInterfaceClass: x[5]!,
        bInterfaceSubClass: x[6]!,
        bInterfaceProtocol: x[7]!,
        iInterface: x[8]!,
      });
    else if (d.type === USB_DT.ENDPOINT)
      items.push({
        type: 'endpoint',
        bytes: x,
        bEndpointAddress: x[2]!,
        bmAttributes: x[3]!,
        wMaxPacketSize: u16(x, 4),
        bInterval: x[6]!,
      });
    else if (d.type === USB_DT.CS_INTERFACE)
      items.push({ type: 'cdc', bytes: x, subtype: x[2]!, fields: cdcFields(x) });
    else items.push({ type: 'unknown', bytes: x });
  }
  return {
    bDescriptorType: b[1]!,
    wTotalLength: u16(b, 2),
    bNumInterfaces: b[4]!,
    bConfigurationValue: b[5]!,
    iConfiguration: b[6]!,
    bmAttributes: b[7]!,
    bMaxPower: b[8]!,
    items,
  };
}

/** The text of a string descriptor (UTF-16LE after the 2-byte header). @category Export */
export function parseString(b: readonly number[]): string {
  let s = '';
  for (let i = 2; i + 1 < b.length && i < b[0]!; i += 2) s += String.fromCharCode(u16(b, i));
  return s;
}

/** The language ids of string descriptor 0. @category Export */
export function parseLanguages(b: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 2; i + 1 < b[0]!; i += 2) out.push(u16(b, i));
  return out;
}

/**
 * The endpoints of `config`'s interface `number` at altsetting `alt`, in order.
 * @category Export
 */
export function interfaceEndpoints(
  config: ParsedConfig,
  number: number,
  alt = 0,
): (ParsedItem & { type: 'endpoint' })[] {
  const out: (ParsedItem & { type: 'endpoint' })[] = [];
  let inside = false;
  for (const it of config.items) {
    if (it.type === 'interface') inside = it.bInterfaceNumber === number && it.bAlternateSetting === alt;
    else if (inside && it.type === 'endpoint') out.push(it);
  }
  return out;
}

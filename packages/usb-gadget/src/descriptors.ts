/**
 * USB descriptors as plain data and their wire bytes: the device, device-qualifier,
 * configuration, interface, endpoint and OTG descriptors of chapter 9, the CDC functional
 * descriptors g_ether's functions use (header, union, Ethernet, call management, ACM, MDLM and
 * the raw six-byte MDLM detail of the SAFE mode), and string descriptors in UTF-16LE.
 *
 * The encoders follow the packed C structs of `<linux/usb/ch9.h>` and `<linux/usb/cdc.h>`
 * (multi-byte fields little-endian, `cpu_to_le16/32`), so `bLength` is always the size of the
 * struct: 18, 10, 9, 9, 7, 3, 5, 5, 13, 5, 4, 21, 6. `usbDescriptorFillbuf` concatenates a
 * descriptor list as usb_descriptor_fillbuf does (`-EINVAL` when the buffer is too small);
 * `usbGadgetGetString` is usbstring.c's `usb_gadget_get_string` (at most 126 characters).
 *
 * @module
 */
import { ERR, USB_CDC, USB_DT } from './constants.js';

/** The device descriptor (`struct usb_device_descriptor`). @category Descriptors */
export interface DeviceDescriptor {
  readonly bcdUSB: number;
  readonly bDeviceClass: number;
  readonly bDeviceSubClass: number;
  readonly bDeviceProtocol: number;
  readonly bMaxPacketSize0: number;
  readonly idVendor: number;
  readonly idProduct: number;
  readonly bcdDevice: number;
  readonly iManufacturer: number;
  readonly iProduct: number;
  readonly iSerialNumber: number;
  readonly bNumConfigurations: number;
}

/** `struct usb_interface_descriptor`. @category Descriptors */
export interface InterfaceDescriptor {
  readonly kind: 'interface';
  readonly bInterfaceNumber: number;
  readonly bAlternateSetting: number;
  readonly bNumEndpoints: number;
  readonly bInterfaceClass: number;
  readonly bInterfaceSubClass: number;
  readonly bInterfaceProtocol: number;
  readonly iInterface: number;
}

/** `struct usb_endpoint_descriptor` (USB_DT_ENDPOINT_SIZE, 7 bytes). @category Descriptors */
export interface EndpointDescriptor {
  readonly kind: 'endpoint';
  readonly bEndpointAddress: number;
  readonly bmAttributes: number;
  readonly wMaxPacketSize: number;
  readonly bInterval: number;
}

/** `struct usb_otg_descriptor`. @category Descriptors */
export interface OtgDescriptor {
  readonly kind: 'otg';
  readonly bmAttributes: number;
}

/** `struct usb_cdc_header_desc`. @category Descriptors */
export interface CdcHeaderDescriptor {
  readonly kind: 'cdcHeader';
  readonly bcdCDC: number;
}

/** `struct usb_cdc_union_desc` (one slave). @category Descriptors */
export interface CdcUnionDescriptor {
  readonly kind: 'cdcUnion';
  readonly bMasterInterface0: number;
  readonly bSlaveInterface0: number;
}

/** `struct usb_cdc_ether_desc`. @category Descriptors */
export interface CdcEtherDescriptor {
  readonly kind: 'cdcEther';
  readonly iMACAddress: number;
  readonly bmEthernetStatistics: number;
  readonly wMaxSegmentSize: number;
  readonly wNumberMCFilters: number;
  readonly bNumberPowerFilters: number;
}

/** `struct usb_cdc_call_mgmt_descriptor`. @category Descriptors */
export interface CdcCallMgmtDescriptor {
  readonly kind: 'cdcCallMgmt';
  readonly bmCapabilities: number;
  readonly bDataInterface: number;
}

/** `struct usb_cdc_acm_descriptor`. @category Descriptors */
export interface CdcAcmDescriptor {
  readonly kind: 'cdcAcm';
  readonly bmCapabilities: number;
}

/** `struct usb_cdc_mdlm_desc`. @category Descriptors */
export interface CdcMdlmDescriptor {
  readonly kind: 'cdcMdlm';
  readonly bcdVersion: number;
  readonly bGUID: readonly number[];
}

/** f_subset.c's raw `mdlm_detail_desc[]`: {6, CS_INTERFACE, MDLM_DETAIL, guid type, caps, caps}. @category Descriptors */
export interface CdcMdlmDetailDescriptor {
  readonly kind: 'cdcMdlmDetail';
  /** 0: the "SAFE" GUID descriptor type. */
  readonly bGuidDescriptorType: number;
  /** Network control capabilities (0: none) and data capabilities (0: raw encapsulation). */
  readonly bDetailData: readonly number[];
}

/** Any descriptor a configuration or function carries. @category Descriptors */
export type Descriptor =
  | InterfaceDescriptor
  | EndpointDescriptor
  | OtgDescriptor
  | CdcHeaderDescriptor
  | CdcUnionDescriptor
  | CdcEtherDescriptor
  | CdcCallMgmtDescriptor
  | CdcAcmDescriptor
  | CdcMdlmDescriptor
  | CdcMdlmDetailDescriptor;

const le16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** `sizeof` of each descriptor struct (its bLength). @category Descriptors */
export const DESCRIPTOR_SIZE = Object.freeze({
  device: 18,
  qualifier: 10,
  config: 9,
  interface: 9,
  endpoint: 7,
  otg: 3,
  cdcHeader: 5,
  cdcUnion: 5,
  cdcEther: 13,
  cdcCallMgmt: 5,
  cdcAcm: 4,
  cdcMdlm: 21,
  cdcMdlmDetail: 6,
} as const);

/**
 * The wire bytes of one descriptor.
 * @category Descriptors
 */
export function encodeDescriptor(d: Descriptor): number[] {
  const cs = USB_DT.CS_INTERFACE;
  switch (d.kind) {
    case 'interface':
      return [
        9,
        USB_DT.INTERFACE,
        d.bInterfaceNumber,
        d.bAlternateSetting,
        d.bNumEndpoints,
        d.bInterfaceClass,
        d.bInterfaceSubClass,
        d.bInterfaceProtocol,
        d.iInterface,
      ];
    case 'endpoint':
      return [7, USB_DT.ENDPOINT, d.bEndpointAddress, d.bmAttributes, ...le16(d.wMaxPacketSize), d.bInterval];
    case 'otg':
      return [3, USB_DT.OTG, d.bmAttributes];
    case 'cdcHeader':
      return [5, cs, USB_CDC.HEADER_TYPE, ...le16(d.bcdCDC)];
    case 'cdcUnion':
      return [5, cs, USB_CDC.UNION_TYPE, d.bMasterInterface0, d.bSlaveInterface0];
    case 'cdcEther':
      return [
        13,
        cs,
        USB_CDC.ETHERNET_TYPE,
        d.iMACAddress,
        ...le32(d.bmEthernetStatistics),
        ...le16(d.wMaxSegmentSize),
        ...le16(d.wNumberMCFilters),
        d.bNumberPowerFilters,
      ];
    case 'cdcCallMgmt':
      return [5, cs, USB_CDC.CALL_MANAGEMENT_TYPE, d.bmCapabilities, d.bDataInterface];
    case 'cdcAcm':
      return [4, cs, USB_CDC.ACM_TYPE, d.bmCapabilities];
    case 'cdcMdlm':
      return [21, cs, USB_CDC.MDLM_TYPE, ...le16(d.bcdVersion), ...d.bGUID];
    case 'cdcMdlmDetail':
      return [6, cs, USB_CDC.MDLM_DETAIL_TYPE, d.bGuidDescriptorType, ...d.bDetailData];
  }
}

/**
 * The 18 bytes of a device descriptor.
 * @category Descriptors
 */
export function encodeDeviceDescriptor(d: DeviceDescriptor): number[] {
  return [
    18,
    USB_DT.DEVICE,
    ...le16(d.bcdUSB),
    d.bDeviceClass,
    d.bDeviceSubClass,
    d.bDeviceProtocol,
    d.bMaxPacketSize0,
    ...le16(d.idVendor),
    ...le16(d.idProduct),
    ...le16(d.bcdDevice),
    d.iManufacturer,
    d.iProduct,
    d.iSerialNumber,
    d.bNumConfigurations,
  ];
}

/**
 * `usb_descriptor_fillbuf(buf, buflen, src)`: the descriptors back to back, or -EINVAL when
 * they do not fit in `buflen` bytes.
 * @category Descriptors
 */
export function usbDescriptorFillbuf(buflen: number, src: readonly Descriptor[]): number[] | number {
  const out: number[] = [];
  for (const d of src) {
    const b = encodeDescriptor(d);
    if (out.length + b.length > buflen) return ERR.EINVAL;
    out.push(...b);
  }
  return out;
}

/**
 * UTF-16LE code units of `s` (usbstring.c `utf8_to_utf16le`; the strings here are ASCII).
 * @category Descriptors
 */
export function utf16le(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out.push(c & 0xff, c >>> 8);
  }
  return out;
}

/**
 * A string descriptor for `s` as usb_gadget_get_string builds it: at most 126 UTF-16 code
 * units, `bLength = 2 * (len + 1)`.
 * @category Descriptors
 */
export function stringDescriptor(s: string): number[] {
  const text = s.slice(0, 126);
  return [2 * (text.length + 1), USB_DT.STRING, ...utf16le(text)];
}

/**
 * The language-table string descriptor (string 0) for `languages` (e.g. [0x0409]).
 * @category Descriptors
 */
export function languageTable(languages: readonly number[]): number[] {
  return [2 * (languages.length + 1), USB_DT.STRING, ...languages.flatMap(le16)];
}

/**
 * Walks a buffer of back-to-back descriptors: each `[offset, bLength, bDescriptorType]`, or
 * `null` when a `bLength` is zero or runs past the end.
 * @category Descriptors
 */
export function walkDescriptors(
  bytes: readonly number[],
): { offset: number; length: number; type: number }[] | null {
  const out: { offset: number; length: number; type: number }[] = [];
  let off = 0;
  while (off < bytes.length) {
    const len = bytes[off]!;
    if (len < 2 || off + len > bytes.length) return null;
    out.push({ offset: off, length: len, type: bytes[off + 1]! });
    off += len;
  }
  return out;
}

/** `bcd` as `x.yy` (the form lsusb prints). @category Descriptors */
export function bcdText(v: number): string {
  return `${(v >> 8).toString(16)}.${(v & 0xff).toString(16).padStart(2, '0')}`;
}

/** Lowercase hex of a byte list, space separated. @category Descriptors */
export function hexBytes(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

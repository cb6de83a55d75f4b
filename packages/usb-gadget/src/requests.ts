/**
 * SETUP packets a USB host sends to the gadget, as builders: the chapter 9 requests of an
 * enumeration, the CDC ECM packet filter, and RNDIS's encapsulated commands and responses.
 *
 * @module
 */
import { USB_CDC, USB_DIR_IN, USB_DT, USB_RECIP_INTERFACE, USB_REQ, USB_TYPE_CLASS } from './constants.js';
import type { SetupPacket } from './model/events.js';

const pkt = (
  bmRequestType: number,
  bRequest: number,
  wValue: number,
  wIndex: number,
  wLength: number,
  data?: readonly number[],
): SetupPacket => ({
  bmRequestType,
  bRequest,
  wValue,
  wIndex,
  wLength,
  ...(data ? { data } : {}),
});

/**
 * The request builders.
 * @category Requests
 */
export const REQ = Object.freeze({
  getDevice: (wLength = 18) => pkt(USB_DIR_IN, USB_REQ.GET_DESCRIPTOR, USB_DT.DEVICE << 8, 0, wLength),
  getQualifier: (wLength = 10) =>
    pkt(USB_DIR_IN, USB_REQ.GET_DESCRIPTOR, USB_DT.DEVICE_QUALIFIER << 8, 0, wLength),
  getConfig: (index: number, wLength: number) =>
    pkt(USB_DIR_IN, USB_REQ.GET_DESCRIPTOR, (USB_DT.CONFIG << 8) | index, 0, wLength),
  getOtherSpeedConfig: (index: number, wLength: number) =>
    pkt(USB_DIR_IN, USB_REQ.GET_DESCRIPTOR, (USB_DT.OTHER_SPEED_CONFIG << 8) | index, 0, wLength),
  getString: (index: number, langid = 0x0409, wLength = 255) =>
    pkt(USB_DIR_IN, USB_REQ.GET_DESCRIPTOR, (USB_DT.STRING << 8) | index, index === 0 ? 0 : langid, wLength),
  setAddress: (address: number) => pkt(0, USB_REQ.SET_ADDRESS, address, 0, 0),
  setConfiguration: (value: number) => pkt(0, USB_REQ.SET_CONFIGURATION, value, 0, 0),
  getConfiguration: () => pkt(USB_DIR_IN, USB_REQ.GET_CONFIGURATION, 0, 0, 1),
  setInterface: (intf: number, alt: number) => pkt(USB_RECIP_INTERFACE, USB_REQ.SET_INTERFACE, alt, intf, 0),
  getInterface: (intf: number) => pkt(USB_DIR_IN | USB_RECIP_INTERFACE, USB_REQ.GET_INTERFACE, 0, intf, 1),
  ecmSetPacketFilter: (intf: number, filter: number) =>
    pkt(USB_TYPE_CLASS | USB_RECIP_INTERFACE, USB_CDC.SET_ETHERNET_PACKET_FILTER, filter, intf, 0),
  rndisSendCommand: (intf: number, msg: readonly number[]) =>
    pkt(USB_TYPE_CLASS | USB_RECIP_INTERFACE, USB_CDC.SEND_ENCAPSULATED_COMMAND, 0, intf, msg.length, msg),
  rndisGetResponse: (intf: number, wLength = 1025) =>
    pkt(
      USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_INTERFACE,
      USB_CDC.GET_ENCAPSULATED_RESPONSE,
      0,
      intf,
      wLength,
    ),
});

/** A short name for a SETUP packet (for traces and usbmon notes). @category Requests */
export function describeSetup(p: SetupPacket): string {
  const hex = (v: number, n = 4) => `0x${v.toString(16).padStart(n, '0')}`;
  if (p.bRequest === USB_REQ.GET_DESCRIPTOR && p.bmRequestType === USB_DIR_IN) {
    const names: Record<number, string> = {
      1: 'DEVICE',
      2: 'CONFIGURATION',
      3: 'STRING',
      6: 'DEVICE_QUALIFIER',
      7: 'OTHER_SPEED',
    };
    return `GET_DESCRIPTOR ${names[p.wValue >> 8] ?? hex(p.wValue >> 8, 2)} ${p.wValue & 0xff} len ${p.wLength}`;
  }
  const std: Record<number, string> = {
    5: 'SET_ADDRESS',
    8: 'GET_CONFIGURATION',
    9: 'SET_CONFIGURATION',
    10: 'GET_INTERFACE',
    11: 'SET_INTERFACE',
  };
  if ((p.bmRequestType & 0x60) === 0 && std[p.bRequest])
    return `${std[p.bRequest]} ${p.wValue} (wIndex ${p.wIndex})`;
  return `req ${hex(p.bmRequestType, 2)}.${hex(p.bRequest, 2)} v${hex(p.wValue)} i${hex(p.wIndex)} l${p.wLength}`;
}

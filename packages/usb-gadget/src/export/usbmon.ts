/**
 * A usbmon capture as a pcap file: `LINKTYPE_USB_LINUX_MMAPPED` (220), the 64-byte
 * `struct usbmon_packet` header of the binary usbmon interface (little-endian, as a capture
 * on x86 writes it) followed by the captured data. tshark and Wireshark decode it, matching
 * each completion to its submission by URB id, so GET_DESCRIPTOR responses are shown as
 * device, configuration, interface, endpoint and string descriptors.
 *
 * Header layout (Documentation/usb/usbmon.txt): id u64 @0, type ('S'/'C') @8, xfer_type
 * (0 iso, 1 interrupt, 2 control, 3 bulk) @9, epnum (with 0x80 for IN) @10, devnum @11,
 * busnum u16 @12, flag_setup @14 (0: setup present, '-' otherwise), flag_data @15 (0: data
 * present; '<' for an IN submission, '>' for an OUT completion), ts_sec s64 @16, ts_usec s32
 * @24, status s32 @28, length u32 @32, len_cap u32 @36, setup[8] @40, interval s32 @48,
 * start_frame s32 @52, xfer_flags u32 @56, ndesc u32 @60.
 *
 * @module
 */
import type { UrbEvent } from '../host.js';

/** `LINKTYPE_USB_LINUX_MMAPPED`. @category Export */
export const LINKTYPE_USB_LINUX_MMAPPED = 220;

const XFER = { control: 2, interrupt: 1, bulk: 3 } as const;

/** The 64-byte usbmon header and the data of one event. @category Export */
export function usbmonPacket(e: UrbEvent, busnum = 1): Uint8Array {
  const dirIn = (e.ep & 0x80) !== 0;
  const data = e.data;
  const out = new Uint8Array(64 + data.length);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, BigInt(e.id), true);
  out[8] = e.type.charCodeAt(0);
  out[9] = XFER[e.xfer];
  out[10] = e.ep;
  out[11] = e.devnum;
  v.setUint16(12, busnum, true);
  out[14] = e.setup && e.type === 'S' ? 0 : '-'.charCodeAt(0);
  const tag = e.type === 'S' && dirIn ? '<' : e.type === 'C' && !dirIn ? '>' : '\0';
  out[15] = data.length > 0 ? 0 : tag.charCodeAt(0);
  const sec = Math.floor(e.tsUs / 1e6);
  v.setBigInt64(16, BigInt(sec), true);
  v.setInt32(24, Math.floor(e.tsUs - sec * 1e6), true);
  v.setInt32(28, e.status, true);
  v.setUint32(32, e.length, true);
  v.setUint32(36, data.length, true);
  if (e.setup && e.type === 'S') out.set(e.setup.slice(0, 8), 40);
  v.setInt32(48, e.interval ?? 0, true);
  v.setInt32(52, 0, true);
  v.setUint32(56, 0, true);
  v.setUint32(60, 0, true);
  out.set(data, 64);
  return out;
}

/**
 * A pcap file (magic 0xa1b2c3d4, version 2.4, snaplen 65535, linktype 220) of the events.
 * @category Export
 */
export function usbmonPcap(events: readonly UrbEvent[], busnum = 1): Uint8Array {
  const packets = events.map((e) => usbmonPacket(e, busnum));
  const size = 24 + packets.reduce((n, p) => n + 16 + p.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true);
  v.setUint32(12, 0, true);
  v.setUint32(16, 65535, true);
  v.setUint32(20, LINKTYPE_USB_LINUX_MMAPPED, true);
  let off = 24;
  events.forEach((e, i) => {
    const p = packets[i]!;
    const sec = Math.floor(e.tsUs / 1e6);
    v.setUint32(off, sec, true);
    v.setUint32(off + 4, Math.floor(e.tsUs - sec * 1e6), true);
    v.setUint32(off + 8, p.length, true);
    v.setUint32(off + 12, p.length, true);
    out.set(p, off + 16);
    off += 16 + p.length;
  });
  return out;
}

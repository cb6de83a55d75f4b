/**
 * The RNDIS messages of rndis.c (`#include`d by the seed at line 115 under
 * CONFIG_USB_ETH_RNDIS), as byte builders and readers: the completions the device queues for
 * `GET_ENCAPSULATED_RESPONSE` (INITIALIZE_CMPLT 52 bytes, QUERY_CMPLT, SET_CMPLT, RESET_CMPLT,
 * KEEPALIVE_CMPLT 16 bytes, INDICATE_STATUS 20 bytes), the host's requests (for the host
 * model and the tests), and the data framing (`rndis_add_hdr`: a 44-byte PACKET_MSG header,
 * DataOffset 36; `rndis_rm_hdr`: -EINVAL for another type, -EOVERFLOW past the end).
 * All fields little-endian u32.
 *
 * Modelled environment, not seed. Not covered: the statistics OIDs and the rest of
 * `oid_supported_list`, and that rndis.c hands an unsupported QUERY's completion out with the
 * size it allocated rather than its MessageLength (here: MessageLength bytes).
 *
 * @module
 */
import { ETH_DATA_LEN, ETH_HLEN, RNDIS_MSG, RNDIS_PACKET_HEADER, RNDIS_STATUS } from '../constants.js';

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** Little-endian u32 at `off` (0 past the end). @category RNDIS */
export function rdU32(b: readonly number[], off: number): number {
  return (
    ((b[off] ?? 0) | ((b[off + 1] ?? 0) << 8) | ((b[off + 2] ?? 0) << 16) | ((b[off + 3] ?? 0) << 24)) >>> 0
  );
}

/** RNDIS_MAJOR_VERSION / MINOR / DF_CONNECTIONLESS / MEDIUM_802_3. @category RNDIS */
export const RNDIS_VERSION = Object.freeze({ major: 1, minor: 0, connectionless: 1, medium8023: 0 });

/**
 * `rndis_init_response`: INITIALIZE_CMPLT (MaxTransferSize = mtu + ETH_HLEN + 44 + 22).
 * @category RNDIS
 */
export function initCmplt(requestId: number): number[] {
  return [
    ...le32(RNDIS_MSG.INITIALIZE_CMPLT),
    ...le32(52),
    ...le32(requestId),
    ...le32(RNDIS_STATUS.SUCCESS),
    ...le32(RNDIS_VERSION.major),
    ...le32(RNDIS_VERSION.minor),
    ...le32(RNDIS_VERSION.connectionless),
    ...le32(RNDIS_VERSION.medium8023),
    ...le32(1),
    ...le32(ETH_DATA_LEN + ETH_HLEN + RNDIS_PACKET_HEADER + 22),
    ...le32(0),
    ...le32(0),
    ...le32(0),
  ];
}

/** `rndis_query_response`: QUERY_CMPLT with `data`, or NOT_SUPPORTED. @category RNDIS */
export function queryCmplt(requestId: number, data: readonly number[] | null): number[] {
  if (data === null) {
    return [
      ...le32(RNDIS_MSG.QUERY_CMPLT),
      ...le32(24),
      ...le32(requestId),
      ...le32(RNDIS_STATUS.NOT_SUPPORTED),
      ...le32(0),
      ...le32(0),
    ];
  }
  return [
    ...le32(RNDIS_MSG.QUERY_CMPLT),
    ...le32(24 + data.length),
    ...le32(requestId),
    ...le32(RNDIS_STATUS.SUCCESS),
    ...le32(data.length),
    ...le32(16),
    ...data,
  ];
}

/** `rndis_set_response`: SET_CMPLT. @category RNDIS */
export function setCmplt(requestId: number, ok: boolean): number[] {
  return [
    ...le32(RNDIS_MSG.SET_CMPLT),
    ...le32(16),
    ...le32(requestId),
    ...le32(ok ? RNDIS_STATUS.SUCCESS : RNDIS_STATUS.NOT_SUPPORTED),
  ];
}

/** `rndis_reset_response`: RESET_CMPLT, AddressingReset 1. @category RNDIS */
export function resetCmplt(): number[] {
  return [...le32(RNDIS_MSG.RESET_CMPLT), ...le32(16), ...le32(RNDIS_STATUS.SUCCESS), ...le32(1)];
}

/** `rndis_keepalive_response`: KEEPALIVE_CMPLT. @category RNDIS */
export function keepaliveCmplt(requestId: number): number[] {
  return [...le32(RNDIS_MSG.KEEPALIVE_CMPLT), ...le32(16), ...le32(requestId), ...le32(RNDIS_STATUS.SUCCESS)];
}

/** `rndis_indicate_status_msg`: INDICATE_STATUS (media connect / disconnect). @category RNDIS */
export function indicateStatus(status: number): number[] {
  return [...le32(RNDIS_MSG.INDICATE_STATUS), ...le32(20), ...le32(status), ...le32(0), ...le32(0)];
}

/** The RESPONSE_AVAILABLE notification f_rndis.c queues on the interrupt endpoint: {1, 0}. @category RNDIS */
export const RESPONSE_AVAILABLE: readonly number[] = Object.freeze([...le32(1), ...le32(0)]);

/** A host's REMOTE_NDIS_INITIALIZE_MSG (24 bytes). @category RNDIS */
export function initializeMsg(requestId: number, maxTransferSize = 0x4000): number[] {
  return [
    ...le32(RNDIS_MSG.INITIALIZE),
    ...le32(24),
    ...le32(requestId),
    ...le32(1),
    ...le32(0),
    ...le32(maxTransferSize),
  ];
}

/** A host's QUERY_MSG for `oid` (no input buffer). @category RNDIS */
export function queryMsg(requestId: number, oid: number): number[] {
  return [
    ...le32(RNDIS_MSG.QUERY),
    ...le32(28),
    ...le32(requestId),
    ...le32(oid),
    ...le32(0),
    ...le32(20),
    ...le32(0),
  ];
}

/** A host's SET_MSG for `oid` with a u32 value (the buffer at offset 20 from RequestID). @category RNDIS */
export function setMsg(requestId: number, oid: number, value: number): number[] {
  return [
    ...le32(RNDIS_MSG.SET),
    ...le32(32),
    ...le32(requestId),
    ...le32(oid),
    ...le32(4),
    ...le32(20),
    ...le32(0),
    ...le32(value),
  ];
}

/** A host's HALT_MSG / KEEPALIVE_MSG / RESET_MSG (12 bytes; the third word is RequestID or Reserved). @category RNDIS */
export function simpleMsg(type: number, requestId: number): number[] {
  return [...le32(type), ...le32(12), ...le32(requestId)];
}

/**
 * `rndis_add_hdr`: the 44-byte PACKET_MSG header in front of an Ethernet frame.
 * @category RNDIS
 */
export function rndisAddHdr(frame: readonly number[]): number[] {
  const total = RNDIS_PACKET_HEADER + frame.length;
  const h = [...le32(RNDIS_MSG.PACKET), ...le32(total), ...le32(36), ...le32(frame.length)];
  while (h.length < RNDIS_PACKET_HEADER) h.push(0);
  return [...h, ...frame];
}

/**
 * `rndis_rm_hdr`: the Ethernet frame inside a PACKET_MSG, or null (-EINVAL: another message
 * type; -EOVERFLOW: DataOffset past the end).
 * @category RNDIS
 */
export function rndisRmHdr(bytes: readonly number[]): readonly number[] | null {
  if (rdU32(bytes, 0) !== RNDIS_MSG.PACKET) return null;
  const start = rdU32(bytes, 8) + 8;
  if (start > bytes.length) return null;
  return bytes.slice(start, start + rdU32(bytes, 12));
}

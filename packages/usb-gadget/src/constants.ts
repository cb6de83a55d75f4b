/**
 * Numbers of the USB, CDC and RNDIS worlds the g_ether seed (`linux-usb-gadget-ether.c`,
 * "Memorial Day 2008", ~2.6.31) and the code it `#include`s use: the seed's own product ids
 * (lines 128-151), chapter 9 request and descriptor codes (`<linux/usb/ch9.h>`), the CDC class
 * codes (`<linux/usb/cdc.h>`, facts.md 2.5), the RNDIS message types and OIDs of rndis.c, and
 * the Linux errno values the paths return.
 *
 * @module
 */
import { linuxErr } from '@kspec/spec-kit';

/** The seed this package models. @category Constants */
export const SEED = 'linux-usb-gadget-ether.c' as const;

/** Seed lines 66-67. @category Constants */
export const DRIVER_DESC = 'Ethernet Gadget';
/** @category Constants */
export const DRIVER_VERSION = 'Memorial Day 2008';

/** Seed lines 128-129: NetChip's id for CDC Ethernet only devices. @category Constants */
export const CDC_VENDOR_NUM = 0x0525;
/** @category Constants */
export const CDC_PRODUCT_NUM = 0xa4a1;
/** Seed lines 142-143: the ARM Linux ids for the CDC Subset. @category Constants */
export const SIMPLE_VENDOR_NUM = 0x049f;
/** @category Constants */
export const SIMPLE_PRODUCT_NUM = 0x505a;
/** Seed lines 150-151: RNDIS plus ECM or Subset. @category Constants */
export const RNDIS_VENDOR_NUM = 0x0525;
/** @category Constants */
export const RNDIS_PRODUCT_NUM = 0xa4a2;

/** Descriptor types (ch9.h). @category Constants */
export const USB_DT = Object.freeze({
  DEVICE: 0x01,
  CONFIG: 0x02,
  STRING: 0x03,
  INTERFACE: 0x04,
  ENDPOINT: 0x05,
  DEVICE_QUALIFIER: 0x06,
  OTHER_SPEED_CONFIG: 0x07,
  OTG: 0x09,
  CS_INTERFACE: 0x24,
} as const);

/** Standard requests (ch9.h). @category Constants */
export const USB_REQ = Object.freeze({
  GET_STATUS: 0x00,
  CLEAR_FEATURE: 0x01,
  SET_FEATURE: 0x03,
  SET_ADDRESS: 0x05,
  GET_DESCRIPTOR: 0x06,
  SET_DESCRIPTOR: 0x07,
  GET_CONFIGURATION: 0x08,
  SET_CONFIGURATION: 0x09,
  GET_INTERFACE: 0x0a,
  SET_INTERFACE: 0x0b,
} as const);

/** bmRequestType bits (ch9.h). @category Constants */
export const USB_DIR_IN = 0x80;
/** @category Constants */
export const USB_DIR_OUT = 0x00;
/** @category Constants */
export const USB_TYPE_CLASS = 0x20;
/** @category Constants */
export const USB_RECIP_INTERFACE = 0x01;
/** @category Constants */
export const USB_RECIP_MASK = 0x1f;

/** Endpoint transfer types (ch9.h). @category Constants */
export const USB_ENDPOINT_XFER = Object.freeze({ CONTROL: 0, ISOC: 1, BULK: 2, INT: 3 } as const);

/** Configuration attributes (ch9.h). @category Constants */
export const USB_CONFIG_ATT_ONE = 0x80;
/** @category Constants */
export const USB_CONFIG_ATT_SELFPOWER = 0x40;
/** @category Constants */
export const USB_CONFIG_ATT_WAKEUP = 0x20;
/** OTG attributes: seed line 186 sets both. @category Constants */
export const USB_OTG_SRP = 0x01;
/** @category Constants */
export const USB_OTG_HNP = 0x02;

/** Device and interface classes (ch9.h, cdc.h). @category Constants */
export const USB_CLASS = Object.freeze({ COMM: 0x02, CDC_DATA: 0x0a, VENDOR_SPEC: 0xff } as const);
/** CDC subclasses and protocols (cdc.h). @category Constants */
export const USB_CDC = Object.freeze({
  SUBCLASS_ACM: 0x02,
  SUBCLASS_ETHERNET: 0x06,
  SUBCLASS_MDLM: 0x0a,
  PROTO_NONE: 0x00,
  ACM_PROTO_VENDOR: 0xff,
  HEADER_TYPE: 0x00,
  CALL_MANAGEMENT_TYPE: 0x01,
  ACM_TYPE: 0x02,
  UNION_TYPE: 0x06,
  ETHERNET_TYPE: 0x0f,
  MDLM_TYPE: 0x12,
  MDLM_DETAIL_TYPE: 0x13,
  SEND_ENCAPSULATED_COMMAND: 0x00,
  GET_ENCAPSULATED_RESPONSE: 0x01,
  SET_ETHERNET_PACKET_FILTER: 0x43,
  NOTIFY_NETWORK_CONNECTION: 0x00,
  NOTIFY_SPEED_CHANGE: 0x2a,
} as const);

/** CDC packet filter bits (cdc.h). @category Constants */
export const USB_CDC_PACKET_TYPE = Object.freeze({
  PROMISCUOUS: 1 << 0,
  ALL_MULTICAST: 1 << 1,
  DIRECTED: 1 << 2,
  BROADCAST: 1 << 3,
  MULTICAST: 1 << 4,
} as const);
/** u_ether.h `DEFAULT_FILTER` (facts 2.4). @category Constants */
export const DEFAULT_FILTER = 0x0f;

/** `ETH_FRAME_LEN`, `ETH_ALEN`, the MTU u_ether gives usb%d. @category Constants */
export const ETH_FRAME_LEN = 1514;
/** @category Constants */
export const ETH_ALEN = 6;
/** @category Constants */
export const ETH_DATA_LEN = 1500;
/** @category Constants */
export const ETH_HLEN = 14;

/** composite.c `USB_BUFSIZ` (the ep0 response buffer) and `MAX_CONFIG_INTERFACES`. @category Constants */
export const USB_BUFSIZ = 512;
/** @category Constants */
export const MAX_CONFIG_INTERFACES = 16;

/** f_ecm.c `ECM_STATUS_BYTECOUNT`, f_rndis.c `STATUS_BYTECOUNT`, `LOG2_STATUS_INTERVAL_MSEC`. @category Constants */
export const ECM_STATUS_BYTECOUNT = 16;
/** @category Constants */
export const RNDIS_STATUS_BYTECOUNT = 8;
/** @category Constants */
export const LOG2_STATUS_INTERVAL_MSEC = 5;

/** RNDIS message types and status codes (rndis.h). @category Constants */
export const RNDIS_MSG = Object.freeze({
  PACKET: 0x00000001,
  INITIALIZE: 0x00000002,
  HALT: 0x00000003,
  QUERY: 0x00000004,
  SET: 0x00000005,
  RESET: 0x00000006,
  INDICATE_STATUS: 0x00000007,
  KEEPALIVE: 0x00000008,
  INITIALIZE_CMPLT: 0x80000002,
  QUERY_CMPLT: 0x80000004,
  SET_CMPLT: 0x80000005,
  RESET_CMPLT: 0x80000006,
  KEEPALIVE_CMPLT: 0x80000008,
} as const);
/** @category Constants */
export const RNDIS_STATUS = Object.freeze({
  SUCCESS: 0x00000000,
  NOT_SUPPORTED: 0xc00000bb,
  MEDIA_CONNECT: 0x4001000b,
  MEDIA_DISCONNECT: 0x4001000c,
} as const);
/** The OIDs the model answers (rndis.c `gen_ndis_query_resp` / `gen_ndis_set_resp`). @category Constants */
export const OID = Object.freeze({
  GEN_CURRENT_PACKET_FILTER: 0x0001010e,
  GEN_MEDIA_CONNECT_STATUS: 0x00010114,
  GEN_MAXIMUM_FRAME_SIZE: 0x00010106,
  GEN_LINK_SPEED: 0x00010107,
  P802_3_PERMANENT_ADDRESS: 0x01010101,
  P802_3_CURRENT_ADDRESS: 0x01010102,
  P802_3_MULTICAST_LIST: 0x01010103,
} as const);
/** `sizeof(struct rndis_packet_msg_type)`: the header rndis_add_hdr pushes. @category Constants */
export const RNDIS_PACKET_HEADER = 44;
/** rndis.c `RNDIS_MAX_CONFIGS`. @category Constants */
export const RNDIS_MAX_CONFIGS = 1;

/** Negative Linux errno values the paths return. @category Constants */
export const ERR = Object.freeze({
  ENOENT: linuxErr('ENOENT'),
  EIO: linuxErr('EIO'),
  ENOMEM: linuxErr('ENOMEM'),
  EBUSY: linuxErr('EBUSY'),
  ENODEV: linuxErr('ENODEV'),
  EINVAL: linuxErr('EINVAL'),
  EOPNOTSUPP: linuxErr('EOPNOTSUPP'),
  /** `ENOTSUPP` (524, kernel-internal), what rndis_msg_parser returns. */
  ENOTSUPP: -524,
} as const);

/**
 * A USB host in front of a {@link GadgetModule}, enumerating it the way Linux's hub driver does
 * (facts.md 2; drivers/usb/core/hub.c "new scheme"): port reset, GET_DESCRIPTOR(DEVICE, 64) at
 * address 0, a second reset, SET_ADDRESS, GET_DESCRIPTOR(DEVICE, 18), for each configuration
 * the first 9 bytes then wTotalLength, the language table and the product, manufacturer and
 * serial strings with wLength 255, then SET_CONFIGURATION. `openLink` then does what the class
 * driver does: cdc_ether selects the ECM data altsetting 1 and reads iMACAddress and the
 * notifications; rndis_host sends INITIALIZE, queries the permanent address and sets the
 * packet filter, each command followed by RESPONSE_AVAILABLE on the interrupt endpoint and
 * GET_ENCAPSULATED_RESPONSE; the Subset needs nothing.
 *
 * Every transfer is recorded as usbmon does ({@link UrbEvent}: a submission 'S' and a
 * completion 'C' per URB, with the setup packet, the data, the status: -EPIPE for a stall),
 * timestamped by the clock port, for {@link usbmonPcap}.
 *
 * Host behaviour outside the seed. Not covered: hub-level details (port status, debounce),
 * the 8-byte first read of low-speed devices, retries.
 *
 * @module
 */
import { OID, RNDIS_MSG, USB_CLASS, USB_CDC } from './constants.js';
import type { GadgetModule } from './device.js';
import {
  interfaceEndpoints,
  parseConfig,
  parseDevice,
  type ParsedConfig,
  type ParsedDevice,
} from './export/parse.js';
import type { SetupPacket } from './model/events.js';
import { initializeMsg, queryMsg, rdU32, rndisAddHdr, rndisRmHdr, setMsg } from './model/rndis-msg.js';
import type { HostReply } from './model/types.js';
import { virtualClock, type ClockPort } from './ports.js';
import { REQ, describeSetup } from './requests.js';

/** One usbmon event (`struct usbmon_packet` without the padding). @category Host */
export interface UrbEvent {
  /** URB id: the same for its submission and completion. */
  readonly id: number;
  readonly type: 'S' | 'C';
  readonly xfer: 'control' | 'interrupt' | 'bulk';
  /** Endpoint number with the direction bit (0x80 = IN). */
  readonly ep: number;
  readonly devnum: number;
  readonly tsUs: number;
  /** S: -EINPROGRESS (-115); C: 0, or -EPIPE (-32) for a stall. */
  readonly status: number;
  /** S: the transfer length; C: the actual length. */
  readonly length: number;
  /** The 8 setup bytes (control submissions). */
  readonly setup?: readonly number[];
  readonly data: readonly number[];
  /** Polling interval (interrupt). */
  readonly interval?: number;
  /** What the transfer was, for people. */
  readonly note: string;
}

/** What an enumeration found. @category Host */
export interface Enumeration {
  readonly address: number;
  readonly device: ParsedDevice;
  readonly deviceBytes: readonly number[];
  readonly configs: readonly ParsedConfig[];
  readonly configBytes: readonly (readonly number[])[];
  readonly languages: readonly number[];
  readonly strings: ReadonlyMap<number, string>;
  /** The configuration value selected (0: none). */
  readonly configuration: number;
}

/** Options of {@link UsbHost}. @category Host */
export interface UsbHostOptions {
  readonly clock?: ClockPort;
  /** The address SET_ADDRESS assigns (default 2). */
  readonly address?: number;
  /** Negotiated speed (default high; a full-speed controller ends up at full speed anyway). */
  readonly speed?: 'full' | 'high';
}

const le16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff];
const setupBytes = (p: SetupPacket) => [
  p.bmRequestType,
  p.bRequest,
  ...le16(p.wValue),
  ...le16(p.wIndex),
  ...le16(p.wLength),
];
const EPIPE = -32;
const EINPROGRESS = -115;

/** The configuration value Linux's usb_choose_configuration picks (with rndis_host built): the first. @category Host */
export function chooseConfiguration(configs: readonly ParsedConfig[]): number {
  return configs[0]?.bConfigurationValue ?? 0;
}

/**
 * A host for one gadget.
 * @category Host
 */
export class UsbHost {
  readonly urbs: UrbEvent[] = [];
  private nextId = 0x1000;
  private devnum = 0;
  private readonly clock: ClockPort;
  private enumeration: Enumeration | null = null;
  private rndisRequest = 1;

  constructor(
    readonly gadget: GadgetModule,
    private readonly options: UsbHostOptions = {},
  ) {
    this.clock = options.clock ?? virtualClock();
  }

  private record(e: Omit<UrbEvent, 'tsUs'>): void {
    this.urbs.push({ ...e, tsUs: this.clock.nowUs() });
  }

  /** One control transfer, recorded: the reply (a stall gives `null` data). */
  control(p: SetupPacket, note = describeSetup(p)): HostReply | null {
    const id = this.nextId++;
    const dirIn = (p.bmRequestType & 0x80) !== 0;
    const ep = dirIn ? 0x80 : 0x00;
    this.record({
      id,
      type: 'S',
      xfer: 'control',
      ep,
      devnum: this.devnum,
      status: EINPROGRESS,
      length: p.wLength,
      setup: setupBytes(p),
      data: p.data ?? [],
      note,
    });
    const r = this.gadget.control(p);
    const data = r?.kind === 'data' ? r.bytes : [];
    const status = r === null || r.kind === 'stall' ? EPIPE : 0;
    const length = dirIn ? data.length : status === 0 ? (p.data?.length ?? 0) : 0;
    this.record({ id, type: 'C', xfer: 'control', ep, devnum: this.devnum, status, length, data, note });
    return r;
  }

  private readOrThrow(p: SetupPacket): readonly number[] {
    const r = this.control(p);
    if (r?.kind !== 'data')
      throw new Error(`usb host: ${describeSetup(p)} failed (${r?.kind ?? 'no reply'})`);
    return r.bytes;
  }

  /** Connect, reset and enumerate; selects `configuration` (default: the first, as Linux does). */
  enumerate(configuration?: number): Enumeration {
    const speed = this.options.speed ?? 'high';
    this.gadget.connect();
    this.gadget.reset(speed);
    this.devnum = 0;
    this.readOrThrow(REQ.getDevice(64));
    this.gadget.reset(speed);
    const address = this.options.address ?? 2;
    this.control(REQ.setAddress(address));
    this.devnum = address;
    const deviceBytes = this.readOrThrow(REQ.getDevice(18));
    const device = parseDevice(deviceBytes);
    const configBytes: number[][] = [];
    for (let i = 0; i < device.bNumConfigurations; i++) {
      const head = this.readOrThrow(REQ.getConfig(i, 9));
      configBytes.push([...this.readOrThrow(REQ.getConfig(i, head[2]! | (head[3]! << 8)))]);
    }
    const configs = configBytes.map((b) => parseConfig(b));
    const langTable = this.readOrThrow(REQ.getString(0, 0, 255));
    const languages: number[] = [];
    for (let i = 2; i + 1 < langTable[0]!; i += 2) languages.push(langTable[i]! | (langTable[i + 1]! << 8));
    const strings = new Map<number, string>();
    const lang = languages[0] ?? 0x0409;
    for (const id of [device.iProduct, device.iManufacturer, device.iSerialNumber]) {
      if (!id) continue;
      const r = this.control(REQ.getString(id, lang, 255));
      if (r?.kind === 'data') strings.set(id, decode(r.bytes));
    }
    const value = configuration ?? chooseConfiguration(configs);
    if (value) this.control(REQ.setConfiguration(value));
    this.enumeration = {
      address,
      device,
      deviceBytes,
      configs,
      configBytes,
      languages,
      strings,
      configuration: value,
    };
    return this.enumeration;
  }

  /** The selected configuration as parsed. */
  get config(): ParsedConfig | null {
    const e = this.enumeration;
    return e?.configs.find((c) => c.bConfigurationValue === e.configuration) ?? null;
  }

  /** The interrupt endpoint of the selected configuration (or null). */
  private notifyEp(): { address: number; interval: number } | null {
    for (const it of this.config?.items ?? [])
      if (it.type === 'endpoint' && (it.bmAttributes & 3) === 3)
        return { address: it.bEndpointAddress, interval: it.bInterval };
    return null;
  }

  /** The bulk IN and OUT endpoints of the data interface (the altsetting that has them). */
  bulkEndpoints(): { in: number; out: number } | null {
    const cfg = this.config;
    if (!cfg) return null;
    for (const it of cfg.items) {
      if (it.type !== 'interface' || it.bNumEndpoints !== 2) continue;
      const eps = interfaceEndpoints(cfg, it.bInterfaceNumber, it.bAlternateSetting).filter(
        (e) => (e.bmAttributes & 3) === 2,
      );
      const i = eps.find((e) => e.bEndpointAddress & 0x80);
      const o = eps.find((e) => !(e.bEndpointAddress & 0x80));
      if (i && o) return { in: i.bEndpointAddress, out: o.bEndpointAddress };
    }
    return null;
  }

  /** Polls the interrupt endpoint once: the notification, or null (NAK, not recorded). */
  pollInterrupt(): readonly number[] | null {
    const ep = this.notifyEp();
    if (!ep) return null;
    const bytes = this.gadget.interruptIn();
    if (!bytes) return null;
    const id = this.nextId++;
    this.record({
      id,
      type: 'S',
      xfer: 'interrupt',
      ep: ep.address,
      devnum: this.devnum,
      status: EINPROGRESS,
      length: 16,
      data: [],
      interval: ep.interval,
      note: 'notification',
    });
    this.record({
      id,
      type: 'C',
      xfer: 'interrupt',
      ep: ep.address,
      devnum: this.devnum,
      status: 0,
      length: bytes.length,
      data: bytes,
      interval: ep.interval,
      note: 'notification',
    });
    return bytes;
  }

  /** One RNDIS command: SEND_ENCAPSULATED_COMMAND, RESPONSE_AVAILABLE, GET_ENCAPSULATED_RESPONSE. */
  rndisCommand(ctrl: number, msg: readonly number[]): readonly number[] | null {
    this.control(REQ.rndisSendCommand(ctrl, msg), `RNDIS ${rndisName(rdU32(msg, 0))}`);
    this.pollInterrupt();
    const r = this.control(REQ.rndisGetResponse(ctrl), 'GET_ENCAPSULATED_RESPONSE');
    return r?.kind === 'data' ? r.bytes : null;
  }

  /**
   * What the class driver does to open the link on the selected configuration; returns the
   * link type found (`ecm`, `subset`, `rndis`, or null).
   */
  openLink(): 'ecm' | 'subset' | 'rndis' | null {
    const cfg = this.config;
    if (!cfg) return null;
    const first = cfg.items.find((i) => i.type === 'interface');
    if (!first || first.type !== 'interface') return null;
    if (first.bInterfaceClass === USB_CLASS.COMM && first.bInterfaceSubClass === USB_CDC.SUBCLASS_ETHERNET) {
      const data = cfg.items.find(
        (i) =>
          i.type === 'interface' && i.bInterfaceClass === USB_CLASS.CDC_DATA && i.bAlternateSetting === 1,
      );
      if (data?.type === 'interface') this.control(REQ.setInterface(data.bInterfaceNumber, 1));
      this.readMacString(cfg);
      while (this.pollInterrupt()) continue;
      return 'ecm';
    }
    if (first.bInterfaceClass === USB_CLASS.COMM && first.bInterfaceSubClass === USB_CDC.SUBCLASS_MDLM) {
      this.readMacString(cfg);
      return 'subset';
    }
    if (
      first.bInterfaceClass === USB_CLASS.COMM &&
      first.bInterfaceSubClass === USB_CDC.SUBCLASS_ACM &&
      first.bInterfaceProtocol === 0xff
    ) {
      const ctrl = first.bInterfaceNumber;
      this.rndisCommand(ctrl, initializeMsg(this.rndisRequest++));
      this.rndisCommand(ctrl, queryMsg(this.rndisRequest++, OID.P802_3_PERMANENT_ADDRESS));
      this.rndisCommand(ctrl, setMsg(this.rndisRequest++, OID.GEN_CURRENT_PACKET_FILTER, 0x2d));
      while (this.pollInterrupt()) this.control(REQ.rndisGetResponse(ctrl), 'GET_ENCAPSULATED_RESPONSE');
      return 'rndis';
    }
    return null;
  }

  private readMacString(cfg: ParsedConfig): void {
    for (const it of cfg.items) {
      if (it.type === 'cdc' && it.subtype === 0x0f && typeof it.fields['iMACAddress'] === 'number') {
        this.control(REQ.getString(it.fields['iMACAddress'], 0x0409, 255));
      }
    }
  }

  private isRndis(): boolean {
    const first = this.config?.items.find((i) => i.type === 'interface');
    return first?.type === 'interface' && first.bInterfaceSubClass === USB_CDC.SUBCLASS_ACM;
  }

  /** Sends an Ethernet frame to the gadget (bulk OUT; wrapped for RNDIS): whether it was taken. */
  sendFrame(input: Uint8Array | readonly number[]): boolean {
    const frame = input instanceof Uint8Array ? [...input] : input;
    const eps = this.bulkEndpoints();
    if (!eps) return false;
    const bytes = this.isRndis() ? rndisAddHdr(frame) : [...frame];
    const ok = this.gadget.bulkOut(bytes);
    if (!ok) return false;
    const id = this.nextId++;
    this.record({
      id,
      type: 'S',
      xfer: 'bulk',
      ep: eps.out,
      devnum: this.devnum,
      status: EINPROGRESS,
      length: bytes.length,
      data: bytes,
      note: 'frame to gadget',
    });
    this.record({
      id,
      type: 'C',
      xfer: 'bulk',
      ep: eps.out,
      devnum: this.devnum,
      status: 0,
      length: bytes.length,
      data: [],
      note: 'frame to gadget',
    });
    return true;
  }

  /** Reads every frame the gadget has queued on bulk IN (unwrapped for RNDIS). */
  receiveFrames(): (readonly number[])[] {
    const eps = this.bulkEndpoints();
    const out: (readonly number[])[] = [];
    if (!eps) return out;
    for (;;) {
      const bytes = this.gadget.bulkIn();
      if (!bytes) return out;
      const id = this.nextId++;
      this.record({
        id,
        type: 'S',
        xfer: 'bulk',
        ep: eps.in,
        devnum: this.devnum,
        status: EINPROGRESS,
        length: 2048,
        data: [],
        note: 'frame from gadget',
      });
      this.record({
        id,
        type: 'C',
        xfer: 'bulk',
        ep: eps.in,
        devnum: this.devnum,
        status: 0,
        length: bytes.length,
        data: bytes,
        note: 'frame from gadget',
      });
      const frame = this.isRndis() ? rndisRmHdr(bytes) : bytes;
      if (frame) out.push(frame.length > 1514 ? frame.slice(0, 1514) : frame);
    }
  }
}

function decode(b: readonly number[]): string {
  let s = '';
  for (let i = 2; i + 1 < b.length; i += 2) s += String.fromCharCode(b[i]! | (b[i + 1]! << 8));
  return s;
}

function rndisName(type: number): string {
  const names: Record<number, string> = {
    [RNDIS_MSG.INITIALIZE]: 'INITIALIZE',
    [RNDIS_MSG.QUERY]: 'QUERY',
    [RNDIS_MSG.SET]: 'SET',
    [RNDIS_MSG.HALT]: 'HALT',
    [RNDIS_MSG.KEEPALIVE]: 'KEEPALIVE',
    [RNDIS_MSG.RESET]: 'RESET',
  };
  return names[type] ?? `0x${type.toString(16)}`;
}

// Host enumeration through the composite core, for each configuration: the sequence a Linux
// host sends and what the gadget answers, link up/down, the data path both ways, and the
// requests around it (wLength truncation, strings and languages, SET_CONFIGURATION 0 and
// unknown values, altsettings, RNDIS INITIALIZE and the packet filter, disconnect, suspend,
// resume, bus reset). Seed: eth_driver (373-379) is what composite_setup serves; the
// configurations come from eth_bind 346-355, their functions from rndis_do_config 236 and
// eth_do_config 261-264.
import { describe, expect, it } from 'vitest';
import { OID, RNDIS_MSG } from './constants.js';
import { CONTROLLERS } from './controllers.js';
import { hexBytes } from './descriptors.js';
import { GadgetModule, type LinkEvent } from './device.js';
import { UsbHost } from './host.js';
import { initializeMsg, queryMsg, rdU32, setMsg, simpleMsg } from './model/rndis-msg.js';
import { REQ } from './requests.js';
import { SCOPE_PARAMS } from './scope.js';

function setupGadget(controller = CONTROLLERS.net2280, rndis = false) {
  const g = new GadgetModule({ controller, build: { rndis }, params: SCOPE_PARAMS });
  const links: string[] = [];
  g.onLink((e: LinkEvent) => links.push(`${e.up ? 'up' : 'down'}:${e.link}`));
  expect(g.load()).toBe(0);
  return { g, links, host: new UsbHost(g) };
}

const completions = (h: UsbHost) =>
  h.urbs
    .filter((u) => u.type === 'C')
    .map((u) => `${u.note}${u.status ? ' STALL' : ''}${u.xfer !== 'control' ? ` ${u.data.length}` : ''}`);

const ENUM_HEAD = [
  'GET_DESCRIPTOR DEVICE 0 len 64',
  'SET_ADDRESS 2 (wIndex 0)',
  'GET_DESCRIPTOR DEVICE 0 len 18',
];
const STRINGS = [
  'GET_DESCRIPTOR STRING 0 len 255',
  'GET_DESCRIPTOR STRING 2 len 255',
  'GET_DESCRIPTOR STRING 1 len 255',
];

describe('the enumeration sequence of each configuration', () => {
  it('net2280, ECM (configuration 1): the link comes up when cdc_ether selects data altsetting 1', () => {
    const { g, links, host } = setupGadget();
    host.enumerate();
    expect(links).toEqual([]); // configured, data altsetting 0: no link yet
    expect(host.openLink()).toBe('ecm');
    expect(links).toEqual(['up:ecm']);
    expect(completions(host)).toEqual([
      ...ENUM_HEAD,
      'GET_DESCRIPTOR CONFIGURATION 0 len 9',
      'GET_DESCRIPTOR CONFIGURATION 0 len 80',
      ...STRINGS,
      'SET_CONFIGURATION 1 (wIndex 0)',
      'SET_INTERFACE 1 (wIndex 1)',
      'GET_DESCRIPTOR STRING 5 len 255', // iMACAddress
      'notification 8', // NETWORK_CONNECTION (0) from set_config's data altsetting 0
      'notification 8', // NETWORK_CONNECTION again after SET_INTERFACE
      'notification 16', // SPEED_CHANGE
    ]);
    const notes = host.urbs
      .filter((u) => u.type === 'C' && u.xfer === 'interrupt')
      .map((u) => hexBytes(u.data));
    // bmRequestType 0xa1; NETWORK_CONNECTION 0x00 wValue 0 (usb0 not open); SPEED_CHANGE 0x2a, 13*512*8*1000*8 = 425984000 = 0x19640000 bit/s both ways
    expect(notes).toEqual([
      'a1 00 00 00 00 00 00 00',
      'a1 00 00 00 00 00 00 00',
      'a1 2a 00 00 00 00 08 00 00 00 64 19 00 00 64 19',
    ]);
    expect(g.state).toBe('loaded.bound.powered.configured');
  });

  it('pxa25x, Subset (configuration 1): the link comes up with SET_CONFIGURATION', () => {
    const { links, host } = setupGadget(CONTROLLERS.pxa25x);
    host.enumerate();
    expect(links).toEqual(['up:geth']);
    expect(host.openLink()).toBe('subset');
    expect(completions(host)).toEqual([
      ...ENUM_HEAD,
      'GET_DESCRIPTOR CONFIGURATION 0 len 9',
      'GET_DESCRIPTOR CONFIGURATION 0 len 77',
      ...STRINGS,
      'SET_CONFIGURATION 1 (wIndex 0)',
      'GET_DESCRIPTOR STRING 4 len 255',
    ]);
  });

  it('net2280 with RNDIS, configuration 2 (Linux picks the first): INITIALIZE, QUERY, SET filter, each with RESPONSE_AVAILABLE', () => {
    const { g, links, host } = setupGadget(CONTROLLERS.net2280, true);
    host.enumerate();
    expect(links).toEqual(['up:rndis']); // USBG-6: carrier before RNDIS is initialised
    expect(host.openLink()).toBe('rndis');
    expect(completions(host)).toEqual([
      ...ENUM_HEAD,
      'GET_DESCRIPTOR CONFIGURATION 0 len 9',
      'GET_DESCRIPTOR CONFIGURATION 0 len 67',
      'GET_DESCRIPTOR CONFIGURATION 1 len 9',
      'GET_DESCRIPTOR CONFIGURATION 1 len 80',
      ...STRINGS,
      'SET_CONFIGURATION 2 (wIndex 0)',
      'RNDIS INITIALIZE',
      'notification 8',
      'GET_ENCAPSULATED_RESPONSE',
      'RNDIS QUERY',
      'notification 8',
      'GET_ENCAPSULATED_RESPONSE',
      'RNDIS SET',
      'notification 8',
      'GET_ENCAPSULATED_RESPONSE',
    ]);
    expect(g.context.statics!.rndisParams.state).toBe('dataInitialized');
  });

  it('net2280 with RNDIS, configuration 1: ECM in the second configuration, the same way as alone', () => {
    const { links, host } = setupGadget(CONTROLLERS.net2280, true);
    host.enumerate(1);
    expect(host.openLink()).toBe('ecm');
    expect(links).toEqual(['up:ecm']);
    expect(completions(host).slice(-6)).toEqual([
      'SET_CONFIGURATION 1 (wIndex 0)',
      'SET_INTERFACE 1 (wIndex 1)',
      'GET_DESCRIPTOR STRING 7 len 255',
      'notification 8',
      'notification 8',
      'notification 16',
    ]);
  });
});

describe('RNDIS control messages (rndis.c)', () => {
  const { g } = setupGadget(CONTROLLERS.net2280, true);
  const host = new UsbHost(g);
  host.enumerate(2);
  it('INITIALIZE_CMPLT: 52 bytes, the request id, RNDIS 1.0, connectionless 802.3, MaxTransferSize 1500 + 14 + 44 + 22', () => {
    const r = host.rndisCommand(0, initializeMsg(7))!;
    expect([0, 4, 8, 12, 16, 20, 24, 28, 32, 36].map((o) => rdU32(r, o))).toEqual([
      0x80000002, 52, 7, 0, 1, 0, 1, 0, 1, 1580,
    ]);
  });
  it('QUERY of the permanent address answers the host MAC', () => {
    const r = host.rndisCommand(0, queryMsg(8, OID.P802_3_PERMANENT_ADDRESS))!;
    expect(rdU32(r, 12)).toBe(0); // success
    expect(hexBytes(r.slice(24))).toBe('02 00 00 00 00 02');
  });
  it('a zero packet filter drops the carrier, a non-zero one raises it (the state follows)', () => {
    host.rndisCommand(0, setMsg(9, OID.GEN_CURRENT_PACKET_FILTER, 0));
    expect([g.linkUp, g.context.statics!.rndisParams.state]).toEqual([false, 'initialized']);
    host.rndisCommand(0, setMsg(10, OID.GEN_CURRENT_PACKET_FILTER, 0x2d));
    expect([g.linkUp, g.context.statics!.rndisParams.state]).toEqual([true, 'dataInitialized']);
  });
  it('HALT: no response, carrier off; GET_ENCAPSULATED_RESPONSE with nothing queued stalls', () => {
    host.control(REQ.rndisSendCommand(0, simpleMsg(RNDIS_MSG.HALT, 11)));
    expect(g.linkUp).toBe(false);
    expect(host.pollInterrupt()).toBeNull();
    expect(host.control(REQ.rndisGetResponse(0))).toEqual({ kind: 'stall', errno: -95 });
  });
});

describe('requests around the enumeration', () => {
  it('GET_DESCRIPTOR truncates to wLength: 8 bytes of the device, 9 of the configuration; an index past the configurations stalls', () => {
    const { g } = setupGadget();
    g.connect();
    g.reset('high');
    expect(g.control(REQ.getDevice(8))).toEqual({ kind: 'data', bytes: [18, 1, 0, 2, 2, 0, 0, 64] });
    const c = g.control(REQ.getConfig(0, 9));
    expect(c?.kind === 'data' && c.bytes.length).toBe(9);
    expect(g.control(REQ.getConfig(1, 255))).toEqual({ kind: 'stall', errno: -22 });
  });

  it('strings: a language the tables do not have stalls; string 0 is the language table whatever wIndex says', () => {
    const { g } = setupGadget();
    g.connect();
    g.reset('high');
    expect(g.control(REQ.getString(1, 0x0407))).toEqual({ kind: 'stall', errno: -22 });
    expect(g.control({ ...REQ.getString(0), wIndex: 0x1234 })).toEqual({ kind: 'data', bytes: [4, 3, 9, 4] });
    expect(g.control(REQ.getString(99))).toEqual({ kind: 'stall', errno: -22 });
  });

  it('a full-speed controller has no qualifier and no other-speed configuration (stall)', () => {
    const { g } = setupGadget(CONTROLLERS.pxa25x);
    g.connect();
    g.reset('high');
    expect(g.context.bus.speed).toBe('full');
    expect(g.control(REQ.getQualifier())?.kind).toBe('stall');
    expect(g.control(REQ.getOtherSpeedConfig(0, 255))?.kind).toBe('stall');
  });

  it('SET_CONFIGURATION 0 unconfigures (link down), GET_CONFIGURATION follows; an unknown value stalls after the reset (USBG-7)', () => {
    const { g, links, host } = setupGadget(CONTROLLERS.pxa25x);
    host.enumerate();
    expect(g.control(REQ.getConfiguration())).toEqual({ kind: 'data', bytes: [1] });
    expect(g.control(REQ.setConfiguration(0))).toEqual({ kind: 'ack' });
    expect(links).toEqual(['up:geth', 'down:geth']);
    expect(g.state).toBe('loaded.bound.powered.addressed');
    g.control(REQ.setConfiguration(1));
    expect(g.control(REQ.setConfiguration(5))).toEqual({ kind: 'stall', errno: -22 });
    expect(g.control(REQ.getConfiguration())).toEqual({ kind: 'data', bytes: [0] });
  });

  it('ECM altsettings: GET_INTERFACE follows SET_INTERFACE; altsetting 2 and an alt on the control interface stall', () => {
    const { g, links, host } = setupGadget();
    host.enumerate();
    expect(g.control(REQ.getInterface(1))).toEqual({ kind: 'data', bytes: [0] });
    g.control(REQ.setInterface(1, 1));
    expect(g.control(REQ.getInterface(1))).toEqual({ kind: 'data', bytes: [1] });
    expect(g.control(REQ.setInterface(1, 2))?.kind).toBe('stall');
    expect(g.control(REQ.setInterface(0, 1))?.kind).toBe('stall');
    g.control(REQ.setInterface(1, 0));
    expect(links).toEqual(['up:ecm', 'down:ecm']);
    expect(g.control(REQ.ecmSetPacketFilter(0, 0x0e))).toEqual({ kind: 'ack' });
    expect(g.control(REQ.ecmSetPacketFilter(1, 0x0e))?.kind).toBe('stall'); // wIndex must be the control interface
  });

  it('disconnect, bus reset, suspend and resume', () => {
    const { g, links, host } = setupGadget(CONTROLLERS.pxa25x);
    host.enumerate();
    g.suspend();
    expect([g.context.bus.suspended, g.linkUp]).toEqual([true, true]); // no suspend hooks in g_ether
    g.resume();
    g.reset('full');
    expect(g.state).toBe('loaded.bound.powered.defaultState');
    expect(links).toEqual(['up:geth', 'down:geth']); // the reset disconnects the configuration
    host.enumerate();
    g.disconnect();
    expect(g.state).toBe('loaded.bound.detached');
    expect(links).toEqual(['up:geth', 'down:geth', 'up:geth', 'down:geth']);
  });
});

describe('the data path', () => {
  const frame = (dst: number[], n: number) => [
    ...dst,
    2,
    0,
    0,
    0,
    0,
    1,
    0x08,
    0x00,
    ...Array.from({ length: n }, (_, i) => i & 0xff),
  ];
  const BCAST = [255, 255, 255, 255, 255, 255];
  const HOST = [2, 0, 0, 0, 0, 2];

  it('ECM: frames go both ways once the data altsetting is active and usb0 is up', () => {
    const { g, host } = setupGadget();
    const rx: (readonly number[])[] = [];
    g.onRx((f) => rx.push(f));
    host.enumerate();
    expect(host.sendFrame(frame(HOST, 10))).toBe(false); // altsetting 0: no link
    host.openLink();
    expect(host.sendFrame(frame(HOST, 10))).toBe(false); // usb0 down: no rx requests queued
    g.netOpen();
    expect(host.sendFrame(frame(HOST, 10))).toBe(true);
    expect(rx).toHaveLength(1);
    expect(g.xmit(frame(BCAST, 46))).toBe(true);
    expect(host.receiveFrames()).toEqual([frame(BCAST, 46)]);
  });

  it('RNDIS: the framing header both ways; broadcast dropped while the filter is 0, delivered after SET filter', () => {
    const { g, host } = setupGadget(CONTROLLERS.net2280, true);
    host.enumerate();
    g.netOpen();
    expect(g.xmit(frame(BCAST, 46))).toBe(false); // filter 0: broadcast dropped (but the carrier is on: USBG-6)
    expect(g.xmit(frame(HOST, 46))).toBe(true); // unicast goes out to a host that has not initialised RNDIS
    host.openLink();
    expect(g.xmit(frame(BCAST, 46))).toBe(true);
    const raw = g.bulkIn()!;
    expect(rdU32(raw, 0)).toBe(1); // PACKET_MSG
    expect([rdU32(raw, 4), rdU32(raw, 8), rdU32(raw, 12)]).toEqual([44 + 60, 36, 60]);
    expect(host.receiveFrames()).toEqual([frame(BCAST, 46)]);
    expect(host.sendFrame(frame(HOST, 46))).toBe(true);
    expect(g.context.rxCount).toBe(1);
  });

  it('Subset without ZLPs: a frame that fills whole packets gets one extra byte (no zero-length packet)', () => {
    const { g, host } = setupGadget(CONTROLLERS.pxa25x);
    host.enumerate();
    g.netOpen();
    g.xmit(frame(BCAST, 64 * 2 - 14));
    expect(g.bulkIn()!.length).toBe(129);
  });

  it('the tx queue holds qlen requests: 2 at full speed, qmult * 2 = 10 at high speed', () => {
    for (const [controller, expected] of [
      [CONTROLLERS.pxa25x, 2],
      [CONTROLLERS.net2280, 10],
    ] as const) {
      const { g, host } = setupGadget(controller);
      host.enumerate();
      host.openLink();
      g.netOpen();
      let n = 0;
      while (g.xmit(frame(BCAST, 46))) n++;
      expect(n).toBe(expected);
    }
  });
});

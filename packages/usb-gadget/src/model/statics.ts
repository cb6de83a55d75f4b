/**
 * The module image as a fresh `insmod g_ether` finds it: the seed's initialisers
 * (`device_desc` 155-177, `rndis_config_driver` 239-245, `eth_config_driver` 267-273, the zeroed
 * `manufacturer`, `strings_dev` ids and `hostaddr`) and the zero-initialised statics of the
 * files it includes (string ids, descriptor templates, `epnum`, rndis.c's per-device params).
 * A module load builds this; nothing else ever resets it (a re-bind sees what the last bind
 * wrote).
 *
 * @module
 */
import {
  CDC_PRODUCT_NUM,
  CDC_VENDOR_NUM,
  USB_CLASS,
  USB_CONFIG_ATT_SELFPOWER,
  USB_DIR_IN,
} from '../constants.js';
import type { Controller } from '../controllers.js';
import type { ConfigDriver, EtherStatics, FunctionStatics, RndisParams, UdcState } from './types.js';

function configDriver(label: string | null, value: number): ConfigDriver {
  return {
    label,
    bConfigurationValue: value,
    bmAttributes: USB_CONFIG_ATT_SELFPOWER,
    iConfiguration: 0,
    bMaxPower: 0,
    otg: false,
    nextInterfaceId: 0,
    interfaces: [],
    functions: [],
    fullspeed: false,
    highspeed: false,
  };
}

const ep = (address: number, maxpacket: number) => ({ address, maxpacket });

/** rndis.c `rndis_per_dev_params[0]` zero-initialised. @category Model */
export const RNDIS_PARAMS_ZERO: RndisParams = Object.freeze({
  used: false,
  state: 'uninitialized',
  mediaConnected: false,
  dev: false,
  filterOf: null,
  responses: [],
  speed: 0,
});

const fnStatics = (ids: number, intf: number[], eps: FunctionStatics['eps']): FunctionStatics => ({
  stringIds: Array.from({ length: ids }, () => 0),
  macString: null,
  intf,
  eps,
});

/**
 * The statics of a freshly loaded module.
 * @category Model
 */
export function freshStatics(): EtherStatics {
  return {
    device: {
      bcdUSB: 0x0200,
      bDeviceClass: USB_CLASS.COMM,
      bDeviceSubClass: 0,
      bDeviceProtocol: 0,
      bMaxPacketSize0: 0,
      idVendor: CDC_VENDOR_NUM,
      idProduct: CDC_PRODUCT_NUM,
      bcdDevice: 0,
      iManufacturer: 0,
      iProduct: 0,
      iSerialNumber: 0,
      bNumConfigurations: 1,
    },
    configs: { rndis: configDriver('RNDIS', 2), eth: configDriver(null, 1) },
    manufacturer: '',
    stringIds: [0, 0],
    hostaddr: [0, 0, 0, 0, 0, 0],
    composite: false,
    epnum: 0,
    // f_ecm.c: ecm_string_defs [control, MAC, data]; ecm_data_nop_intf/ecm_data_intf start as interface 1
    ecm: fnStatics(3, [0, 1], { in: ep(USB_DIR_IN, 0), out: ep(0, 0), notify: ep(USB_DIR_IN, 16) }),
    // f_subset.c: geth_string_defs [label, MAC]
    geth: fnStatics(2, [0], { in: ep(USB_DIR_IN, 0), out: ep(0, 0) }),
    // f_rndis.c (2.6.31): rndis_string_defs [control, data]
    rndis: fnStatics(2, [0, 0], { in: ep(USB_DIR_IN, 0), out: ep(0, 0), notify: ep(USB_DIR_IN, 8) }),
    rndisParams: RNDIS_PARAMS_ZERO,
    overrides: {},
    binds: 0,
  };
}

/**
 * The controller's run-time state when a gadget driver starts binding to it: nothing claimed,
 * nothing enabled.
 * @category Model
 */
export function freshUdc(controller: Controller): UdcState {
  return {
    controller,
    eps: controller.endpoints.map((e) => ({
      name: e.name,
      maxpacket: e.maxpacket,
      driverData: null,
      enabled: false,
    })),
    driverBound: false,
  };
}

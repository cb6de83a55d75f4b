// eth_bind in the C order (seed 277-365), every failure path and what it leaves registered;
// the seed's rewrites of device_desc (288-323), the manufacturer string (331-333) and the
// string ids (334-344); the module parameters composite_bind applies after the bind; init and
// cleanup (385-395); and the module statics across binds.
import { createActor, type InspectionEvent } from 'xstate';
import { describe, expect, it } from 'vitest';
import { CONTROLLERS, type Controller } from './controllers.js';
import { ERR } from './constants.js';
import { GadgetModule } from './device.js';
import { gadgetMachine } from './machine/machine.js';
import { loadModule } from './model/bind.js';
import { createGadgetContext, type GadgetContextOptions } from './model/context.js';
import type { FaultOp, GadgetContext } from './model/types.js';
import { armFault } from './ports.js';

/** Loads through the live chart and records every state it passes through. */
function loadOnChart(o: GadgetContextOptions, faults: [FaultOp, number][] = []) {
  let context = createGadgetContext(o);
  for (const [op, nth] of faults) context = { ...context, env: armFault(context.env, op, nth) };
  const states: string[] = [];
  const leaf = (v: unknown): string =>
    typeof v === 'string'
      ? v
      : Object.entries(v as object)
          .map(([k, s]) => `${k}.${leaf(s)}`)
          .join(',');
  const inspect = (e: InspectionEvent) => {
    if (e.type === '@xstate.microstep')
      states.push(leaf((e as unknown as { snapshot: { value: unknown } }).snapshot.value));
  };
  const actor = createActor(gadgetMachine, { input: { context }, inspect });
  actor.start();
  actor.send({ type: 'module.load' });
  return { snapshot: actor.getSnapshot(), states: [...new Set(states)] };
}

const RNDIS_NET2280: GadgetContextOptions = { controller: CONTROLLERS.net2280, build: { rndis: true } };

describe('a clean bind walks eth_bind in the C order', () => {
  it('the chart passes through one state per step, RNDIS configuration before the Ethernet one', () => {
    const { snapshot, states } = loadOnChart(RNDIS_NET2280);
    expect(snapshot.value).toEqual({ loaded: { bound: 'detached' } });
    const bind = states
      .filter((s) => s.startsWith('loading.ethBind.'))
      .map((s) => s.slice('loading.ethBind.'.length));
    expect(bind).toEqual([
      'settingUpLink', // 283-286
      'choosingLink', // 288-300
      'choosingRndisIds', // 302-307
      'numberingController', // 309-323
      'writingManufacturer', // 331-333
      'allocatingManufacturerId', // 334-338
      'allocatingProductId', // 340-344
      'addingRndisConfig', // 346-351
      'addingEthConfig', // 353-355
      'announcing', // 357-360
    ]);
    expect(states).toContain('loading.finishingBind');
  });

  it('the fallible calls come in this order (composite_bind, gether_setup, eth_bind, f_rndis, f_ecm)', () => {
    const r = loadModule(createGadgetContext(RNDIS_NET2280));
    expect(r.bound).toBe(true);
    expect(r.ctx.ghost.calls).toEqual([
      'kzalloc@composite_bind',
      'usb_ep_alloc_request@composite_bind',
      'kmalloc@composite_bind',
      'alloc_etherdev@gether_setup',
      'register_netdev@gether_setup',
      'usb_string_id@eth_bind',
      'usb_string_id@eth_bind',
      'rndis_init@rndis_bind_config',
      'usb_string_id@rndis_bind_config',
      'usb_string_id@rndis_bind_config',
      'kzalloc@rndis_bind_config',
      'usb_ep_autoconfig@rndis_bind',
      'usb_ep_autoconfig@rndis_bind',
      'usb_ep_autoconfig@rndis_bind',
      'usb_ep_alloc_request@rndis_bind',
      'kmalloc@rndis_bind',
      'usb_copy_descriptors@rndis_bind',
      'usb_copy_descriptors@rndis_bind',
      'rndis_register@rndis_bind',
      'usb_string_id@ecm_bind_config',
      'usb_string_id@ecm_bind_config',
      'usb_string_id@ecm_bind_config',
      'kzalloc@ecm_bind_config',
      'usb_ep_autoconfig@ecm_bind',
      'usb_ep_autoconfig@ecm_bind',
      'usb_ep_autoconfig@ecm_bind',
      'usb_ep_alloc_request@ecm_bind',
      'kmalloc@ecm_bind',
      'usb_copy_descriptors@ecm_bind',
      'usb_copy_descriptors@ecm_bind',
    ]);
  });
});

/** What remains after a failed load. */
function registered(c: GadgetContext) {
  return {
    netdev: c.netdev !== null,
    functions: Object.keys(c.fns).length,
    cdev: c.cdev !== null,
    statics: c.statics !== null,
    rndisProc: c.rndisProc,
  };
}
const NOTHING = { netdev: false, functions: 0, cdev: false, statics: false, rndisProc: false };

describe.each([
  ['net2280 with RNDIS', RNDIS_NET2280],
  ['net2280', { controller: CONTROLLERS.net2280 }],
  ['pxa25x', { controller: CONTROLLERS.pxa25x }],
] as const)('every failure path of the bind: %s', (_label, options) => {
  const clean = loadModule(createGadgetContext(options)).ctx.ghost.calls;
  const paths = clean.map((call, i) => {
    const op = call.split('@')[0] as FaultOp;
    return { i, call, op, nth: clean.slice(0, i + 1).filter((c) => c.startsWith(`${op}@`)).length };
  });

  it.each(paths)(
    'call $i ($call) failing: the chart and the model agree, the load fails, nothing stays registered',
    ({ op, nth, call }) => {
      const chart = loadOnChart(options, [[op, nth]]);
      const model = loadModule({
        ...createGadgetContext(options),
        env: armFault(createGadgetContext(options).env, op, nth),
      });
      expect(model.bound).toBe(false);
      if (call === 'usb_copy_descriptors@geth_bind') {
        // USBG-8: the Subset bind does not check the copy; the kernel oopses inside module init
        expect(chart.snapshot.value).toBe('oopsed');
        expect(chart.snapshot.context.ghost.oops).toMatch(/usb_find_endpoint/);
        return;
      }
      expect(chart.snapshot.value).toBe('unloaded');
      expect(chart.snapshot.context.result).toBe(model.ctx.result);
      const expected = call.startsWith('usb_string_id@rndis_bind_config')
        ? { ...NOTHING, rndisProc: true } // USBG-9: rndis_init ran, rndis_exit never does on this path
        : NOTHING;
      expect(registered(chart.snapshot.context)).toEqual(expected);
      // the errno init returns: the allocation failures -ENOMEM, no endpoint / no id -ENODEV, ...
      const errno: Record<string, number> = {
        kzalloc: ERR.ENOMEM,
        kmalloc: ERR.ENOMEM,
        usb_ep_alloc_request: ERR.ENOMEM,
        usb_copy_descriptors: ERR.ENOMEM,
        alloc_etherdev: ERR.ENOMEM,
        register_netdev: ERR.EBUSY,
        usb_string_id: ERR.ENODEV,
        usb_ep_autoconfig: ERR.ENODEV,
        rndis_register: ERR.ENODEV,
        rndis_init: ERR.EIO,
      };
      expect(chart.snapshot.context.result).toBe(errno[op]);
    },
  );

  it('a failure in gether_setup returns at once (no gether_cleanup, 283-286); later ones go through fail: (362-364)', () => {
    const early = loadOnChart(options, [['alloc_etherdev', 1]]).states;
    expect(early).not.toContain('loading.ethBind.failing');
    const late = loadOnChart(options, [['usb_string_id', 1]]).states;
    expect(late).toContain('loading.ethBind.failing');
    expect(late).toContain('loading.unbindingAfterFailure');
  });
});

describe('failure paths that need no injected fault', () => {
  it('no controller: usb_gadget_register_driver gives -ENODEV', () => {
    const g = new GadgetModule({ controller: null });
    expect(g.load()).toBe(ERR.ENODEV);
    expect(g.state).toBe('unloaded');
  });

  it('SA-1100 with RNDIS: rndis_bind_config refuses (-EINVAL, only two endpoints) and the load fails', () => {
    const g = new GadgetModule({ controller: CONTROLLERS.sa1100, build: { rndis: true } });
    expect(g.load()).toBe(ERR.EINVAL);
    expect(registered(g.context)).toEqual(NOTHING);
  });

  it('a controller with too few endpoints for ECM: the notify autoconfig runs out (-ENODEV)', () => {
    const tiny: Controller = {
      ...CONTROLLERS.net2280,
      name: 'tiny_udc',
      endpoints: [CONTROLLERS.net2280.endpoints[0]!, CONTROLLERS.net2280.endpoints[1]!],
    };
    const g = new GadgetModule({ controller: tiny });
    expect(g.load()).toBe(ERR.ENODEV);
    expect(g.context.ghost.calls.filter((c) => c === 'usb_ep_autoconfig@ecm_bind')).toHaveLength(3);
  });

  it('SA-1100 without RNDIS: the Subset on its two bulk endpoints', () => {
    const g = new GadgetModule({ controller: CONTROLLERS.sa1100 });
    expect(g.load()).toBe(0);
    expect(g.context.statics!.configs.eth.label).toBe('CDC Subset/SAFE');
  });
});

describe('what eth_bind writes (288-344)', () => {
  it.each([
    ['net2280', CONTROLLERS.net2280, false, 'CDC Ethernet (ECM)', 0x0525, 0xa4a1, 0x02, 0x0301, 1],
    ['pxa25x', CONTROLLERS.pxa25x, false, 'CDC Subset/SAFE', 0x049f, 0x505a, 0xff, 0x0303, 1],
    ['pxa25x + RNDIS', CONTROLLERS.pxa25x, true, 'CDC Subset/SAFE', 0x0525, 0xa4a2, 0x02, 0x0303, 2],
    ['net2280 + RNDIS', CONTROLLERS.net2280, true, 'CDC Ethernet (ECM)', 0x0525, 0xa4a2, 0x02, 0x0301, 2],
    ['dummy_udc', CONTROLLERS.dummy, false, 'CDC Ethernet (ECM)', 0x0525, 0xa4a1, 0x02, 0x0302, 1],
    ['pxa27x', CONTROLLERS.pxa27x, false, 'CDC Subset/SAFE', 0x049f, 0x505a, 0xff, 0x0311, 1],
    ['musb_hdrc', CONTROLLERS.musbOtg, false, 'CDC Ethernet (ECM)', 0x0525, 0xa4a1, 0x02, 0x0316, 1],
  ] as const)(
    '%s: label, ids, class, bcdDevice, configurations',
    (_n, controller, rndis, label, vid, pid, cls, bcd, n) => {
      const r = loadModule(createGadgetContext({ controller, build: { rndis } }));
      const d = r.ctx.statics!.device;
      expect([
        r.ctx.statics!.configs.eth.label,
        d.idVendor,
        d.idProduct,
        d.bDeviceClass,
        d.bcdDevice,
        d.bNumConfigurations,
      ]).toEqual([label, vid, pid, cls, bcd, n]);
    },
  );

  it('the manufacturer string is "<sysname> <release> with <controller>", cut to the 49 characters of manufacturer[50]', () => {
    const long = loadModule(
      createGadgetContext({ uts: { release: '2.6.31-rc9-an-extremely-long-local-version-string' } }),
    );
    expect(long.ctx.statics!.manufacturer).toBe('Linux 2.6.31-rc9-an-extremely-long-local-version-');
    expect(long.ctx.statics!.manufacturer).toHaveLength(49);
  });

  it('module parameters: idVendor/idProduct/bcdDevice and the strings override after the bind; iSerialNumber never applies', () => {
    const g = new GadgetModule({
      params: {
        idVendor: 0x1d6b,
        idProduct: 0x0104,
        bcdDevice: 0x0100,
        iProduct: 'kspec',
        iManufacturer: 'me',
        iSerialNumber: '42',
      },
    });
    g.load();
    const d = g.context.cdev!.desc;
    expect([d.idVendor, d.idProduct, d.bcdDevice, d.iSerialNumber]).toEqual([0x1d6b, 0x0104, 0x0100, 0]);
    expect(g.context.statics!.device.idVendor).toBe(0x0525); // device_desc itself keeps eth_bind's value
    const set = g.descriptors()!;
    const text = (id: number) =>
      String.fromCharCode(
        ...set.strings
          .get(id)!
          .slice(2)
          .filter((_, i) => i % 2 === 0),
      );
    expect([text(1), text(2)]).toEqual(['me', 'kspec']);
  });

  it('MAC addresses: from dev_addr/host_addr, or random with the multicast bit clear and the local bit set', () => {
    const fixed = loadModule(
      createGadgetContext({ params: { devAddr: '02:11:22:33:44:55', hostAddr: '0a:bb:cc:dd:ee:ff' } }),
    ).ctx;
    expect(fixed.netdev!.devMac).toEqual([0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);
    expect(fixed.statics!.hostaddr).toEqual([0x0a, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
    const random = loadModule(createGadgetContext({ params: { hostAddr: '01:00:00:00:00:00' } })).ctx; // multicast: refused
    expect(random.statics!.hostaddr[0]! & 0x03).toBe(0x02);
    expect(random.ghost.warnings).toBe(2); // "using random self/host ethernet address"
  });
});

describe('module init, cleanup and the statics', () => {
  it('cleanup unbinds and unregisters usb0; the next insmod starts from fresh statics', () => {
    const g = new GadgetModule({ controller: CONTROLLERS.pxa25x });
    g.load();
    g.unload();
    expect(g.state).toBe('unloaded');
    expect(g.context.netdev).toBeNull();
    expect(g.context.statics).toBeNull();
    g.addController(CONTROLLERS.net2280);
    expect(g.load()).toBe(0);
    expect(g.context.statics!.device.idVendor).toBe(0x0525); // nothing of the Subset bind survives a reload
    expect(g.context.statics!.device.bDeviceClass).toBe(0x02);
  });

  it('2.6.31: a controller that appears while the driver waits unbound does not bind it (usb_gadget_register_driver ran once, 387)', () => {
    const g = new GadgetModule();
    g.load();
    g.removeController();
    expect(g.state).toBe('loaded.unbound');
    expect(g.context.statics!.composite).toBe(false); // composite_unbind cleared it
    g.addController(CONTROLLERS.net2280);
    expect(g.state).toBe('loaded.unbound');
    g.unload(); // usb_composite_unregister returns at once: composite != driver
    expect(g.state).toBe('unloaded');
  });

  it('with a re-binding udc-core the second bind sees the statics the first left (USBG-1)', () => {
    const g = new GadgetModule({ controller: CONTROLLERS.pxa25x, build: { udcCore: 'rebind' } });
    g.load();
    g.removeController();
    g.addController(CONTROLLERS.net2280);
    expect(g.state).toBe('loaded.bound.detached');
    const d = g.context.cdev!.desc;
    expect([d.idVendor, d.idProduct, d.bDeviceClass, d.bcdDevice]).toEqual([0x049f, 0x505a, 0xff, 0x0301]);
    expect(g.context.statics!.configs.eth.label).toBe('CDC Ethernet (ECM)');
  });

  it('built in, rmmod does nothing and removing the controller leaves usb0 registered (USBG-4)', () => {
    const g = new GadgetModule({ build: { builtIn: true } });
    g.load();
    g.unload();
    expect(g.state).toBe('loaded.bound.detached');
    g.removeController();
    expect(g.context.netdev?.orphaned).toBe(true);
  });
});

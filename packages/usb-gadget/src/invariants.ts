/**
 * The named properties of the g_ether model, each a one-line claim over a snapshot of
 * {@link gadgetMachine}. The first is the type-shape invariant; then the guarantees issue 13
 * asks for (RNDIS first, unique configuration values, string ids in range, endpoint addresses
 * unique, unions naming existing interfaces, a failed bind leaving nothing registered,
 * descriptor lengths consistent), and the ones whose violations are findings (findings.ts).
 *
 * Descriptor properties are checked on the bytes the host would read (config_buf for both
 * speeds of every configuration on `cdev->configs`). "What a fresh module would show" is
 * {@link freshBind}: the same controller, build and parameters on a newly loaded module.
 *
 * @module
 */
import type { Invariant } from '@kspec/spec-kit';
import { src } from '@kspec/spec-kit';
import type { SnapshotFrom } from 'xstate';
import { DESCRIPTOR_SIZE, encodeDeviceDescriptor, walkDescriptors } from './descriptors.js';
import { SEED, USB_DT } from './constants.js';
import type { gadgetMachine } from './machine/machine.js';
import { freshBind } from './model/bind.js';
import { configBuf, countConfigs, stringTables } from './model/composite-setup.js';
import { ecmGetAlt } from './model/f-ecm.js';
import type { ConfigKey, GadgetContext } from './model/types.js';

/** A snapshot of the g_ether machine. @category Invariants */
export type GadgetSnapshot = SnapshotFrom<typeof gadgetMachine>;

const inv = (
  name: string,
  statement: string,
  holds: (s: GadgetSnapshot) => boolean,
  fn?: string,
  lines?: [number, number],
): Invariant<GadgetSnapshot> => ({
  name,
  statement,
  holds,
  ...(fn && lines ? { source: src(SEED, fn, lines[0], lines[1]) } : {}),
});

/** The top-level state name. @category Invariants */
export function topState(s: GadgetSnapshot): string {
  return typeof s.value === 'string' ? s.value : Object.keys(s.value)[0]!;
}

/** Whether the snapshot is in `loaded.bound` (the device is visible to a host). @category Invariants */
export function isBound(s: GadgetSnapshot): boolean {
  const v = s.value as unknown;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { loaded?: unknown }).loaded === 'object' &&
    'bound' in (v as { loaded: object }).loaded
  );
}

/** The configuration bytes of every listed configuration at both speeds (number: config_buf failed). @category Invariants */
export function configImages(
  c: GadgetContext,
): { key: ConfigKey; high: boolean; bytes: number[] | number }[] {
  if (!c.cdev || !c.statics) return [];
  const out: { key: ConfigKey; high: boolean; bytes: number[] | number }[] = [];
  for (const key of c.cdev.configs) {
    const cfg = c.statics.configs[key];
    if (cfg.fullspeed) out.push({ key, high: false, bytes: configBuf(c, key, false, USB_DT.CONFIG) });
    if (cfg.highspeed) out.push({ key, high: true, bytes: configBuf(c, key, true, USB_DT.CONFIG) });
  }
  return out;
}

const SIZE_BY_TYPE: Record<number, number[]> = {
  [USB_DT.CONFIG]: [DESCRIPTOR_SIZE.config],
  [USB_DT.INTERFACE]: [DESCRIPTOR_SIZE.interface],
  [USB_DT.ENDPOINT]: [DESCRIPTOR_SIZE.endpoint],
  [USB_DT.OTG]: [DESCRIPTOR_SIZE.otg],
  [USB_DT.CS_INTERFACE]: [5, 13, 4, 21, 6],
};

/** Interface numbers and endpoint addresses of one configuration image. */
function parts(bytes: number[]): {
  interfaces: Set<number>;
  endpoints: number[];
  unions: [number, number][];
  dataIfs: number[];
} {
  const interfaces = new Set<number>();
  const endpoints: number[] = [];
  const unions: [number, number][] = [];
  const dataIfs: number[] = [];
  for (const d of walkDescriptors(bytes) ?? []) {
    const b = bytes.slice(d.offset, d.offset + d.length);
    if (d.type === USB_DT.INTERFACE) interfaces.add(b[2]!);
    else if (d.type === USB_DT.ENDPOINT) endpoints.push(b[2]!);
    else if (d.type === USB_DT.CS_INTERFACE && b[2] === 0x06) unions.push([b[3]!, b[4]!]);
    else if (d.type === USB_DT.CS_INTERFACE && b[2] === 0x01) dataIfs.push(b[4]!);
  }
  return { interfaces, endpoints, unions, dataIfs };
}

/** A configuration image with its string-index fields zeroed (iConfiguration, iInterface, iMACAddress). */
function withoutStringIds(bytes: number[]): number[] {
  const out = [...bytes];
  for (const d of walkDescriptors(bytes) ?? []) {
    if (d.type === USB_DT.CONFIG) out[d.offset + 6] = 0;
    if (d.type === USB_DT.INTERFACE) out[d.offset + 8] = 0;
    if (d.type === USB_DT.CS_INTERFACE && bytes[d.offset + 2] === 0x0f) out[d.offset + 3] = 0;
  }
  return out;
}

/** The device descriptor the host reads now (bNumConfigurations recomputed as GET_DESCRIPTOR does). */
function hostDevice(c: GadgetContext): number[] {
  return encodeDeviceDescriptor({ ...c.cdev!.desc, bNumConfigurations: countConfigs(c, USB_DT.DEVICE) });
}

const fns = (c: GadgetContext) => Object.values(c.fns);

/**
 * The invariants, type shape first.
 * @category Invariants
 */
export const GADGET_INVARIANTS: readonly Invariant<GadgetSnapshot>[] = [
  inv(
    'contextWellFormed',
    'A loaded module has its statics and an unloaded one none; a cdev implies a controller; the link names a live function; the address is 0..127.',
    (s) => {
      const c = s.context;
      const top = topState(s);
      if ((top === 'unloaded') !== (c.statics === null)) return false;
      if (c.cdev && !c.udc) return false;
      if (c.netdev?.portUsb != null && !c.fns[c.netdev.portUsb]) return false;
      if (c.bus.address < 0 || c.bus.address > 127) return false;
      return new Set(c.udc?.eps.map((e) => e.name) ?? []).size === (c.udc?.eps.length ?? 0);
    },
  ),
  inv(
    'rndisConfigurationFirst',
    'When the RNDIS configuration is present it is the first on cdev->configs (seed 222-226, 346-351).',
    (s) => {
      const list = s.context.cdev?.configs ?? [];
      return !list.includes('rndis') || list[0] === 'rndis';
    },
    'eth_bind',
    [346, 351],
  ),
  inv(
    'configurationValuesUnique',
    'No two configurations on cdev->configs have the same bConfigurationValue.',
    (s) => {
      const c = s.context;
      const values = (c.cdev?.configs ?? []).map((k) => c.statics!.configs[k].bConfigurationValue);
      return new Set(values).size === values.length;
    },
    'rndis_config_driver',
    [239, 245],
  ),
  inv(
    'stringIdsWithinRange',
    'Every string id allocated is within 1..254 and the cdev never hands out more than 254.',
    (s) => {
      const st = s.context.statics;
      if (!st) return true;
      const ids = [...st.stringIds, ...st.ecm.stringIds, ...st.geth.stringIds, ...st.rndis.stringIds].filter(
        (v) => v !== 0,
      );
      return ids.every((v) => v >= 1 && v <= 254) && (s.context.cdev?.nextStringId ?? 0) <= 254;
    },
    'eth_bind',
    [334, 344],
  ),
  inv(
    'stringIdsDistinct',
    'Each string id the host can ask for names exactly one string of the bound device.',
    (s) => {
      const c = s.context;
      if (!c.cdev || !isBound(s)) return true;
      const seen = new Map<number, string>();
      for (const t of stringTables(c)) {
        for (const e of t) {
          if (e.s === null) break;
          if (e.id === 0) continue;
          if (seen.has(e.id) && seen.get(e.id) !== e.s) return false;
          seen.set(e.id, e.s);
        }
      }
      return true;
    },
    'eth_bind',
    [334, 344],
  ),
  inv(
    'endpointAddressesUniquePerConfiguration',
    'Within each configuration (each speed), no two endpoint descriptors share an address.',
    (s) =>
      configImages(s.context).every(({ bytes }) => {
        if (typeof bytes === 'number') return true;
        const eps = parts(bytes).endpoints;
        return new Set(eps).size === eps.length;
      }),
  ),
  inv(
    'unionInterfacesExist',
    "Every CDC union's master and slave, and every call-management data interface, is an interface of the same configuration.",
    (s) =>
      configImages(s.context).every(({ bytes }) => {
        if (typeof bytes === 'number') return true;
        const p = parts(bytes);
        return (
          p.unions.every(([m, sl]) => p.interfaces.has(m) && p.interfaces.has(sl)) &&
          p.dataIfs.every((d) => p.interfaces.has(d))
        );
      }),
  ),
  inv(
    'descriptorLengthsConsistent',
    'Every descriptor the host reads has the bLength of its struct, back to back, summing to wTotalLength; the device descriptor is 18 bytes.',
    (s) => {
      const c = s.context;
      if (c.cdev && hostDevice(c).length !== 18) return false;
      return configImages(c).every(({ bytes }) => {
        if (typeof bytes === 'number') return false;
        const w = walkDescriptors(bytes);
        if (!w || bytes[2]! + (bytes[3]! << 8) !== bytes.length) return false;
        return w.every((d) => (SIZE_BY_TYPE[d.type] ?? []).includes(d.length));
      });
    },
  ),
  inv(
    'failedBindLeavesNothingRegistered',
    'After a failed bind no net device, function instance, RNDIS registration or /proc entry remains.',
    (s) => {
      const c = s.context;
      if (!c.ghost.bindFailed || c.ghost.oops !== null) return true;
      const st = c.statics;
      return (
        c.netdev === null &&
        fns(c).length === 0 &&
        c.cdev === null &&
        !(st?.rndisParams.used ?? false) &&
        !c.rndisProc
      );
    },
    'eth_bind',
    [362, 364],
  ),
  inv(
    'unbindLeavesNothingRegistered',
    'Once the driver is unbound from its controller (or the module is gone), neither usb0 nor the RNDIS /proc entry is registered.',
    (s) => {
      const v = s.value as unknown;
      const unbound =
        topState(s) === 'unloaded' ||
        (typeof v === 'object' && v !== null && (v as { loaded?: unknown }).loaded === 'unbound');
      return !unbound || (s.context.netdev === null && (s.context.ghost.bindFailed || !s.context.rndisProc));
    },
    'eth_driver',
    [378, 378],
  ),
  inv(
    'deviceDescriptorFollowsController',
    'The device descriptor the host reads is the one a freshly loaded module gives for this controller, build and parameters.',
    (s) => {
      const c = s.context;
      if (!isBound(s) || !c.cdev) return true;
      const fresh = freshBind(c);
      return (
        fresh !== null &&
        JSON.stringify(hostDevice({ ...fresh, bus: c.bus })) === JSON.stringify(hostDevice(c))
      );
    },
    'eth_bind',
    [288, 323],
  ),
  inv(
    'configDescriptorsFollowController',
    'The configuration descriptors (string indexes aside) are the ones a freshly loaded module gives for this controller, build and parameters.',
    (s) => {
      const c = s.context;
      if (!isBound(s) || !c.cdev) return true;
      const bound = freshBind(c);
      if (!bound) return false;
      const fresh = { ...bound, bus: c.bus };
      const norm = (x: GadgetContext) =>
        JSON.stringify(
          configImages(x).map(({ key, high, bytes }) => [
            key,
            high,
            typeof bytes === 'number' ? bytes : withoutStringIds(bytes),
          ]),
        );
      return norm(fresh) === norm(c);
    },
    'eth_do_config',
    [256, 259],
  ),
  inv(
    'getAltReportsDataPath',
    'GET_INTERFACE on the ECM data interface answers 1 exactly when the data endpoints carry the link.',
    (s) => {
      const c = s.context;
      if (c.cdev?.config !== 'eth') return true;
      return fns(c).every(
        (f) => f.kind !== 'ecm' || ecmGetAlt(c, f.id, f.dataId) === (f.port.ioport ? 1 : 0),
      );
    },
    'eth_do_config',
    [261, 262],
  ),
  inv(
    'carrierOnlyWithOpenDataPath',
    'usb0 has carrier only while the host can exchange frames: ECM data altsetting 1, the Subset configured, RNDIS data-initialised.',
    (s) => {
      const c = s.context;
      if (!c.netdev?.carrier) return true;
      const id = c.netdev.portUsb;
      const fn = id === null ? undefined : c.fns[id];
      if (!fn || !fn.port.ioport) return false;
      return fn.kind !== 'rndis' || c.statics!.rndisParams.state === 'dataInitialized';
    },
    'rndis_do_config',
    [236, 236],
  ),
  inv(
    'rejectedSetConfigurationKeepsState',
    'A SET_CONFIGURATION the device rejects leaves the configuration the host had selected.',
    (s) => s.context.ghost.rejectedFrom === null || s.context.cdev?.config === s.context.ghost.rejectedFrom,
    'eth_driver',
    [373, 379],
  ),
  inv(
    'noKernelOops',
    'The kernel never dereferences a NULL descriptor copy or a freed function.',
    (s) => s.context.ghost.oops === null,
    'eth_do_config',
    [261, 264],
  ),
];

/**
 * The defects the checker finds in the faithful model of g_ether: each with the seed lines
 * responsible (or, for a defect in a file the seed `#include`s, the seed line that reaches it),
 * the invariant it violates, the shortest trace (from the check model named in `check.ts`) and
 * what is known upstream. Pinned by `check.test.ts`; recorded in the README and
 * docs/findings.md.
 *
 * USBG-1..3 need a second bind of the same module image, which 2.6.31 never performs
 * (usb_gadget_register_driver runs only from usb_composite_register, and composite_unbind
 * clears the static `composite` pointer): they are latent in 2.6.31 and show with the
 * `udcCore: 'rebind'` variant, the re-binding of later kernels' udc-core, where ether.c kept
 * these statics. "Recalled" upstream facts were not re-read here.
 *
 * @module
 */
import type { Finding } from '@kspec/spec-kit';
import { src } from '@kspec/spec-kit';
import { SEED } from './constants.js';
import { RECORDED_TRACES } from './traces.js';

const trace = (id: string) => RECORDED_TRACES[id] ?? [];

/**
 * The findings, by id.
 * @category Findings
 */
export const GADGET_FINDINGS: readonly Finding[] = [
  {
    id: 'USBG-1',
    title: "A Subset bind's vendor/product ids and vendor-specific class survive into a later ECM bind",
    invariant: 'deviceDescriptorFollowsController',
    seed: [src(SEED, 'eth_bind', 288, 300), src(SEED, 'device_desc', 155, 177)],
    summary:
      'eth_bind writes the static device_desc: for a controller without ECM support it sets idVendor/idProduct to the ' +
      'Subset ids (049f:505a) and, without RNDIS, bDeviceClass to 0xff; the ECM branch never writes them back. A second ' +
      'bind of the same module image on an ECM-capable controller therefore advertises an ECM configuration under the ' +
      'Subset ids and a vendor-specific device class (a fresh module says 0525:a4a1, class 0x02). Latent in 2.6.31 (one ' +
      'bind per module load); shows with a re-binding udc-core. Model: usb-gadget.rebind.subsetToEcm.',
    trace: trace('USBG-1'),
    upstreamFix:
      'None in 2.6.31. Later ether.c keeps the same branch on the static device_desc (recalled); with the udc-core pending ' +
      'driver list (4.x, recalled) a legacy gadget is re-bound to a new controller with these statics.',
  },
  {
    id: 'USBG-2',
    title:
      "An OTG bind's OTG descriptor and remote-wakeup bit survive into a later bind on a non-OTG controller",
    invariant: 'configDescriptorsFollowController',
    seed: [src(SEED, 'rndis_do_config', 231, 234), src(SEED, 'eth_do_config', 256, 259)],
    summary:
      'rndis_do_config and eth_do_config set c->descriptors = otg_desc and bmAttributes |= USB_CONFIG_ATT_WAKEUP on the ' +
      'static configurations when the controller is OTG, and never clear them otherwise. Bound again to a controller ' +
      'without OTG, every configuration still carries the OTG descriptor (SRP|HNP) and claims remote wakeup (0xe0 instead ' +
      'of 0xc0). Latent in 2.6.31; shows with a re-binding udc-core. Model: usb-gadget.rebind.otgToPlain.',
    trace: trace('USBG-2'),
    upstreamFix: 'None known; the same two lines are in later ether.c (recalled).',
  },
  {
    id: 'USBG-3',
    title: 'After a re-bind on another link type the RNDIS and ECM strings share ids',
    invariant: 'stringIdsDistinct',
    seed: [
      src(SEED, 'rndis_do_config', 236, 236),
      src(SEED, 'eth_do_config', 261, 264),
      src(SEED, 'eth_bind', 334, 344),
    ],
    summary:
      'The function drivers allocate their string ids once per module image (guarded by *_string_defs[0].id == 0), but ' +
      'each bind has a fresh cdev whose next_string_id starts at 0. Bound first on a Subset controller with RNDIS (RNDIS ' +
      'strings 3 and 4, Subset 5 and 6), then on an ECM controller, eth_bind takes 1 and 2 again, RNDIS keeps 3 and 4 ' +
      'without allocating, and ECM allocates 3, 4, 5: the ECM control and data interfaces name the RNDIS strings. ' +
      'Latent in 2.6.31; shows with a re-binding udc-core. Model: usb-gadget.rebind.rndisSubsetToEcm.',
    trace: trace('USBG-3'),
    upstreamFix:
      'The function-instance rework (usb_gstrings_attach per bind, 3.10 era, recalled) allocates per bind.',
  },
  {
    id: 'USBG-4',
    title: 'Built into the kernel, g_ether leaves usb0 registered when its controller goes away',
    invariant: 'unbindLeavesNothingRegistered',
    seed: [src(SEED, 'eth_driver', 378, 378), src(SEED, 'eth_unbind', 367, 371)],
    summary:
      'eth_driver.unbind is __exit_p(eth_unbind), which is NULL when g_ether is not a module. When the controller is ' +
      'removed (its remove path calls usb_gadget_unregister_driver), composite_unbind frees the functions and the cdev ' +
      'but has no unbind to call, so gether_cleanup never runs: usb0 stays registered, pointing at a gadget that is gone, ' +
      'and a later gether_setup would fail with -EBUSY. Model: usb-gadget.builtIn.',
    trace: trace('USBG-4'),
    upstreamFix:
      'Later ether.c sets .unbind = eth_unbind (the __init/__exit markings were dropped from gadget drivers; recalled).',
  },
  {
    id: 'USBG-5',
    title: 'After a failed link activation GET_INTERFACE reports the ECM data altsetting 1',
    invariant: 'getAltReportsDataPath',
    seed: [src(SEED, 'eth_do_config', 261, 262)],
    summary:
      'gether_connect claims the IN endpoint (in_ep->driver_data = dev) before enabling it and does not undo the claim when ' +
      'usb_ep_enable or the request allocation fails; ecm_get_alt answers 1 whenever in_ep->driver_data is set. After a ' +
      'failed SET_INTERFACE(data, 1) the host reads altsetting 1 although no data path exists, and ecm_disable then calls ' +
      'gether_disconnect on a link that was never connected (WARN) without clearing the stale claim. The same stale claim ' +
      'reaches the other configuration, whose functions share the physical endpoints. Model: usb-gadget.epEnable.',
    trace: trace('USBG-5'),
    upstreamFix:
      'f_ecm later tests in_ep->enabled instead of driver_data ("eliminate abuse of ep->driver data", 2015, recalled).',
  },
  {
    id: 'USBG-6',
    title: 'The RNDIS link has carrier from SET_CONFIGURATION on, before the host initialised RNDIS',
    invariant: 'carrierOnlyWithOpenDataPath',
    seed: [src(SEED, 'rndis_do_config', 236, 236)],
    summary:
      'rndis_set_alt connects the link at once with filter 0 ("RNDIS RX/TX early activation"), and gether_connect turns the ' +
      'carrier on; the REVISIT comment there says this has been wrong for a long time. Until the host sends INITIALIZE and ' +
      'a non-zero OID_GEN_CURRENT_PACKET_FILTER, usb0 reports link up and unicast frames go out to a host that has not ' +
      'initialised RNDIS (broadcast and multicast are dropped by the zero filter). Model: usb-gadget.rndis.',
    trace: trace('USBG-6'),
    upstreamFix: 'None known; the REVISIT comment remains in later f_rndis.c (recalled).',
  },
  {
    id: 'USBG-7',
    title: 'A SET_CONFIGURATION with an unknown value unconfigures the device and then stalls',
    invariant: 'rejectedSetConfigurationKeepsState',
    seed: [src(SEED, 'eth_driver', 373, 379), src(SEED, 'eth_config_driver', 267, 273)],
    summary:
      "composite.c's set_config resets the current configuration first and only then looks the value up; an unknown value " +
      'returns -EINVAL (a stall) with the link already torn down, although USB 2.0 9.4.7 asks that a rejected request ' +
      'leave the state unchanged. With a single configuration (no RNDIS), value 2 is enough. Model: usb-gadget.setConfiguration.',
    trace: trace('USBG-7'),
    upstreamFix:
      'Later composite.c resets the previous configuration only when the new value is valid ("We disable the FDs of the ' +
      'previous configuration only if the new configuration is a valid one", recalled).',
  },
  {
    id: 'USBG-8',
    title: 'A failed descriptor copy in the Subset bind oopses',
    invariant: 'noKernelOops',
    seed: [src(SEED, 'eth_do_config', 263, 264)],
    summary:
      'geth_bind does not check usb_copy_descriptors() for NULL (facts.md 2.5); usb_find_endpoint() then walks the NULL ' +
      'copy and the kernel dereferences it during module init (a kmalloc failure on a PXA/SA-1100 gadget). ' +
      'Model: usb-gadget.subsetFaults.',
    trace: trace('USBG-8'),
    upstreamFix: 'Later f_subset.c checks the copies (usb_assign_descriptors, recalled).',
  },
  {
    id: 'USBG-9',
    title: 'A failed RNDIS string id leaves the /proc/driver/rndis-000 entry of a freed module',
    invariant: 'failedBindLeavesNothingRegistered',
    seed: [src(SEED, 'rndis_do_config', 236, 236), src(SEED, 'eth_bind', 346, 351)],
    summary:
      'rndis_bind_config calls rndis_init() (which creates the /proc entry with CONFIG_USB_GADGET_DEBUG_FILES) before its ' +
      'two usb_string_id() calls and returns their error without rndis_exit(); the module load then fails and the image is ' +
      'freed with its proc entry still registered. Latent in g_ether: usb_string_id only fails past 254 ids, so this needs ' +
      'the fault to be injected. Model: usb-gadget.stringIds.',
    trace: trace('USBG-9'),
    upstreamFix:
      'None known for 2.6.31; later f_rndis.c was restructured around function instances (recalled).',
  },
];

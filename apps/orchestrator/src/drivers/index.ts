/**
 * The registry of scenario drivers: one per subsystem package that can take part in a run.
 * A new subsystem joins by adding its driver here (and its package exporting a `manifest`).
 *
 * @module
 */
import type { AnyScenarioDriver } from '../driver.js';
import { corePagerDriver } from './core-pager.js';
import { shmifDriver } from './shmif/driver.js';
import { usbGadgetDriver } from './usb-gadget.js';
import { evtchnDriver } from './xen-evtchn.js';

/**
 * The drivers `kspec run` knows. Runs start and step in this order: core-pager first (core
 * boots before anything else runs), then drivers that consume signals before the drivers that
 * emit them (usb-gadget and shmif consume each other's, emitted only from `step`, so either
 * order works; the gadget steps first).
 * @category Drivers
 */
export const DEFAULT_DRIVERS: readonly AnyScenarioDriver[] = Object.freeze([
  corePagerDriver,
  evtchnDriver,
  usbGadgetDriver,
  shmifDriver,
]);

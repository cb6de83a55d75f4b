/**
 * The `shmif` entry of a scenario.
 *
 * @module
 */
import * as t from 'io-ts/lib/index.js';
import { intIn, numberIn, strictObject } from '../../codec.js';
import type { PlanContext, PlanIssue } from '../../driver.js';
import { KSPEC_FRAME_HEADER } from './frames.js';

/**
 * A frame length range of scenario frames: 30..1514 bytes, min <= max.
 * @category shmif driver
 */
export const FrameLengthCodec = t.refinement(
  strictObject(
    'frameLength',
    { min: intIn(KSPEC_FRAME_HEADER, 1514), max: intIn(KSPEC_FRAME_HEADER, 1514) },
    {},
  ),
  (r) => r.min <= r.max,
  'frameLength with min <= max',
);

/**
 * The codec of the `shmif` entry.
 * @category shmif driver
 */
export const ShmifScenarioCodec = strictObject(
  'shmif scenario',
  {},
  {
    /** Interfaces on the bus, each its own rump kernel (default 3). */
    interfaces: intIn(1, 64),
    /** Frames each interface sends (default 200). */
    framesPerInterface: intIn(0, 10_000_000),
    /** Ethernet frame length range in bytes (default 60..1514; at least the 30-byte kspec header). */
    frameLength: FrameLengthCodec,
    /** Per tick, the chance that an interface with frames left sends (default 0.5). */
    sendProbability: numberIn(0, 1),
    /** Frames per send (one `ether_output` burst through `shmif_start`; default 1). */
    burst: intIn(1, 4096),
    /** The receivers run every this many ticks (default 1; larger: slow receivers, overruns). */
    receiveEvery: intIn(1, 1_000_000),
    /**
     * The signal that brings one more interface onto the bus (default `usb-gadget.link`: the
     * USB gadget's link came up); `""` for none.
     */
    join: t.string,
  },
);

/**
 * The decoded `shmif` configuration.
 * @category shmif driver
 */
export type ShmifScenario = t.TypeOf<typeof ShmifScenarioCodec>;

/**
 * The configuration with defaults filled in.
 * @category shmif driver
 */
export interface ShmifSettings {
  readonly interfaces: number;
  readonly framesPerInterface: number;
  readonly minLength: number;
  readonly maxLength: number;
  readonly sendProbability: number;
  readonly burst: number;
  readonly receiveEvery: number;
  readonly join: string;
}

/**
 * Fills in the defaults.
 * @category shmif driver
 */
export function shmifSettings(c: ShmifScenario): ShmifSettings {
  const minLength = c.frameLength?.min ?? 60;
  const maxLength = c.frameLength?.max ?? 1514;
  return {
    interfaces: c.interfaces ?? 3,
    framesPerInterface: c.framesPerInterface ?? 200,
    minLength,
    maxLength,
    sendProbability: c.sendProbability ?? 0.5,
    burst: c.burst ?? 1,
    receiveEvery: c.receiveEvery ?? 1,
    join: c.join ?? 'usb-gadget.link',
  };
}

/**
 * What keeps a plan from finishing in the one-thread scheduler (with worker threads each
 * thread runs at its own pace, and only the first applies): an interface sends at most one
 * burst per tick, and the receivers run only every `receiveEvery` ticks.
 * @category shmif driver
 */
export function shmifPlanIssues(s: ShmifSettings, { maxTicks, workers }: PlanContext): PlanIssue[] {
  if (s.framesPerInterface === 0) return [];
  const issues: PlanIssue[] = [];
  if (s.sendProbability === 0 && workers === 0) {
    issues.push({
      path: '$.sendProbability',
      message: `0: no interface ever sends, so the ${s.framesPerInterface} frame(s) per interface never go out`,
    });
  }
  if (workers === 0) {
    const sendTicks = Math.ceil(s.framesPerInterface / s.burst);
    const needed = Math.ceil(sendTicks / s.receiveEvery) * s.receiveEvery;
    if (needed > maxTicks) {
      issues.push({
        path: '$',
        message:
          `${s.framesPerInterface} frame(s) per interface in bursts of ${s.burst}, received every ${s.receiveEvery} tick(s), ` +
          `need at least ${needed} ticks, more than maxTicks ${maxTicks}`,
      });
    }
  }
  return issues;
}

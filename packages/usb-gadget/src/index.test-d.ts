// Pins the public API: names and types users and the orchestrator build on.
import { expectTypeOf, test } from 'vitest';
import type { SubsystemManifest } from '@kspec/spec-kit';
import type { UsbHost } from './index.js';
import {
  CONTROLLERS,
  GadgetModule,
  configfsScript,
  createGadgetContext,
  gadgetMachine,
  lsusbVerbose,
  manifest,
  usbmonPcap,
  type Controller,
  type DescriptorSet,
  type GadgetContext,
  type HostReply,
  type LinkEvent,
  type SetupPacket,
  type UrbEvent,
} from './index.js';

test('the facade', () => {
  expectTypeOf(new GadgetModule().load()).toEqualTypeOf<number>();
  expectTypeOf<GadgetModule['control']>().parameters.toEqualTypeOf<[SetupPacket]>();
  expectTypeOf<ReturnType<GadgetModule['control']>>().toEqualTypeOf<HostReply | null>();
  expectTypeOf<GadgetModule['onLink']>().parameters.toEqualTypeOf<[(e: LinkEvent) => void]>();
  expectTypeOf<ReturnType<GadgetModule['descriptors']>>().toEqualTypeOf<DescriptorSet | null>();
  expectTypeOf(CONTROLLERS.net2280).toMatchTypeOf<Controller>();
});

test('the host and the exports', () => {
  expectTypeOf<UsbHost['urbs']>().toEqualTypeOf<UrbEvent[]>();
  expectTypeOf(usbmonPcap).returns.toEqualTypeOf<Uint8Array>();
  expectTypeOf(lsusbVerbose).parameter(0).toEqualTypeOf<DescriptorSet>();
  expectTypeOf(configfsScript).parameter(0).toEqualTypeOf<GadgetContext>();
});

test('the machine and the manifest', () => {
  expectTypeOf(createGadgetContext()).toEqualTypeOf<GadgetContext>();
  expectTypeOf(manifest).toEqualTypeOf<SubsystemManifest>();
  expectTypeOf(gadgetMachine.id).toBeString();
});

// Type-level pins of the public API (checked by `tsc -p tsconfig.test.json`).
import type { SubsystemManifest } from '@kspec/spec-kit';
import { expectTypeOf } from 'vitest';
import type { GlinkstrResult, ShmifEvent, ShmifInterface, ShmifKernel } from './index.js';
import { SIOCGLINKSTR, SIOCSLINKSTR, manifest } from './index.js';

expectTypeOf(manifest).toEqualTypeOf<SubsystemManifest>();
expectTypeOf<ShmifKernel['create']>().parameters.toEqualTypeOf<[path?: string]>();
expectTypeOf<ShmifKernel['create']>().returns.toEqualTypeOf<ShmifInterface>();
expectTypeOf<ShmifInterface['send']>().parameters.toEqualTypeOf<
  [frames: Uint8Array | readonly Uint8Array[], options?: { readonly segments?: readonly number[] }]
>();
expectTypeOf<{
  type: 'if.output';
  frames: [{ segments: [Uint8Array, number[]] }];
}>().toMatchTypeOf<ShmifEvent>();
expectTypeOf<ShmifInterface['onInput']>().returns.toEqualTypeOf<() => void>();
declare const ifp: ShmifInterface;
expectTypeOf(ifp.ioctl(SIOCSLINKSTR, { cmd: 0, path: '/x' })).toEqualTypeOf<number>();
expectTypeOf(ifp.ioctl(SIOCGLINKSTR, { cmd: 0 })).toEqualTypeOf<GlinkstrResult>();
expectTypeOf<{ type: 'rcv.step' }>().toMatchTypeOf<ShmifEvent>();

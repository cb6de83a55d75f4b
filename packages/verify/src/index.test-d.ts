// Type-level tests pinning the public API of @kspec/verify (checked by `tsc -p tsconfig.test.json`).
import { expectTypeOf } from 'vitest';
import type { EventObject } from 'xstate';
import type { MachineCheckModel } from '@kspec/spec-kit';
import {
  checkConfig,
  checkEncoding,
  compose,
  explore,
  formatReport,
  replay,
  testPaths,
  type CheckReport,
  type ComposedState,
  type ConfigCheck,
  type EncodingCheck,
  type KeyStats,
  type TestPathSuite,
  type Violation,
} from './index.js';
import { incrementerMachine, type counterMachine } from './fixtures.test-helpers.js';

declare const model: MachineCheckModel<typeof counterMachine>;
expectTypeOf(explore(model)).toEqualTypeOf<CheckReport>();
expectTypeOf(checkConfig(model, 'x')).toEqualTypeOf<ConfigCheck>();
expectTypeOf(testPaths(model)).toEqualTypeOf<TestPathSuite>();
expectTypeOf(checkEncoding(model)).toEqualTypeOf<EncodingCheck>();
expectTypeOf<CheckReport['keys']>().toEqualTypeOf<KeyStats>();
expectTypeOf<KeyStats['mode']>().toEqualTypeOf<'exact' | 'fingerprint'>();
// the key encoding options
explore(model, { stateKeys: 'fingerprint', fingerprintBits: 64, reduce: true });
expectTypeOf(formatReport).returns.toEqualTypeOf<string>();
expectTypeOf<Violation['trace']>().toEqualTypeOf<readonly EventObject[]>();
expectTypeOf<Violation['kind']>().toEqualTypeOf<'invariant' | 'deadlock' | 'liveness' | 'error'>();
// replay of a machine model gives that machine's snapshot, typed
expectTypeOf(replay(model, []).context.count).toEqualTypeOf<number>();

const comp = compose({
  name: 'c',
  shared: { n: 0 },
  actors: {
    a: { machine: incrementerMachine, alphabet: ({ shared }) => [{ type: 'load', value: shared.n }] },
  },
  invariants: [{ name: 'i', statement: 's', holds: (s) => s.actors.a.context.tmp >= 0 && s.shared.n >= 0 }],
});
expectTypeOf(replay(comp, [])).toEqualTypeOf<
  ComposedState<{ n: number }, { a: typeof incrementerMachine }>
>();
expectTypeOf(comp.actorNames).toEqualTypeOf<readonly 'a'[]>();

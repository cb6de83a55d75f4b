/**
 * `kspec check`'s text output: a coverage count per check and per machine (the union over
 * every check of that machine), and the transitions never taken only with `--verbose`.
 */
import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { src, type SubsystemManifest } from '@kspec/spec-kit';
import { checkCommand } from '../src/commands/models.js';
import { captureIo } from './helpers.js';

/** A counter with `tick` (explored) and `reset` / `stop` (never in the alphabet), and two checks. */
function counter(): SubsystemManifest {
  const S = { source: src('linux-xen-evtchn.c', 'evtchn_read', 195) };
  const machine = setup({
    types: {} as { context: { n: number }; events: { type: 'tick' } | { type: 'reset' } | { type: 'stop' } },
    actions: {
      bump: assign({ n: ({ context }) => Math.min(context.n + 1, 2) }),
      zero: assign({ n: 0 }),
    },
  }).createMachine({
    id: 'counter',
    context: { n: 0 },
    initial: 'on',
    meta: S,
    states: {
      on: {
        meta: S,
        on: {
          tick: { actions: 'bump', meta: S },
          reset: { actions: 'zero', meta: S },
          stop: { target: 'off', meta: S },
        },
      },
      off: { meta: S },
    },
  });
  const model = {
    kind: 'machine' as const,
    name: 'counter',
    machine,
    alphabet: () => [{ type: 'tick' as const }],
    project: (s: { context: { n: number } }) => s.context.n,
    invariants: [],
    configs: [
      {
        name: 'shallow',
        description: 'one tick',
        bounds: { maxDepth: 1 },
        expect: { verdict: 'pass' as const },
      },
      {
        name: 'deep',
        description: 'all ticks',
        bounds: { maxDepth: 5 },
        expect: { verdict: 'pass' as const },
      },
    ],
  };
  return {
    package: '@kspec/test',
    name: 'test',
    title: 'test',
    machines: [{ name: 'counterChart', machine, description: 'a counter' }],
    models: [model],
    invariants: [],
    findings: [],
  } as unknown as SubsystemManifest;
}

describe('kspec check output', () => {
  it('counts the transitions never taken, per check and per machine, without listing them', async () => {
    const cap = captureIo();
    const r = await checkCommand('test', { deadlock: false }, cap.io, [counter()]);
    expect(r.code).toBe(0);
    const text = cap.text();
    expect(text).not.toContain('never taken:');
    expect(text.match(/^coverage: 1\/3 transitions taken \(2 never taken\)$/gm)?.length).toBe(2);
    expect(text).toContain('  test/counterChart: 1/3 transitions taken in 2 check(s), 2 never taken\n');
    expect(text).toContain('(--verbose lists the transitions never taken)');
  });

  it('--verbose lists them, per check and once per machine', async () => {
    const cap = captureIo();
    await checkCommand('test', { deadlock: false, verbose: true }, cap.io, [counter()]);
    const text = cap.text();
    const never = text.match(/^ +never taken: .*$/gm) ?? [];
    // two per check, two for the machine
    expect(never.length).toBe(6);
    expect(text).toMatch(/^ {4}never taken: counter\.on\|reset\|0$/m);
    expect(text).toMatch(/^ {4}never taken: counter\.on\|stop\|0$/m);
    expect(text).not.toContain('--verbose lists');
  });
});

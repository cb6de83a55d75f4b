/**
 * Scenario files are bad input from outside: every problem is named by its JSON path, the
 * expected type and what was found; `kspec run` on a bad file exits 2 and writes nothing.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../src/codec.js';
import { DEFAULT_DRIVERS } from '../src/drivers/index.js';
import { main } from '../src/program.js';
import { SCENARIOS_DIR } from '../src/paths.js';
import { decodeScenario, loadScenario } from '../src/scenario.js';
import { captureIo, tmpDir } from './helpers.js';

const base = () =>
  JSON.parse(readFileSync(join(SCENARIOS_DIR, 'default.json'), 'utf8')) as Record<string, any>;

function problem(mutate: (s: Record<string, any>) => unknown): ScenarioError {
  const s = base();
  const replaced = mutate(s);
  try {
    decodeScenario(replaced === undefined ? s : replaced, DEFAULT_DRIVERS, 'bad.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('the scenario decoded');
}

describe('scenario decoding', () => {
  it('decodes every example scenario, filling defaults', () => {
    const files = readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual([
      'default.json',
      'evtchn-overflow-reset.json',
      'overrun-storm.json',
      'usb-gadget-rndis.json',
    ]);
    for (const f of files) {
      const s = loadScenario(join(SCENARIOS_DIR, f), DEFAULT_DRIVERS);
      expect(s.name).toBe(f.replace(/\.json$/, ''));
      expect([...s.subsystems.keys()].sort()).toEqual(
        f === 'default.json'
          ? ['core-pager', 'shmif', 'usb-gadget', 'xen-evtchn']
          : f === 'usb-gadget-rndis.json'
            ? ['shmif', 'usb-gadget']
            : ['shmif', 'xen-evtchn'],
      );
    }
    const minimal = decodeScenario({ name: 'm', subsystems: { shmif: {} } }, DEFAULT_DRIVERS);
    expect(minimal.seed).toBe(1);
    expect(minimal.maxTicks).toBe(1_000_000);
    expect(minimal.busDataSize).toBeUndefined();
  });

  it.each([
    ['a missing required field', (s: any) => void delete s.name, '$.name', 'string', 'nothing (missing)'],
    [
      'a wrong top-level type',
      (s: any) => void (s.seed = 'one'),
      '$.seed',
      'integer in [0, 4294967295]',
      '"one"',
    ],
    ['a negative seed', (s: any) => void (s.seed = -1), '$.seed', 'integer in [0, 4294967295]', '-1'],
    [
      'a bus too small',
      (s: any) => void (s.sharedMemory = { bus: { dataSize: 3 } }),
      '$.sharedMemory.bus.dataSize',
      'integer in [25,',
      '3',
    ],
    [
      'a nested integer out of range',
      (s: any) => void (s.subsystems.shmif.interfaces = 0),
      '$.subsystems.shmif.interfaces',
      'integer in [1, 64]',
      '0',
    ],
    [
      'a frame shorter than the kspec header',
      (s: any) => void (s.subsystems.shmif.frameLength.min = 10),
      '$.subsystems.shmif.frameLength.min',
      'integer in [30, 1514]',
      '10',
    ],
    [
      'a frame length range upside down',
      (s: any) => void (s.subsystems.shmif.frameLength = { min: 900, max: 100 }),
      '$.subsystems.shmif.frameLength',
      'frameLength with min <= max',
      '{"min":900,"max":100}',
    ],
    [
      'a probability above 1',
      (s: any) => void (s.subsystems.shmif.sendProbability = 1.5),
      '$.subsystems.shmif.sendProbability',
      'number in [0, 1]',
      '1.5',
    ],
    [
      'an unknown enum value',
      (s: any) => void (s.subsystems['xen-evtchn'].reader.eoi = 'never'),
      '$.subsystems.xen-evtchn.reader.eoi',
      '"afterRead" | "everyTick"',
      '"never"',
    ],
    [
      'a wrong nested object',
      (s: any) => void (s.subsystems['xen-evtchn'].reader = 5),
      '$.subsystems.xen-evtchn.reader',
      'xen-evtchn reader',
      '5',
    ],
  ])('names the path and type for %s', (_what, mutate, path, expected, got) => {
    const err = problem(mutate);
    const issue = err.issues.find((i) => i.path === path);
    expect(issue, err.message).toBeDefined();
    expect(issue!.expected).toContain(expected);
    expect(issue!.got).toBe(got);
    expect(err.message).toContain(`at ${path}: expected ${issue!.expected}, got ${got}`);
    expect(err.message.startsWith('bad.json: invalid')).toBe(true);
  });

  it('rejects unknown fields (a misspelt option is never ignored)', () => {
    const err = problem((s) => void (s.subsystems.shmif.intefaces = 3));
    expect(err.issues[0]!.path).toBe('$.subsystems.shmif.intefaces');
    expect(err.message).toContain("unknown field 'intefaces'");
    expect(problem((s) => void (s.sede = 3)).issues[0]!.path).toBe('$.sede');
  });

  it('rejects an unknown subsystem and an empty one, naming the drivers', () => {
    const err = problem((s) => void (s.subsystems.floppy = {}));
    expect(err.issues[0]).toMatchObject({ path: '$.subsystems.floppy' });
    expect(err.message).toContain(
      "unknown subsystem 'floppy' (drivers: core-pager, xen-evtchn, usb-gadget, shmif)",
    );
    expect(problem((s) => void (s.subsystems = {})).issues[0]!.path).toBe('$.subsystems');
  });

  it('rejects a file that is not an object or not JSON, naming the file', () => {
    expect(problem(() => [1, 2]).issues[0]!.path).toBe('$');
    const dir = tmpDir();
    const f = join(dir, 'broken.json');
    writeFileSync(f, '{"name": "x", ');
    expect(() => loadScenario(f, DEFAULT_DRIVERS)).toThrow(/broken\.json: not JSON/);
    expect(() => loadScenario(join(dir, 'missing.json'), DEFAULT_DRIVERS)).toThrow(
      /missing\.json: cannot read \(ENOENT\)/,
    );
  });

  it('kspec run on a bad scenario exits 2 and writes no trace, report or bus file', async () => {
    const dir = tmpDir();
    const bad = join(dir, 'bad.json');
    const s = base();
    s.subsystems.shmif.burst = 0;
    writeFileSync(bad, JSON.stringify(s));
    const outs = ['t.jsonl', 'r.html', 'bus'].map((f) => join(dir, f));
    const cap = captureIo();
    const code = await main(
      ['node', 'kspec', 'run', bad, '--trace', outs[0]!, '--report', outs[1]!, '--bus-file', outs[2]!],
      cap.io,
    );
    expect(code).toBe(2);
    expect(cap.err.join('\n')).toContain('at $.subsystems.shmif.burst: expected integer in [1, 4096], got 0');
    for (const f of outs) expect(existsSync(f)).toBe(false);
  });

  it('kspec run with an output in a missing directory or a bad bus file exits 2 before running', async () => {
    const dir = tmpDir();
    const cap = captureIo();
    expect(await main(['node', 'kspec', 'run', '--trace', join(dir, 'no/such/t.jsonl')], cap.io)).toBe(2);
    expect(cap.err.join('\n')).toMatch(/--trace .*: directory .* does not exist/);
    const notBus = join(dir, 'notbus');
    writeFileSync(notBus, 'hello');
    expect(
      await main(['node', 'kspec', 'run', '--bus-file', notBus, '--report', join(dir, 'r.html')], cap.io),
    ).toBe(2);
    expect(cap.err.join('\n')).toMatch(/--bus-file .*notbus: 5 bytes/);
    expect(existsSync(join(dir, 'r.html'))).toBe(false);
    expect(readFileSync(notBus, 'utf8')).toBe('hello');
  });
});

/**
 * Scenario files as a hostile user writes them: 100k levels of nesting, a file too large,
 * something that is not a file, bytes that are not UTF-8, a byte order mark, numbers a
 * JavaScript number cannot hold, duplicate keys, hostile field names. Each is one clear
 * message naming the file (and the JSON path), exit 2, nothing written.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError, decodeWith, intIn } from '../src/codec.js';
import { DEFAULT_DRIVERS } from '../src/drivers/index.js';
import { MAX_JSON_DEPTH, MAX_SCENARIO_BYTES, JsonNumberText, parseJsonInput } from '../src/json-input.js';
import { main } from '../src/program.js';
import { SCENARIOS_DIR } from '../src/paths.js';
import { decodeScenario, loadScenario } from '../src/scenario.js';
import { STACK_FRAME, captureIo, tmpDir } from './helpers.js';

const dir = tmpDir();
let k = 0;
function file(content: string | Uint8Array): string {
  const f = join(dir, `s${k++}.json`);
  writeFileSync(f, content);
  return f;
}

function message(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

const deep = (n: number, inner = '1') => '['.repeat(n) + inner + ']'.repeat(n);

describe('hostile scenario files', () => {
  it('100k levels of nesting: one line naming the limit, anywhere in the file', () => {
    const top = file(deep(100_000));
    expect(message(() => loadScenario(top, DEFAULT_DRIVERS))).toBe(
      `${top}: nested deeper than ${MAX_JSON_DEPTH} levels (at line 1, column ${MAX_JSON_DEPTH + 1}); a scenario needs only a few`,
    );
    const inField = file(`{"name": "x",\n "subsystems": {"shmif": {"burst": ${deep(100_000)}}}}`);
    expect(message(() => loadScenario(inField, DEFAULT_DRIVERS))).toMatch(
      /nested deeper than 64 levels \(at line 2, column \d+\)/,
    );
    // brackets inside strings do not count
    const inString = file(JSON.stringify({ name: deep(10_000, ''), subsystems: { shmif: {} } }));
    expect(loadScenario(inString, DEFAULT_DRIVERS).name.length).toBe(20_000);
  });

  it('a deeply nested value decoded in memory is shown cut short, without overflowing the stack', () => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(message(() => decodeWith(intIn(1, 2), v, 'mem'))).toBe(
      'mem: invalid\n  at $: expected integer in [1, 2], got [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[...',
    );
    let o: Record<string, unknown> = {};
    const root = o;
    for (let i = 0; i < 100_000; i++) o = o['a'] = {};
    expect(
      message(() => decodeScenario({ name: 'x', subsystems: { shmif: root } }, DEFAULT_DRIVERS)),
    ).toContain("unknown field 'a'");
  });

  it('caps the size, and refuses a directory or something that is not a regular file', () => {
    const big = file(' '.repeat(MAX_SCENARIO_BYTES + 1));
    expect(message(() => loadScenario(big, DEFAULT_DRIVERS))).toBe(
      `${big}: ${MAX_SCENARIO_BYTES + 1} bytes, more than the ${MAX_SCENARIO_BYTES} bytes a scenario may have`,
    );
    expect(message(() => loadScenario('/dev/zero', DEFAULT_DRIVERS))).toBe('/dev/zero: not a regular file');
    const d = join(dir, 'adir');
    mkdirSync(d);
    expect(message(() => loadScenario(d, DEFAULT_DRIVERS))).toBe(`${d}: is a directory`);
  });

  it('accepts a UTF-8 byte order mark; refuses bytes that are not UTF-8, by offset', () => {
    const text = readFileSync(join(SCENARIOS_DIR, 'default.json'));
    const bom = file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]));
    expect(loadScenario(bom, DEFAULT_DRIVERS).name).toBe('default');
    const latin1 = file(Buffer.from('{"name": "caf\xe9"}', 'latin1'));
    expect(message(() => loadScenario(latin1, DEFAULT_DRIVERS))).toBe(
      `${latin1}: not UTF-8 (a bad byte at offset 13)`,
    );
    const cut = file(Buffer.from([0x7b, 0x22, 0xe2, 0x82]));
    expect(message(() => loadScenario(cut, DEFAULT_DRIVERS))).toBe(
      `${cut}: not UTF-8 (the file ends inside a character)`,
    );
  });

  it.each([
    ['1e400', '$.subsystems.shmif.sendProbability', 'number in [0, 1]'],
    ['-1e400', '$.subsystems.shmif.sendProbability', 'number in [0, 1]'],
    ['1e-400', '$.subsystems.shmif.sendProbability', 'number in [0, 1]'],
    ['99999999999999999999', '$.subsystems.shmif.interfaces', 'integer in [1, 64]'],
    ['9007199254740993', '$.seed', 'integer in [0, 4294967295]'],
  ])('reports the number %s as written', (num, path, expected) => {
    const [, key] = path.match(/\.(\w+)$/)!;
    const where = path.startsWith('$.subsystems')
      ? `"subsystems": {"shmif": {"${key}": ${num}}}`
      : `"${key}": ${num}, "subsystems": {"shmif": {}}`;
    const f = file(`{"name": "n", ${where}}`);
    expect(message(() => loadScenario(f, DEFAULT_DRIVERS))).toBe(
      `${f}: invalid\n  at ${path}: expected ${expected}, got ${num}`,
    );
  });

  it('numbers a JavaScript number holds exactly are numbers', () => {
    const v = parseJsonInput(Buffer.from('[0.5, 1e3, -0, 9007199254740991, 1e-5]'), 'x') as unknown[];
    expect(v).toEqual([0.5, 1000, -0, 9007199254740991, 1e-5]);
    expect(parseJsonInput(Buffer.from('[1e400]'), 'x')).toEqual([new JsonNumberText('1e400')]);
  });

  it('refuses duplicate keys and bad syntax by line and column; a number where an object belongs is no object', () => {
    const dup = file('{"name": "a",\n  "name": "b", "subsystems": {}}');
    expect(message(() => loadScenario(dup, DEFAULT_DRIVERS))).toMatch(
      /^.*: not JSON \(Duplicate key 'name' encountered at line 2, column \d+\)$/,
    );
    const cut = file('{"name": ');
    expect(message(() => loadScenario(cut, DEFAULT_DRIVERS))).toMatch(
      /not JSON \(.* at line 1, column 10\)$/,
    );
    const numObj = file('{"name": "n", "subsystems": 1e400}');
    expect(message(() => loadScenario(numObj, DEFAULT_DRIVERS))).toBe(
      `${numObj}: invalid\n  at $.subsystems: expected object, got 1e400`,
    );
    const numCfg = file('{"name": "n", "subsystems": {"shmif": 1e400}}');
    expect(message(() => loadScenario(numCfg, DEFAULT_DRIVERS))).toBe(
      `${numCfg}: invalid\n  at $.subsystems.shmif: expected shmif scenario (an object), got 1e400`,
    );
  });

  it('hostile field names keep the message on one line per problem', () => {
    const key = `evil\n\u001b[31m${'x'.repeat(100)}`;
    const f = file(JSON.stringify({ name: 'n', subsystems: { shmif: { [key]: 1 } } }));
    const m = message(() => loadScenario(f, DEFAULT_DRIVERS));
    expect(m.split('\n')).toHaveLength(2);
    expect(m).not.toContain('\u001b');
    expect(m).toContain(`unknown field "evil\\n\\u001b[31mxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."`);
    const g = file(JSON.stringify({ name: 'n', subsystems: { [key]: {} } }));
    expect(message(() => loadScenario(g, DEFAULT_DRIVERS)).split('\n')).toHaveLength(2);
    const proto = file('{"name": "n", "subsystems": {"shmif": {"__proto__": {"interfaces": 2}}}}');
    expect(message(() => loadScenario(proto, DEFAULT_DRIVERS))).toContain("unknown field '__proto__'");
  });

  it('kspec run on each of them exits 2 with the message and no stack trace', async () => {
    for (const f of [file(deep(100_000)), file('{"name": 1e400}'), file(Buffer.from([0xff]))]) {
      const cap = captureIo();
      expect(await main(['node', 'kspec', 'run', f], cap.io)).toBe(2);
      expect(cap.err.join('\n')).toMatch(new RegExp(`^kspec: ${f}: `));
      expect(cap.err.join('\n')).not.toMatch(STACK_FRAME);
    }
  });
});

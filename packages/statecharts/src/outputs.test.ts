/**
 * Output files: checked before any work (missing directory, a directory, not a regular file,
 * an input, two outputs naming one file through a symbolic or hard link), written to a
 * temporary file beside the target and renamed, so a failure leaves the target untouched.
 * (Permission checks as a non-root user are in the orchestrator's process tests.)
 */
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportManifests } from './export-files.js';
import { manifest } from './fixtures/index.js';
import { OutputPathError, checkOutputDirectory, reserveOutputs, writeFileAtomic } from './outputs.js';

const root = mkdtempSync(join(tmpdir(), 'kspec-outputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};

function refused(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(OutputPathError);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('reserveOutputs', () => {
  it('writes into a temporary file beside the target and renames it at commit', () => {
    const d = fresh();
    const target = join(d, 'out.txt');
    writeFileSync(target, 'old');
    chmodSync(target, 0o640);
    const outs = reserveOutputs([{ flag: '--x', path: target }]);
    const o = outs.get('--x')!;
    expect(o.tmp.startsWith(join(d, '.out.txt.kspec-'))).toBe(true);
    o.write('new ');
    o.write(new Uint8Array([0x6f, 0x6b]));
    expect(readFileSync(target, 'utf8')).toBe('old');
    outs.commitAll();
    expect(readFileSync(target, 'utf8')).toBe('new ok');
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(readdirSync(d)).toEqual(['out.txt']);
  });

  it('a discarded output leaves the target as it was and no temporary file', () => {
    const d = fresh();
    const target = join(d, 'keep');
    writeFileSync(target, 'precious');
    const outs = reserveOutputs([
      { flag: '--x', path: target },
      { flag: '--y', path: join(d, 'new') },
    ]);
    outs.get('--x')!.write('half a');
    outs.discardAll();
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(readdirSync(d)).toEqual(['keep']);
  });

  it('refuses a missing directory, a directory, and something that is not a regular file', () => {
    const d = fresh();
    expect(refused(() => reserveOutputs([{ flag: '--trace', path: join(d, 'no/t.jsonl') }]))).toBe(
      `--trace ${join(d, 'no/t.jsonl')}: directory ${join(d, 'no')} does not exist`,
    );
    expect(refused(() => reserveOutputs([{ flag: '--trace', path: d }]))).toBe(
      `--trace ${d}: is a directory`,
    );
    expect(refused(() => reserveOutputs([{ flag: '-o', path: '/dev/null' }]))).toMatch(
      /^-o \/dev\/null: not a regular file/,
    );
    writeFileSync(join(d, 'file'), '');
    expect(refused(() => reserveOutputs([{ flag: '-o', path: join(d, 'file/x') }]))).toMatch(
      /is not a directory$/,
    );
    expect(readdirSync(d)).toEqual(['file']);
  });

  it('refuses an output that is an input: same path, a symbolic link to it, a hard link to it', () => {
    const d = fresh();
    const input = join(d, 's.json');
    writeFileSync(input, '{}');
    symlinkSync(input, join(d, 'sym'));
    linkSync(input, join(d, 'hard'));
    for (const p of [input, join(d, 'sym'), join(d, 'hard'), `${d}/./s.json`]) {
      expect(
        refused(() => reserveOutputs([{ flag: '--trace', path: p }], [{ flag: 'scenario', path: input }])),
      ).toContain(`--trace ${p}: is the scenario ${input}`);
    }
    expect(readFileSync(input, 'utf8')).toBe('{}');
    expect(readdirSync(d).sort()).toEqual(['hard', 's.json', 'sym']);
  });

  it('refuses two outputs naming one file, also through links or a new file twice', () => {
    const d = fresh();
    writeFileSync(join(d, 'a'), 'a');
    symlinkSync(join(d, 'a'), join(d, 'la'));
    linkSync(join(d, 'a'), join(d, 'ha'));
    for (const [p, q] of [
      [join(d, 'a'), join(d, 'la')],
      [join(d, 'a'), join(d, 'ha')],
      [join(d, 'new'), `${d}/../${d.split('/').pop()}/new`],
    ] as const) {
      expect(
        refused(() =>
          reserveOutputs([
            { flag: '--trace', path: p },
            { flag: '--report', path: q },
          ]),
        ),
      ).toMatch(new RegExp(`^--report .*: is the same file as --trace `));
    }
  });

  it('writes through a symbolic link to the file it names, keeping the link', () => {
    const d = fresh();
    writeFileSync(join(d, 'real'), 'old');
    symlinkSync(join(d, 'real'), join(d, 'link'));
    writeFileAtomic(join(d, 'link'), 'new');
    expect(readFileSync(join(d, 'real'), 'utf8')).toBe('new');
    expect(readFileSync(join(d, 'link'), 'utf8')).toBe('new');
    symlinkSync(join(d, 'nowhere'), join(d, 'dangling'));
    expect(refused(() => writeFileAtomic(join(d, 'dangling'), 'x', '-o'))).toContain(
      'a symbolic link that leads nowhere',
    );
  });
});

describe('output directories', () => {
  it('checkOutputDirectory accepts a directory that can be made and refuses a path through a file', () => {
    const d = fresh();
    checkOutputDirectory('--out', join(d, 'a/b/c'));
    expect(existsSync(join(d, 'a'))).toBe(false);
    writeFileSync(join(d, 'f'), '');
    expect(refused(() => checkOutputDirectory('--out', join(d, 'f/g')))).toBe(
      `--out ${join(d, 'f/g')}: ${join(d, 'f')} is not a directory`,
    );
  });

  it('exportManifests checks its directory first and writes nothing when it is bad', async () => {
    const d = fresh();
    writeFileSync(join(d, 'f'), 'x');
    await expect(exportManifests([manifest], join(d, 'f/out'))).rejects.toThrow(OutputPathError);
    expect(readdirSync(d)).toEqual(['f']);
    await exportManifests([manifest], join(d, 'made/here'));
    expect(readdirSync(join(d, 'made/here')).sort()).toEqual(['fixtures', 'index.json']);
    expect(readdirSync(join(d, 'made/here/fixtures')).every((f) => !f.endsWith('.tmp'))).toBe(true);
  });
});

describe('kspec-statecharts --out', () => {
  it('a directory it cannot make: exit 2 before any work, one line', () => {
    const d = fresh();
    writeFileSync(join(d, 'f'), 'x');
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    const r = spawnSync(
      process.execPath,
      ['--conditions=@kspec/source', '--import', 'tsx', cli, '--out', join(d, 'f/charts')],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `kspec-statecharts: --out ${join(d, 'f/charts')}: ${join(d, 'f')} is not a directory\n`,
    );
    expect(r.stdout).toBe('');
    expect(readdirSync(d)).toEqual(['f']);
  });
});

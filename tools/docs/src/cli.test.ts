/**
 * The docs-site command line refuses a `--out` it cannot make or write before any work:
 * exit 2, one line, nothing built. (As a non-root user too: a directory without write
 * permission for it.)
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nonRootRunner } from '../../vitest/non-root.js';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kspec-docs-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = (args: string[]): [string, string[]] => [
  process.execPath,
  ['--conditions=@kspec/source', '--import', 'tsx', cli, ...args],
];
const site = (args: string[]) => spawnSync(...node(args), { encoding: 'utf8' });
const siteAsNonRoot = (args: string[]) => {
  const runner = nonRootRunner(cli);
  return spawnSync(...runner.argv(...node(args)), { encoding: 'utf8', ...runner.options });
};

describe('kspec-docs-site --out', () => {
  it('through a file: exit 2, one line, nothing written', () => {
    writeFileSync(join(dir, 'file'), 'x');
    const r = site(['--out', join(dir, 'file/site')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `kspec-docs-site: --out ${join(dir, 'file/site')}: ${join(dir, 'file')} is not a directory`,
    );
    expect(r.stdout).toBe('');
  });

  it('a directory this (non-root) user cannot write: exit 2 before any work', () => {
    chmodSync(dir, 0o755);
    const ro = join(dir, 'ro');
    mkdirSync(ro, { mode: 0o555 });
    chmodSync(ro, 0o555);
    const r = siteAsNonRoot(['--out', join(ro, 'site')]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe(
      `kspec-docs-site: --out ${join(ro, 'site')}: cannot create a file in ${ro} (permission denied)`,
    );
    expect(readdirSync(ro)).toEqual([]);
  });
});

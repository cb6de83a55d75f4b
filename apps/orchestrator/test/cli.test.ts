/**
 * The `kspec` command line: `--help` on every command, conventional exit codes, and the bus
 * file round trip `kspec run --bus-file f` then `kspec pcap f -o x.pcap`, read back by tshark
 * (Debian's `tshark`, installed by .ci/run).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/program.js';
import { captureIo, tmpDir } from './helpers.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const kspec = (args: string[]) => {
  const cap = captureIo();
  return main(['node', 'kspec', ...args], cap.io).then((code) => ({ code, ...cap }));
};

describe('kspec --help and exit codes', () => {
  it.each([[[]], [['run']], [['export']], [['check']], [['paths']], [['pcap']]])(
    '%j --help exits 0 with usage',
    async (cmd) => {
      const r = await kspec([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.text()).toMatch(new RegExp(`^Usage: kspec${cmd.length ? ` ${cmd[0]}` : ''} `));
    },
  );

  it('bad usage exits 2', async () => {
    expect((await kspec(['frobnicate'])).code).toBe(2);
    expect((await kspec(['run', '--seed', 'x'])).code).toBe(2);
    expect((await kspec(['run', '--workers', '65'])).code).toBe(2);
    expect((await kspec(['pcap', 'somefile'])).code).toBe(2); // -o is required
    expect((await kspec(['paths'])).code).toBe(2);
    const r = await kspec(['check', 'floppy']);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toContain("no package 'floppy' with a manifest (known: all, ");
  });

  it('package.json names the kspec binary: an executable shim that runs dist/cli.js, or the sources when nothing is built', () => {
    const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      version: string;
    };
    expect(pkg.bin).toEqual({ kspec: './bin/kspec.js' });
    const shim = join(appDir, 'bin/kspec.js');
    expect(statSync(shim).mode & 0o111).not.toBe(0);
    const text = readFileSync(shim, 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(text).toContain("new URL('../dist/cli.js', import.meta.url)");
    expect(text).toContain("new URL('../src/cli.ts', import.meta.url)");
    const v = spawnSync(process.execPath, [shim, '--version'], { encoding: 'utf8', cwd: appDir });
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
    expect(readFileSync(join(appDir, 'src/cli.ts'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('runs as a process: --version, and exit 2 with the message on stderr for a bad scenario', () => {
    const node = (args: string[]) =>
      spawnSync(
        process.execPath,
        ['--conditions=@kspec/source', '--import', 'tsx', join(appDir, 'src/cli.ts'), ...args],
        {
          encoding: 'utf8',
          cwd: appDir,
        },
      );
    const v = node(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')).version);
    const dir = tmpDir();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'x', subsystems: { shmif: { interfaces: 'three' } } }));
    const r = node(['run', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('at $.subsystems.shmif.interfaces: expected integer in [1, 64], got "three"');
    expect(r.stdout).toBe('');
  });
});

describe('kspec run --bus-file, then kspec pcap', () => {
  it('leaves a bus file whose pcap tshark reads, with every frame sent', async () => {
    const dir = tmpDir();
    const bus = join(dir, 'bus');
    const pcap = join(dir, 'x.pcap');
    const run = await kspec(['run', '--bus-file', bus, '--json']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.text()) as {
      subsystems: { subsystem: string; counters: Record<string, number> }[];
    };
    const shmif = summary.subsystems.find((s) => s.subsystem === 'shmif')!;
    expect(readFileSync(bus).length).toBe(1024 * 1024);

    const p = await kspec(['pcap', bus, '-o', pcap]);
    expect(p.code).toBe(0);
    expect(p.text()).toContain(`${shmif.counters['framesOnBus']} frames`);

    const fields = execFileSync(
      'tshark',
      ['-r', pcap, '-T', 'fields', '-e', 'frame.number', '-e', 'eth.type', '-e', 'frame.len'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    )
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(fields.length).toBe(shmif.counters['framesSent']);
    expect(fields.length).toBe(700); // 3 x 200 scenario frames + the 100 the USB host sent through the gadget
    expect(new Set(fields.map((f) => f[1]))).toEqual(new Set(['0x88b5']));
    for (const f of fields) expect(Number(f[2])).toBeGreaterThanOrEqual(60);
  });

  it('a second run on the same bus file continues the bus', async () => {
    const dir = tmpDir();
    const bus = join(dir, 'bus');
    const small = join(dir, 'small.json');
    writeFileSync(
      small,
      JSON.stringify({ name: 'small', subsystems: { shmif: { framesPerInterface: 40 }, 'xen-evtchn': {} } }),
    );
    expect((await kspec(['run', small, '--bus-file', bus, '--json'])).code).toBe(0);
    const second = await kspec(['run', small, '--bus-file', bus, '--json', '--seed', '2']);
    expect(second.code).toBe(0);
    const s = JSON.parse(second.text()) as {
      subsystems: { subsystem: string; counters: Record<string, number> }[];
    };
    const c = s.subsystems.find((x) => x.subsystem === 'shmif')!.counters;
    // the interfaces attach at shm_last (if_shmem.c 234-235): no phantom, but each passes up the
    // newest frame of the first run; the first run's frames stay on the bus
    expect(c['malformed']).toBe(0);
    expect(c['stale']).toBe(3);
    expect(c['framesOnBus']).toBe(2 * 3 * 40);
  });

  it('kspec pcap on something that is not a bus file exits 2 and writes nothing', async () => {
    const dir = tmpDir();
    const junk = join(dir, 'junk');
    writeFileSync(junk, Buffer.alloc(4096, 0x41));
    const out = join(dir, 'x.pcap');
    const r = await kspec(['pcap', junk, '-o', out]);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toContain('not magical');
    expect(existsSync(out)).toBe(false);
    const missing = await kspec(['pcap', join(dir, 'nope'), '-o', out]);
    expect(missing.code).toBe(2);
    expect(missing.err.join('\n')).toContain('cannot read (ENOENT)');
  });
});

/**
 * `kspec` as a real child process, for what only a process shows: exit codes and streams,
 * permissions as a non-root user (the tests run as root, for whom every access check
 * passes), SIGINT during a run (exit 130, the trace closed on a line boundary, nothing else
 * written, worker threads stopped), and a bus that stops a faithful receiver during the run
 * (exit 1 with the summary, no stack trace).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nonRootRunner } from '../../../tools/vitest/non-root.js';
import { STACK_FRAME, tmpDir } from './helpers.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const appDir = fileURLToPath(new URL('..', import.meta.url));
const node = (args: readonly string[]): [string, string[]] => [
  process.execPath,
  ['--conditions=@kspec/source', '--import', 'tsx', cli, ...args],
];

function scenario(
  dir: string,
  name: string,
  shmif: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): string {
  const f = join(dir, `${name}.json`);
  writeFileSync(
    f,
    JSON.stringify({
      name,
      sharedMemory: { bus: { dataSize: 8192 } },
      ...extra,
      subsystems: { shmif, 'xen-evtchn': {} },
    }),
  );
  return f;
}

describe('as a non-root user', () => {
  it('every output in a directory it cannot write: exit 2 at once, one line, nothing written', () => {
    const dir = tmpDir();
    chmodSync(dir, 0o755);
    const s = scenario(dir, 'small', { framesPerInterface: 5 });
    chmodSync(s, 0o644);
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const bus = join(dir, 'bus');
    expect(spawnSync(...node(['run', s, '--bus-file', bus, '--json']), { cwd: appDir }).status).toBe(0);
    chmodSync(bus, 0o644);
    const runner = nonRootRunner(cli);
    const cases: [string[], string, string][] = [
      [['run', s, '--trace', join(ro, 't.jsonl')], '--trace', join(ro, 't.jsonl')],
      [['run', s, '--report', join(ro, 'r.html')], '--report', join(ro, 'r.html')],
      [['run', s, '--bus-file', join(ro, 'bus')], '--bus-file', join(ro, 'bus')],
      [['paths', 'evtchnDevice', '-o', join(ro, 'p.json')], '-o', join(ro, 'p.json')],
      [['pcap', bus, '-o', join(ro, 'x.pcap')], '-o', join(ro, 'x.pcap')],
      [['export', '--out', join(ro, 'charts'), '--format', 'mmd'], '--out', join(ro, 'charts')],
    ];
    for (const [args, flag, path] of cases) {
      const r = spawnSync(...runner.argv(...node(args)), {
        encoding: 'utf8',
        cwd: appDir,
        ...runner.options,
      });
      expect(r.status, `${runner.who}: ${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toBe(`kspec: ${flag} ${path}: cannot create a file in ${ro} (permission denied)\n`);
      expect(r.stdout).toBe('');
    }
    expect(readdirSync(ro)).toEqual([]);
  });
});

/** Spawns `kspec args`; resolves with the exit status and output once it exits. */
function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(...node(args), { cwd: appDir, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = async (re: RegExp, ms = 30_000): Promise<void> => {
    const until = Date.now() + ms;
    while (!re.test(stderr)) {
      if (Date.now() > until) throw new Error(`no ${re} on stderr within ${ms} ms: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, exited, waitFor, out: () => stdout, err: () => stderr };
}

describe('SIGINT during kspec run', () => {
  it.each([[0], [2]])(
    'with %i worker thread(s): says what was interrupted, closes the trace on a line boundary, writes nothing else, exits 130',
    async (workers) => {
      const dir = tmpDir();
      const s = scenario(
        dir,
        'long',
        { framesPerInterface: 1_000_000, interfaces: 3 },
        { maxTicks: 10_000_000 },
      );
      const [trace, report, bus] = ['t.jsonl', 'r.html', 'bus'].map((f) => join(dir, f)) as [
        string,
        string,
        string,
      ];
      writeFileSync(report, 'old report');
      const p = start(
        ['run', s, '--trace', trace, '--report', report, '--bus-file', bus, '--workers', String(workers)],
        { KSPEC_PROGRESS_MS: '100' },
      );
      // a progress line (off a TTY, every 100 ms here) says the run is under way
      await p.waitFor(/kspec run long: tick \d+, \d+\/\d+ work items/);
      p.child.kill('SIGINT');
      const { code } = await p.exited;
      expect(code, p.err()).toBe(130);
      expect(p.err()).toMatch(
        new RegExp(
          `kspec run: interrupted: run long interrupted at tick \\d+ \\(\\d+/\\d+ work items done\\); the trace ${trace} holds the \\d+ whole line\\(s\\) written so far; the report ${report} and the bus file ${bus} left as they were\\n$`,
        ),
      );
      expect(p.err()).not.toMatch(STACK_FRAME);
      expect(p.out()).toBe('');
      const text = readFileSync(trace, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const lines = text.slice(0, -1).split('\n');
      const said = Number(/holds the (\d+) whole line/.exec(p.err())![1]);
      expect(lines.length).toBe(said);
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
      // the reader closed the file as the run stopped (evtchn_release): the last device event
      expect(
        lines
          .map((l) => JSON.parse(l) as { actor: string; event: { type: string } })
          .filter((l) => l.actor === 'xen-evtchn/evtchnDevice')
          .at(-1)!.event.type,
      ).toBe('release');
      expect(readFileSync(report, 'utf8')).toBe('old report');
      expect(existsSync(bus)).toBe(false);
      expect(readdirSync(dir).sort()).toEqual(['long.json', 'r.html', 't.jsonl']);
    },
  );
});

describe('exit codes and streams of the process', () => {
  it('a bus a faithful receiver stops on: exit 1, the summary on stdout naming the finding, no stack trace', async () => {
    const dir = tmpDir();
    const s = scenario(dir, 'gen', { framesPerInterface: 20 });
    const bus = join(dir, 'bus');
    const b = Buffer.alloc(32 + 8192);
    b.writeBigUInt64LE(2n ** 64n - 1n, 8); // shm_gen wraps to 0 at the first wrap of the ring
    writeFileSync(bus, b);
    const r = spawnSync(...node(['run', s, '--bus-file', bus]), { encoding: 'utf8', cwd: appDir });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('verdict: FAILED: shmif: stopped before its plan was done: the bus is wedged');
    expect(r.stdout).toContain('recorded finding SHMIF-6');
    expect(r.stderr).toBe('');
    expect(r.stderr + r.stdout).not.toMatch(STACK_FRAME);
  });

  it('hostile input of every kind: exit 2, one message on stderr, nothing on stdout, no stack trace', () => {
    const dir = tmpDir();
    const deep = join(dir, 'deep.json');
    writeFileSync(deep, '['.repeat(100_000) + ']'.repeat(100_000));
    const s = scenario(dir, 'ok', { framesPerInterface: 5 });
    for (const args of [
      ['run', deep],
      ['run', s, '--trace', s],
      ['run', s, '--bus-file', deep],
      ['pcap', deep, '-o', deep],
    ]) {
      const r = spawnSync(...node(args), { encoding: 'utf8', cwd: appDir });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^kspec: /);
      expect(r.stderr).not.toMatch(STACK_FRAME);
      expect(r.stdout).toBe('');
    }
  });
});

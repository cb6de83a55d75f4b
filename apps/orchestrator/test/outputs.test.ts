/**
 * Every output of every command is checked before any work and written whole: an output
 * that is an input or another output (also through symbolic and hard links) or lies in a
 * missing directory is exit 2 with nothing written; a run that breaks leaves the old files
 * as they were and no temporary file. (Permissions as a non-root user: process.test.ts.)
 */
import { existsSync, linkSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnyScenarioDriver } from '../src/driver.js';
import { DEFAULT_DRIVERS } from '../src/drivers/index.js';
import { runCommand } from '../src/commands/run.js';
import { main } from '../src/program.js';
import { STACK_FRAME, captureIo, tmpDir } from './helpers.js';

const kspec = async (args: string[]) => {
  const cap = captureIo();
  const code = await main(['node', 'kspec', ...args], cap.io);
  return { code, err: cap.err.join('\n'), out: cap.out.join('\n') };
};

function small(dir: string, frames = 10): string {
  const f = join(dir, 's.json');
  writeFileSync(
    f,
    JSON.stringify({
      name: 'small',
      sharedMemory: { bus: { dataSize: 8192 } },
      subsystems: { shmif: { framesPerInterface: frames }, 'xen-evtchn': {} },
    }),
  );
  return f;
}

describe('kspec run: outputs that alias inputs or each other', () => {
  it('--trace naming the scenario, directly, through a symbolic link or a hard link: exit 2, scenario intact', async () => {
    const dir = tmpDir();
    const s = small(dir);
    const before = readFileSync(s, 'utf8');
    symlinkSync(s, join(dir, 'sym.jsonl'));
    linkSync(s, join(dir, 'hard.jsonl'));
    for (const t of [s, join(dir, 'sym.jsonl'), join(dir, 'hard.jsonl')]) {
      const r = await kspec(['run', s, '--trace', t]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `kspec: --trace ${t}: is the scenario ${s}${t === s ? '' : ` (both are ${s})`}; an output must not overwrite an input`,
      );
      expect(r.out).toBe('');
    }
    expect(readFileSync(s, 'utf8')).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['hard.jsonl', 's.json', 'sym.jsonl']);
  });

  it('two outputs naming one file (also the bus file through a link): exit 2, nothing written', async () => {
    const dir = tmpDir();
    const s = small(dir);
    const bus = join(dir, 'bus');
    writeFileSync(bus, 'not even a bus: never read, the outputs are checked first');
    symlinkSync(bus, join(dir, 'bus-link'));
    const cases: [string[], string][] = [
      [
        ['--trace', join(dir, 'x'), '--report', join(dir, 'x')],
        `--report ${join(dir, 'x')}: is the same file as --trace`,
      ],
      [['--trace', join(dir, 'bus'), '--bus-file', bus], `--bus-file ${bus}: is the same file as --trace`],
      [
        ['--report', join(dir, 'bus-link'), '--bus-file', bus],
        `--bus-file ${bus}: is the same file as --report`,
      ],
    ];
    for (const [args, msg] of cases) {
      const r = await kspec(['run', s, ...args]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(msg);
    }
    expect(readdirSync(dir).sort()).toEqual(['bus', 'bus-link', 's.json']);
    expect(readFileSync(bus, 'utf8')).toMatch(/^not even a bus/);
  });
});

describe('every command checks its outputs before any work', () => {
  it('paths -o, pcap -o, export --out and run outputs in a missing directory: exit 2 at once', async () => {
    const dir = tmpDir();
    const missing = join(dir, 'no/such');
    const bus = join(dir, 'bus');
    expect((await kspec(['run', small(dir), '--bus-file', bus, '--json'])).code).toBe(0);
    const before = readFileSync(bus);
    for (const [args, flag] of [
      [['paths', 'evtchnDevice', '-o', join(missing, 'p.json')], '-o'],
      [['pcap', bus, '-o', join(missing, 'x.pcap')], '-o'],
      [['run', '--trace', join(missing, 't.jsonl')], '--trace'],
      [['run', '--report', join(missing, 'r.html')], '--report'],
      [['run', '--bus-file', join(missing, 'bus')], '--bus-file'],
    ] as const) {
      const r = await kspec([...args]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toBe(`kspec: ${flag} ${args[args.length - 1]}: directory ${missing} does not exist`);
      expect(r.err).not.toMatch(STACK_FRAME);
    }
    writeFileSync(join(dir, 'file'), 'x');
    const e = await kspec(['export', '--out', join(dir, 'file/out')]);
    expect(e.code).toBe(2);
    expect(e.err).toBe(`kspec: --out ${join(dir, 'file/out')}: ${join(dir, 'file')} is not a directory`);
    const same = await kspec(['pcap', bus, '-o', bus]);
    expect(same.code).toBe(2);
    expect(same.err).toContain(`-o ${bus}: is the bus file ${bus}`);
    expect(readFileSync(bus).equals(before)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['bus', 'file', 's.json']);
  });

  it('export --out makes a missing directory, and writes no temporary file', async () => {
    const dir = tmpDir();
    const r = await kspec(['export', '--out', join(dir, 'a/b'), '--format', 'mmd']);
    expect(r.code, r.err).toBe(0);
    const files = readdirSync(join(dir, 'a/b'), { recursive: true }) as string[];
    expect(files).toContain('index.json');
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

/** A driver that breaks the run (an exception, not a finding) at a given tick. */
const breaker: AnyScenarioDriver = {
  subsystem: 'breaker',
  package: '(test)',
  description: 'throws at tick 3',
  config: DEFAULT_DRIVERS[0]!.config,
  plots: [],
  async start() {
    return {
      step(tick: number) {
        if (tick === 3) throw new Error('the breaker broke');
      },
      done: () => false,
      progress: () => ({ done: 0, total: 1 }),
      sample: () => ({}),
      summary: () => {
        throw new Error('unreachable');
      },
      close: async () => undefined,
    };
  },
};

describe('a run that breaks leaves the old files as they were', () => {
  it('trace, report and bus file keep their old contents; no temporary file is left', async () => {
    const dir = tmpDir();
    const s = join(dir, 's.json');
    writeFileSync(
      s,
      JSON.stringify({
        name: 'b',
        sharedMemory: { bus: { dataSize: 8192 } },
        subsystems: { shmif: { framesPerInterface: 20 }, breaker: {}, 'xen-evtchn': {} },
      }),
    );
    const [trace, report, bus] = ['t.jsonl', 'r.html', 'bus'].map((f) => join(dir, f)) as [
      string,
      string,
      string,
    ];
    writeFileSync(trace, 'old trace\n');
    writeFileSync(report, 'old report');
    const ok = await runCommand(small(tmpDir(), 5), { busFile: bus, json: true }, captureIo().io);
    expect(ok.code).toBe(0);
    const busBefore = readFileSync(bus);
    await expect(
      runCommand(s, { trace, report, busFile: bus, drivers: [...DEFAULT_DRIVERS, breaker] }, captureIo().io),
    ).rejects.toThrow('the breaker broke');
    expect(readFileSync(trace, 'utf8')).toBe('old trace\n');
    expect(readFileSync(report, 'utf8')).toBe('old report');
    expect(readFileSync(bus).equals(busBefore)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['bus', 'r.html', 's.json', 't.jsonl']);
  });

  it('a run that ends replaces them whole', async () => {
    const dir = tmpDir();
    const trace = join(dir, 't.jsonl');
    writeFileSync(trace, 'old trace\n');
    const r = await runCommand(small(dir), { trace, json: true }, captureIo().io);
    expect(r.code).toBe(0);
    const lines = readFileSync(trace, 'utf8').trimEnd().split('\n');
    expect(lines.length).toBe(r.result!.traceLines);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(existsSync(join(dir, 'bus'))).toBe(false);
  });
});

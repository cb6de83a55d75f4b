/** Test helpers: captured command output and temporary directories. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { CommandIo } from '../src/io.js';

export function captureIo(): { io: CommandIo; out: string[]; err: string[]; text: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (s) => void out.push(s), err: (s) => void err.push(s) },
    out,
    err,
    text: () => out.join('\n'),
  };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function tmpDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kspec-orch-'));
  dirs.push(d);
  return d;
}

/** A line of a JavaScript stack trace (`    at fn (file.ts:12:5)`), never a decode issue (`  at $.x: ...`). */
export const STACK_FRAME = /^\s+at .*:\d+:\d+\)?$/m;

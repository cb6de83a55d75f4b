/**
 * Progress of a long run off a terminal (a CI log, a pipe): one line every interval of wall
 * time on stderr, nothing for a run shorter than that; on a terminal a bar instead.
 */
import { describe, expect, it } from 'vitest';
import { runProgress } from '../src/progress.js';
import { captureIo } from './helpers.js';

describe('runProgress off a terminal', () => {
  it('prints a line per interval, naming the tick, the work done and the share', async () => {
    const cap = captureIo();
    const p = runProgress('kspec run x', { lineEveryMs: 50 }, cap.io);
    p.update({ tick: 1, done: 0, total: 400 });
    expect(cap.err).toEqual([]); // not before the first interval
    await new Promise((r) => setTimeout(r, 60));
    p.update({ tick: 50, done: 100, total: 400 });
    p.update({ tick: 51, done: 101, total: 400 }); // within the next interval: nothing
    await new Promise((r) => setTimeout(r, 60));
    p.update({ tick: 100, done: 300, total: 400 });
    p.stop();
    expect(cap.err).toHaveLength(2);
    expect(cap.err[0]).toMatch(/^kspec run x: tick 50, 100\/400 work items \(25%\), \d+ s$/);
    expect(cap.err[1]).toMatch(/^kspec run x: tick 100, 300\/400 work items \(75%\), \d+ s$/);
  });

  it('a run shorter than the interval prints nothing; KSPEC_PROGRESS_MS sets the interval', async () => {
    const cap = captureIo();
    const quiet = runProgress('q', {}, cap.io);
    for (let t = 1; t <= 1000; t++) quiet.update({ tick: t, done: t, total: 1000 });
    expect(cap.err).toEqual([]);
    process.env['KSPEC_PROGRESS_MS'] = '1';
    try {
      const p = runProgress('e', {}, cap.io);
      await new Promise((r) => setTimeout(r, 5));
      p.update({ tick: 9, done: 1, total: 2 });
    } finally {
      delete process.env['KSPEC_PROGRESS_MS'];
    }
    expect(cap.err).toEqual([expect.stringMatching(/^e: tick 9, 1\/2 work items \(50%\)/)]);
  });

  it('on a terminal it draws no lines through io.err (the bar goes to the stream)', () => {
    const cap = captureIo();
    let drawn = '';
    const tty = {
      isTTY: true,
      columns: 80,
      write: (s: string) => ((drawn += s), true),
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
      on: () => tty,
      removeListener: () => tty,
    } as unknown as NodeJS.WriteStream;
    const p = runProgress('t', { lineEveryMs: 0 }, { ...cap.io, progressStream: tty });
    p.update({ tick: 1, done: 1, total: 2 });
    p.stop();
    expect(cap.err).toEqual([]);
    expect(drawn).toContain('t [');
  });
});

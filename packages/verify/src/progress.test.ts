import { describe, expect, it } from 'vitest';
import { explore } from './explore.js';
import { raceModel } from './fixtures.test-helpers.js';
import { progressPrinter } from './progress.js';

const ESC = String.fromCharCode(27);
const CONTROL = new RegExp(`(${ESC}\\[\\d*[A-Za-z]|${ESC}[78]|\r)`);
const TO_COLUMN_1 = new RegExp(`^${ESC}\\[\\d*G$`);
const CLEAR_LINE = `${ESC}[2K`;

/** What a terminal shows on the line after the output: carriage returns and line clears applied. */
function screen(out: readonly string[]): string {
  let line = '';
  for (const part of out.join('').split(CONTROL)) {
    if (part === '\r' || TO_COLUMN_1.test(part) || part === CLEAR_LINE) line = '';
    else if (!part.startsWith(ESC)) line += part;
  }
  return line;
}

describe('progressPrinter (cli-progress)', () => {
  it('draws states, depth, rate and frontier on one line of a TTY and clears it at the end', () => {
    const out: string[] = [];
    const p = progressPrinter({ isTTY: true, columns: 200, write: (s: string) => out.push(s) });
    explore(raceModel(false), { onProgress: p.onProgress });
    const drawn = out.join('');
    expect(drawn).toMatch(/race: \d+ states, depth \d+, [\d,]+ states\/s, frontier \d+, [\d.]+ s/);
    expect(drawn).not.toContain('\n');
    p.end();
    expect(screen(out)).toBe('');
  });

  it('draws again after end (one line per exploration)', () => {
    const out: string[] = [];
    const p = progressPrinter({ isTTY: true, write: (s: string) => out.push(s) });
    explore(raceModel(false), { onProgress: p.onProgress });
    p.end();
    const first = out.length;
    explore(raceModel(false), { onProgress: p.onProgress });
    expect(out.slice(first).join('')).toMatch(/race: \d+ states/);
    p.end();
  });

  it('is silent when the stream is not a TTY, and draws when forced', () => {
    const out: string[] = [];
    const quiet = progressPrinter({ isTTY: false, write: (s: string) => out.push(s) });
    explore(raceModel(false), { onProgress: quiet.onProgress });
    quiet.end();
    expect(out).toEqual([]);
    const forced = progressPrinter({ isTTY: false, write: (s: string) => out.push(s) }, true);
    explore(raceModel(false), { onProgress: forced.onProgress });
    forced.end();
    expect(out.join('')).toMatch(/race: \d+ states/);
  });
});

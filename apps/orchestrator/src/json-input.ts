/**
 * JSON from outside (scenario files), read as a hostile user might write it:
 *
 * - **Caps.** A file larger than {@link MAX_SCENARIO_BYTES}, not a regular file (a FIFO,
 *   `/dev/zero`), or nested deeper than {@link MAX_JSON_DEPTH} levels is refused with one
 *   line naming the limit, before it is parsed; the nesting is measured by a scan without
 *   recursion, so 100k levels cannot overflow the stack anywhere later (parsing, decoding,
 *   printing a value in a message).
 * - **Text.** UTF-8, strictly (a bad byte is reported by its offset); a UTF-8 byte order mark
 *   at the start is accepted and skipped.
 * - **Numbers as written.** A number that a JavaScript number cannot hold as written (`1e400`,
 *   `1e-400`, an integer beyond 2^53) stays a {@link JsonNumberText}, so a codec rejects it
 *   and the message shows `1e400`, not `null` or a rounded value.
 * - **Syntax.** Parsed by lossless-json, which also refuses duplicate keys; its error
 *   positions are turned into line and column.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parse as losslessParse } from 'lossless-json';
import { ScenarioError } from './codec.js';

/**
 * The largest scenario file read (1 MiB; the examples are about 1 KB).
 * @category Scenarios
 */
export const MAX_SCENARIO_BYTES = 1 << 20;

/**
 * The deepest nesting of arrays and objects accepted in a scenario (the scenario format
 * itself needs 4).
 * @category Scenarios
 */
export const MAX_JSON_DEPTH = 64;

/**
 * A JSON number a JavaScript number cannot represent as written, kept as its text.
 * @category Scenarios
 */
export class JsonNumberText {
  constructor(readonly text: string) {}
  toJSON(): string {
    return this.text;
  }
}

function errno(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/**
 * Limits of {@link readInputFile}.
 * @category Scenarios
 */
export interface InputFileLimits {
  readonly maxBytes: number;
  readonly minBytes?: number;
  /** What the file is, for messages (`a scenario`, `a shmif bus file`). */
  readonly what: string;
}

/**
 * Reads a regular file whole within `limits` (checked before reading), refusing anything else
 * with an error (by default a {@link ScenarioError}) whose message starts with `path`.
 * @category Scenarios
 */
export function readInputFile(
  path: string,
  limits: InputFileLimits,
  fail: (message: string) => Error = (m) => new ScenarioError(m),
): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fail(`${path}: cannot read (${errno(err)})`);
  }
  try {
    const io = <T>(f: () => T): T => {
      try {
        return f();
      } catch (err) {
        throw fail(`${path}: cannot read (${errno(err)})`);
      }
    };
    const st = io(() => fstatSync(fd));
    if (st.isDirectory()) throw fail(`${path}: is a directory`);
    if (!st.isFile()) throw fail(`${path}: not a regular file`);
    if (st.size > limits.maxBytes)
      throw fail(`${path}: ${st.size} bytes, more than the ${limits.maxBytes} bytes ${limits.what} may have`);
    if (st.size < (limits.minBytes ?? 0))
      throw fail(`${path}: ${st.size} bytes, fewer than the ${limits.minBytes} bytes ${limits.what} needs`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = io(() => readSync(fd, buf, off, buf.length - off, off));
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col}`;
}

/** The first offset where arrays and objects nest deeper than `max`, or -1 (no recursion). */
function tooDeepAt(text: string, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

/** A number kept as a JavaScript number only when that number is what was written. */
function parseNumber(text: string): number | JsonNumberText {
  const n = Number(text);
  if (!Number.isFinite(n)) return new JsonNumberText(text);
  const mantissa = text.split(/[eE]/)[0]!;
  if (n === 0 && /[1-9]/.test(mantissa)) return new JsonNumberText(text); // underflow
  if (!/[.eE]/.test(text) && !Number.isSafeInteger(n)) return new JsonNumberText(text);
  return n;
}

/**
 * Decodes file bytes as a JSON document (see the module header); `where` (the file name)
 * starts every message.
 * @category Scenarios
 */
export function parseJsonInput(bytes: Uint8Array, where: string, maxDepth = MAX_JSON_DEPTH): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    // the longest valid prefix (a streaming decode accepts an unfinished sequence at its end)
    let lo = 0;
    let hi = bytes.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
        lo = mid;
      } catch {
        hi = mid - 1;
      }
    }
    // the bad sequence starts at the lead byte of the unfinished one the prefix ends with
    let start = lo;
    while (start > 0 && lo - start < 3 && (bytes[start - 1]! & 0xc0) === 0x80) start--;
    if (start > 0 && bytes[start - 1]! >= 0xc0 && lo - start < 3) start--;
    throw new ScenarioError(
      lo === bytes.length
        ? `${where}: not UTF-8 (the file ends inside a character)`
        : `${where}: not UTF-8 (a bad byte at offset ${start})`,
    );
  }
  const deep = tooDeepAt(text, maxDepth);
  if (deep >= 0) {
    throw new ScenarioError(
      `${where}: nested deeper than ${maxDepth} levels (at ${lineColumn(text, deep)}); a scenario needs only a few`,
    );
  }
  try {
    return losslessParse(text, null, parseNumber);
  } catch (err) {
    const message = (err as Error).message.replace(
      /at position (\d+)/,
      (_m, p: string) => `at ${lineColumn(text, Number(p))}`,
    );
    throw new ScenarioError(`${where}: not JSON (${message})`);
  }
}

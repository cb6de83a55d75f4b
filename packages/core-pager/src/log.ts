/**
 * What core prints, as data: every `printf`, `PDBG`, `PERR`, `PWRN` and `panic` of the seed
 * becomes a {@link LogLine} holding the seed's format string, its arguments, the line that
 * prints it and the text Genode's printf would produce (without the colour escapes).
 *
 * Genode 2016 macros (base/printf.h): `PDBG(fmt, ...)` prints `"%s: " fmt "\n"` with
 * `__PRETTY_FUNCTION__`; `PERR`/`PWRN` print `fmt "\n"` (red/blue); `panic(s)` (core's util.h)
 * prints `"Panic: " s` and enters the kernel debugger. The format subset the seed uses is
 * implemented here: `%[0][width][l](d|i|u|x|X|s|p|c)` and `%%`, with C's unsigned 32-bit
 * reading of `%u`/`%x` and `long` = 32 bits.
 *
 * @module
 */

/** Which macro printed a line. @category Log */
export type LogLevel = 'printf' | 'PDBG' | 'PERR' | 'PWRN' | 'panic';

/** One printed line. @category Log */
export interface LogLine {
  readonly level: LogLevel;
  /** The C function that prints it. */
  readonly fn: string;
  /** The seed line of the print statement (the first line of a multi-line call). */
  readonly line: number;
  /** The format string as written in the seed (or the panic message). */
  readonly format: string;
  readonly args: readonly (number | string)[];
  /**
   * What appears on the console without colour escapes: for the macros without the newline
   * they add, for `printf` without the format's own final newline.
   */
  readonly text: string;
}

/** Formats like C's printf for the conversions the seed uses. @category Log */
export function formatC(fmt: string, args: readonly (number | string)[]): string {
  let i = 0;
  return fmt.replace(
    /%(0?)(\d*)(l{0,2})([diuxXspc%])/g,
    (_m, zero: string, width: string, _l, conv: string) => {
      if (conv === '%') return '%';
      const a = args[i++];
      let s: string;
      switch (conv) {
        case 'd':
        case 'i':
          s = String(typeof a === 'number' ? a | 0 : a);
          break;
        case 'u':
          s = String(typeof a === 'number' ? a >>> 0 : a);
          break;
        case 'x':
          s = typeof a === 'number' ? (a >>> 0).toString(16) : String(a);
          break;
        case 'X':
          s = typeof a === 'number' ? (a >>> 0).toString(16).toUpperCase() : String(a);
          break;
        case 'p':
          s = typeof a === 'number' ? `0x${(a >>> 0).toString(16)}` : String(a);
          break;
        case 'c':
          s = typeof a === 'number' ? String.fromCharCode(a) : String(a);
          break;
        default:
          s = String(a);
      }
      const w = width === '' ? 0 : Number(width);
      return s.length >= w ? s : (zero && conv !== 's' ? '0' : ' ').repeat(w - s.length) + s;
    },
  );
}

/** Texts formatted so far, kept outside the lines so a line is plain data (two equal prints are deep-equal). */
const formatted = new WeakMap<Line, string>();

/**
 * A line whose text is formatted when first read (the pager prints two lines per fault; most
 * are never looked at). Plain data: how it renders follows from its level (and, for `PDBG`, the
 * `__PRETTY_FUNCTION__` it prefixes), so no function sits in a machine's context. Serialises
 * with its text.
 */
class Line implements LogLine {
  constructor(
    readonly level: LogLevel,
    readonly fn: string,
    readonly line: number,
    readonly format: string,
    readonly args: readonly (number | string)[],
    /** `__PRETTY_FUNCTION__` for a `PDBG` line. */
    readonly prettyFunction?: string,
  ) {}
  get text(): string {
    let t = formatted.get(this);
    if (t === undefined) {
      t = renderLine(this);
      formatted.set(this, t);
    }
    return t;
  }
  toJSON(): Omit<LogLine, never> {
    return {
      level: this.level,
      fn: this.fn,
      line: this.line,
      format: this.format,
      args: this.args,
      text: this.text,
    };
  }
}

function renderLine(l: Line): string {
  switch (l.level) {
    case 'printf':
      return formatC(l.format, l.args).replace(/\n$/, '');
    case 'PDBG':
      return `${l.prettyFunction ?? ''}: ${formatC(l.format, l.args)}`;
    case 'panic':
      return `Panic: ${l.format}`;
    default:
      return formatC(l.format, l.args);
  }
}

/** A `printf(fmt, ...)` line. @category Log */
export function printfLine(fn: string, line: number, format: string, ...args: (number | string)[]): LogLine {
  return new Line('printf', fn, line, format, args);
}

/** A `PDBG(fmt, ...)` line: prefixed with `__PRETTY_FUNCTION__`. @category Log */
export function pdbgLine(
  fn: string,
  prettyFunction: string,
  line: number,
  format: string,
  ...args: (number | string)[]
): LogLine {
  return new Line('PDBG', fn, line, format, args, prettyFunction);
}

/** A `PERR(fmt, ...)` line. @category Log */
export function perrLine(fn: string, line: number, format: string, ...args: (number | string)[]): LogLine {
  return new Line('PERR', fn, line, format, args);
}

/** A `PWRN(fmt, ...)` line. @category Log */
export function pwrnLine(fn: string, line: number, format: string, ...args: (number | string)[]): LogLine {
  return new Line('PWRN', fn, line, format, args);
}

/** A `panic(s)` line. @category Log */
export function panicLine(fn: string, line: number, message: string): LogLine {
  return new Line('panic', fn, line, message, []);
}

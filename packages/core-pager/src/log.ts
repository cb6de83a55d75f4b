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

/**
 * A line whose text is formatted when first read (the pager prints two lines per fault; most
 * are never looked at). Serialises with its text.
 */
class Line implements LogLine {
  private formatted: string | null = null;
  constructor(
    readonly level: LogLevel,
    readonly fn: string,
    readonly line: number,
    readonly format: string,
    readonly args: readonly (number | string)[],
    private readonly render: (l: Line) => string,
  ) {}
  get text(): string {
    return (this.formatted ??= this.render(this));
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

const plain = (l: Line): string => formatC(l.format, l.args);
const stripped = (l: Line): string => formatC(l.format, l.args).replace(/\n$/, '');

/** A `printf(fmt, ...)` line. @category Log */
export function printfLine(fn: string, line: number, format: string, ...args: (number | string)[]): LogLine {
  return new Line('printf', fn, line, format, args, stripped);
}

/** A `PDBG(fmt, ...)` line: prefixed with `__PRETTY_FUNCTION__`. @category Log */
export function pdbgLine(
  fn: string,
  prettyFunction: string,
  line: number,
  format: string,
  ...args: (number | string)[]
): LogLine {
  return new Line('PDBG', fn, line, format, args, (l) => `${prettyFunction}: ${formatC(l.format, l.args)}`);
}

/** A `PERR(fmt, ...)` line. @category Log */
export function perrLine(fn: string, line: number, format: string, ...args: (number | string)[]): LogLine {
  return new Line('PERR', fn, line, format, args, plain);
}

/** A `PWRN(fmt, ...)` line. @category Log */
export function pwrnLine(fn: string, line: number, format: string, ...args: (number | string)[]): LogLine {
  return new Line('PWRN', fn, line, format, args, plain);
}

/** A `panic(s)` line. @category Log */
export function panicLine(fn: string, line: number, message: string): LogLine {
  return new Line('panic', fn, line, message, [], (l) => `Panic: ${l.format}`);
}

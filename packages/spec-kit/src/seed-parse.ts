/**
 * Derives the facts the seed index keeps about one C or C++ source: its line count, a hash of
 * every line and of the whole text, and its symbols (functions, file-scope data, file-scope
 * macro invocations and declarations) with their first and last lines and a hash of their text.
 * Pure and browser-safe: it takes the text, never a path.
 *
 * Hashes are whitespace-insensitive (every whitespace character is removed before hashing), so
 * a copy of a seed whose indentation was lost or re-tabbed hashes like the upstream file.
 *
 * The parser is a small tokenizer, not a C front end: it skips comments, string and character
 * literals and preprocessor lines (a `#define` with braces in it defines nothing here), and
 * tracks braces. At file scope, and inside `namespace`, `extern "C"`, `struct`/`class`/`union`
 * bodies, a `{` after a header with a top-level `(` and no top-level `=` opens a function (C++
 * methods keep their qualification as written: `Platform::_setup_mem_alloc`); a `{` after a
 * header with a top-level `=` opens initialized data named by the identifier before the `=`. A
 * `;`-terminated file-scope statement is a macro invocation when it reads `[static] NAME(args)`
 * (symbol `NAME(firstArg)`, e.g. `module_param_named(delay)`), otherwise a declaration of the
 * identifier before its `=`, `[` or `;` (function prototypes are not symbols). A name seen twice
 * gets `#2`, `#3` appended in file order.
 *
 * @module
 */

/**
 * What a seed symbol is.
 * @category Seeds
 */
export type SeedSymbolKind = 'function' | 'data' | 'type' | 'macro' | 'declaration';

/**
 * One symbol of a seed with its inclusive line range (1-based, as in the original file).
 * @category Seeds
 */
export interface SeedSymbol {
  readonly name: string;
  readonly kind: SeedSymbolKind;
  readonly first: number;
  readonly last: number;
  /** FNV-1a 64-bit hash (16 hex digits) of the symbol's lines, whitespace removed. */
  readonly hash: string;
}

/**
 * What the index keeps about one seed's text.
 * @category Seeds
 */
export interface SeedFacts {
  readonly lines: number;
  /** FNV-1a 64-bit hash of the whole text, whitespace removed. */
  readonly hash: string;
  /** FNV-1a 32-bit hash (8 hex digits) of each line, whitespace removed, concatenated. */
  readonly lineHashes: string;
  readonly symbols: readonly SeedSymbol[];
}

const WS = /\s+/g;

/**
 * FNV-1a, 32-bit, of the UTF-16 code units of `s` (8 hex digits).
 * @category Seeds
 */
export function fnv1a32(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * FNV-1a, 64-bit, of the UTF-16 code units of `s` (16 hex digits), computed on two 32-bit halves.
 * @category Seeds
 */
export function fnv1a64(s: string): string {
  // offset basis 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < s.length; i++) {
    lo = (lo ^ s.charCodeAt(i)) >>> 0;
    // (hi:lo) * (2^40 + 0x1b3) mod 2^64
    const loMul = lo * 0x1b3;
    const carry = Math.floor(loMul / 0x100000000);
    const newLo = loMul >>> 0;
    hi = (Math.imul(hi, 0x1b3) + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = newLo;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/**
 * A line (or text) with every whitespace character removed: the form every seed hash is taken of.
 * @category Seeds
 */
export function normalizeSeedText(text: string): string {
  return text.replace(WS, '');
}

/**
 * The hash the index keeps for one line of text.
 * @category Seeds
 */
export function seedLineHash(text: string): string {
  return fnv1a32(normalizeSeedText(text));
}

function rangeHash(lines: readonly string[], first: number, last: number): string {
  return fnv1a64(
    lines
      .slice(first - 1, last)
      .map(normalizeSeedText)
      .join('\n'),
  );
}

type Block = 'scope' | 'function' | 'data' | 'other';

interface Open {
  readonly kind: Block;
  readonly name?: string;
  readonly first: number;
  /** For a named struct/class/union/enum body: record it as a `type` symbol when it closes. */
  readonly type?: boolean;
}

const CONTROL = new Set(['if', 'for', 'while', 'switch', 'do', 'else', 'return', 'sizeof']);

/** Masks comments, literals and preprocessor lines with spaces, keeping newlines and columns. */
function maskCode(text: string): string {
  const out: string[] = [];
  let i = 0;
  let lineStart = true;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (lineStart && (c === ' ' || c === '\t')) {
      out.push(c);
      i++;
      continue;
    }
    if (lineStart && c === '#') {
      // preprocessor line, with backslash continuations
      while (i < text.length && text[i] !== '\n') {
        if (text[i] === '\\' && text[i + 1] === '\n') {
          out.push(' ', '\n');
          i += 2;
          continue;
        }
        out.push(' ');
        i++;
      }
      continue;
    }
    lineStart = false;
    if (c === '\n') {
      out.push('\n');
      lineStart = true;
      i++;
    } else if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') {
        out.push(' ');
        i++;
      }
    } else if (c === '/' && next === '*') {
      out.push(' ', ' ');
      i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) {
        out.push(text[i] === '\n' ? '\n' : ' ');
        i++;
      }
      out.push(' ', ' ');
      i += 2;
    } else if (c === '"' || c === "'") {
      out.push(c === '"' ? '"' : "'");
      i++;
      while (i < text.length && text[i] !== c && text[i] !== '\n') {
        if (text[i] === '\\') {
          out.push(' ');
          i++;
        }
        out.push(' ');
        i++;
      }
      out.push(c === '"' ? '"' : "'");
      i++;
    } else {
      out.push(c);
      i++;
    }
  }
  return out.join('');
}

/** Splits a header at top-level parentheses depth: the text before the first `(` at depth 0. */
function topLevel(header: string): { beforeParen: string | undefined; hasEquals: boolean } {
  let depth = 0;
  let beforeParen: string | undefined;
  let hasEquals = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i]!;
    if (c === '(') {
      if (depth === 0 && beforeParen === undefined) beforeParen = header.slice(0, i);
      depth++;
    } else if (c === ')') depth--;
    else if (c === '=' && depth === 0 && beforeParen === undefined) {
      const prev = header[i - 1];
      const nxt = header[i + 1];
      if (prev !== '=' && prev !== '!' && prev !== '<' && prev !== '>' && nxt !== '=') hasEquals = true;
    }
  }
  return { beforeParen, hasEquals };
}

const IDENT_END = /([A-Za-z_~][\w]*(?:\s*::\s*~?[A-Za-z_][\w]*)*)\s*$/;

function lastIdentifier(s: string): string | undefined {
  const m = IDENT_END.exec(s.replace(/\[[^\]]*\]\s*$/, '').trimEnd());
  return m ? m[1]!.replace(/\s+/g, '') : undefined;
}

type Classified =
  | { kind: 'scope'; name?: string; type: boolean }
  | { kind: 'function' | 'data'; name: string }
  | { kind: 'other' };

function classify(header: string): Classified {
  const h = header.replace(WS, ' ').trim();
  if (/^extern\s*""/.test(h)) return { kind: 'scope', type: false };
  const ns = /^namespace\s+([A-Za-z_]\w*)?/.exec(h);
  if (ns) return { kind: 'scope', name: ns[1], type: false };
  const { beforeParen, hasEquals } = topLevel(h);
  if (hasEquals) {
    const name = lastIdentifier(h.slice(0, h.indexOf('=')));
    return name ? { kind: 'data', name } : { kind: 'other' };
  }
  const agg = /\b(?:struct|class|union|enum)\s+([A-Za-z_]\w*)?/.exec(h);
  if (agg && beforeParen === undefined) return { kind: 'scope', name: agg[1], type: agg[1] !== undefined };
  if (beforeParen !== undefined) {
    const name = lastIdentifier(beforeParen);
    if (name && !CONTROL.has(name)) return { kind: 'function', name };
  }
  return { kind: 'other' };
}

/**
 * Derives {@link SeedFacts} from the text of one seed.
 * @category Seeds
 */
export function parseSeed(text: string, options: { readonly cxx?: boolean } = {}): SeedFacts {
  const sep = options.cxx ? '::' : '.';
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const masked = maskCode(text);
  const found: { name: string; kind: SeedSymbolKind; first: number; last: number }[] = [];
  const stack: Open[] = [];
  let header = '';
  let headerLine = 0;
  let line = 1;
  let skipToSemicolon = false; // after a data initializer's or a type's '}', until its ';'
  const pendingType: string[] = [];
  const inFunction = (): boolean => stack.some((b) => b.kind !== 'scope');
  // `Outer::Inner::` (C++) or `outer.` (C struct members) for names declared in named scopes
  const qualify = (name: string): string => {
    const scopes = stack.filter((b) => b.kind === 'scope' && b.name).map((b) => b.name!);
    return scopes.length ? `${scopes.join(sep)}${sep}${name}` : name;
  };

  for (let i = 0; i < masked.length; i++) {
    const c = masked[i]!;
    if (c === '\n') {
      line++;
      if (!inFunction()) header += ' ';
      continue;
    }
    if (inFunction()) {
      if (c === '{') stack.push({ kind: 'other', first: line });
      else if (c === '}') {
        const open = stack.pop();
        if (open && (open.kind === 'function' || open.kind === 'data') && !inFunction()) {
          found.push({ name: open.name!, kind: open.kind, first: open.first, last: line });
          header = '';
          // a data initializer ends at its ';': the line of the '}' is close enough, and the
          // statement's remainder (`;`) is swallowed below
          if (open.kind === 'data') skipToSemicolon = true;
        }
      }
      continue;
    }
    if (skipToSemicolon) {
      if (c === ';') {
        skipToSemicolon = false;
        const lastFound = found[found.length - 1];
        if (lastFound && (lastFound.kind === 'data' || lastFound.kind === 'type')) lastFound.last = line;
        continue;
      }
      if (!/\s/.test(c)) skipToSemicolon = false;
      else continue;
    }
    if (c === '{') {
      const k = classify(header);
      const first = headerLine || line;
      if (k.kind === 'scope') {
        // a type's own name is qualified by the scopes around it, not by itself
        const name = k.name && k.type ? qualify(k.name) : k.name;
        stack.push({ kind: 'scope', name: k.name, first, type: k.type });
        if (k.type && name) pendingType.push(name);
      } else if (k.kind === 'other') stack.push({ kind: 'other', first });
      else stack.push({ kind: k.kind, name: qualify(k.name), first });
      header = '';
      headerLine = 0;
      continue;
    }
    if (c === '}') {
      const open = stack.pop();
      if (open?.type) {
        const name = pendingType.pop()!;
        found.push({ name, kind: 'type', first: open.first, last: line });
        skipToSemicolon = true;
      }
      header = '';
      headerLine = 0;
      continue;
    }
    if (c === ';') {
      const stmt = header.replace(WS, ' ').trim();
      for (const sym of statementSymbols(stmt)) {
        found.push({ name: qualify(sym.name), kind: sym.kind, first: headerLine || line, last: line });
      }
      header = '';
      headerLine = 0;
      continue;
    }
    if (!/\s/.test(c) && headerLine === 0) headerLine = line;
    header += c;
  }

  found.sort((a, b) => a.first - b.first || a.last - b.last);
  const counts = new Map<string, number>();
  const symbols: SeedSymbol[] = found.map((f) => {
    const n = (counts.get(f.name) ?? 0) + 1;
    counts.set(f.name, n);
    const name = n === 1 ? f.name : `${f.name}#${n}`;
    return { name, kind: f.kind, first: f.first, last: f.last, hash: rangeHash(lines, f.first, f.last) };
  });
  return {
    lines: lines.length,
    hash: fnv1a64(lines.map(normalizeSeedText).join('\n')),
    lineHashes: lines.map(seedLineHash).join(''),
    symbols,
  };
}

/** Splits at commas outside parentheses, brackets and braces. */
function splitTopLevelCommas(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || c === '>') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

function statementSymbols(stmt: string): { name: string; kind: SeedSymbolKind }[] {
  if (stmt === '' || /^(typedef|using|template|friend|return)\b/.test(stmt)) return [];
  if (/^(?:struct|class|union|enum)\s+[A-Za-z_]\w*$/.test(stmt)) return []; // a forward declaration
  const macro = /^(?:static\s+)?([A-Za-z_]\w*)\s*\(\s*([A-Za-z_]\w*)?/.exec(stmt);
  if (
    macro &&
    topLevel(stmt)
      .beforeParen?.trim()
      .replace(/^static\s+/, '') === macro[1]
  ) {
    return [{ name: `${macro[1]}(${macro[2] ?? ''})`, kind: 'macro' }];
  }
  const { beforeParen, hasEquals } = topLevel(stmt);
  if (!hasEquals && beforeParen !== undefined) return []; // a prototype
  const [head, ...rest] = splitTopLevelCommas(stmt);
  const out: { name: string; kind: SeedSymbolKind }[] = [];
  const cutAt = (d: string): string => (d.includes('=') ? d.slice(0, d.indexOf('=')) : d);
  const firstCut = cutAt(head!);
  // `struct foo;` forward declarations and bare type names are not symbols
  if (
    !/\s/.test(
      firstCut
        .trim()
        .replace(/\[[^\]]*\]\s*$/, '')
        .trim(),
    )
  )
    return [];
  for (const d of [firstCut, ...rest.map(cutAt)]) {
    const name = lastIdentifier(d);
    if (name && !/^(struct|class|union|enum)$/.test(name)) out.push({ name, kind: 'declaration' });
  }
  return out;
}

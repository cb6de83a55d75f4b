// The seed parser on small hand-written C and C++ sources (not seed text): which symbols it
// finds, their line ranges, and the hashes' whitespace-insensitivity; FNV-1a against published
// test vectors.
import { describe, expect, it } from 'vitest';
import { fnv1a32, fnv1a64, parseSeed, seedLineHash } from './seed-parse.js';

const C = `/* a comment with a { brace */
#include <x.h>
#define WEIRD(x) { if (x) { } }
static int counter = 0;
static unsigned int a, b = 2, c;
struct thing {
\tint field;
\tchar *name;
};
static struct thing one = {
\t.field = 1,
\t.name = "}{",
};
static int helper(int x);
static int helper(int x)
{
\tif (x) {
\t\treturn '}';
\t}
\treturn 0; // }
}
module_param_named(delay, counter, uint, 0644);
static DEFINE_MUTEX(lock);
MODULE_LICENSE("GPL");
`;

describe('parseSeed (C)', () => {
  const facts = parseSeed(C);
  const byName = Object.fromEntries(facts.symbols.map((s) => [s.name, s]));

  it('finds functions, data, types, members, declarations and macro invocations with their lines', () => {
    expect(facts.lines).toBe(24);
    expect(facts.symbols.map((s) => [s.name, s.kind, s.first, s.last])).toEqual([
      ['counter', 'declaration', 4, 4],
      ['a', 'declaration', 5, 5],
      ['b', 'declaration', 5, 5],
      ['c', 'declaration', 5, 5],
      ['thing', 'type', 6, 9],
      ['thing.field', 'declaration', 7, 7],
      ['thing.name', 'declaration', 8, 8],
      ['one', 'data', 10, 13],
      ['helper', 'function', 15, 21],
      ['module_param_named(delay)', 'macro', 22, 22],
      ['DEFINE_MUTEX(lock)', 'macro', 23, 23],
      ['MODULE_LICENSE()', 'macro', 24, 24],
    ]);
    expect(byName['helper']!.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('ignores braces in comments, strings, character literals and #define lines; prototypes are no symbols', () => {
    expect(facts.symbols.filter((s) => s.kind === 'function')).toHaveLength(1);
  });

  it('hashes without regard to whitespace, so a re-indented copy has the same index', () => {
    const reindented = parseSeed(C.replace(/^\t+/gm, '').replace(/ = /g, '='));
    expect(reindented).toEqual(facts);
    const edited = parseSeed(C.replace('return 0;', 'return 1;'));
    expect(edited.hash).not.toBe(facts.hash);
    expect(edited.symbols.find((s) => s.name === 'helper')!.hash).not.toBe(byName['helper']!.hash);
    expect(edited.symbols.find((s) => s.name === 'one')!.hash).toBe(byName['one']!.hash);
  });

  it('keeps one 8-digit hash per line', () => {
    expect(facts.lineHashes).toHaveLength(24 * 8);
    expect(facts.lineHashes.slice(3 * 8, 4 * 8)).toBe(seedLineHash('static int counter = 0;'));
  });
});

describe('parseSeed (C++)', () => {
  const CXX = `namespace Genode { class Foo; }
struct Region
{
\tint start;
\tRegion() : start(0) { }
\tbool intersects(int b) const
\t{
\t\treturn b > start;
\t}
};
void Platform::_setup(int x)
{
\tfor (;;) { }
}
Platform::Platform() : _a(nullptr), _b(core())
{
}
`;
  it('qualifies members and methods by their class, and keeps qualified names as written', () => {
    const facts = parseSeed(CXX, { cxx: true });
    expect(facts.symbols.map((s) => [s.name, s.kind, s.first, s.last])).toEqual([
      ['Region', 'type', 2, 10],
      ['Region::start', 'declaration', 4, 4],
      ['Region::Region', 'function', 5, 5],
      ['Region::intersects', 'function', 6, 9],
      ['Platform::_setup', 'function', 11, 14],
      ['Platform::Platform', 'function', 15, 17],
    ]);
  });
});

describe('FNV-1a', () => {
  it('matches the published test vectors', () => {
    expect(fnv1a32('')).toBe('811c9dc5');
    expect(fnv1a32('a')).toBe('e40c292c');
    expect(fnv1a32('foobar')).toBe('bf9cf968');
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });
});

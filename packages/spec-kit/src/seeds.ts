/**
 * The seed index: what kspec knows about the five C sources it models without holding their
 * text. The seeds are upstream code (GPL and BSD licensed, not ours), so the repository keeps
 * only facts about them: for each seed its upstream project, path and pinned revision, its
 * line count and whitespace-insensitive hashes of every line and of the whole file, and for each
 * symbol (function, file-scope data, type, macro invocation, declaration) its first and last line
 * and a hash of its text.
 *
 * With the index, every `meta.source` is checked without the seeds (the function it names
 * exists in that file and contains the cited lines), tests pin what a seed line says through
 * {@link seedLineIs}, and the docs link each reference to the upstream file at its revision and
 * line. The derived part lives in `seed-index.generated.ts`, written by
 * `npm run seeds:index` from a local seed directory and verified against it by a test whenever
 * one is present, so the index cannot drift from the seeds.
 *
 * @module
 */
import { SEED_INDEX } from './seed-index.generated.js';
import { seedLineHash, type SeedSymbol, type SeedSymbolKind } from './seed-parse.js';
import { SEED_FILES, type SeedFile, type SourceRef } from './source.js';

/**
 * Where a seed comes from upstream.
 * @category Seeds
 */
export interface SeedOrigin {
  readonly file: SeedFile;
  /** The upstream project, e.g. `Linux`, `NetBSD`. */
  readonly project: string;
  /** The file's path in the upstream repository. */
  readonly path: string;
  /** The pinned revision (a tag, commit or CVS revision). */
  readonly revision: string;
  /** How sure the pin is, and what is known about the text's date. */
  readonly note: string;
  /** Language the parser treats it as. */
  readonly language: 'c' | 'c++';
  /** The upstream file at the pinned revision (web view). */
  readonly url: string;
  /** A link to one line at the pinned revision, when the upstream viewer has line anchors. */
  lineUrl(line: number): string;
}

const github =
  (repo: string, rev: string, path: string) =>
  (line: number): string =>
    `https://github.com/${repo}/blob/${rev}/${path}#L${line}`;

/**
 * The upstream origin of each seed, as far as `facts.md` could pin it.
 * @category Seeds
 */
export const SEED_ORIGINS: Readonly<Record<SeedFile, SeedOrigin>> = Object.freeze({
  'linux-usb-gadget-ether.c': {
    file: 'linux-usb-gadget-ether.c',
    project: 'Linux',
    path: 'drivers/usb/gadget/ether.c',
    revision: 'v2.6.31',
    note: 'The "Memorial Day 2008" text with 2009-06-19 edits, i.e. about v2.6.31; the tag is the nearest release, not an exact match established line by line.',
    language: 'c',
    url: 'https://github.com/torvalds/linux/blob/v2.6.31/drivers/usb/gadget/ether.c',
    lineUrl: github('torvalds/linux', 'v2.6.31', 'drivers/usb/gadget/ether.c'),
  },
  'linux-xen-evtchn.c': {
    file: 'linux-xen-evtchn.c',
    project: 'Linux (OpenBMC tree)',
    path: 'drivers/xen/evtchn.c',
    revision: '2a598d0b',
    note: 'OpenBMC kernel tree revision 2a598d0b, v6.x era, before the IRQF_SHARED and BIND_STATIC changes.',
    language: 'c',
    url: 'https://github.com/openbmc/linux/blob/2a598d0b/drivers/xen/evtchn.c',
    lineUrl: github('openbmc/linux', '2a598d0b', 'drivers/xen/evtchn.c'),
  },
  'genode-base-pistachio-core-platform.cc': {
    file: 'genode-base-pistachio-core-platform.cc',
    project: 'Genode',
    path: 'repos/base-pistachio/src/core/platform.cc',
    revision: '76db3b9c062a0fb78c1b74399086583482d39fa1',
    note: 'Identical (whitespace-insensitive) to genodelabs/genode 76db3b9c06 (2016-03-03, "base: retire \'Native_config\'").',
    language: 'c++',
    url: 'https://github.com/genodelabs/genode/blob/76db3b9c062a0fb78c1b74399086583482d39fa1/repos/base-pistachio/src/core/platform.cc',
    lineUrl: github(
      'genodelabs/genode',
      '76db3b9c062a0fb78c1b74399086583482d39fa1',
      'repos/base-pistachio/src/core/platform.cc',
    ),
  },
  'netbsd-rump-if_shmem.c': {
    file: 'netbsd-rump-if_shmem.c',
    project: 'NetBSD',
    path: 'src/sys/rump/net/lib/libshmif/if_shmem.c',
    revision: '1.33',
    note: 'CVS revision 1.33 (2010-12-06, pooka), as its $NetBSD$ tag says. The CVS web view has no line anchors: the line is given in the link text.',
    language: 'c',
    url: 'https://cvsweb.netbsd.org/bsdweb.cgi/src/sys/rump/net/lib/libshmif/if_shmem.c?rev=1.33;content-type=text/plain',
    lineUrl: () =>
      'https://cvsweb.netbsd.org/bsdweb.cgi/src/sys/rump/net/lib/libshmif/if_shmem.c?rev=1.33;content-type=text/plain',
  },
  'linux-powerpc-pseries-cmm.c': {
    file: 'linux-powerpc-pseries-cmm.c',
    project: 'Linux',
    path: 'arch/powerpc/platforms/pseries/cmm.c',
    revision: 'v6.12',
    note: 'v6.x text with balloon compaction on a kern_mount pseudo-fs, before the 2025 fixes fc6bcf9ac4de and 0da2ba35c0d5; the tag is a release in that window, not an exact match established line by line.',
    language: 'c',
    url: 'https://github.com/torvalds/linux/blob/v6.12/arch/powerpc/platforms/pseries/cmm.c',
    lineUrl: github('torvalds/linux', 'v6.12', 'arch/powerpc/platforms/pseries/cmm.c'),
  },
});

/**
 * What the index holds about one seed.
 * @category Seeds
 */
export interface SeedEntry {
  readonly origin: SeedOrigin;
  readonly lines: number;
  readonly hash: string;
  readonly symbols: readonly SeedSymbol[];
}

const entries = new Map<SeedFile, SeedEntry>();
const byName = new Map<SeedFile, Map<string, SeedSymbol[]>>();

function entryOf(file: SeedFile): SeedEntry {
  let e = entries.get(file);
  if (!e) {
    const raw = SEED_INDEX[file];
    const symbols = raw.symbols.map(([name, kind, first, last, hash]): SeedSymbol => ({
      name,
      kind: kind as SeedSymbolKind,
      first,
      last,
      hash,
    }));
    e = Object.freeze({ origin: SEED_ORIGINS[file], lines: raw.lines, hash: raw.hash, symbols });
    entries.set(file, e);
    const names = new Map<string, SeedSymbol[]>();
    const add = (key: string, s: SeedSymbol): void => {
      const list = names.get(key) ?? [];
      list.push(s);
      names.set(key, list);
    };
    for (const s of symbols) {
      add(s.name, s);
      const short = s.name.replace(/#\d+$/, '').split(/::|\./).pop()!;
      if (short !== s.name) add(`~${short}`, s);
    }
    byName.set(file, names);
  }
  return e;
}

/**
 * The index entry of one seed: origin, line count, hash and symbols.
 * @category Seeds
 */
export function seedEntry(file: SeedFile): SeedEntry {
  if (!(SEED_FILES as readonly string[]).includes(file))
    throw new RangeError(`seedEntry: unknown seed file ${file}`);
  return entryOf(file);
}

/**
 * The symbol `name` of `file`, or `undefined`. `name` is as the index spells it (`evtchn_ioctl`,
 * `Platform::_setup_mem_alloc`, `device_desc`, `module_param_named(delay)`, `per_user_data.ring`);
 * an unqualified name (`_setup_mem_alloc`) also finds a qualified symbol when exactly one has it.
 * @category Seeds
 */
export function seedSymbol(file: SeedFile, name: string): SeedSymbol | undefined {
  entryOf(file);
  const names = byName.get(file)!;
  const exact = names.get(name);
  if (exact && exact.length > 0) return exact[0];
  const short = names.get(`~${name}`);
  return short && short.length === 1 ? short[0] : undefined;
}

/**
 * True when line `line` of `file` reads `text`, whitespace aside (checked against the index's
 * line hash; the seed itself is not needed).
 * @category Seeds
 */
export function seedLineIs(file: SeedFile, line: number, text: string): boolean {
  const raw = SEED_INDEX[file];
  if (!Number.isInteger(line) || line < 1 || line > raw.lines) return false;
  return raw.lineHashes.slice((line - 1) * 8, line * 8) === seedLineHash(text);
}

/**
 * What is wrong with a source reference according to the index, or `undefined` when it names a
 * symbol of its file and its lines lie inside that symbol.
 * @category Seeds
 */
export function checkSourceRefAgainstIndex(ref: SourceRef): string | undefined {
  const e = entryOf(ref.file);
  const [a, b] = ref.lines;
  if (b > e.lines) return `${ref.file} has ${e.lines} lines; lines ${a}-${b} are past its end`;
  const sym = seedSymbol(ref.file, ref.fn);
  if (!sym)
    return `${ref.file} has no symbol '${ref.fn}' (see the seed index: npm run seeds:index -- --list ${ref.file})`;
  if (a < sym.first || b > sym.last) {
    return `lines ${a}-${b} are outside ${sym.name} (${ref.file}:${sym.first}-${sym.last})`;
  }
  return undefined;
}

/**
 * The upstream link of a source reference: the file at its pinned revision, at the first line
 * where the upstream viewer supports line anchors.
 * @category Seeds
 */
export function upstreamUrl(ref: SourceRef): string {
  return SEED_ORIGINS[ref.file].lineUrl(ref.lines[0]);
}

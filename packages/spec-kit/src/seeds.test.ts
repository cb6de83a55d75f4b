// The committed seed index: internally consistent for every seed; equal to what the parser
// derives from a local seed directory whenever one is configured (KSPEC_SEEDS or the
// workplace's default), so the index cannot drift from the seeds it describes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deriveSeedIndex, renderSeedIndexModule, resolveSeedDir } from './node/index.js';
import { SEED_INDEX } from './seed-index.generated.js';
import {
  SEED_ORIGINS,
  checkSourceRefAgainstIndex,
  seedEntry,
  seedLineIs,
  seedSymbol,
  upstreamUrl,
} from './seeds.js';
import { SEED_FILES, src, type SeedFile } from './source.js';
import type { SeedFacts, SeedSymbolKind } from './seed-parse.js';

describe('the committed seed index', () => {
  it.each(SEED_FILES)('%s: symbols are ordered, inside the file, and hashed; one hash per line', (file) => {
    const e = seedEntry(file);
    expect(e.lines).toBeGreaterThan(300);
    expect(SEED_INDEX[file].lineHashes).toMatch(new RegExp(`^[0-9a-f]{${e.lines * 8}}$`));
    let previous = 0;
    for (const s of e.symbols) {
      expect(s.first).toBeGreaterThanOrEqual(previous);
      expect(s.last).toBeGreaterThanOrEqual(s.first);
      expect(s.last).toBeLessThanOrEqual(e.lines);
      expect(s.hash).toMatch(/^[0-9a-f]{16}$/);
      previous = s.first;
    }
    expect(new Set(e.symbols.map((s) => s.name)).size).toBe(e.symbols.length);
    expect(e.origin.revision.length).toBeGreaterThan(0);
  });

  it('knows the line counts and functions the models cite', () => {
    expect(SEED_FILES.map((f) => seedEntry(f).lines)).toEqual([395, 709, 544, 716, 719]);
    expect(seedSymbol('linux-xen-evtchn.c', 'evtchn_ioctl')).toMatchObject({
      kind: 'function',
      first: 429,
      last: 597,
    });
    expect(seedSymbol('netbsd-rump-if_shmem.c', 'shmif_rcv')).toMatchObject({ first: 610, last: 716 });
    expect(seedSymbol('linux-usb-gadget-ether.c', 'eth_bind')).toMatchObject({ first: 277, last: 365 });
    expect(seedSymbol('linux-usb-gadget-ether.c', 'device_desc')).toMatchObject({ kind: 'data' });
    expect(seedSymbol('linux-powerpc-pseries-cmm.c', 'module_param_named(delay)')).toMatchObject({
      kind: 'macro',
    });
    // C++: qualified as written, and the unqualified name when it is unique
    const qualified = seedSymbol('genode-base-pistachio-core-platform.cc', 'Platform::_setup_mem_alloc');
    expect(qualified).toMatchObject({ kind: 'function', first: 300, last: 359 });
    expect(seedSymbol('genode-base-pistachio-core-platform.cc', '_setup_mem_alloc')).toBe(qualified);
    // an unqualified name shared by several symbols (Region::Region and Region::Region#2) is ambiguous
    expect(seedSymbol('genode-base-pistachio-core-platform.cc', 'Region')?.kind).toBe('type');
    expect(seedSymbol('linux-xen-evtchn.c', 'no_such_function')).toBeUndefined();
  });

  it('checks what a line says without the seed text', () => {
    expect(seedLineIs('netbsd-rump-if_shmem.c', 586, 'KASSERT(busmem->shm_first != busmem->shm_last);')).toBe(
      true,
    );
    expect(
      seedLineIs('netbsd-rump-if_shmem.c', 586, '  KASSERT( busmem->shm_first != busmem->shm_last ) ;'),
    ).toBe(true);
    expect(seedLineIs('netbsd-rump-if_shmem.c', 586, 'KASSERT(busmem->shm_first == busmem->shm_last);')).toBe(
      false,
    );
    expect(seedLineIs('netbsd-rump-if_shmem.c', 587, 'KASSERT(busmem->shm_first != busmem->shm_last);')).toBe(
      false,
    );
    expect(seedLineIs('netbsd-rump-if_shmem.c', 0, '')).toBe(false);
    expect(seedLineIs('netbsd-rump-if_shmem.c', 717, '')).toBe(false);
  });

  it('explains a reference that does not fit the index', () => {
    expect(checkSourceRefAgainstIndex(src('linux-xen-evtchn.c', 'evtchn_read', 195, 265))).toBeUndefined();
    expect(checkSourceRefAgainstIndex(src('linux-xen-evtchn.c', 'evtchn_read', 190, 265))).toMatch(
      /outside evtchn_read/,
    );
  });

  it('links a reference to the upstream file at its pinned revision and line', () => {
    expect(upstreamUrl(src('genode-base-pistachio-core-platform.cc', '_core_pager_loop', 102, 163))).toBe(
      'https://github.com/genodelabs/genode/blob/76db3b9c062a0fb78c1b74399086583482d39fa1/repos/base-pistachio/src/core/platform.cc#L102',
    );
    expect(upstreamUrl(src('linux-xen-evtchn.c', 'evtchn_read', 195))).toBe(
      'https://github.com/openbmc/linux/blob/2a598d0b/drivers/xen/evtchn.c#L195',
    );
    for (const f of SEED_FILES) expect(SEED_ORIGINS[f].url).toMatch(/^https:\/\//);
  });
});

const seedDir = resolveSeedDir();

describe('the seed index against a local seed directory', () => {
  const committed = readFileSync(
    fileURLToPath(new URL('./seed-index.generated.ts', import.meta.url)),
    'utf8',
  );

  // With seeds beside the repository (or KSPEC_SEEDS), the committed index must be what the
  // parser derives from them; without them, it must at least be exactly what the generator
  // writes for its own facts (not edited by hand) and consistent in itself.
  it(`equals what the parser derives from the seeds (${seedDir ?? 'none configured: the committed index checked in itself'})`, () => {
    if (seedDir !== undefined) {
      const facts = deriveSeedIndex(seedDir);
      for (const f of SEED_FILES) expect(facts[f], `${f} in ${seedDir}`).toBeDefined();
      expect(renderSeedIndexModule(facts as Required<typeof facts>)).toBe(committed);
      return;
    }
    const facts = {} as Record<SeedFile, SeedFacts>;
    for (const f of SEED_FILES) {
      const e = SEED_INDEX[f];
      const symbols = e.symbols.map(([name, kind, first, last, hash]) => ({
        name,
        kind: kind as SeedSymbolKind,
        first,
        last,
        hash,
      }));
      facts[f] = { lines: e.lines, hash: e.hash, lineHashes: e.lineHashes, symbols };
    }
    expect(renderSeedIndexModule(facts)).toBe(committed);
    for (const f of SEED_FILES) {
      const e = facts[f];
      expect(e.lineHashes.length, `${f}: one 8-hex-digit hash per line`).toBe(e.lines * 8);
      for (const sym of e.symbols) {
        expect(sym.first >= 1 && sym.first <= sym.last && sym.last <= e.lines, `${f}: ${sym.name}`).toBe(
          true,
        );
      }
    }
  });

  it('refuses a seed directory that was named but does not exist', () => {
    expect(() => resolveSeedDir({ env: { KSPEC_SEEDS: '/nonexistent/kspec-seeds' } })).toThrow(
      /KSPEC_SEEDS names \/nonexistent\/kspec-seeds, which is not a directory/,
    );
    expect(resolveSeedDir({ env: {}, root: '/nonexistent/repo' })).toBeUndefined();
    expect(resolveSeedDir({ env: { KSPEC_SEEDS: 'none' } })).toBeUndefined();
  });
});

#!/usr/bin/env -S npx tsx
/**
 * `npm run seeds:index [-- --seeds DIR] [--check] [--list FILE]`: writes
 * packages/spec-kit/src/seed-index.generated.ts from a local seed directory (see
 * `resolveSeedDir`: `--seeds`, `$KSPEC_SEEDS`, or the workplace default), or with `--check`
 * only compares, or with `--list FILE` prints the symbols of one seed as the index names them
 * (what a `meta.source.fn` may say).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { SEED_FILES, seedEntry, type SeedFile } from '@kspec/spec-kit';
import { deriveSeedIndex, renderSeedIndexModule, resolveSeedDir } from '@kspec/spec-kit/node';

const TARGET = fileURLToPath(new URL('../../packages/spec-kit/src/seed-index.generated.ts', import.meta.url));

const program = new Command('seed-index')
  .option('--seeds <dir>', 'the local seed directory')
  .option('--check', 'compare the committed index with the seeds; exit 1 when they differ')
  .option('--list <file>', 'print the symbols of one seed, as the index names them')
  .parse();
const opts = program.opts<{ seeds?: string; check?: boolean; list?: string }>();

if (opts.list !== undefined) {
  if (!(SEED_FILES as readonly string[]).includes(opts.list)) {
    console.error(`seed-index: --list takes one of ${SEED_FILES.join(', ')}; got '${opts.list}'`);
    process.exit(2);
  }
  for (const s of seedEntry(opts.list as SeedFile).symbols) {
    console.log(`${s.kind.padEnd(12)} ${`${s.first}-${s.last}`.padEnd(9)} ${s.name}`);
  }
  process.exit(0);
}

const dir = resolveSeedDir({ dir: opts.seeds });
if (!dir) {
  console.error('seed-index: no local seed directory (give --seeds DIR or set KSPEC_SEEDS)');
  process.exit(2);
}
const facts = deriveSeedIndex(dir);
const missing = SEED_FILES.filter((f) => !facts[f]);
if (missing.length > 0) {
  console.error(`seed-index: ${dir} lacks ${missing.join(', ')}`);
  process.exit(2);
}
const text = renderSeedIndexModule(facts as Required<typeof facts>);
const current = readFileSync(TARGET, 'utf8');
if (opts.check) {
  if (current !== text) {
    console.error(
      `seed-index: the committed index differs from the seeds in ${dir}: run npm run seeds:index`,
    );
    process.exit(1);
  }
  console.log(`seed-index: the committed index matches the seeds in ${dir}`);
} else if (current === text) {
  console.log('seed-index: up to date');
} else {
  writeFileSync(`${TARGET}.tmp`, text);
  renameSync(`${TARGET}.tmp`, TARGET);
  console.log(`seed-index: wrote ${TARGET}`);
}

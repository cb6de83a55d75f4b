/**
 * Seed references on the machine pages. Every reference links to the upstream file at its
 * pinned revision and line (from the committed seed index, so this works on any clone); when a
 * local seed directory is configured (`--seeds DIR`, `$KSPEC_SEEDS`, or the workplace default
 * that `resolveSeedDir` knows), the page also shows the cited lines with their original numbers,
 * each checked against the index's line hashes so a local copy that differs is flagged rather
 * than shown as if it were the pinned text.
 *
 * @module
 */
import { seedLineIs, type SourceRef } from '@kspec/spec-kit';
import { readSeedText, resolveSeedDir } from '@kspec/spec-kit/node';

/** The anchor id of a source reference's block on a page. */
export function seedAnchor(ref: SourceRef): string {
  return `seed-${ref.file.replace(/[^A-Za-z0-9]/g, '-')}-${ref.lines[0]}-${ref.lines[1]}`;
}

/** One excerpt line; `matches` is false where the local copy differs from the indexed seed. */
export interface ExcerptLine {
  readonly line: number;
  readonly text: string;
  readonly matches: boolean;
}

/** Reads seed files once each from a local seed directory, when there is one. */
export class SeedReader {
  private readonly cache = new Map<string, string[] | undefined>();

  /** `dir`: the local seed directory, or `undefined` for links only. */
  constructor(readonly dir: string | undefined) {}

  /** A reader for `--seeds DIR`, `$KSPEC_SEEDS`, or the workplace default (see `resolveSeedDir`). */
  static resolve(dir?: string): SeedReader {
    return new SeedReader(resolveSeedDir(dir === undefined ? {} : { dir }));
  }

  /** The lines of `ref` (1-based, inclusive) with their numbers, or undefined without that seed. */
  excerpt(ref: SourceRef): ExcerptLine[] | undefined {
    if (this.dir === undefined) return undefined;
    if (!this.cache.has(ref.file)) this.cache.set(ref.file, readSeedText(this.dir, ref.file)?.split('\n'));
    const lines = this.cache.get(ref.file);
    if (!lines) return undefined;
    const [a, b] = ref.lines;
    return lines
      .slice(a - 1, b)
      .map((text, i) => ({ line: a + i, text, matches: seedLineIs(ref.file, a + i, text) }));
  }
}

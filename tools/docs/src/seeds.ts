/**
 * Seed excerpts for the machine pages: the lines a source reference names, read from the
 * seeds beside the repository (`<repo>/../shared/seeds/<file>`), with their original line
 * numbers.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceRef } from '@kspec/spec-kit';

/** The anchor id of a source reference's excerpt on a page. */
export function seedAnchor(ref: SourceRef): string {
  return `seed-${ref.file.replace(/[^A-Za-z0-9]/g, '-')}-${ref.lines[0]}-${ref.lines[1]}`;
}

/** Reads seed files once each. */
export class SeedReader {
  private readonly cache = new Map<string, string[] | undefined>();
  constructor(readonly dir: string) {}

  /** The seeds directory of a repository: `<root>/../shared/seeds`. */
  static forRepo(root: string): SeedReader {
    return new SeedReader(join(root, '..', 'shared', 'seeds'));
  }

  /** The lines of `ref` (1-based, inclusive) with their numbers, or undefined when the seed is missing. */
  excerpt(ref: SourceRef): { line: number; text: string }[] | undefined {
    if (!this.cache.has(ref.file)) {
      const path = join(this.dir, ref.file);
      this.cache.set(ref.file, existsSync(path) ? readFileSync(path, 'utf8').split('\n') : undefined);
    }
    const lines = this.cache.get(ref.file);
    if (!lines) return undefined;
    const [a, b] = ref.lines;
    return lines.slice(a - 1, b).map((text, i) => ({ line: a + i, text }));
  }
}

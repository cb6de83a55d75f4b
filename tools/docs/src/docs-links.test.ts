/**
 * The built docs link only where they mean to: `npm run docs` (TypeDoc's API with the
 * repository's own configuration, then the docs site of every discovered manifest), built into a
 * temporary folder, has no broken internal link (files, folders, `#anchors` on pages, `#L<n>`
 * lines of source files) and no external address but the allowed ones: the upstream seed files
 * at their pinned revisions (`SEED_ORIGINS`) and TypeDoc's own footer link. It also pins the
 * three defects this configuration fixes: `facts.md` auto-linked as `http://facts.md`, "Defined
 * in" links to files that do not exist, and the README's title shown twice.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_ORIGINS } from '@kspec/spec-kit';
import { discoverManifests, findRepoRoot } from '@kspec/statecharts/node';
import { buildSite } from './build.js';
import { checkDocsLinks, type LinkReport } from './links.js';

const root = findRepoRoot(import.meta.dirname);
const docs = mkdtempSync(join(tmpdir(), 'kspec-docs-links-'));

/** External addresses the docs are meant to contain. */
function allowExternal(url: string): boolean {
  if (url === 'https://typedoc.org/') return true;
  return Object.values(SEED_ORIGINS).some((o) => {
    if (url === o.url) return true;
    const line = /(\d+)$/.exec(url.replace(/#L(\d+)$/, '#$1'));
    return line !== null && o.lineUrl(Number(line[1])) === url;
  });
}

let report: LinkReport;
beforeAll(async () => {
  // what `npm run docs:api` runs, with the output moved
  const pkg = createRequire(join(root, 'package.json')).resolve('typedoc/package.json');
  const typedoc = join(pkg, '..', 'bin', 'typedoc');
  const api = spawnSync(process.execPath, [typedoc, '--out', join(docs, 'api')], {
    cwd: root,
    encoding: 'utf8',
  });
  expect(api.status, `${api.stdout}\n${api.stderr}`).toBe(0);
  const found = await discoverManifests(root);
  await buildSite({
    root,
    out: join(docs, 'site'),
    sources: found.map((f) => ({ specifier: f.packageName, manifest: f.manifest })),
  });
  report = checkDocsLinks({ docsDir: docs, repoRoot: root, allowExternal });
}, 240_000);
afterAll(() => rmSync(docs, { recursive: true, force: true }));

const pagesUnder = (dir: string): string[] =>
  readdirSync(join(docs, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.html'));

describe('the built docs (TypeDoc API and docs site)', () => {
  it('have no broken internal link and no external address that is not meant', () => {
    expect(report.pages).toBeGreaterThan(100);
    expect(report.internal).toBeGreaterThan(1000);
    expect(report.external).toBeGreaterThan(100);
    expect(report.problems).toEqual([]);
  });

  it('"Defined in" links open the source file at a line that exists, inside the repository', () => {
    const links = pagesUnder('api').flatMap((p) => [
      ...readFileSync(join(docs, 'api', p), 'utf8').matchAll(/Defined in <a href="([^"]+)"/g),
    ]);
    expect(links.length).toBeGreaterThan(500);
    for (const [, href] of links)
      expect(href).toMatch(/^\.\.\/\.\.\/\.\.\/(packages|apps)\/[^/]+\/src\/.+#L\d+$/);
  });

  it('file names such as facts.md are not turned into web addresses; real addresses still are', () => {
    const all = pagesUnder('api').map((p) => readFileSync(join(docs, 'api', p), 'utf8'));
    expect(all.some((t) => t.includes('facts.md'))).toBe(true);
    for (const t of all) expect(t).not.toMatch(/href="https?:\/\/facts\.md/);
  });

  it('the index and each package page show their title once', () => {
    const index = readFileSync(join(docs, 'api', 'index.html'), 'utf8');
    expect(index.match(/<h1[\s>]/g)?.length).toBe(1);
    const shmif = readFileSync(join(docs, 'api', 'modules', '_kspec_shmif.html'), 'utf8');
    expect(shmif.match(/<h1[\s>]/g)?.length).toBe(1);
  });
});

describe('the link checker itself', () => {
  it('names a missing file, a missing anchor, a line past the end and an external address not allowed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspec-links-'));
    try {
      mkdirSync(join(dir, 'api'));
      writeFileSync(join(dir, 'api', 'b.html'), '<p id="here">b</p>');
      writeFileSync(join(dir, 'api', 'src.ts'), 'one\ntwo\n');
      writeFileSync(
        join(dir, 'api', 'a.html'),
        [
          '<a href="b.html#here">ok</a> <a href="src.ts#L2">ok</a> <a href="https://typedoc.org/">ok</a>',
          '<a href="missing.html">1</a> <a href="b.html#gone">2</a> <a href="src.ts#L9">3</a>',
          '<a href="http://facts.md">4</a> <img src="../../nowhere.png">',
        ].join('\n'),
      );
      const r = checkDocsLinks({ docsDir: dir, repoRoot: root, allowExternal });
      expect(r.problems.map((p) => `${p.link}: ${p.problem}`)).toEqual([
        'missing.html: no file api/missing.html',
        'b.html#gone: no element #gone on the page',
        'src.ts#L9: #L9 is not a line of the 3-line file',
        'http://facts.md: external address not on the allow-list',
        expect.stringMatching(/^\.\.\/\.\.\/nowhere\.png: no file /),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

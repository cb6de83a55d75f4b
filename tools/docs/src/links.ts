/**
 * A link checker for the built docs (`docs/api` from TypeDoc, `docs/site` from this builder):
 * every `href` and `src` of every HTML page either resolves to a file (and its `#anchor` to an
 * element id on that page, or to a line of a source file for `#L<n>`), or is an external
 * address on an allow-list. The docs folder may be built elsewhere (a temporary folder): a link
 * that leaves it resolves against the repository's `docs/` folder, as it would in a checkout.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One link that does not resolve, or an external address not on the allow-list. */
export interface LinkProblem {
  /** The page, relative to the docs folder. */
  readonly page: string;
  readonly link: string;
  readonly problem: string;
}

/** Options of {@link checkDocsLinks}. */
export interface CheckLinksOptions {
  /** The built docs folder (holding `api/` and `site/`). */
  readonly docsDir: string;
  /** The repository root: links leaving `docsDir` resolve against `<repoRoot>/docs`. */
  readonly repoRoot: string;
  /** True for an external address that is meant (exact or by a rule). */
  readonly allowExternal: (url: string) => boolean;
}

/** What a check saw. */
export interface LinkReport {
  readonly pages: number;
  readonly internal: number;
  readonly external: number;
  readonly problems: readonly LinkProblem[];
}

function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.html'))
    .map((f) => join(dir, f));
}

const ATTR = /\s(?:href|src)="([^"]*)"/g;
const ID = /\s(?:id|name)="([^"]*)"/g;

function decode(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Checks every link of every page under `docsDir` (see the module notes). */
export function checkDocsLinks(options: CheckLinksOptions): LinkReport {
  const docsDir = resolve(options.docsDir);
  const realDocs = resolve(options.repoRoot, 'docs');
  const ids = new Map<string, Set<string>>();
  const idsOf = (file: string): Set<string> => {
    let set = ids.get(file);
    if (set === undefined) {
      const text = readFileSync(file, 'utf8');
      set = new Set([...text.matchAll(ID)].map((m) => decode(m[1]!)));
      ids.set(file, set);
    }
    return set;
  };
  const problems: LinkProblem[] = [];
  let internal = 0;
  let external = 0;
  const pages = htmlFiles(docsDir);
  for (const page of pages) {
    const rel = relative(docsDir, page);
    const html = readFileSync(page, 'utf8');
    const fail = (link: string, problem: string) => problems.push({ page: rel, link, problem });
    for (const m of html.matchAll(ATTR)) {
      const link = decode(m[1]!);
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) {
        if (/^(data|blob|javascript):/i.test(link)) continue;
        external++;
        if (!options.allowExternal(link)) fail(link, 'external address not on the allow-list');
        continue;
      }
      internal++;
      const [pathPart, anchor] = link.split('#', 2) as [string, string | undefined];
      let target = pathPart === '' ? page : resolve(dirname(page), decodeURI(pathPart.split('?')[0]!));
      const inDocs = relative(docsDir, target);
      if (inDocs.startsWith('..') && !existsSync(target))
        target = resolve(realDocs, inDocs.split(sep).join('/'));
      if (!existsSync(target)) {
        fail(link, `no file ${relative(docsDir, target)}`);
        continue;
      }
      if (statSync(target).isDirectory()) {
        if (!existsSync(join(target, 'index.html'))) fail(link, 'a folder without index.html');
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (target.endsWith('.html') || target.endsWith('.svg')) {
        if (!idsOf(target).has(decodeURIComponent(anchor))) fail(link, `no element #${anchor} on the page`);
      } else {
        const line = /^L(\d+)$/.exec(anchor);
        const lines = readFileSync(target, 'utf8').split('\n').length;
        if (!line || Number(line[1]) < 1 || Number(line[1]) > lines)
          fail(link, `#${anchor} is not a line of the ${lines}-line file`);
      }
    }
  }
  return { pages: pages.length, internal, external, problems };
}

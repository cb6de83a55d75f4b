/**
 * Finds every subsystem manifest in the repository: reads `packages/*\/package.json`, imports
 * each workspace package by name, and keeps those that export a `manifest` (a spec-kit
 * `SubsystemManifest`). A new subsystem package joins the exports and the docs without any
 * change here. Under the `@kspec/source` export condition (vitest, tsx) packages resolve to
 * their TypeScript sources; under plain `node` to their built `dist`.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { SubsystemManifest } from '@kspec/spec-kit';
import { checkManifest } from './check-manifest.js';

/**
 * One discovered manifest and where it came from.
 * @category Discovery
 */
export interface DiscoveredManifest {
  /** The npm name the manifest was imported from. */
  readonly packageName: string;
  /** The package's directory. */
  readonly dir: string;
  readonly manifest: SubsystemManifest;
}

/**
 * The repository root: the nearest directory at or above `from` whose package.json declares
 * `workspaces`.
 * @category Discovery
 */
export function findRepoRoot(from: string = process.cwd()): string {
  let dir = resolve(from);
  while (true) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const json = JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown };
      if (json.workspaces) return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`no workspace root (package.json with "workspaces") at or above ${from}`);
    dir = up;
  }
}

/**
 * The workspace packages under `<root>/packages` (name and directory), sorted by directory.
 * @category Discovery
 */
export function listWorkspacePackages(
  root: string,
): { name: string; dir: string; exportsRoot: boolean; entryFiles: string[] }[] {
  const base = join(root, 'packages');
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(base, d.name, 'package.json')))
    .map((d) => {
      const dir = join(base, d.name);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        exports?: Record<string, unknown> | string;
        main?: string;
      };
      const exportsRoot =
        typeof pkg.exports === 'string' ||
        (typeof pkg.exports === 'object' && pkg.exports !== null && '.' in pkg.exports) ||
        !!pkg.main;
      const root = typeof pkg.exports === 'object' && pkg.exports !== null ? pkg.exports['.'] : pkg.exports;
      const entryFiles: string[] = [];
      const collect = (v: unknown): void => {
        if (typeof v === 'string') entryFiles.push(join(dir, v));
        else if (typeof v === 'object' && v !== null) Object.values(v).forEach(collect);
      };
      collect(root ?? pkg.main);
      return { name: pkg.name ?? d.name, dir, exportsRoot, entryFiles };
    })
    .sort((a, b) => a.dir.localeCompare(b.dir));
}

/**
 * Options of {@link discoverManifests}.
 * @category Discovery
 */
export interface DiscoverOptions {
  /** Package names to leave out (this package is always left out: it exports fixtures only). */
  readonly exclude?: readonly string[];
  /** Imports a package by name; defaults to a dynamic `import()`. */
  readonly importer?: (name: string) => Promise<Record<string, unknown>>;
  /** Told about each package left out because it is not linked into node_modules yet. */
  readonly onSkip?: (packageName: string, reason: string) => void;
}

/**
 * Every manifest exported by a workspace package under `<root>/packages`, in directory order.
 * A package that fails to import is an error naming it (a half-built package must not vanish
 * from the docs silently); a package without a `manifest` export is skipped, and so is one
 * not yet linked into `node_modules` (reported through `onSkip`).
 * @category Discovery
 */
export async function discoverManifests(
  root: string,
  options: DiscoverOptions = {},
): Promise<DiscoveredManifest[]> {
  const exclude = new Set(['@kspec/statecharts', ...(options.exclude ?? [])]);
  const importer = options.importer ?? ((name: string) => import(name) as Promise<Record<string, unknown>>);
  const found: DiscoveredManifest[] = [];
  for (const pkg of listWorkspacePackages(root)) {
    if (exclude.has(pkg.name) || !pkg.exportsRoot) continue;
    if (!pkg.entryFiles.some((f) => existsSync(f) && !f.endsWith('.d.ts'))) {
      options.onSkip?.(pkg.name, 'none of its entry files exists yet (neither sources nor build)');
      continue;
    }
    let mod: Record<string, unknown>;
    try {
      mod = await importer(pkg.name);
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      if (e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(`'${pkg.name}'`)) {
        // not linked into node_modules yet (a package added since the last npm install)
        options.onSkip?.(pkg.name, 'not installed in node_modules (run npm install)');
        continue;
      }
      const hint = /\/dist\//.test(String(e.message)) ? ' (not built: run npm run build first)' : '';
      throw new Error(
        `cannot import workspace package ${pkg.name} (${pkg.dir})${hint}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    if (!('manifest' in mod) || mod['manifest'] === undefined) continue;
    found.push({ packageName: pkg.name, dir: pkg.dir, manifest: checkManifest(mod['manifest'], pkg.name) });
  }
  return found;
}

/**
 * The kspec packages installed under the `node_modules/@kspec` folders at or above `from`
 * (nearest first, as Node resolves them), name and directory, sorted by name.
 * @category Discovery
 */
export function listInstalledPackages(from: string): { name: string; dir: string }[] {
  const found = new Map<string, string>();
  let dir = resolve(from);
  while (true) {
    const scope = join(dir, 'node_modules', '@kspec');
    if (existsSync(scope)) {
      for (const d of readdirSync(scope, { withFileTypes: true })) {
        const pkgDir = join(scope, d.name);
        const file = join(pkgDir, 'package.json');
        if (!(d.isDirectory() || d.isSymbolicLink()) || !existsSync(file)) continue;
        const name = (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name ?? `@kspec/${d.name}`;
        if (!found.has(name)) found.set(name, pkgDir);
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return [...found].map(([name, d]) => ({ name, dir: d })).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Every manifest exported by a kspec package installed under `node_modules` at or above
 * `from` (a project that depends on kspec packages, outside this repository). Packages without
 * a `manifest` export are skipped; one that fails to import is an error naming it.
 * @category Discovery
 */
export async function discoverInstalledManifests(
  from: string,
  options: DiscoverOptions = {},
): Promise<DiscoveredManifest[]> {
  const exclude = new Set(['@kspec/statecharts', ...(options.exclude ?? [])]);
  const importer = options.importer ?? ((name: string) => import(name) as Promise<Record<string, unknown>>);
  const found: DiscoveredManifest[] = [];
  for (const pkg of listInstalledPackages(from)) {
    if (exclude.has(pkg.name)) continue;
    let mod: Record<string, unknown>;
    try {
      mod = await importer(pkg.name);
    } catch (err) {
      throw new Error(`cannot import installed package ${pkg.name} (${pkg.dir}): ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (!('manifest' in mod) || mod['manifest'] === undefined) continue;
    found.push({ packageName: pkg.name, dir: pkg.dir, manifest: checkManifest(mod['manifest'], pkg.name) });
  }
  return found;
}

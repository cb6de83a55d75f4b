/**
 * Bundles the viewer for the browser, once per package: the package's own `manifest` (its real
 * machines, guards and actions), XState and the viewer script, as one classic script (IIFE) so
 * pages work from `file://`. Packages are bundled from their TypeScript sources (the
 * `@kspec/source` export condition). Node built-in modules a package imports for its Node-only
 * parts (workers, files) are replaced by empty stubs: the machines do not use them.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

const stubNodeBuiltins: Plugin = {
  name: 'kspec-stub-node-builtins',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) =>
      builtins.has(args.path) ? { path: args.path, namespace: 'kspec-node-stub' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'kspec-node-stub' }, (args) => ({
      contents: `module.exports = new Proxy({}, { get(_, k) { if (k === '__esModule') return false; return function () { throw new Error(${JSON.stringify(
        `${args.path} is not available in the browser viewer`,
      )}); }; } });`,
      loader: 'js',
    }));
  },
};

/** The viewer's source file (TypeScript when run from sources, JavaScript when built). */
export function viewerEntry(): string {
  for (const ext of ['ts', 'js']) {
    const f = fileURLToPath(new URL(`./viewer/main.${ext}`, import.meta.url));
    if (existsSync(f)) return f;
  }
  throw new Error('docs-site: viewer/main.{ts,js} not found next to the site builder');
}

/**
 * Bundles the viewer with the manifest exported by `specifier` (e.g. `@kspec/xen-evtchn`),
 * resolving from `root`. Returns the script text.
 */
export async function bundleViewer(specifier: string, root: string): Promise<string> {
  const entry = viewerEntry();
  const result = await build({
    stdin: {
      contents: `import { manifest } from ${JSON.stringify(specifier)};\nimport { startViewer } from ${JSON.stringify(entry)};\nconst go = () => startViewer(manifest);\nif (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go); else go();\n`,
      resolveDir: root,
      loader: 'ts',
      sourcefile: 'kspec-viewer-entry.ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@kspec/source'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    banner: { js: 'var process = globalThis.process || { env: {}, argv: [], platform: "browser" };' },
    plugins: [stubNodeBuiltins],
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error(`docs-site: esbuild produced nothing for ${specifier}`);
  return out.text;
}

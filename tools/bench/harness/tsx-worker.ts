/**
 * Worker threads that run a benchmark's own TypeScript module: Node 20 does not apply loader
 * hooks given as `--import tsx` in a worker's `execArgv` to the worker's entry module, so a tiny
 * bootstrap registers tsx and then imports the entry.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The source of an `eval: true` worker that registers tsx and imports `entryUrl` (a module's
 * `import.meta.url`), for `new Worker(tsxBoot(import.meta.url), { eval: true, ... })`.
 */
export function tsxBoot(entryUrl: string): string {
  const tsxApi = pathToFileURL(
    createRequire(fileURLToPath(entryUrl))
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  return `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entryUrl)}); })`;
}

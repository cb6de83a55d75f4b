/**
 * The shape check of a value a package exports as `manifest` (browser-safe; discovery itself,
 * which reads the file system, is in `discover.ts`).
 *
 * @module
 */
import type { SubsystemManifest } from '@kspec/spec-kit';
import { isStateMachine } from './graph.js';

/**
 * Checks the shape of a value exported as `manifest`, naming the first field at fault.
 * @category Discovery
 */
export function checkManifest(value: unknown, where: string): SubsystemManifest {
  const fail = (what: string): never => {
    throw new TypeError(`${where}: manifest ${what}`);
  };
  if (typeof value !== 'object' || value === null) fail('is not an object');
  const m = value as Record<string, unknown>;
  for (const key of ['package', 'name', 'title'] as const) {
    if (typeof m[key] !== 'string' || m[key] === '') fail(`.${key} must be a non-empty string`);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(m['name'] as string))
    fail(`.name '${String(m['name'])}' is not directory-safe`);
  if (!Array.isArray(m['machines'])) fail('.machines must be an array');
  const names = new Set<string>();
  (m['machines'] as unknown[]).forEach((entry, i) => {
    const e = entry as Record<string, unknown>;
    if (typeof e !== 'object' || e === null) fail(`.machines[${i}] is not an object`);
    if (typeof e['name'] !== 'string' || !/^[A-Za-z0-9._-]+$/.test(e['name'])) {
      fail(`.machines[${i}].name must be a file-name-safe string`);
    }
    if (names.has(e['name'] as string)) fail(`.machines[${i}].name '${String(e['name'])}' is used twice`);
    names.add(e['name'] as string);
    if (!isStateMachine(e['machine']))
      fail(`.machines[${i}] ('${String(e['name'])}').machine is not an XState machine`);
  });
  for (const key of ['models', 'invariants', 'findings'] as const) {
    if (!Array.isArray(m[key])) fail(`.${key} must be an array`);
  }
  return value as SubsystemManifest;
}

/**
 * Runs Debian's `xmllint --noout` (libxml2-utils) on a document when it is installed
 * (.ci/run installs it). Returns undefined when xmllint is missing.
 */
import { spawnSync } from 'node:child_process';

let available: boolean | undefined;

/** True when `xmllint` can be run. */
export function hasXmllint(): boolean {
  available ??= spawnSync('xmllint', ['--version']).status === 0;
  return available;
}

/** xmllint's verdict on `xml`: `ok` or its error output. */
export function xmllint(xml: string): { ok: boolean; output: string } {
  const r = spawnSync('xmllint', ['--noout', '-'], { input: xml, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

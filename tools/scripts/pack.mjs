#!/usr/bin/env node
// `npm run pack [-- --out DIR]`: builds the workspace and packs every published package
// (packages/*, apps/* that are not private) into one folder (default out/pack), with an
// index.json naming, for each package, the tarballs of its @kspec/* dependency closure: the
// set that installs together outside this repository, no registry needed for the siblings.
//
//   npm install <every tarball in closure['@kspec/shmif']>
//
// It prints that install line for each package.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
if (args.some((a, i) => a !== '--out' && args[i - 1] !== '--out') || (outArg >= 0 && !args[outArg + 1])) {
  console.error('usage: npm run pack [-- --out DIR]');
  process.exit(2);
}
const out = resolve(outArg >= 0 ? args[outArg + 1] : join(root, 'out', 'pack'));

/** Published workspace packages: name -> { dir, manifest }. */
function workspacePackages() {
  const found = new Map();
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const d of readdirSync(base)) {
      const file = join(base, d, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      if (!manifest.private) found.set(manifest.name, { dir: join(base, d), manifest });
    }
  }
  return found;
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    console.error(
      `pack: ${cmd} ${argv.join(' ')} failed (exit ${r.status})\n${r.stdout ?? ''}${r.stderr ?? ''}`,
    );
    process.exit(1);
  }
  return r.stdout;
}

const pkgs = workspacePackages();
run('npm', ['run', 'build', '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
const staging = `${out}.tmp-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
const tarballs = new Map();
for (const [name, { dir }] of pkgs) {
  const json = run('npm', ['pack', '--json', '--pack-destination', staging], { cwd: dir });
  tarballs.set(
    name,
    JSON.parse(json)[0]
      .filename.replace(/^@kspec\//, 'kspec-')
      .replace(/\//g, '-'),
  );
}
for (const f of tarballs.values()) {
  if (!existsSync(join(staging, f))) {
    console.error(`pack: expected ${f} in ${staging}`);
    process.exit(1);
  }
}

/** The @kspec/* packages `name` needs at run time, itself first. */
function closure(name, seen = new Set()) {
  if (seen.has(name)) return [];
  seen.add(name);
  const deps = Object.keys(pkgs.get(name).manifest.dependencies ?? {}).filter((d) => pkgs.has(d));
  return [name, ...deps.flatMap((d) => closure(d, seen))];
}
const index = {};
for (const name of pkgs.keys()) {
  index[name] = {
    version: pkgs.get(name).manifest.version,
    tarball: tarballs.get(name),
    closure: closure(name).map((n) => tarballs.get(n)),
  };
}
writeFileSync(join(staging, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
rmSync(out, { recursive: true, force: true });
mkdirSync(resolve(out, '..'), { recursive: true });
renameSync(staging, out);

const shown = out;
console.log(`pack: ${pkgs.size} packages in ${shown}; to use one outside this repository:`);
for (const [name, e] of Object.entries(index)) {
  console.log(`  ${name.padEnd(22)} npm install ${e.closure.map((t) => join(shown, t)).join(' ')}`);
}

/**
 * kspec outside the repository, as an integrator meets it: `npm run pack` writes every published
 * package into one folder; a scratch project in a temporary directory (no workspace, no
 * `@kspec/source` condition, no build of its own) installs packages from those tarballs alone,
 * typechecks every README example under TypeScript's `nodenext` resolution with no extra
 * settings (no `@types/node`), runs them with plain Node, bundles every library package for the
 * browser with esbuild, finds every source map's sources inside the installed package, and
 * runs the installed `kspec` CLI, which must find the installed subsystem packages.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'kspec-scratch-'));
const packDir = join(work, 'pack');
const app = join(work, 'app');

interface PackEntry {
  readonly version: string;
  readonly tarball: string;
  readonly closure: readonly string[];
}
let index: Record<string, PackEntry> = {};

function sh(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '' };
}

/** README code blocks fenced as ```ts example: the runnable examples of each package. */
function readmeExamples(): { pkg: string; n: number; code: string }[] {
  const out: { pkg: string; n: number; code: string }[] = [];
  for (const group of ['packages', 'apps']) {
    for (const d of readdirSync(join(root, group))) {
      const readme = join(root, group, d, 'README.md');
      const manifest = join(root, group, d, 'package.json');
      if (!existsSync(readme) || !existsSync(manifest)) continue;
      const name = JSON.parse(readFileSync(manifest, 'utf8')).name as string;
      let n = 0;
      for (const m of readFileSync(readme, 'utf8').matchAll(/^```ts example\n([\s\S]*?)^```/gm)) {
        out.push({ pkg: name, n: ++n, code: m[1]! });
      }
    }
  }
  return out;
}

const examples = readmeExamples();
const published = (): string[] => Object.keys(index);
const installed = (name: string): string => join(app, 'node_modules', ...name.split('/'));

beforeAll(() => {
  const pack = sh(process.execPath, [join(root, 'tools/scripts/pack.mjs'), '--out', packDir], root);
  expect(pack.status, pack.out).toBe(0);
  index = JSON.parse(readFileSync(join(packDir, 'index.json'), 'utf8')) as Record<string, PackEntry>;
  mkdirSync(app, { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'kspec-scratch', version: '1.0.0', private: true, type: 'module' }, null, 2),
  );
  // every published package, each from its tarball: the closure of the orchestrator is all of them
  const tarballs = [...new Set(published().flatMap((n) => index[n]!.closure))].map((t) => join(packDir, t));
  const install = sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], app);
  expect(install.status, install.out).toBe(0);
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('packed packages', () => {
  it('every published package is packed, with its @kspec/* closure beside it', () => {
    expect(published().length).toBeGreaterThanOrEqual(7);
    for (const [name, e] of Object.entries(index)) {
      expect(e.closure[0]).toBe(e.tarball);
      for (const t of e.closure) expect(existsSync(join(packDir, t)), `${name}: ${t}`).toBe(true);
    }
  });

  it('each installs from the tarballs alone, with license, repository, engines and a LICENSE file', () => {
    for (const name of published()) {
      const dir = installed(name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(manifest.license, name).toBe('MIT');
      expect(manifest.repository?.url, name).toMatch(/kspec/);
      expect(manifest.repository?.directory, name).toBe(relative(root, dirnameOf(name)));
      expect(manifest.engines?.node, name).toMatch(/>=\s*20/);
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8'), name).toMatch(/MIT License/);
      // no tests shipped
      const files = listFiles(dir).filter((f) => !f.includes('node_modules'));
      expect(
        files.filter((f) => /\.test(-d)?\.(ts|js)$/.test(f)),
        name,
      ).toEqual([]);
    }
  });

  it('every source map points at files inside the installed package', () => {
    for (const name of published()) {
      const dir = installed(name);
      const maps = listFiles(dir).filter((f) => f.endsWith('.map') && !f.includes('node_modules'));
      expect(maps.length, name).toBeGreaterThan(0);
      for (const m of maps) {
        const map = JSON.parse(readFileSync(join(dir, m), 'utf8')) as { sources: string[] };
        for (const s of map.sources) {
          const target = resolve(dir, dirname(m), s);
          expect(target.startsWith(dir), `${name}/${m}: ${s} is outside the package`).toBe(true);
          expect(existsSync(target), `${name}/${m}: ${s} is missing`).toBe(true);
        }
      }
    }
  });
});

describe('README examples, outside the repository', () => {
  const srcDir = join(app, 'src');

  beforeAll(() => {
    mkdirSync(srcDir, { recursive: true });
    for (const e of examples) {
      writeFileSync(join(srcDir, `${e.pkg.replace(/^@kspec\//, '')}-${e.n}.ts`), e.code);
    }
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify(
        {
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            lib: ['es2022', 'dom'],
            strict: true,
            outDir: 'dist',
            rootDir: 'src',
          },
          include: ['src'],
        },
        null,
        2,
      ),
    );
  });

  it('every published package has a runnable README example', () => {
    const withExamples = new Set(examples.map((e) => e.pkg));
    for (const name of published())
      expect(withExamples.has(name), `${name}: README has a \`\`\`ts example block`).toBe(true);
  });

  it('typecheck with nodenext under TypeScript 6 and no @types/node (skipLibCheck off)', () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = sh(process.execPath, [tsc, '-p', app], app);
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(examples.map((e) => [`${e.pkg} #${e.n}`, e] as const))('%s runs with plain Node', (_label, e) => {
    const file = join(app, 'dist', `${e.pkg.replace(/^@kspec\//, '')}-${e.n}.js`);
    expect(existsSync(file), `${file} was compiled`).toBe(true);
    const r = sh(process.execPath, [file], app);
    expect(r.status, r.out).toBe(0);
  });
});

describe('browser bundles', () => {
  it('every library package bundles for the browser (no Node built-ins in its main entry)', async () => {
    // the orchestrator is the kspec CLI and its engine (files, worker threads): Node only by design
    const nodeOnly = ['@kspec/orchestrator'];
    for (const name of published().filter((n) => !nodeOnly.includes(n))) {
      const result = await build({
        stdin: {
          contents: `import * as m from ${JSON.stringify(name)};\nconsole.log(Object.keys(m).length);\n`,
          resolveDir: app,
          loader: 'js',
        },
        bundle: true,
        write: false,
        platform: 'browser',
        format: 'esm',
        logLevel: 'silent',
      }).catch((err: { errors?: { text: string }[] }) => ({
        errors: err.errors ?? [{ text: String(err) }],
        outputFiles: [],
      }));
      expect(
        result.errors.map((e) => e.text),
        name,
      ).toEqual([]);
      expect(result.outputFiles[0]!.text.length, name).toBeGreaterThan(1000);
    }
  });
});

describe('the installed kspec CLI', () => {
  const kspec = (...args: string[]) =>
    sh(process.execPath, [join(installed('@kspec/orchestrator'), 'bin', 'kspec.js'), ...args], app);

  it('exports the statecharts of the installed packages', () => {
    const r = kspec('export', '--out', join(app, 'charts'));
    expect(r.status, r.out).toBe(0);
    expect(existsSync(join(app, 'charts', 'xen-evtchn', 'evtchnDevice.scxml'))).toBe(true);
    expect(existsSync(join(app, 'charts', 'shmif', 'shmifRcv.svg'))).toBe(true);
  });

  it('checks an installed model and lists test paths by package/machine', () => {
    const check = kspec('check', 'xen-evtchn');
    expect(check.status, check.out).toBe(0);
    const paths = kspec('paths', 'xen-evtchn/evtchnBinding');
    expect(paths.status, paths.out).toBe(0);
    expect((JSON.parse(paths.stdout) as { paths: unknown[] }).paths.length).toBeGreaterThan(0);
  });
});

function dirnameOf(name: string): string {
  for (const group of ['packages', 'apps']) {
    for (const d of readdirSync(join(root, group))) {
      const f = join(root, group, d, 'package.json');
      if (existsSync(f) && JSON.parse(readFileSync(f, 'utf8')).name === name) return join(root, group, d);
    }
  }
  throw new Error(`no workspace package ${name}`);
}

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, base));
    else out.push(relative(base, p));
  }
  return out;
}

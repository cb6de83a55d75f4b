#!/usr/bin/env node
// `npm test`'s pretest step: the Debian tools some tests drive for real (Chromium for the docs
// site in a browser, tshark to decode the pcaps kspec writes, redis-server for the distributed
// checker). Idempotent: it checks first and
// does nothing when they are there. When one is missing it installs it with apt-get if it can
// (root, apt-get present, KSPEC_NO_INSTALL unset), and otherwise stops at once, naming the
// install line, so no test fails later for a reason that has nothing to do with kspec.
//
// The benchmarks use the same mechanism for their own tools (`--bench spin gcc`: SPIN and the C
// compiler its verifiers need), so `npm test` never installs what only `npm run bench` uses.
//
//   node tools/scripts/system-deps.mjs [--check]            (--check: report only, never install)
//   node tools/scripts/system-deps.mjs --bench <command>...  (the benchmarks' tools, by command)
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What the tests need: a command, the Debian package that provides it, and who needs it. */
const NEEDS = [
  {
    command: 'chromium',
    env: 'KSPEC_CHROMIUM',
    pkg: 'chromium',
    why: 'the docs site browser test (tools/docs)',
  },
  { command: 'tshark', pkg: 'tshark', why: 'the pcap tests (shared-memory, orchestrator, usb-gadget)' },
  {
    command: 'redis-server',
    pkg: 'redis-server',
    why: 'the distributed checker tests (packages/verify/src/redis, kspec check --redis)',
  },
];

/** What the benchmarks may ask for with --bench. */
const BENCH_NEEDS = [
  {
    command: 'spin',
    pkg: 'spin',
    why: 'the SPIN baseline of the checker benchmark (tools/bench/verify.bench.ts)',
  },
  { command: 'gcc', pkg: 'gcc', why: "compiling SPIN's pan verifiers for the checker benchmark" },
  {
    command: 'redis-server',
    pkg: 'redis-server',
    why: 'the Redis deployment of the distributed benchmark (tools/bench/distributed.bench.ts)',
  },
];

function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // not here
    }
  }
  return undefined;
}

function present(need) {
  if (need.env && process.env[need.env]) {
    try {
      accessSync(process.env[need.env], constants.X_OK);
      return true;
    } catch {
      console.error(`system-deps: ${need.env}=${process.env[need.env]} is not an executable file`);
      process.exit(1);
    }
  }
  return onPath(need.command) !== undefined;
}

const check = process.argv.includes('--check');
const benchAt = process.argv.indexOf('--bench');
const wanted =
  benchAt < 0
    ? NEEDS
    : process.argv.slice(benchAt + 1).map((c) => {
        const n = BENCH_NEEDS.find((b) => b.command === c);
        if (!n) {
          console.error(
            `system-deps: no known Debian package for '${c}' (known: ${BENCH_NEEDS.map((b) => b.command).join(', ')})`,
          );
          process.exit(1);
        }
        return n;
      });
const missing = wanted.filter((n) => !present(n));
if (missing.length === 0) process.exit(0);

const pkgs = missing.map((n) => n.pkg);
const line = `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
const listing = missing.map((n) => `  ${n.command} (Debian package ${n.pkg}) for ${n.why}`).join('\n');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (check || process.env.KSPEC_NO_INSTALL || !isRoot || !onPath('apt-get')) {
  console.error(
    `kspec ${benchAt < 0 ? 'tests' : 'benchmarks'} need these system tools, which are missing:\n${listing}\nInstall them with:\n  ${line}`,
  );
  process.exit(1);
}

console.log(`system-deps: installing ${pkgs.join(' ')} with apt-get (missing:\n${listing})`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
// tshark's package asks whether non-root users may capture; answer no without a prompt
spawnSync('debconf-set-selections', {
  input: 'wireshark-common wireshark-common/install-setuid boolean false\n',
  env,
});
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', '--no-install-recommends', ...pkgs],
]) {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (r.status !== 0) {
    console.error(
      `system-deps: apt-get ${args.join(' ')} failed (exit ${r.status}); install them yourself:\n  ${line}`,
    );
    process.exit(1);
  }
}
const still = wanted.filter((n) => !present(n));
if (still.length > 0) {
  console.error(`system-deps: still missing after apt-get: ${still.map((n) => n.command).join(', ')}`);
  process.exit(1);
}
console.log(`system-deps: installed ${pkgs.join(' ')}`);

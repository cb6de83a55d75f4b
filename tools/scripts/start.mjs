#!/usr/bin/env node
// `npm start`: builds every package, then the main job with the `kspec` CLI (apps/orchestrator):
// `kspec run` of the default scenario (shmif interfaces exchanging frames over a shmif bus in
// shared memory, a xen-evtchn device raising a port per delivered frame), then `kspec export`
// of every package's statecharts into docs/statecharts (see README "Quick start").
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run('npx', ['nx', 'run-many', '-t', 'build', '--output-style=static']);
if (existsSync('apps/orchestrator/dist/cli.js')) {
  run('node', ['apps/orchestrator/dist/cli.js', 'run']);
  run('node', ['apps/orchestrator/dist/cli.js', 'export', '--out', 'docs/statecharts']);
} else if (existsSync('packages/statecharts/dist/cli.js')) {
  run('node', ['packages/statecharts/dist/cli.js', '--out', 'docs/statecharts']);
} else {
  console.log('kspec: packages built. No orchestrator or exporter yet: nothing to run or export.');
}

#!/usr/bin/env node
// `npm start`, the main job, with the `kspec` CLI (apps/orchestrator): `kspec run` of the
// default scenario (Genode core set up from a KIP in the page pool and its pager serving a
// fault stream, then shmif interfaces exchanging frames over a shmif bus in shared memory, a
// xen-evtchn device raising a port per delivered frame), then `kspec export` of every
// package's statecharts into docs/statecharts. It runs the TypeScript sources directly (the
// `kspec` shim falls back to tsx when nothing is built), so a fresh clone needs no build first;
// `npm run build` is only needed for plain-node use of dist/ and for the API docs.
import { spawnSync } from 'node:child_process';

function kspec(args) {
  const r = spawnSync(process.execPath, ['apps/orchestrator/bin/kspec.js', ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

kspec(['run']);
kspec(['export', '--out', 'docs/statecharts']);

#!/usr/bin/env node
// The `kspec` executable (`npx kspec`): runs the built CLI, apps/orchestrator/dist/cli.js.
// A committed shim, so npm links the binary on a fresh clone before anything is built.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('kspec: the orchestrator is not built yet: run `npm run build` (or `npm start`) first');
  process.exit(1);
}
await import(cli.href);

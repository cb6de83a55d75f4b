#!/usr/bin/env node
// The `kspec` executable (`npx kspec`). A committed shim, so npm links the binary on a fresh
// clone before anything is built: it runs the built CLI (dist/cli.js) when there is one, and
// otherwise the TypeScript sources through tsx with the `@kspec/source` export condition (the
// same way the tests resolve the workspace packages), so no build is needed inside the repo.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/cli.js', import.meta.url);
if (existsSync(dist)) {
  await import(dist.href);
} else {
  const source = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const r = spawnSync(
    process.execPath,
    ['--conditions=@kspec/source', '--import', 'tsx', source, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  if (r.error) {
    console.error(`kspec: cannot run the sources (${r.error.message}); run \`npm run build\` first`);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}

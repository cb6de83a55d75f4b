/**
 * {@link startLocalRedis}: a throwaway `redis-server` (the Debian package's binary on the PATH)
 * on a free loopback port, in its own temporary directory, with persistence off: what the
 * tests and the benchmark run distributed checks against, and a quick way to try one.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VerifyError } from '../errors.js';

/**
 * A running local Redis.
 * @category Distributed
 */
export interface LocalRedis {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Kills the server and removes its directory. */
  stop(): void;
}

/** A TCP port free on the loopback interface (the kernel's choice). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.end();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

/**
 * Starts `redis-server` on a free loopback port (no RDB, no AOF, its own temporary directory)
 * and resolves once it accepts connections.
 * @category Distributed
 */
export async function startLocalRedis(): Promise<LocalRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kspec-redis-'));
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  let failed: Error | undefined;
  server.once('error', (err) => (failed = err));
  const stop = (): void => {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 200 && !failed; i++) {
    if (await accepts(port)) return { url: `redis://127.0.0.1:${port}`, port, stop };
    await new Promise((r) => setTimeout(r, 25));
  }
  stop();
  throw new VerifyError(
    `redis-server did not start on port ${port}${failed ? `: ${failed.message}` : ''} (install it: apt-get install -y redis-server)`,
  );
}

/**
 * A Redis connection (`@redis/client`) with the run's Lua scripts loaded once and called by
 * their SHA (`EVALSHA`, falling back to `EVAL` when the server forgot them).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { createClient } from '@redis/client';
import { CLAIM, COMPLETE, INSERT, RECLAIM } from './layout.js';

const SCRIPTS = { CLAIM, COMPLETE, INSERT, RECLAIM } as const;
const SHA = Object.fromEntries(
  Object.entries(SCRIPTS).map(([k, v]) => [k, createHash('sha1').update(v).digest('hex')]),
) as Record<keyof typeof SCRIPTS, string>;

/** A client speaking RESP2 (replies as plain arrays and strings). */
const makeClient = (url: string) => createClient({ url, RESP: 2 });

/**
 * A connected client and the scripts.
 * @internal
 */
export class RedisConn {
  private constructor(readonly client: ReturnType<typeof makeClient>) {}

  static async open(url: string): Promise<RedisConn> {
    const client = makeClient(url);
    client.on('error', () => {
      // reconnects are the client's business; a command that fails rejects on its own
    });
    await client.connect();
    return new RedisConn(client);
  }

  cmd<T = unknown>(args: readonly (string | number)[]): Promise<T> {
    return this.client.sendCommand(args.map(String));
  }

  async run<T = unknown>(
    script: keyof typeof SCRIPTS,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<T> {
    try {
      return await this.cmd<T>(['EVALSHA', SHA[script], keys.length, ...keys, ...args]);
    } catch (err) {
      if (!String((err as Error)?.message).includes('NOSCRIPT')) throw err;
      return this.cmd<T>(['EVAL', SCRIPTS[script], keys.length, ...keys, ...args]);
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      // already closed
    }
  }
}

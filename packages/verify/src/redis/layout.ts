/**
 * How a distributed run lays out its data in Redis, and the Lua scripts that change it.
 *
 * A run (a "job") has an id. Its state space is cut into P partitions by fingerprint (the low
 * 32 bits modulo P). Every key of partition p carries the hash tag `{<job>.<p>}`, so in a Redis
 * Cluster all of one partition's keys hash to one slot and each script below, which touches
 * only one partition's keys, runs on one node; the partitions spread over the nodes as their
 * slots do (use P of a few times the number of nodes). Per partition:
 * - `visited` (hash): fingerprint (16 hex digits) -> `<parent fingerprint>:<alphabet position>`
 *   (`-` for the initial state): the visited set and the parent-pointer tree at once;
 * - `q:<level>` (list): the states of that BFS level waiting to be expanded, as
 *   `<fingerprint>|<path>` (the path: alphabet positions, dot-separated, to replay the state);
 * - `claims` (sorted set): claim id -> deadline (ms, Redis server time); `claimed` (hash):
 *   claim id -> the items claimed, newline-separated. A claim not completed by its deadline
 *   goes back to its queue (`RECLAIM`), so a worker that dies loses nothing;
 * - `n` (string): distinct states inserted; `stats` (hash): edges, generated, engine counts,
 *   and `ok:<level>` (states of a level that passed their invariants); `covered` (set):
 *   transition indices taken; `found` (list): violations and sentinel hits as JSON.
 * Global keys (one slot each, touched by the coordinator and read by workers): `kspec:job`
 * (the job as JSON), `kspec:<job>:level` (the level being expanded, or `done`),
 * `kspec:shutdown`.
 *
 * @module
 */

/** The hash-tagged prefix of partition `p` of job `job`. @internal */
export function partitionPrefix(job: string, p: number): string {
  return `kspec:{${job}.${p}}:`;
}

/** The partition of a fingerprint. @internal */
export function partitionOf(lo: number, partitions: number): number {
  return (lo >>> 0) % partitions;
}

/** A 64-bit fingerprint as 16 hex digits. @internal */
export function fpHex(hi: number, lo: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** The low 32 bits of a fingerprint in hex. @internal */
export function fpLo(hex: string): number {
  return parseInt(hex.slice(8), 16);
}

/** The job a coordinator publishes for its workers. @internal */
export interface RedisJob {
  readonly id: string;
  readonly source: { readonly module: string; readonly model: string };
  readonly partitions: number;
  readonly claimTimeoutMs: number;
  readonly invariants: readonly string[] | undefined;
  readonly deadlock: boolean;
  readonly compiled: boolean | undefined;
  /** Levels at or past this are checked, never expanded. */
  readonly maxDepth: number;
}

export const JOB_KEY = 'kspec:job';
export const SHUTDOWN_KEY = 'kspec:shutdown';
export const levelKey = (job: string): string => `kspec:${job}:level`;

/**
 * CLAIM: KEYS queue, claims, claimed; ARGV count, timeout ms, claim id. Pops up to `count`
 * items and records them as a claim with a deadline.
 */
export const CLAIM = `
local items = redis.call('LPOP', KEYS[1], tonumber(ARGV[1]))
if not items then return {} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[3])
redis.call('HSET', KEYS[3], ARGV[3], table.concat(items, '\\n'))
return items`;

/**
 * INSERT: KEYS visited, next queue, n; ARGV triples (fingerprint, parent pointer, item).
 * Adds each unseen fingerprint and queues its item in the same step, so a state is never
 * visited without being queued. Returns the number added.
 */
export const INSERT = `
local added = 0
for i = 1, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('RPUSH', KEYS[2], ARGV[i + 2])
    added = added + 1
  end
end
if added > 0 then redis.call('INCRBY', KEYS[3], added) end
return added`;

/**
 * COMPLETE: KEYS claims, claimed, stats, covered, found; ARGV claim id, level, edges,
 * generated, compiled, xstate, ok, covered (comma-separated), then found JSON entries. Counts
 * the claim's work only if the claim is still live (not re-queued meanwhile). Returns 1 or 0.
 */
export const COMPLETE = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], 'edges', ARGV[3])
redis.call('HINCRBY', KEYS[3], 'generated', ARGV[4])
redis.call('HINCRBY', KEYS[3], 'compiled', ARGV[5])
redis.call('HINCRBY', KEYS[3], 'xstate', ARGV[6])
redis.call('HINCRBY', KEYS[3], 'ok:' .. ARGV[2], ARGV[7])
if ARGV[8] ~= '' then
  for t in string.gmatch(ARGV[8], '[^,]+') do redis.call('SADD', KEYS[4], t) end
end
for i = 9, #ARGV do redis.call('RPUSH', KEYS[5], ARGV[i]) end
return 1`;

/**
 * RECLAIM: KEYS claims, claimed, queue of the current level. Puts every claim past its
 * deadline back on the queue. Returns the number of claims re-queued.
 */
export const RECLAIM = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, id in ipairs(ids) do
  local items = redis.call('HGET', KEYS[2], id)
  if items then
    for item in string.gmatch(items, '[^\\n]+') do redis.call('RPUSH', KEYS[3], item) end
  end
  redis.call('HDEL', KEYS[2], id)
  redis.call('ZREM', KEYS[1], id)
end
return #ids`;

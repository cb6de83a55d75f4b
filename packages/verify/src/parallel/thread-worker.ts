/**
 * The body of one worker thread of {@link exploreParallel}: it imports the model itself (by
 * module specifier and name), holds its share of the current and next BFS level as snapshots
 * with their paths, inserts every successor's fingerprint into the shared table and keeps the
 * states whose insert it won. Between levels it gives states away as paths or adopts others'
 * (replaying them), as the coordinator balances the shares.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import type { EventObject } from 'xstate';
import { selectInvariants } from '../explore-options.js';
import { systemOf, type System } from '../system.js';
import { Expander, PrefixReplayer, comparePaths, type PathEntry } from './expander.js';
import { loadModel } from './model-source.js';
import { NEW, SEEN, STOP, SharedFingerprintTable } from './shared-table.js';
import { packPaths, unpackPaths, type ToWorker } from './protocol.js';

const port = parentPort!;

let sys: System<unknown, EventObject>;
let ex: Expander<unknown, EventObject>;
let table: SharedFingerprintTable;
let maxStates = 0;
let current: PathEntry<unknown>[] = [];

function expandLevel(): number {
  const next: PathEntry<unknown>[] = [];
  let stopped = false;
  for (let i = 0; i < current.length && !stopped; i++) {
    if ((i & 255) === 255 && table.stop !== STOP.none) break;
    const entry = current[i]!;
    const done = ex.expand(entry, (state, pos) => {
      const r = table.insert(ex.key.hi, ex.key.lo, maxStates);
      if (r === SEEN) return true;
      if (r !== NEW) {
        stopped = true;
        return false;
      }
      const path = [...entry.path, pos];
      if (ex.check(state, path)) next.push({ state, path });
      return true;
    });
    if (!done) stopped = true;
  }
  current = next;
  return next.length;
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.t) {
    case 'init': {
      const model = await loadModel(msg.source);
      sys = systemOf(model, { compiled: msg.compiled });
      ex = new Expander(sys, selectInvariants(sys, msg.invariants), msg.deadlock);
      table = new SharedFingerprintTable(msg.buffer);
      maxStates = msg.maxStates;
      current = [];
      port.postMessage({ t: 'ready' });
      return;
    }
    case 'seed': {
      const init = ex.initial();
      if (init) {
        ex.fingerprint(init.state);
        table.insert(ex.key.hi, ex.key.lo, maxStates);
        if (init.ok) current = [{ state: init.state, path: [] }];
      }
      port.postMessage({ t: 'level', size: current.length, result: ex.take(), engine: sys.engineCounts() });
      return;
    }
    case 'expand': {
      const size = expandLevel();
      port.postMessage({ t: 'level', size, result: ex.take(), engine: sys.engineCounts() });
      return;
    }
    case 'give': {
      const parts = msg.counts.map((n, k) => {
        const gone = current.splice(current.length - n, n);
        return { to: msg.to[k]!, paths: packPaths(gone.map((e) => e.path)) };
      });
      port.postMessage(
        { t: 'gave', parts },
        parts.map((p) => p.paths.buffer as ArrayBuffer),
      );
      return;
    }
    case 'adopt': {
      const paths = msg.parts.flatMap((p) => unpackPaths(p));
      paths.sort(comparePaths);
      const replayer = new PrefixReplayer(ex);
      for (const path of paths) current.push({ state: replayer.state(path), path });
      port.postMessage({ t: 'adopted', size: current.length });
      return;
    }
    case 'end':
      port.close();
      return;
  }
}

port.on('message', (msg: ToWorker) => {
  handle(msg).catch((err: unknown) => {
    const e = err as Error;
    port.postMessage({
      t: 'error',
      name: e?.name ?? 'Error',
      message: e?.message ?? String(err),
      stack: e?.stack,
    });
  });
});

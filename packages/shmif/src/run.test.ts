// The run-to-block transitions (`rcv.run`, `tx.run`, model/run.ts) used by the live driver agree
// with the step-by-step chart the checker explores: from states reached by random walks over
// several scenarios, one run ends in the same state and context as taking single steps until
// the region blocks.
import { getNextSnapshot } from 'xstate';
import type { AnyMachineSnapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import { SHMIF_SCENARIOS } from './check.js';
import type { ShmifContext, ShmifEvent } from './context.js';
import type { ShmifSnapshot } from './invariants.js';
import { shmifBusSystemMachine } from './machine/machines.js';
import { projectShmifContext, scenarioAlphabet, scenarioContext } from './scenario.js';

type Snap = AnyMachineSnapshot & ShmifSnapshot;

function next(s: Snap, e: ShmifEvent): Snap {
  return getNextSnapshot(shmifBusSystemMachine, s as never, e) as unknown as Snap;
}

function region(s: Snap, name: string): unknown {
  return typeof s.value === 'string'
    ? s.value
    : (s.value as { kernel: Record<string, unknown> }).kernel[name];
}

/** State and context without the run bookkeeping (`runAt`). */
function observable(s: Snap): string {
  const c: ShmifContext = s.context;
  const ifs = c.ifs.map((x) => ({ ...x, rx: { ...x.rx, runAt: null }, tx: { ...x.tx, runAt: null } }));
  return JSON.stringify(s.value) + projectShmifContext({ ...c, ifs });
}

/**
 * Single steps of `event` until the region blocks (the step is not enabled), the kernel stops,
 * or `budget` steps were taken (`rcv.run` has the same budget, 512, and like it does not stop
 * while the receiver holds the lock) — the SHMIF-4 livelock never blocks.
 */
function stepUntilBlocked(
  s: Snap,
  event: ShmifEvent,
  stopWhen: (x: Snap) => boolean,
  budget = Infinity,
): Snap {
  let cur = s;
  for (let k = 0; k < budget || region(cur, 'rcv') === 'validated'; k++) {
    const n = next(cur, event);
    if (n === cur) return cur;
    cur = n;
    if (stopWhen(cur)) return cur;
  }
  return cur;
}

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

const SCENARIOS = ['steadyState', 'overrunResync', 'downUpWrap', 'destroyRace', 'attachAfterWrap'] as const;

describe('rcv.run / tx.run agree with single steps', () => {
  it.each(SCENARIOS)('%s: random walks', (name) => {
    const sc = SHMIF_SCENARIOS[name];
    const alphabet = scenarioAlphabet(sc);
    const rnd = lcg(name.length * 7919);
    let compared = 0;
    for (let walk = 0; walk < 5; walk++) {
      let s = shmifBusSystemMachine.resolveState({
        value: 'kernel',
        context: scenarioContext(sc),
      }) as unknown as Snap;
      s = getNextSnapshot(shmifBusSystemMachine, s as never, { type: 'ifnet.step' }) as unknown as Snap; // settle eventless
      for (let depth = 0; depth < 30 && s.value !== 'panicked'; depth++) {
        // compare at this state
        const rcvNow = region(s, 'rcv');
        if (rcvNow !== 'notSpawned' && rcvNow !== 'exited') {
          const byRun = next(s, { type: 'rcv.run' });
          const bySteps = stepUntilBlocked(
            s,
            { type: 'rcv.step' },
            (x) => x.value === 'panicked' || region(x, 'rcv') === 'exited',
            512,
          );
          expect(observable(byRun)).toBe(observable(bySteps));
          compared++;
        }
        const txNow = region(s, 'tx');
        if (txNow !== 'idle' && txNow !== undefined) {
          const byRun = next(s, { type: 'tx.run' });
          const bySteps = stepUntilBlocked(
            s,
            { type: 'tx.step' },
            (x) => x.value === 'panicked' || region(x, 'tx') === 'idle',
          );
          expect(observable(byRun)).toBe(observable(bySteps));
          compared++;
        }
        const evs = alphabet(s);
        if (evs.length === 0) break;
        s = next(s, evs[Math.floor(rnd() * evs.length)]!);
      }
    }
    expect(compared).toBeGreaterThan(20);
  });
});

/**
 * The end-of-run accounting of the shmif interfaces: per receiver, the frames the other
 * interfaces sent are either delivered once or lost to an overrun the model counted; and the
 * properties the recorded findings of the shmif bus are about (frames delivered twice,
 * frames lost without an overrun, the phantom frame, torn frames, own frames, a `KASSERT`).
 * A property the faithful model breaks is reported with the finding that explains it.
 *
 * @module
 */
import type { AccountingCheck } from '../../driver.js';
import type { InterfaceCounters } from './interface.js';

/** The totals over every sender for one receiver. */
function totals(c: InterfaceCounters) {
  let unique = 0;
  let lostToOverrun = 0;
  let silentlyLost = 0;
  let duplicates = 0;
  c.peers.forEach((p, j) => {
    if (j === c.index) return;
    unique += p.unique;
    lostToOverrun += p.lostToOverrun;
    silentlyLost += p.silentlyLost;
    duplicates += p.duplicates;
  });
  return { unique, lostToOverrun, silentlyLost, duplicates };
}

/**
 * Per-interface rows for the summary table.
 * @category shmif driver
 */
export function interfaceRows(
  all: readonly InterfaceCounters[],
  states: readonly string[],
): Record<string, number | string>[] {
  return all.map((c, i) => {
    const t = totals(c);
    return {
      if: `shmif${i}`,
      mac: c.mac,
      sent: c.sent,
      delivered: c.delivered,
      unique: t.unique,
      overruns: c.overruns,
      lostToOverrun: t.lostToOverrun,
      silentlyLost: t.silentlyLost,
      duplicates: t.duplicates,
      malformed: c.malformed,
      ...(c.stale ? { stale: c.stale } : {}),
      state: c.panic ? `panicked: ${c.panic}` : (states[i] ?? '?'),
    };
  });
}

/**
 * The totals of every interface.
 * @category shmif driver
 */
export function shmifCounters(all: readonly InterfaceCounters[]): Record<string, number> {
  const sum = (f: (c: InterfaceCounters) => number) => all.reduce((n, c) => n + f(c), 0);
  return {
    interfaces: all.length,
    framesSent: sum((c) => c.sent),
    delivered: sum((c) => c.delivered),
    deliveredUnique: sum((c) => totals(c).unique),
    overruns: sum((c) => c.overruns),
    lostToOverrun: sum((c) => totals(c).lostToOverrun),
    silentlyLost: sum((c) => totals(c).silentlyLost),
    duplicates: sum((c) => totals(c).duplicates),
    malformed: sum((c) => c.malformed),
    stale: sum((c) => c.stale),
    ownDelivered: sum((c) => c.ownDelivered),
    panics: sum((c) => (c.panic ? 1 : 0)),
  };
}

/**
 * The accounting checks of a run. `phantoms` counts the zero-length frames among the
 * malformed ones (SHMIF-BUS-1).
 * @category shmif driver
 */
export function shmifChecks(all: readonly InterfaceCounters[], phantoms: number): AccountingCheck[] {
  const checks: AccountingCheck[] = [];
  for (const c of all) {
    const t = totals(c);
    const sentByOthers = all.reduce((n, o) => n + (o.index === c.index ? 0 : o.sent), 0);
    checks.push({
      name: `shmif${c.index}.everyFrameAccounted`,
      statement: `receiver shmif${c.index}: frames delivered once + frames lost to a counted overrun = frames sent by the others`,
      holds: !c.panic && t.unique + t.lostToOverrun === sentByOthers,
      detail:
        `${t.unique} + ${t.lostToOverrun} = ${t.unique + t.lostToOverrun} vs ${sentByOthers} sent by others` +
        (t.silentlyLost ? `; ${t.silentlyLost} lost without an overrun` : '') +
        (c.panic ? `; the receiver stopped: ${c.panic}` : ''),
      ...(t.silentlyLost > 0 || c.panic ? { findings: ['SHMIF-BUS-3'] } : {}),
    });
  }
  const sum = shmifCounters(all);
  checks.push({
    name: 'deliversEachFrameOnce',
    statement: 'no receiver delivers a frame twice',
    holds: sum['duplicates'] === 0,
    detail: `${sum['duplicates']} duplicate deliveries`,
    ...(sum['duplicates']! > 0 ? { findings: ['SHMIF-BUS-3'] } : {}),
  });
  const torn = sum['malformed']! - phantoms;
  checks.push({
    name: 'deliversOnlyWrittenFrames',
    statement: 'every frame delivered is a whole frame some interface wrote',
    holds: sum['malformed'] === 0,
    detail: `${phantoms} zero-length phantom frame(s) of a fresh bus, ${torn} torn or foreign frame(s)`,
    ...(sum['malformed']! > 0
      ? { findings: [...(phantoms > 0 ? ['SHMIF-BUS-1'] : []), ...(torn > 0 ? ['SHMIF-BUS-2'] : [])] }
      : {}),
  });
  checks.push({
    name: 'neverDeliversOwnFrames',
    statement: 'no receiver passes up a frame its own interface sent',
    holds: sum['ownDelivered'] === 0,
    detail: `${sum['ownDelivered']} own frame(s) delivered`,
  });
  const panics = all.filter((c) => c.panic);
  checks.push({
    name: 'noKassert',
    statement: 'no rump kernel stops at a failed KASSERT or a fault',
    holds: panics.length === 0,
    detail: panics.length ? panics.map((c) => `shmif${c.index}: ${c.panic}`).join('; ') : 'none',
    ...(panics.length ? { findings: ['SHMIF-BUS-2', 'SHMIF-BUS-3'] } : {}),
  });
  return checks;
}

/**
 * Settles one receiver's accounting at the end of a run, given what each interface sent:
 * frames after the last one delivered from a sender count as lost to an overrun when the
 * receiver resynchronised since, else as lost silently. Idempotent.
 * @category shmif driver
 */
export function settleCounters(c: InterfaceCounters, sentBy: readonly number[]): void {
  c.peers.forEach((p, j) => {
    if (j === c.index) return;
    const tail = (sentBy[j] ?? 0) - 1 - p.lastSeq;
    if (tail > 0) {
      if (p.resynced) p.lostToOverrun += tail;
      else p.silentlyLost += tail;
      p.lastSeq += tail;
    }
  });
}

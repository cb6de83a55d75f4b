/**
 * The end-of-run accounting of the shmif interfaces: per receiver, the frames the other
 * interfaces sent are either delivered once or lost to an overrun the model counted; and the
 * properties the recorded findings of the shmif bus are about (frames delivered twice,
 * frames lost without an overrun, the phantom frame, torn frames, own frames, a `KASSERT`).
 * A property the faithful model breaks is reported with the finding that explains it.
 *
 * @module
 */
import { manifest as shmifManifest } from '@kspec/shmif';
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
      if: `shmif${i}${c.role ? ` (${c.role})` : ''}`,
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
      ...(c.joinedAfter
        ? { sentBeforeJoin: c.joinedAfter.reduce((a, b) => a + b, 0), beforeJoin: c.beforeJoin }
        : {}),
      state: c.panic ? `panicked: ${c.panic.text}` : (states[i] ?? '?'),
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

/** The recorded findings of `@kspec/shmif` about invariant `name`. */
function findingsOf(name: string): string[] {
  return shmifManifest.findings.filter((f) => f.invariant === name).map((f) => f.id);
}

/**
 * The recorded findings of `@kspec/shmif` whose seed lines cover a panic's lines (the
 * `KASSERT` or fault that stopped a rump kernel).
 * @category shmif driver
 */
export function findingsOfPanic(panic: {
  readonly fn: string;
  readonly lines: readonly [number, number];
}): string[] {
  return shmifManifest.findings
    .filter((f) =>
      f.seed.some((r) => r.fn === panic.fn && r.lines[0] <= panic.lines[1] && panic.lines[0] <= r.lines[1]),
    )
    .map((f) => f.id);
}

/**
 * The findings explaining a failed check whose failure has several reasons: only when every
 * reason has a recorded finding (otherwise the failure is not explained).
 */
function explainedBy(
  holds: boolean,
  reasons: readonly (readonly string[])[],
): { findings?: readonly string[] } {
  if (holds || reasons.length === 0 || reasons.some((r) => r.length === 0)) return {};
  return { findings: [...new Set(reasons.flat())] };
}

function withFindings(holds: boolean, ids: readonly string[]): { findings?: readonly string[] } {
  return !holds && ids.length > 0 ? { findings: ids } : {};
}

/**
 * The accounting checks of a run, named after the `@kspec/shmif` invariants they observe
 * live; a failure is explained by the recorded findings of that invariant, when there are.
 * `phantoms` counts the zero-length frames among the malformed ones; `wedgedBy` is the
 * interface that stopped holding the bus lock, when one did (no other receiver can go on).
 * @category shmif driver
 */
export function shmifChecks(
  all: readonly InterfaceCounters[],
  phantoms: number,
  wedgedBy: InterfaceCounters | null = null,
): AccountingCheck[] {
  const checks: AccountingCheck[] = [];
  for (const c of all) {
    const t = totals(c);
    const sentByOthers = all.reduce(
      (n, o) => n + (o.index === c.index ? 0 : o.sent - (c.joinedAfter?.[o.index] ?? 0)),
      0,
    );
    const holds = !c.panic && t.unique + t.lostToOverrun === sentByOthers;
    checks.push({
      name: `shmif${c.index}.everyFrameAccounted`,
      statement: `receiver shmif${c.index}: frames delivered once + frames lost to a counted overrun = frames sent by the others`,
      holds,
      detail:
        `${t.unique} + ${t.lostToOverrun} = ${t.unique + t.lostToOverrun} vs ${sentByOthers} sent by others` +
        (t.silentlyLost ? `; ${t.silentlyLost} lost without an overrun` : '') +
        (c.panic ? `; the receiver stopped: ${c.panic.text}` : '') +
        (wedgedBy && !c.panic ? `; the bus is wedged by shmif${wedgedBy.index}` : ''),
      ...explainedBy(holds, [
        ...(t.silentlyLost ? [findingsOf('everyOverwrittenFrameIsAnOverrun')] : []),
        ...(c.panic ? [findingsOfPanic(c.panic)] : []),
        ...(wedgedBy?.panic && !c.panic ? [findingsOfPanic(wedgedBy.panic)] : []),
      ]),
    });
  }
  const sum = shmifCounters(all);
  const silent = sum['silentlyLost']!;
  checks.push({
    name: 'everyOverwrittenFrameIsAnOverrun',
    statement: 'a receiver misses a frame only across an overrun resync (if_shmem.c 660-669)',
    holds: silent === 0,
    detail: `${silent} frame(s) missed without an overrun`,
    ...withFindings(silent === 0, findingsOf('everyOverwrittenFrameIsAnOverrun')),
  });
  const dups = sum['duplicates']!;
  checks.push({
    name: 'deliversInBusOrder',
    statement: 'a receiver passes frames up in bus order, none twice',
    holds: dups === 0,
    detail: `${dups} frame(s) delivered again`,
    ...withFindings(dups === 0, findingsOf('deliversInBusOrder')),
  });
  const torn = sum['malformed']! - phantoms;
  checks.push({
    name: 'neverDeliversTornFrame',
    statement: 'every frame passed up is a whole frame some interface wrote',
    holds: sum['malformed'] === 0,
    detail: `${phantoms} zero-length phantom frame(s) of a fresh bus, ${torn} torn or foreign frame(s)`,
    ...withFindings(sum['malformed'] === 0, findingsOf('neverDeliversTornFrame')),
  });
  checks.push({
    name: 'neverDeliversOwnFrames',
    statement: 'no receiver passes up a frame its own interface sent',
    holds: sum['ownDelivered'] === 0,
    detail: `${sum['ownDelivered']} own frame(s) delivered`,
    ...withFindings(sum['ownDelivered'] === 0, findingsOf('neverDeliversOwnFrames')),
  });
  const panics = all.filter((c) => c.panic);
  checks.push({
    name: 'noKassertFails',
    statement: 'no rump kernel stops at a failed KASSERT or a fault',
    holds: panics.length === 0,
    detail: panics.length ? panics.map((c) => `shmif${c.index}: ${c.panic!.text}`).join('; ') : 'none',
    ...withFindings(panics.length === 0, [...new Set(panics.flatMap((c) => findingsOfPanic(c.panic!)))]),
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

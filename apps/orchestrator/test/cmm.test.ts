/**
 * The cmm driver on its own: its scenario entry is decoded strictly, the balloon takes its pages
 * from the room's page pool, a round follows the hypervisor's target, and an OOM notification on
 * a balloon holding fewer than KB2PAGES(oom_kb) pages (cmm.c 218-221, balloon_page_dequeue's
 * BUG) is reported as the recorded finding CMM-1 rather than a failure.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_DRIVERS } from '../src/drivers/index.js';
import { runScenario } from '../src/engine.js';
import { decodeScenario } from '../src/scenario.js';

const scenario = (cmm: unknown, extra: Record<string, unknown> = {}) =>
  decodeScenario(
    { name: 'cmm-only', subsystems: { cmm: { ramMiB: 64, ...(cmm as object) } }, ...extra },
    DEFAULT_DRIVERS,
  );

describe('the cmm driver', () => {
  it('rejects a bad entry, naming the path', () => {
    expect(() => scenario({ schedule: [{ atMs: 0, loanKB: 4 }] })).toThrow(
      "at $.subsystems.cmm.schedule[0].loanKB: unknown field 'loanKB'",
    );
    expect(() => scenario({ params: { oom_kb: -1 } })).toThrow(
      'at $.subsystems.cmm.params.oom_kb: expected integer in',
    );
    expect(() => scenario({ hotplug: [{ atMs: 1, outcome: 'melted' }] })).toThrow(
      '$.subsystems.cmm.hotplug[0].outcome',
    );
  });

  it('refuses a plan that cannot finish (exit 2 in the CLI)', async () => {
    await expect(
      runScenario(scenario({ untilMs: 5000 }, { maxTicks: 1000 }), { drivers: DEFAULT_DRIVERS }),
    ).rejects.toThrow(/runs until 5000 ms, but the scenario gives up at maxTicks = 1000/);
    await expect(
      runScenario(scenario({ oom: [{ atMs: 9000 }], untilMs: 3000 }), { drivers: DEFAULT_DRIVERS }),
    ).rejects.toThrow(/1 event\(s\) scheduled after untilMs = 3000 ms/);
  });

  it('balloons the room’s page pool to the schedule and gives it back at rmmod', async () => {
    const r = await runScenario(
      scenario({
        params: { min_mem_mb: 16 },
        schedule: [
          { atMs: 0, loanKb: 8192 },
          { atMs: 2500, loanKb: 2048 },
        ],
        untilMs: 4000,
      }),
      { drivers: DEFAULT_DRIVERS },
    );
    expect(r.verdict).toBe('ok');
    const cmm = r.subsystems[0]!;
    expect(cmm.counters).toMatchObject({
      rounds: 4,
      peakLoanedKb: 8192,
      pagesLoaned: 2048,
      pagesFreed: 2048,
    });
    const loaned = r.series.values['cmm']!['loanedKb']!;
    expect(loaned.at(-2)).toBe(2048); // before rmmod
    expect(loaned.at(-1)).toBe(0); // after it
    expect(Math.max(...loaned)).toBe(8192);
  });

  it('an OOM on an underfull balloon is the recorded finding CMM-1', async () => {
    const r = await runScenario(
      scenario({
        params: { min_mem_mb: 0 },
        schedule: [{ atMs: 0, loanKb: 0 }],
        oom: [{ atMs: 1500 }],
        untilMs: 3000,
      }),
      { drivers: DEFAULT_DRIVERS },
    );
    expect(r.verdict).toBe('findings');
    const bug = r.subsystems[0]!.checks.find((c) => c.name === 'noKernelBug')!;
    expect(bug).toMatchObject({ holds: false, findings: ['CMM-1'] });
    expect(bug.detail).toMatch(/BUG in cmm_free_pages \(cmm.c 192-192\)/);
  });
});

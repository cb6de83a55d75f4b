/**
 * The `cmm` scenario driver: one pseries CMM module (the `@kspec/cmm` facade over a live `cmm`
 * actor) ballooning out of the run's page pool (the room's: the one core-pager booted Genode
 * core on when it runs first, else one of `ramMiB`), driven by a hypervisor whose loan target
 * follows a schedule, with OOM notifications and memory offline operations at given times.
 *
 * - At start: `insmod` with the scenario's parameters, `cmm_init`.
 * - Every tick (one millisecond of the run's clock): schedule entries due set the hypervisor's
 *   target of loaned memory (`loan_request` = target - loaned at each H_GET_MPP); OOM and hotplug
 *   events due call the notifiers; the cmm thread runs every wake-up due (`delay` seconds apart).
 * - At the end: `rmmod` (`cmm_exit`), which must give every page back.
 *
 * Accounting (checked at the end): the balloon list holds `loaned_pages` pages, each loaned at
 * the hypervisor in every CMO page and in state `loaned` in the pool; `totalram_pages` plus the
 * loaned pages is what it was at load; pages loaned over the run = pages freed + pages loaned at
 * the end; the thread reached the target it acted on; and after `cmm_exit` nothing is loaned.
 * A kernel crash (an OOM on an underfull balloon, CMM-1) stops the module and is reported.
 *
 * @module
 */
import * as t from 'io-ts/lib/index.js';
import {
  CmmKernelCrash,
  manifest as cmmManifest,
  loadCmm,
  strayLoanedPages,
  type CmmModule,
  type Crash,
} from '@kspec/cmm';
import { intIn, strictObject } from '../codec.js';
import type { AccountingCheck, DriverRun, RunServices, ScenarioDriver, SubsystemSummary } from '../driver.js';
import { stateText } from '../trace.js';

const MiB = 1024 * 1024;

/**
 * The `cmm` entry of a scenario.
 * @category Drivers
 */
export const CmmScenarioCodec = strictObject(
  'cmm scenario',
  {},
  {
    /** The machine's RAM in MiB when no other subsystem has made the run's page pool (default 512). */
    ramMiB: intIn(1, 1 << 20),
    /** Module parameters at load (`insmod cmm.ko ...`). */
    params: strictObject(
      'cmm params',
      {},
      {
        delay: intIn(0, 0xffffffff),
        hotplug_delay: intIn(0, 0xffffffff),
        oom_kb: intIn(0, 0xffffffff),
        min_mem_mb: intIn(0, Number.MAX_SAFE_INTEGER),
        debug: intIn(0, 1),
      },
    ),
    /** The hypervisor's target of loaned memory over time (KiB from `atMs` on). */
    schedule: t.array(strictObject('cmm schedule entry', { atMs: intIn(0), loanKb: intIn(0, 1 << 30) }, {})),
    /** OOM notifications (the OOM killer's notifier chain). */
    oom: t.array(strictObject('cmm oom', { atMs: intIn(0) }, {})),
    /** Memory offline operations as memory_hotplug.c sends them. */
    hotplug: t.array(
      strictObject(
        'cmm hotplug',
        { atMs: intIn(0) },
        { outcome: t.keyof({ offlined: null, cancelled: null, vetoedAbove: null, vetoedBelow: null }) },
      ),
    ),
    /** Run until this time (ms), then rmmod (default: 2 s after the last event). */
    untilMs: intIn(1, 10_000_000),
  },
);

/**
 * The decoded `cmm` configuration.
 * @category Drivers
 */
export type CmmScenario = t.TypeOf<typeof CmmScenarioCodec>;

type Timed = { readonly atMs: number };
const byTime = <T extends Timed>(xs: readonly T[] | undefined): T[] =>
  [...(xs ?? [])].sort((a, b) => a.atMs - b.atMs);

class CmmRun implements DriverRun {
  readonly cmm: CmmModule;
  private readonly schedule: { atMs: number; loanKb: number }[];
  private readonly ooms: Timed[];
  private readonly hotplugs: {
    atMs: number;
    outcome?: 'offlined' | 'cancelled' | 'vetoedAbove' | 'vetoedBelow';
  }[];
  private readonly untilMs: number;
  private readonly pageSize: number;
  private readonly totalramAtLoad: number;
  private readonly freeAtLoad: number;
  private readonly initRc: number;
  private hvTargetPages = 0;
  private crash: Crash | null = null;
  private finished: {
    readonly before: {
      loaned: number;
      target: number;
      list: number;
      stray: number;
      poolLoaned: number;
      totalram: number;
    };
    readonly after: { poolLoaned: number; hvLoaned: number; module: string } | null;
    readonly exitFreed: number;
  } | null = null;
  readonly c = {
    rounds: 0,
    pagesLoaned: 0,
    pagesFreed: 0,
    peakLoanedPages: 0,
    oomCalls: 0,
    oomFreedPages: 0,
    hotplugOps: 0,
    roundsOffTarget: 0,
  };

  constructor(
    cfg: CmmScenario,
    private readonly services: RunServices,
  ) {
    // the run's page pool: the one core booted on, or a new one of ramMiB
    const pool = services.memory.pagePoolInUse ?? services.memory.pagePool((cfg.ramMiB ?? 512) * MiB);
    this.pageSize = pool.pageSize;
    this.schedule = byTime(cfg.schedule);
    this.ooms = byTime(cfg.oom);
    this.hotplugs = byTime(cfg.hotplug);
    const last = Math.max(0, ...[...this.schedule, ...this.ooms, ...this.hotplugs].map((e) => e.atMs));
    this.untilMs = cfg.untilMs ?? last + 2000;
    this.cmm = loadCmm({
      pool,
      pageShift: pool.pageSize === 65536 ? 16 : 12,
      params: { ...cfg.params },
      loanPolicy: { kind: 'target', bytes: 0n },
      logLimit: 1000,
    });
    services.watcher.watch(this.cmm.actor, 'cmm/cmm');
    this.totalramAtLoad = this.cmm.state.totalramPages;
    this.freeAtLoad = pool.count('free');
    this.initRc = this.cmm.init();
  }

  private guarded(f: () => void): void {
    if (this.crash) return;
    try {
      f();
    } catch (e) {
      if (!(e instanceof CmmKernelCrash)) throw e;
      this.crash = e.crash;
    }
  }

  step(tick: number): void {
    if (this.crash || this.initRc !== 0) return;
    const cmm = this.cmm;
    this.guarded(() => {
      while (this.schedule[0] && this.schedule[0].atMs <= tick) {
        const e = this.schedule.shift()!;
        this.hvTargetPages = Math.floor((e.loanKb * 1024) / this.pageSize);
        cmm.hypervisor.policy = { kind: 'target', bytes: BigInt(e.loanKb) * 1024n };
      }
      while (this.ooms[0] && this.ooms[0].atMs <= tick) {
        this.ooms.shift();
        const before = cmm.state.loanedPages;
        const r = cmm.oom();
        if (r !== null) {
          this.c.oomCalls++;
          this.c.oomFreedPages += r.freed;
          this.c.pagesFreed += before - cmm.state.loanedPages;
        }
      }
      while (this.hotplugs[0] && this.hotplugs[0].atMs <= tick) {
        const h = this.hotplugs.shift()!;
        cmm.memoryOffline(h.outcome ?? 'offlined');
        this.c.hotplugOps++;
      }
      for (const r of cmm.advanceTo(tick)) {
        this.c.rounds++;
        const d = r.loanedAfter - r.loanedBefore;
        if (d > 0) this.c.pagesLoaned += d;
        else this.c.pagesFreed -= d;
        if (r.hcalls > 0 && r.loanedAfter !== r.target) this.c.roundsOffTarget++;
      }
      this.c.peakLoanedPages = Math.max(this.c.peakLoanedPages, cmm.state.loanedPages);
    });
  }

  done(): boolean {
    return this.crash !== null || this.initRc !== 0 || this.cmm.state.now >= this.untilMs;
  }

  progress() {
    return { done: Math.min(this.cmm.state.now, this.untilMs), total: this.untilMs };
  }

  sample() {
    const s = this.cmm.state;
    const kb = (pages: number) => (pages * this.pageSize) / 1024;
    return {
      loanedKb: kb(s.loanedPages),
      targetKb: kb(s.loanedPagesTarget),
      hypervisorTargetKb: kb(this.hvTargetPages),
      oomFreedKb: kb(s.oomFreedPages),
      freeKb: kb(s.freePages),
    };
  }

  /** The end of the run: look at the balloon, then rmmod (cmm_exit gives every page back). */
  finish(): void {
    if (this.finished) return;
    const k = this.cmm.kernel;
    const before = {
      loaned: k.loanedPages,
      target: k.loanedPagesTarget,
      list: k.balloon.length,
      stray: strayLoanedPages(k),
      poolLoaned: k.pool.count('loaned'),
      totalram: k.totalram,
    };
    let after: { poolLoaned: number; hvLoaned: number; module: string } | null = null;
    const freedBefore = this.c.pagesFreed;
    if (!this.crash && this.cmm.state.module === 'live') {
      this.guarded(() => {
        const loaned = this.cmm.state.loanedPages;
        this.cmm.exit();
        this.c.pagesFreed += loaned - this.cmm.state.loanedPages;
      });
      after = {
        poolLoaned: k.pool.count('loaned'),
        hvLoaned: k.hv.loanedPages,
        module: this.cmm.state.module,
      };
    }
    this.finished = { before, after, exitFreed: this.c.pagesFreed - freedBefore };
  }

  summary(): SubsystemSummary {
    this.finish();
    const f = this.finished!;
    const b = f.before;
    const c = this.c;
    const k = this.cmm.kernel;
    const actors = this.services.watcher
      .counts()
      .filter((a) => a.name.startsWith('cmm/'))
      .map((a) => ({ actor: a.name, state: stateText(a.state), events: a.events }));
    const loanedAtEnd = b.loaned;
    // a crash stops the module: the checks that need rmmod fail because of it
    const crashFinding =
      this.crash?.fn === 'cmm_free_pages' && this.crash.kind === 'BUG' ? ['CMM-1'] : undefined;
    const afterCrash = crashFinding ? { findings: crashFinding } : {};
    const checks: AccountingCheck[] = [
      {
        name: 'noKernelBug',
        statement: 'cmm_init succeeds and the kernel never crashes',
        holds: this.initRc === 0 && this.crash === null,
        detail:
          this.crash !== null
            ? `${this.crash.kind} in ${this.crash.fn} (cmm.c ${this.crash.lines[0]}-${this.crash.lines[1]}): ${this.crash.what}`
            : `cmm_init() = ${this.initRc}`,
        ...afterCrash,
      },
      {
        name: 'balloonListCountsLoaned',
        statement: 'the balloon list holds loaned_pages pages, each in state loaned in the shared page pool',
        holds: b.list === b.loaned && b.poolLoaned === b.loaned,
        detail: `list ${b.list}, loaned_pages ${b.loaned}, pool pages loaned ${b.poolLoaned}`,
      },
      {
        name: 'kernelPagesNotLoaned',
        statement: 'every CMO page loaned at the hypervisor belongs to a page on the balloon',
        holds: b.stray === 0,
        detail: `${b.stray} CMO page(s) loaned off the balloon`,
      },
      {
        name: 'managedCountConserved',
        statement: 'totalram_pages + loaned_pages = totalram_pages at load',
        holds: b.totalram + b.loaned === this.totalramAtLoad,
        detail: `${b.totalram} + ${b.loaned} = ${b.totalram + b.loaned} vs ${this.totalramAtLoad}`,
      },
      {
        name: 'everyPageAccounted',
        statement:
          'pages loaned over the run = pages freed (by the thread, the OOM notifier and cmm_exit) + pages loaned at the end of the run',
        holds: f.after !== null && c.pagesLoaned === c.pagesFreed,
        detail: `${c.pagesLoaned} = ${c.pagesFreed} (of them ${f.exitFreed} freed by cmm_exit, ${loanedAtEnd} loaned before it)`,
        ...afterCrash,
      },
      {
        name: 'roundsReachTheirTarget',
        statement: 'every round that queried the hypervisor ended with loaned_pages = loaned_pages_target',
        holds: c.roundsOffTarget === 0,
        detail: `${c.roundsOffTarget} of ${c.rounds} round(s) ended off their target`,
        // a round that falls short resets the target below what it loaned
        findings: ['CMM-5'],
      },
      {
        name: 'exitLeavesNothing',
        statement: 'after cmm_exit no page is loaned, in the pool or at the hypervisor',
        holds:
          f.after !== null &&
          f.after.poolLoaned === 0 &&
          f.after.hvLoaned === 0 &&
          f.after.module === 'exited',
        detail: f.after
          ? `pool loaned ${f.after.poolLoaned}, hypervisor loaned ${f.after.hvLoaned}, module ${f.after.module}`
          : 'cmm_exit not reached',
        ...afterCrash,
      },
    ];
    const mb = (p: number) => Math.round((p * this.pageSize) / MiB);
    const kb = (p: number) => (p * this.pageSize) / 1024;
    return {
      subsystem: 'cmm',
      title: cmmManifest.title,
      events: actors.reduce((n, a) => n + a.events, 0),
      actors,
      counters: {
        rounds: c.rounds,
        pagesLoaned: c.pagesLoaned,
        pagesFreed: c.pagesFreed,
        peakLoanedKb: kb(c.peakLoanedPages),
        loanedAtEndKb: kb(loanedAtEnd),
        targetAtEndKb: kb(b.target),
        oomCalls: c.oomCalls,
        oomFreedPages: c.oomFreedPages,
        hotplugOps: c.hotplugOps,
        hcalls: k.hv.callCount,
      },
      checks,
      notes: [
        `partition: ${mb(this.totalramAtLoad)} MiB in ${this.pageSize}-byte pages of the run's page pool, ${this.freeAtLoad} of them free at load (the rest held by other subsystems: what the balloon can take); delay ${k.delay} s, oom_kb ${k.oomKb}, min_mem_mb ${k.minMemMb}`,
        `the thread ran ${c.rounds} round(s) until ${this.untilMs} ms; the OOM notifier freed ${c.oomFreedPages} page(s) in ${c.oomCalls} call(s); ${c.hotplugOps} memory offline operation(s)`,
      ],
    };
  }

  async close(): Promise<void> {
    this.cmm.actor.stop();
  }
}

/**
 * The `cmm` driver.
 * @category Drivers
 */
export const cmmDriver: ScenarioDriver<CmmScenario> = {
  subsystem: 'cmm',
  package: '@kspec/cmm',
  description:
    'one pseries CMM balloon over the shared page pool: the hypervisor loan target follows a schedule, OOM and memory offline events call the notifiers, rmmod at the end',
  config: CmmScenarioCodec,
  plots: [
    {
      id: 'cmm-balloon',
      title: 'cmm balloon: loaned vs target',
      yLabel: 'KiB',
      series: [
        { key: 'loanedKb', label: 'loaned_kb' },
        { key: 'targetKb', label: 'loaned_target_kb' },
        { key: 'hypervisorTargetKb', label: 'hypervisor target' },
      ],
    },
  ],
  checkPlan: (config, { maxTicks }) => {
    const events = [...(config.schedule ?? []), ...(config.oom ?? []), ...(config.hotplug ?? [])];
    const until = config.untilMs ?? Math.max(0, ...events.map((e) => e.atMs)) + 2000;
    const late = events.filter((e) => e.atMs > until);
    return [
      ...(until > maxTicks
        ? [
            {
              path: config.untilMs !== undefined ? '$.untilMs' : '$',
              message: `the balloon runs until ${until} ms, but the scenario gives up at maxTicks = ${maxTicks}: rmmod (cmm_exit) would never run`,
            },
          ]
        : []),
      ...(late.length > 0
        ? [
            {
              path: '$.untilMs',
              message: `${late.length} event(s) scheduled after untilMs = ${until} ms would never happen`,
            },
          ]
        : []),
    ];
  },
  async start(config, services) {
    return new CmmRun(config, services);
  },
};

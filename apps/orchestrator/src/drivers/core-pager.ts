/**
 * The `core-pager` scenario driver: Genode core on L4/Pistachio boots first. In `start`, before
 * any other subsystem's first tick:
 *
 * - core memory is set up from a KIP that describes the run's page pool (`ramMiB` of RAM: the
 *   first 636 KiB and everything above 2 MiB conventional, the BIOS hole architecture-dependent,
 *   the kernel's MiB reserved, the boot info and the boot modules in boot-loader memory):
 *   `Platform` is constructed on a live `corePlatform` actor over sigma0 bound to the page pool,
 *   so every frame sigma0 hands core moves to `core` in the pool;
 * - the core pager (`corePager` actor) then serves a seeded stream of `faults` messages: page
 *   faults of core threads in core RAM, faults of threads of other tasks (`nonCoreShare`),
 *   `map_local` echo requests (`echoShare`), and a few faults outside RAM (`outsideRamShare`) or
 *   at a null pointer (`nullShare`). The faithful loop ends at the first of those (CORE-3); the
 *   messages after it are counted as unserved.
 *
 * Checks (named after the package's invariants): every reply to a fault maps the page its
 * sender faulted on; every message is accounted for; only core threads are served (fails as
 * CORE-2 records when the stream has non-core faults); the pager keeps serving (fails as CORE-3
 * records); page 0 is not mapped in core (fails as CORE-7 records: the KIP has memory at 0); the
 * pool's `core` frames are exactly what sigma0 handed core.
 *
 * @module
 */
import type * as t from 'io-ts/lib/index.js';
import {
  L4_PagefaultLabel,
  MAX_MEMORY_DESCRIPTORS,
  createPlatform,
  manifest as corePagerManifest,
  mapsPageOf,
  senderId,
  type BootInfoDescription,
  type CorePager,
  type CorePlatform,
  type KipDescription,
} from '@kspec/core-pager';
import { intIn, numberIn, strictObject } from '../codec.js';
import type { DriverRun, OwnSeries, RunServices, ScenarioDriver, SubsystemSummary } from '../driver.js';
import type { Rng } from '../rng.js';
import { stateText } from '../trace.js';

/**
 * The `core-pager` entry of a scenario.
 * @category Drivers
 */
export const CorePagerScenarioCodec = strictObject(
  'core-pager scenario',
  {},
  {
    /** RAM of the page pool and of the KIP, MiB (default 64; at least 24: core's image lies at 16 MiB). */
    ramMiB: intIn(24, 3072),
    /** Messages sent to the core pager (default 2000). */
    faults: intIn(0, 1_000_000),
    /** Share of faults from threads of other tasks (default 0.1). */
    nonCoreShare: numberIn(0, 1),
    /** Share of map_local echo requests of core threads (default 0.05). */
    echoShare: numberIn(0, 1),
    /** Share of faults outside core's RAM (default 0.001). */
    outsideRamShare: numberIn(0, 1),
    /** Share of faults at a null pointer (default 0). */
    nullShare: numberIn(0, 1),
    /** Boot modules (default 2; the last is empty). */
    modules: intIn(0, Math.min(64, MAX_MEMORY_DESCRIPTORS - 8)),
  },
);

/**
 * The decoded `core-pager` configuration.
 * @category Drivers
 */
export type CorePagerScenario = t.TypeOf<typeof CorePagerScenarioCodec>;

const MiB = 2 ** 20;
const IMAGE = { start: 0x01000000, end: 0x01080000 };
const BOOT_INFO = 0x00200000;
const MODULES = 0x00210000;
const MODULE_SIZE = 0x5800;

/** The KIP and boot info describing a PC-like machine with `ramMiB` of RAM. */
function machine(ramMiB: number, modules: number): { kip: KipDescription; bootInfo: BootInfoDescription } {
  const mods = Array.from({ length: modules }, (_, i) => ({
    start: MODULES + i * 0x8000,
    size: i === modules - 1 ? 0 : MODULE_SIZE,
    cmdline: i === modules - 1 ? 'empty' : `/genode/module${i} arg=${i}`,
  }));
  return {
    kip: {
      pageSizeMask: 0x401000,
      bootInfo: BOOT_INFO,
      memory: [
        { type: 0x1, virtual: false, low: 0, high: ramMiB * MiB - 1 },
        { type: 0xf, virtual: false, low: 0x0009f000, high: 0x000fffff },
        { type: 0x2, virtual: false, low: 0x00100000, high: 0x001fffff },
        { type: 0xe, virtual: false, low: BOOT_INFO, high: BOOT_INFO + 0xfff },
        ...(modules > 0
          ? [{ type: 0xe, virtual: false, low: MODULES, high: MODULES + modules * 0x8000 - 1 }]
          : []),
        { type: 0xe, virtual: false, low: IMAGE.start, high: IMAGE.end - 1 },
        { type: 0x1, virtual: true, low: 0, high: 0xbfffffff },
      ],
    },
    bootInfo: { modules: mods },
  };
}

interface ThreadCount {
  faults: number;
  served: number;
}

class CorePagerRun implements DriverRun {
  readonly platform: CorePlatform;
  readonly c = {
    faults: 0,
    served: 0,
    echoes: 0,
    nonCoreServed: 0,
    repliesForOtherPages: 0,
    stopped: 0,
    unserved: 0,
    logLines: 0,
  };
  private readonly perThread = new Map<string, ThreadCount>();
  private readonly own = {
    t: [] as number[],
    values: {
      served: [] as number[],
      echoes: [] as number[],
      nonCoreServed: [] as number[],
      unserved: [] as number[],
    },
  };
  private stop: string | null = null;

  constructor(
    private readonly cfg: CorePagerScenario,
    private readonly services: RunServices,
  ) {
    const ramMiB = cfg.ramMiB ?? 64;
    const { kip, bootInfo } = machine(ramMiB, cfg.modules ?? 2);
    const pool = services.memory.pagePool(ramMiB * MiB);
    this.platform = createPlatform(kip, bootInfo, { pool, construct: false });
    services.watcher.watch(this.platform.actor, 'core-pager/corePlatform');
    this.platform.construct();
    if (this.platform.status !== 'constructed') {
      throw new Error(
        `core-pager: Platform construction ${this.platform.status}: ${JSON.stringify(this.platform.stop)}`,
      );
    }
    const pager = this.platform.pager!;
    services.watcher.watch(pager.actor, 'core-pager/corePager');
    this.serve(pager, services.rng('core-pager'));
  }

  /** The fault stream, served before the other subsystems start. */
  private serve(pager: CorePager, rng: Rng): void {
    const cfg = this.cfg;
    const n = cfg.faults ?? 2000;
    const core = pager.threads.filter((x) => x.core && x.name !== 'core.pager');
    const other = pager.threads.filter((x) => !x.core);
    const ranges = pager.snapshot.context.world.coreRanges;
    const ramBytes = ranges.reduce((s, r) => s + (r.end - r.start), 0);
    const inRam = (): number => {
      let off = rng.int(0, ramBytes - 1);
      for (const r of ranges) {
        if (off < r.end - r.start) return Math.max(0x1000, r.start + off);
        off -= r.end - r.start;
      }
      return 0x1000;
    };
    const every = Math.max(1, Math.floor(n / 200));
    for (let i = 0; i < n; i++) {
      if (i % every === 0) this.record(i);
      const x = rng.next();
      const nonCore = rng.next() < (cfg.nonCoreShare ?? 0.1);
      const thread =
        nonCore && other.length > 0
          ? other[rng.int(0, other.length - 1)]!
          : core[rng.int(0, core.length - 1)]!;
      const tc = this.perThread.get(thread.name) ?? { faults: 0, served: 0 };
      this.perThread.set(thread.name, tc);
      this.c.faults++;
      tc.faults++;
      if (!pager.running) {
        this.c.unserved++;
        continue;
      }
      const echo = !nonCore && x < (cfg.echoShare ?? 0.05);
      const outside = x > 1 - (cfg.outsideRamShare ?? 0.001);
      const nul = !outside && x > 1 - (cfg.outsideRamShare ?? 0.001) - (cfg.nullShare ?? 0);
      const addr = outside ? 0xd0000000 + rng.int(0, 0xfffff) * 0x10 : nul ? rng.int(0, 0xfff) : inRam();
      const r = echo
        ? pager.echo(thread.name, inRam() & ~0xfff, 0x01070000 + rng.int(0, 0x3ff) * 8)
        : pager.fault({
            from: thread.name,
            addr,
            ip: 0x01000000 + rng.int(0, 0x7ffff),
            label: L4_PagefaultLabel(rng.next() < 0.3 ? { write: true } : { read: true }),
          });
      this.c.logLines += r.log.length;
      if (r.reply) {
        tc.served++;
        if (echo) this.c.echoes++;
        else {
          this.c.served++;
          if (!mapsPageOf([r.reply.words[1], r.reply.words[2]], addr) || r.reply.to !== senderId(thread))
            this.c.repliesForOtherPages++;
        }
        if (!thread.core) this.c.nonCoreServed++;
      }
      if (r.loopEnded) {
        this.c.stopped++;
        this.stop = `${r.stop?.reason} at line ${r.stop?.line} (message ${i + 1}, ${thread.name}, address 0x${addr.toString(16)})`;
      }
    }
    this.record(n);
  }

  private record(i: number): void {
    this.own.t.push(i);
    this.own.values.served.push(this.c.served);
    this.own.values.echoes.push(this.c.echoes);
    this.own.values.nonCoreServed.push(this.c.nonCoreServed);
    this.own.values.unserved.push(this.c.unserved);
  }

  step(): void {}

  done(): boolean {
    return true;
  }

  progress() {
    return { done: this.c.faults, total: this.c.faults };
  }

  sample() {
    return {};
  }

  ownSeries(): OwnSeries {
    return this.own;
  }

  summary(): SubsystemSummary {
    const p = this.platform;
    const ctx = p.snapshot.context;
    const pool = this.services.memory.pagePoolInUse!;
    const heldInPool = ctx.sigma0.held.reduce((s, r) => {
      const lo = Math.max(r.start, 0);
      const hi = Math.min(r.end, pool.pageCount * pool.pageSize);
      return s + Math.max(0, hi - lo) / pool.pageSize;
    }, 0);
    const c = this.c;
    const actors = this.services.watcher
      .counts()
      .filter((a) => a.name.startsWith('core-pager/'))
      .map((a) => ({ actor: a.name, state: stateText(a.state), events: a.events }));
    const pager = p.pager!;
    return {
      subsystem: 'core-pager',
      title: corePagerManifest.title,
      events: actors.reduce((n, a) => n + a.events, 0),
      actors,
      counters: {
        ramMiB: this.cfg.ramMiB ?? 64,
        sigma0Chunks: ctx.ghost.chunks.length,
        ramAllocKiB: p.allocators.ramAlloc.avail() / 1024,
        romModules: p.romFs.length,
        poolCorePages: pool.count('core'),
        faults: c.faults,
        served: c.served,
        echoes: c.echoes,
        nonCoreServed: c.nonCoreServed,
        stopped: c.stopped,
        unserved: c.unserved,
        logLines: c.logLines,
      },
      units: [...this.perThread.entries()].map(([thread, tc]) => ({
        thread,
        core: pager.threads.find((x) => x.name === thread)?.core ? 'yes' : 'no',
        messages: tc.faults,
        answered: tc.served,
      })),
      checks: [
        {
          name: 'servedFaultsMapTheFaultingPage',
          statement:
            'every reply to a page fault goes to the faulting thread and maps the page it faulted on',
          holds: c.repliesForOtherPages === 0,
          detail: `${c.repliesForOtherPages} of ${c.served} fault replies map another page or go to another thread`,
        },
        {
          name: 'everyMessageAccounted',
          statement:
            'messages = faults served + echoes answered + the one that ended the loop + those sent after it',
          holds: c.faults === c.served + c.echoes + c.stopped + c.unserved,
          detail: `${c.faults} = ${c.served} + ${c.echoes} + ${c.stopped} + ${c.unserved}`,
        },
        {
          name: 'onlyCoreThreadsServed',
          statement: 'the core pager answers only core threads',
          holds: c.nonCoreServed === 0,
          detail: `${c.nonCoreServed} message(s) of other tasks answered`,
          findings: ['CORE-2'],
        },
        {
          name: 'pagerKeepsServing',
          statement: 'the core pager loop never ends',
          holds: pager.running,
          detail: pager.running ? 'running' : `ended: ${this.stop}; ${c.unserved} later message(s) unserved`,
          findings: ['CORE-3'],
        },
        {
          name: 'pageZeroNeverMappedInCore',
          statement: 'page 0 is not mapped in core, so NULL accesses of core threads fault',
          holds: !p.memory.isMapped(0),
          detail: p.memory.isMapped(0)
            ? 'page 0 is mapped (sigma0 chunk at 0 kept, lines 336-341)'
            : 'page 0 unmapped',
          findings: ['CORE-7'],
        },
        {
          name: 'poolMatchesSigma0',
          statement: "the page pool's core frames are exactly the frames sigma0 handed core",
          holds: pool.count('core') === heldInPool,
          detail: `${pool.count('core')} core frames, ${heldInPool} held per sigma0`,
        },
      ],
      notes: [
        `core memory set up before the other subsystems: ${ctx.ghost.chunks.length} sigma0 chunks, ${(p.allocators.ramAlloc.avail() / MiB).toFixed(1)} MiB in _ram_alloc, ${p.log.length} lines printed by Platform()`,
        ...p.log.filter((l) => l.line === 357).map((l) => `Platform: ${l.text}`),
        this.stop ? `the core pager loop ended at ${this.stop}` : 'the core pager loop is still running',
      ],
    };
  }

  async close(): Promise<void> {
    this.platform.pager?.stop();
    this.platform.actor.stop();
  }
}

/**
 * The `core-pager` driver.
 * @category Drivers
 */
export const corePagerDriver: ScenarioDriver<CorePagerScenario> = {
  subsystem: 'core-pager',
  package: '@kspec/core-pager',
  description:
    "Genode core on L4/Pistachio boots first: Platform construction from a KIP over the run's page pool, then the core pager serves a stream of page faults and echo requests",
  config: CorePagerScenarioCodec,
  plots: [
    {
      id: 'core-pager-faults',
      title: 'core pager: messages answered',
      yLabel: 'messages',
      x: { label: 'messages sent to the core pager (before the first tick)' },
      series: [
        { key: 'served', label: 'faults served' },
        { key: 'echoes', label: 'echo requests answered' },
        { key: 'nonCoreServed', label: 'answered to other tasks (CORE-2)' },
        { key: 'unserved', label: 'sent after the loop ended (CORE-3)' },
      ],
    },
  ],
  async start(config, services) {
    return new CorePagerRun(config, services);
  },
};

/**
 * cmm (issue 11): a 64 GiB partition (16M pages of 4 KiB), the hypervisor's loan target swinging
 * between 0 and 8 GiB (2M pages): pages loaned plus freed per second through the @kspec/cmm
 * facade (one `tick()` per swing: the thread's round runs `cmm_alloc_pages` or `cmm_free_pages`
 * over 2M pages, each page through `balloon_page_alloc`, H_PAGE_INIT and the balloon list),
 * beside a plain-TypeScript loop doing the same work over the same kind of page pool (allocate a
 * page, mark its CMO page loaned in a bitmap, push it on a list; the reverse to free), and the
 * memory each holds per loaned page at the top of a swing.
 *
 * Targets: >= 1M pages/s through the facade and <= 16 bytes per loaned page.
 *
 * Paths run interleaved in rounds (one swing up and one down each), medians over rounds, rates
 * per wall-second and per CPU-second (the machine has 2 shared cores); the ratio is taken from
 * the CPU rates. Memory (heap + array buffers after a full GC): everything that exists at the
 * top of the first swing over what existed before the pool and the module were made, divided by
 * the pages loaned (pool state, balloon list, the hypervisor's bitmap, the module), and the same
 * at the top of the seventh swing (what swinging keeps allocated: list and LIFO capacities).
 *
 * Run: npx tsx --conditions=@kspec/source tools/bench/cmm.bench.ts
 * Environment: BENCH_ROUNDS (default 5).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PagePool } from '@kspec/shared-memory';
import { loadCmm, type CmmModule } from '@kspec/cmm';

const GiB = 1024 ** 3;
const RAM = 64 * GiB;
const SWING = 8 * GiB;
const PAGE = 4096;
const SWING_PAGES = SWING / PAGE;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = (): number => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

interface Timing {
  readonly ms: number;
  readonly cpuMs: number;
}
function stopwatch(): () => Timing {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const c = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
  };
}

/** The floor: the same work per page on typed arrays, no statechart, no kernel model. */
class PlainBalloon {
  readonly list = { a: new Uint32Array(16), n: 0 };
  readonly bits = new Map<number, Uint8Array>();
  constructor(readonly pool: PagePool) {}
  private mark(pfn: number, on: boolean): void {
    const ci = pfn >>> 15;
    let b = this.bits.get(ci);
    if (b === undefined) this.bits.set(ci, (b = new Uint8Array(4096)));
    const j = pfn & 32767;
    if (on) b[j >>> 3] = (b[j >>> 3] as number) | (1 << (j & 7));
    else b[j >>> 3] = (b[j >>> 3] as number) & ~(1 << (j & 7));
  }
  inflate(n: number): number {
    let done = 0;
    for (; done < n; done++) {
      const p = this.pool.allocateOne('loaned');
      if (p < 0) break;
      this.mark(p, true);
      const l = this.list;
      if (l.n === l.a.length) {
        const g = new Uint32Array(Math.ceil(l.a.length * 1.5));
        g.set(l.a);
        l.a = g;
      }
      l.a[l.n++] = p;
    }
    return done;
  }
  deflate(n: number): number {
    let done = 0;
    for (; done < n && this.list.n > 0; done++) {
      const p = this.list.a[--this.list.n] as number;
      this.mark(p, false);
      this.pool.releaseOne(p, 'loaned');
    }
    return done;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

function swingFacade(cmm: CmmModule): { pages: number; t: Timing; bytesPerPage: number } {
  const base = heap();
  cmm.hypervisor.policy = { kind: 'target', bytes: BigInt(SWING) };
  const w = stopwatch();
  const up = cmm.tick();
  const t1 = w();
  if (up.loanedAfter !== SWING_PAGES) throw new Error(`facade: loaned ${up.loanedAfter}, not ${SWING_PAGES}`);
  const bytesPerPage = (heap() - base) / SWING_PAGES;
  cmm.hypervisor.policy = { kind: 'target', bytes: 0n };
  const w2 = stopwatch();
  const down = cmm.tick();
  const t2 = w2();
  if (down.loanedAfter !== 0) throw new Error(`facade: ${down.loanedAfter} pages left`);
  return { pages: 2 * SWING_PAGES, t: { ms: t1.ms + t2.ms, cpuMs: t1.cpuMs + t2.cpuMs }, bytesPerPage };
}

function swingPlain(b: PlainBalloon): { pages: number; t: Timing; bytesPerPage: number } {
  const base = heap();
  const w = stopwatch();
  const up = b.inflate(SWING_PAGES);
  const t1 = w();
  if (up !== SWING_PAGES) throw new Error(`plain: loaned ${up}`);
  const bytesPerPage = (heap() - base) / SWING_PAGES;
  const w2 = stopwatch();
  b.deflate(SWING_PAGES);
  const t2 = w2();
  return { pages: 2 * SWING_PAGES, t: { ms: t1.ms + t2.ms, cpuMs: t1.cpuMs + t2.cpuMs }, bytesPerPage };
}

/** Everything held at the top of a swing (pool, balloon, hypervisor, module) over `base`, per loaned page. */
const held = (base: number): number => (heap() - base) / SWING_PAGES;

function main(): void {
  // memory: what exists at the top of the first swing, over what existed before any of it
  const base0 = heap();
  const pool = new PagePool({ ramBytes: RAM, freeOrder: 'lifo' });
  const cmm = loadCmm({ pool, loanPolicy: { kind: 'target', bytes: 0n }, logLimit: 0 });
  if (cmm.init() !== 0) throw new Error('cmm_init failed');
  cmm.tick(); // one idle round
  cmm.hypervisor.policy = { kind: 'target', bytes: BigInt(SWING) };
  cmm.tick();
  const facadeCold = held(base0);
  cmm.hypervisor.policy = { kind: 'target', bytes: 0n };
  cmm.tick();
  for (let i = 0; i < 5; i++) swingFacade(cmm);
  cmm.hypervisor.policy = { kind: 'target', bytes: BigInt(SWING) };
  cmm.tick();
  const facadeSteady = held(base0); // after 6 swings, the same measure
  cmm.hypervisor.policy = { kind: 'target', bytes: 0n };
  cmm.tick();
  const base1 = heap();
  const plainPool = new PagePool({ ramBytes: RAM, freeOrder: 'lifo' });
  const plain = new PlainBalloon(plainPool);
  plain.inflate(SWING_PAGES);
  const plainCold = held(base1);
  plain.deflate(SWING_PAGES);
  // warm-up
  swingFacade(cmm);
  swingPlain(plain);

  const rows: Record<string, { rate: number[]; cpu: number[]; bytes: number[] }> = {
    facade: { rate: [], cpu: [], bytes: [] },
    plain: { rate: [], cpu: [], bytes: [] },
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, f] of [
      ['facade', () => swingFacade(cmm)],
      ['plain', () => swingPlain(plain)],
    ] as const) {
      const x = f();
      rows[name]!.rate.push(x.pages / (x.t.ms / 1000));
      rows[name]!.cpu.push(x.pages / (x.t.cpuMs / 1000));
      rows[name]!.bytes.push(x.bytesPerPage);
    }
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const f = rows['facade']!;
  const p = rows['plain']!;
  const out = {
    partition: { ramBytes: RAM, pages: RAM / PAGE, swingPages: SWING_PAGES },
    rounds: ROUNDS,
    loadavg: loadavg()[0],
    facade: {
      pagesPerS: median(f.rate),
      pagesPerCpuS: median(f.cpu),
      bytesPerLoanedPage: facadeCold,
      bytesPerLoanedPageAfterSwings: facadeSteady,
      newBytesPerSwing: median(f.bytes),
    },
    plain: {
      pagesPerS: median(p.rate),
      pagesPerCpuS: median(p.cpu),
      bytesPerLoanedPage: plainCold,
      newBytesPerSwing: median(p.bytes),
    },
    ratio: median(p.cpu) / median(f.cpu),
    hcalls: cmm.hypervisor.callCount,
  };
  console.log(
    `cmm: 64 GiB partition (${fmt(RAM / PAGE)} pages of 4 KiB), swings of 8 GiB (${fmt(SWING_PAGES)} pages), ${ROUNDS} rounds, load ${(out.loadavg ?? NaN).toFixed(2)}`,
  );
  console.log(
    'path                                     pages/s   per CPU-second   new bytes per swing   vs plain',
  );
  console.log(
    `facade (tick per swing)              ${fmt(out.facade.pagesPerS).padStart(11)}   ${fmt(out.facade.pagesPerCpuS).padStart(14)}   ${out.facade.bytesPerLoanedPage.toFixed(2).padStart(17)}   ${out.ratio.toFixed(2)}x`,
  );
  console.log(
    `plain TypeScript loop, same pool     ${fmt(out.plain.pagesPerS).padStart(11)}   ${fmt(out.plain.pagesPerCpuS).padStart(14)}   ${out.plain.bytesPerLoanedPage.toFixed(2).padStart(17)}   1x`,
  );
  console.log(
    `memory at the top of a swing, everything over what existed before it: facade ${facadeCold.toFixed(2)} bytes per loaned page the first time, ${facadeSteady.toFixed(2)} at the seventh; plain ${plainCold.toFixed(2)}`,
  );
  console.log(
    `targets: >= 1,000,000 pages/s (${out.facade.pagesPerS >= 1e6 ? 'met' : 'NOT met'}), <= 16 bytes per loaned page (${Math.max(facadeCold, facadeSteady) <= 16 ? 'met' : 'NOT met'})`,
  );
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cmm.json'), JSON.stringify(out, null, 2));
}

main();

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
 * Paths run interleaved in rounds (one swing up and one down each, the order reversed every
 * other round, a warm-up swing of each first), medians over rounds, rates per wall-second and
 * per CPU-second (the machine has 2 shared cores); the ratio and the rate target are taken from
 * the CPU rates. A round is one swing per path whatever BENCH_MS says (a swing takes longer),
 * with a full GC before each swing and at its top outside the timing, so every swing starts
 * from the same heap. Memory (heap + array buffers after a full GC): everything that exists at
 * the top of the first swing over what existed before the pool and the module were made,
 * divided by the pages loaned (pool state, balloon list, the hypervisor's bitmap, the module),
 * and the same at the top of the seventh swing (what swinging keeps allocated: list and LIFO
 * capacities). `--smoke`: a 1 GiB partition swinging by 128 MiB.
 *
 * Run: npm run bench -- cmm   (BENCH_ROUNDS overrides the rounds)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PagePool } from '@kspec/shared-memory';
import { loadCmm, type CmmModule } from '@kspec/cmm';
import { atLeast, atMost, row, stat } from './harness/measure.js';
import { defineBench, type BenchContext, type BenchOutput } from './harness/types.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const PAGE = 4096;

/** A full GC (the runner starts Node with --expose-gc; otherwise it is exposed here). */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

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

/** One swing's pages (up plus down), its timing and the heap it added at its top, per page. */
interface Swing {
  readonly pages: number;
  readonly t: Timing;
  readonly bytesPerPage: number;
}

async function main(ctx: BenchContext): Promise<BenchOutput> {
  const RAM = ctx.smoke ? 1 * GiB : 64 * GiB;
  const SWING = ctx.smoke ? 128 * MiB : 8 * GiB;
  const SWING_PAGES = SWING / PAGE;
  const gc = collector();
  const heap = (): number => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  /** Everything held at the top of a swing (pool, balloon, hypervisor, module) over `base`, per loaned page. */
  const held = (base: number): number => (heap() - base) / SWING_PAGES;

  const swingFacade = (cmm: CmmModule): Swing => {
    const base = heap();
    cmm.hypervisor.policy = { kind: 'target', bytes: BigInt(SWING) };
    const w = stopwatch();
    const up = cmm.tick();
    const t1 = w();
    if (up.loanedAfter !== SWING_PAGES)
      throw new Error(`facade: loaned ${up.loanedAfter}, not ${SWING_PAGES}`);
    const bytesPerPage = (heap() - base) / SWING_PAGES;
    cmm.hypervisor.policy = { kind: 'target', bytes: 0n };
    const w2 = stopwatch();
    const down = cmm.tick();
    const t2 = w2();
    if (down.loanedAfter !== 0) throw new Error(`facade: ${down.loanedAfter} pages left`);
    return { pages: 2 * SWING_PAGES, t: { ms: t1.ms + t2.ms, cpuMs: t1.cpuMs + t2.cpuMs }, bytesPerPage };
  };
  const swingPlain = (b: PlainBalloon): Swing => {
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
  };

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

  // warm-up, then the rounds: one swing per path, the order reversed every other round
  const paths = [
    { key: 'facade', swing: () => swingFacade(cmm) },
    { key: 'plain', swing: () => swingPlain(plain) },
  ] as const;
  for (const p of paths) p.swing();
  const figures = {
    facade: { wall: [] as number[], cpu: [] as number[], bytes: [] as number[] },
    plain: { wall: [] as number[], cpu: [] as number[], bytes: [] as number[] },
  };
  for (let r = 0; r < ctx.rounds; r++) {
    for (const p of r % 2 === 0 ? paths : [...paths].reverse()) {
      const x = p.swing();
      figures[p.key].wall.push(x.pages / (x.t.ms / 1000));
      figures[p.key].cpu.push(x.pages / (Math.max(x.t.cpuMs, 0.001) / 1000));
      figures[p.key].bytes.push(x.bytesPerPage);
    }
  }
  const f = {
    wall: stat(figures.facade.wall),
    cpu: stat(figures.facade.cpu),
    bytes: stat(figures.facade.bytes),
  };
  const p = {
    wall: stat(figures.plain.wall),
    cpu: stat(figures.plain.cpu),
    bytes: stat(figures.plain.bytes),
  };
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const size = (bytes: number): string => (bytes >= GiB ? `${bytes / GiB} GiB` : `${bytes / MiB} MiB`);
  const what = `${size(RAM)}, ${size(SWING)} swings`;
  ctx.log(
    `cmm: ${size(RAM)} partition (${fmt(RAM / PAGE)} pages of 4 KiB), swings of ${size(SWING)} (${fmt(SWING_PAGES)} pages), ${ctx.rounds} rounds`,
  );
  ctx.log(
    `facade (tick per swing): ${fmt(f.wall.median)} pages/s, ${fmt(f.cpu.median)} per CPU-second; plain TS loop: ${fmt(p.wall.median)} pages/s, ${fmt(p.cpu.median)} per CPU-second; plain/facade ${(p.cpu.median / f.cpu.median).toFixed(2)}x`,
  );
  ctx.log(
    `memory at the top of a swing, everything over what existed before it: facade ${facadeCold.toFixed(2)} bytes per loaned page the first time, ${facadeSteady.toFixed(2)} at the seventh; plain ${plainCold.toFixed(2)}; new bytes per swing (median) facade ${f.bytes.median.toFixed(2)}, plain ${p.bytes.median.toFixed(2)}`,
  );

  return {
    rows: [
      row({
        metric: `pages loaned + freed/s, ${what}: tick() vs plain TS`,
        unit: 'pages/s',
        kspec: f.cpu,
        baseline: p.cpu,
        baselineName: 'plain TS',
        target: atLeast(1_000_000, 'value'),
        note: 'one tick() per swing; the plain-TS loop does the same work per page on the same kind of pool; target: >= 1M pages/s through the facade; ratio < 1: the plain loop is 1/ratio times as fast',
      }),
      row({
        metric: `pages loaned + freed/s, ${what} (wall)`,
        unit: 'pages/s',
        kspec: f.wall,
        baseline: p.wall,
        baselineName: 'plain TS',
      }),
      row({
        metric: 'bytes held per loaned page, top of the first swing',
        unit: 'B/page',
        kspec: facadeCold,
        baseline: plainCold,
        baselineName: 'plain TS',
        target: atMost(16, 'value'),
        note: 'heap + array buffers after a full GC, everything over what existed before the pool and the module (pool state, balloon list, hypervisor bitmap, module), per page loaned',
      }),
      row({
        metric: 'bytes held per loaned page, top of the seventh swing',
        unit: 'B/page',
        kspec: facadeSteady,
        target: atMost(16, 'value'),
        note: 'the same after six swings: what swinging keeps allocated (list and LIFO capacities)',
      }),
    ],
    details: {
      partition: { ramBytes: RAM, pages: RAM / PAGE, swingPages: SWING_PAGES },
      rounds: ctx.rounds,
      facade: {
        pagesPerS: f.wall.median,
        pagesPerCpuS: f.cpu.median,
        bytesPerLoanedPage: facadeCold,
        bytesPerLoanedPageAfterSwings: facadeSteady,
        newBytesPerSwing: f.bytes.median,
      },
      plain: {
        pagesPerS: p.wall.median,
        pagesPerCpuS: p.cpu.median,
        bytesPerLoanedPage: plainCold,
        newBytesPerSwing: p.bytes.median,
      },
      ratio: p.cpu.median / f.cpu.median,
      hcalls: cmm.hypervisor.callCount,
    },
  };
}

export default defineBench({
  name: 'cmm',
  title: 'the CMM balloon facade swinging 8 GiB of a 64 GiB partition against a plain-TS loop',
  run: main,
});

/**
 * The docs site in a real browser (Debian's headless chromium through puppeteer-core): a
 * machine page opened from file:// runs its machine; clicking an enabled event moves the
 * highlighted configuration in the diagram; a trace file replays with the slider. Screenshots
 * go to docs/screenshots/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { manifest as fixtureManifest } from '@kspec/statecharts/fixtures';
import { activeStateIds } from '@kspec/statecharts';
import { discoverManifests, findRepoRoot } from '@kspec/statecharts/node';
import { buildSite } from './build.js';

/** Chromium: `$KSPEC_CHROMIUM`, else the first of chromium / chromium-browser on PATH (npm test's pretest provides it). */
const CHROMIUM =
  process.env['KSPEC_CHROMIUM'] ??
  ['chromium', 'chromium-browser']
    .map((c) => spawnSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).stdout.trim())
    .find((p) => p !== '') ??
  'chromium';
const root = findRepoRoot(import.meta.dirname);
const out = mkdtempSync(join(tmpdir(), 'kspec-site-browser-'));
/** The site of every workspace package's machines (discovered), for the every-page test. */
const realOut = mkdtempSync(join(tmpdir(), 'kspec-site-browser-real-'));
const realSources = (await discoverManifests(root)).map((f) => ({
  specifier: f.packageName,
  manifest: f.manifest,
}));
const shots = join(root, 'docs', 'screenshots');
let browser: Browser;
let page: Page;

beforeAll(async () => {
  expect(
    existsSync(CHROMIUM),
    'chromium is missing: sudo apt-get install -y --no-install-recommends chromium (or set KSPEC_CHROMIUM)',
  ).toBe(true);
  await buildSite({
    root,
    out,
    sources: [{ specifier: '@kspec/statecharts/fixtures', manifest: fixtureManifest }],
  });
  await buildSite({ root, out: realOut, sources: realSources });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      '--allow-file-access-from-files',
    ],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1500, height: 1000 });
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  rmSync(out, { recursive: true, force: true });
  rmSync(realOut, { recursive: true, force: true });
});

const highlighted = (p: Page): Promise<string[]> =>
  p.$$eval('#diagram g.kspec-active', (gs) => gs.map((g) => g.id.replace(/^state:/, '')).sort());

describe('machine page in headless chromium', () => {
  it('runs the machine: clicking an enabled event moves the highlighted configuration', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(join(out, 'fixtures', 'fixtureGadget.html')).href, { waitUntil: 'load' });
    await page.waitForSelector('#event-buttons button');
    expect(await highlighted(page)).toEqual(['fixtureGadget', 'fixtureGadget.unloaded']);
    // only the events the current configuration accepts are enabled
    expect(
      await page.$eval('button[data-event="host.suspend"]', (b) => (b as HTMLButtonElement).disabled),
    ).toBe(true);
    await page.click('button[data-event="module.init"]:not([disabled])');
    // module.init raises bind, runs the eventless step and onDone: the gadget is online
    expect(await highlighted(page)).toEqual([
      'fixtureGadget',
      'fixtureGadget.online',
      'fixtureGadget.online.function',
      'fixtureGadget.online.function.ecm',
      'fixtureGadget.online.function.ecm.idle',
      'fixtureGadget.online.power',
      'fixtureGadget.online.power.active',
    ]);
    await page.click('button[data-event="host.suspend"]:not([disabled])');
    expect(await highlighted(page)).toContain('fixtureGadget.online.power.suspended');
    expect(await page.$eval('#active-states', (e) => e.textContent)).toContain(
      'fixtureGadget.online.power.suspended',
    );
    await page.screenshot({ path: join(shots, 'fixtureGadget.png'), fullPage: false });
    expect(errors).toEqual([]);
  });

  it('advances the clock for a delayed transition', async () => {
    await page.goto(pathToFileURL(join(out, 'fixtures', 'fixtureBalloon.html')).href, { waitUntil: 'load' });
    await page.waitForSelector('#event-buttons button');
    await page.click('button[data-event="module.init"]:not([disabled])');
    await page.click('button[data-event="oom.notify"]:not([disabled])');
    // the first oom.notify button is the chart's own event without pages; the sample with pages frees
    const buttons = await page.$$eval('#event-buttons button', (bs) => bs.map((b) => b.textContent));
    expect(buttons).toContain('oom.notify {"pages":4}');
    const withPages = await page.$$('#event-buttons button[data-event="oom.notify"]');
    await withPages[1]!.click();
    expect(await highlighted(page)).toContain('fixtureBalloon.running.oom.freeing');
    await page.click('button[data-delay="fixtureBalloon.running.oom.freeing"]');
    expect(await highlighted(page)).toContain('fixtureBalloon.running.oom.idle');
    await page.screenshot({ path: join(shots, 'fixtureBalloon.png'), fullPage: false });
  });

  it('replays a trace file with the slider', async () => {
    const trace = join(out, 'trace.jsonl');
    const rec = (t: number, event: string, before: unknown, after: unknown) =>
      JSON.stringify({
        t,
        actor: 'fixtures/fixtureGadget',
        event: { type: event },
        before,
        after,
        source: null,
      });
    const online = { online: { function: { ecm: 'idle' }, power: 'active' } };
    writeFileSync(
      trace,
      [
        rec(0, 'module.init', 'unloaded', online),
        JSON.stringify({ t: 1, actor: 'other/machine', event: { type: 'x' }, before: 'a', after: 'b' }),
        rec(2, 'host.suspend', online, { online: { function: { ecm: 'idle' }, power: 'suspended' } }),
        rec(3, 'unbind', { online: { function: { ecm: 'idle' }, power: 'suspended' } }, 'unbound'),
      ].join('\n'),
    );
    await page.goto(pathToFileURL(join(out, 'fixtures', 'fixtureGadget.html')).href, { waitUntil: 'load' });
    await page.waitForSelector('#event-buttons button');
    const input = await page.$('#trace-file');
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(trace);
    await page.waitForFunction(() => !(document.getElementById('trace-slider') as HTMLInputElement).disabled);
    expect(await page.$eval('#trace-slider', (s) => (s as HTMLInputElement).max)).toBe('3');
    // while a trace is replayed the live machine's event buttons are off
    const buttonStates = () =>
      page.$$eval('#event-buttons button', (bs) => bs.map((b) => (b as HTMLButtonElement).disabled));
    expect((await buttonStates()).length).toBeGreaterThan(0);
    expect(await buttonStates()).not.toContain(false);
    const setStep = (i: number) =>
      page.$eval(
        '#trace-slider',
        (s, v) => {
          (s as HTMLInputElement).value = String(v);
          s.dispatchEvent(new Event('input'));
        },
        i,
      );
    await setStep(2);
    expect(await highlighted(page)).toContain('fixtureGadget.online.power.suspended');
    expect(await page.$eval('#trace-info', (e) => e.textContent)).toMatch(
      /step 2\/3 · t=2 · fixtures\/fixtureGadget · host\.suspend/,
    );
    await setStep(3);
    expect(await highlighted(page)).toEqual(['fixtureGadget', 'fixtureGadget.unbound']);
    await setStep(0);
    expect(await highlighted(page)).toEqual(['fixtureGadget', 'fixtureGadget.unloaded']);
    await page.screenshot({ path: join(shots, 'fixtureGadget-trace.png'), fullPage: false });
    expect(await buttonStates()).not.toContain(false);
    // Reset returns to the live machine: its enabled events are clickable again
    await page.click('#viewer-reset');
    expect(await buttonStates()).toContain(false);
    expect(await page.$eval('#trace-slider', (s) => (s as HTMLInputElement).disabled)).toBe(true);
  });
});

describe('every machine page of the workspace packages in headless chromium', () => {
  const pages = realSources.flatMap((s) => s.manifest.machines.map((m) => `${s.manifest.name}/${m.name}`));

  it('there are real machine pages to check', () => {
    expect(pages.length).toBeGreaterThan(0);
  });

  it.each(pages)('%s loads from file:// without a script error and steps on a click', async (name) => {
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    try {
      await p.goto(pathToFileURL(join(realOut, `${name}.html`)).href, { waitUntil: 'load' });
      await p.waitForSelector('#event-buttons button:not([disabled])', { timeout: 10_000 });
      const before = await p.$eval('#step-log', (e) => e.childElementCount);
      await p.click('#event-buttons button:not([disabled])');
      const after = await p.$eval('#step-log', (e) => e.childElementCount);
      expect(after).toBeGreaterThan(before);
      expect(errors).toEqual([]);
    } finally {
      await p.close();
    }
  });
});

describe('a kspec run --trace file in the viewer', () => {
  let traceFile: string | undefined;
  /** The default scenario's trace (one kspec run for both tests). */
  const runTrace = (): string => {
    if (traceFile !== undefined) return traceFile;
    const trace = join(realOut, 'run-trace.jsonl');
    const run = spawnSync(
      process.execPath,
      [join(root, 'apps/orchestrator/bin/kspec.js'), 'run', '--trace', trace],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    traceFile = trace;
    return trace;
  };

  it('replays the default scenario of kspec run on the real evtchnDevice page', async () => {
    const trace = runTrace();
    const records = readFileSync(trace, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { actor: string; after: unknown })
      .filter((r) => r.actor === 'xen-evtchn/evtchnDevice');
    expect(records.length).toBeGreaterThan(10);
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    try {
      await p.goto(pathToFileURL(join(realOut, 'xen-evtchn', 'evtchnDevice.html')).href, {
        waitUntil: 'load',
      });
      await p.waitForSelector('#event-buttons button');
      const input = await p.$('#trace-file');
      await (input as unknown as { uploadFile(f: string): Promise<void> }).uploadFile(trace);
      await p.waitForFunction(() => !(document.getElementById('trace-slider') as HTMLInputElement).disabled);
      expect(await p.$eval('#trace-slider', (el) => Number((el as HTMLInputElement).max))).toBe(
        records.length,
      );
      // step k shows the configuration after the k-th record of this machine
      const k = Math.floor(records.length / 2);
      await p.$eval(
        '#trace-slider',
        (el, v) => {
          (el as HTMLInputElement).value = String(v);
          el.dispatchEvent(new Event('input'));
        },
        k,
      );
      const expected = leafIds('evtchnDevice', records[k - 1]!.after);
      const shown = await highlighted(p);
      for (const id of expected) expect(shown).toContain(id);
      await p.screenshot({ path: join(shots, 'evtchnDevice-trace.png'), fullPage: false });
      expect(errors).toEqual([]);
    } finally {
      await p.close();
    }
  }, 60_000);

  it('replays the default scenario on the real cmm page: the balloon thread, its notifiers and rmmod', async () => {
    const trace = runTrace();
    const records = readFileSync(trace, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { actor: string; event: { type: string }; after: unknown })
      .filter((r) => r.actor === 'cmm/cmm');
    expect(records.map((r) => r.event.type)).toContain('thread.wake');
    expect(records.map((r) => r.event.type)).toContain('oom.notify');
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    try {
      await p.goto(pathToFileURL(join(realOut, 'cmm', 'cmm.html')).href, { waitUntil: 'load' });
      await p.waitForSelector('#event-buttons button');
      const input = await p.$('#trace-file');
      await (input as unknown as { uploadFile(f: string): Promise<void> }).uploadFile(trace);
      await p.waitForFunction(() => !(document.getElementById('trace-slider') as HTMLInputElement).disabled);
      expect(await p.$eval('#trace-slider', (el) => Number((el as HTMLInputElement).max))).toBe(
        records.length,
      );
      for (const k of [1, Math.floor(records.length / 2), records.length]) {
        await p.$eval(
          '#trace-slider',
          (el, v) => {
            (el as HTMLInputElement).value = String(v);
            el.dispatchEvent(new Event('input'));
          },
          k,
        );
        const shown = await highlighted(p);
        for (const id of leafIds('cmm', records[k - 1]!.after)) expect(shown).toContain(id);
      }
      await p.screenshot({ path: join(shots, 'cmm-trace.png'), fullPage: false });
      expect(errors).toEqual([]);
    } finally {
      await p.close();
    }
  }, 120_000);
});

/** The ids of the active atomic states of an XState state value under `prefix`. */
function leafIds(prefix: string, value: unknown): string[] {
  if (typeof value === 'string') return [`${prefix}.${value}`];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leafIds(`${prefix}.${k}`, v));
}

/** Rendered sizes (CSS px, after every transform) of the SVG labels inside the diagram's view. */
async function visibleLabelSizes(p: Page): Promise<number[]> {
  return p.$$eval('#diagram svg text', (texts) => {
    const view = document.getElementById('diagram')!.getBoundingClientRect();
    return texts
      .filter((t) => {
        const r = t.getBoundingClientRect();
        return r.right > view.left && r.left < view.right && r.bottom > view.top && r.top < view.bottom;
      })
      .map((t) => {
        const m = (t as SVGTextElement).getScreenCTM()!;
        return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      })
      .sort((a, b) => a - b);
  });
}

describe('large charts: pan and zoom with a readable default', () => {
  it.each([
    ['shmif', 'shmifInterface', 48],
    ['xen-evtchn', 'evtchnDevice', 24],
  ] as const)(
    '%s/%s (%i states) opens zoomed to readable labels; Fit shows the whole chart, + zooms in',
    async (pkg, name, states) => {
      const p = await browser.newPage();
      await p.setViewport({ width: 1500, height: 1000 });
      try {
        await p.goto(pathToFileURL(join(realOut, pkg, `${name}.html`)).href, { waitUntil: 'load' });
        await p.waitForSelector('#event-buttons button');
        expect(await p.$$eval('#diagram g.node, #diagram g.cluster', (g) => g.length)).toBeGreaterThanOrEqual(
          states,
        );
        // the diagram is on screen, with svg-pan-zoom's controls
        const box = await p.$eval('#diagram', (d) => d.getBoundingClientRect().toJSON() as DOMRect);
        expect(box.width).toBeGreaterThan(800);
        expect(box.height).toBeGreaterThan(400);
        expect(box.top).toBeLessThan(1000);
        expect(await p.$('#diagram #svg-pan-zoom-controls')).not.toBeNull();
        // default: labels readable (the labels in view are at least 11 px), and only part of the chart is in view
        const initial = await visibleLabelSizes(p);
        const all = await p.$$eval('#diagram svg text', (t) => t.length);
        expect(initial.length).toBeGreaterThan(3);
        expect(initial[0]!).toBeGreaterThanOrEqual(11);
        expect(initial.length).toBeLessThan(all);
        // an active state is in view
        expect(
          await p.$$eval('#diagram g.node.kspec-active', (gs) => {
            const view = document.getElementById('diagram')!.getBoundingClientRect();
            return gs.some((g) => {
              const r = g.getBoundingClientRect();
              return (
                r.left >= view.left && r.right <= view.right && r.top >= view.top && r.bottom <= view.bottom
              );
            });
          }),
        ).toBe(true);
        await p.screenshot({ path: join(shots, `${name}-zoomed.png`), fullPage: false });
        // fitted, the whole chart is in view and its labels are far too small to read
        await p.click('#diagram-fit');
        const fitted = await visibleLabelSizes(p);
        expect(fitted.length).toBe(all);
        expect(fitted[fitted.length - 1]!).toBeLessThan(8);
        await p.screenshot({ path: join(shots, `${name}-fit.png`), fullPage: false });
        // the + control zooms in
        await p.click('#svg-pan-zoom-zoom-in');
        expect((await visibleLabelSizes(p))[0]!).toBeGreaterThan(fitted[0]!);
        await p.click('#diagram-readable');
        expect((await visibleLabelSizes(p))[0]!).toBeGreaterThanOrEqual(11);
      } finally {
        await p.close();
      }
    },
  );
});

describe('evtchnDevice in the viewer: configuration, context, reply and seed lines after each step', () => {
  const entry = realSources
    .find((s) => s.manifest.name === 'xen-evtchn')!
    .manifest.machines.find((m) => m.name === 'evtchnDevice')!;
  const steps = [
    { type: 'ioctl.bindUnboundPort', arg: { remoteDomain: 1 } },
    { type: 'hv.raise', port: 1 },
    { type: 'irq.interrupt', port: 1 },
    { type: 'read', count: 4 },
    { type: 'read.copy' },
  ];
  const label = (e: { type: string }) => {
    const { type, ...rest } = e;
    return Object.keys(rest).length ? `${type} ${JSON.stringify(rest)}` : type;
  };

  it('after bind, raise and read the shown configuration and reply are XState’s; the context view is readable', async () => {
    const p = await browser.newPage();
    await p.setViewport({ width: 1500, height: 1000 });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    const xs = createActor(entry.machine, { input: entry.input }).start();
    try {
      await p.goto(pathToFileURL(join(realOut, 'xen-evtchn', 'evtchnDevice.html')).href, {
        waitUntil: 'load',
      });
      await p.waitForSelector('#event-buttons button');
      const configurations = new Set<string>();
      for (const [i, ev] of steps.entries()) {
        const button = await p.evaluateHandle(
          (t) => [...document.querySelectorAll('#event-buttons button')].find((b) => b.textContent === t),
          label(ev),
        );
        const el = button.asElement();
        expect(el, `a button for ${label(ev)}`).not.toBeNull();
        await (el as unknown as { click(): Promise<void> }).click();
        xs.send(ev as never);
        const expected = activeStateIds(entry.machine, xs.getSnapshot().value).sort();
        const shown = (await p.$eval('#active-states', (e) => e.textContent ?? '')).split('\n').sort();
        expect(shown, `after ${label(ev)}`).toEqual(expected);
        expect((await highlighted(p)).filter((id) => expected.includes(id)).length).toBe(expected.length);
        configurations.add(expected.join(' '));
        const ctx = xs.getSnapshot().context as {
          result: { op: string; rc: number } | null;
          readResult: { rc: number } | null;
        };
        const reply = await p.$eval('#ctx-reply', (e) => e.textContent ?? '');
        if (ctx.result) expect(reply).toContain(`${ctx.result.op}() returns ${ctx.result.rc}`);
        if (ctx.readResult) expect(reply).toContain(`read() returns ${ctx.readResult.rc}`);
        if (i === 0) {
          // the bind: the port the C returns, the transitions of evtchn_bind_to_user, the ring and the tree
          expect(ctx.result).toEqual({ op: 'ioctl.bindUnboundPort', rc: 1 });
          const taken = await p.$$eval('#ctx-taken li', (lis) =>
            lis.map((li) => li.getAttribute('data-transition-id')),
          );
          expect(taken[0]).toBe('evtchnDevice.open.control.ready|ioctl.bindUnboundPort|2');
          expect(taken.length).toBeGreaterThan(5);
          expect(
            await p.$eval(
              'tr[data-transition-id="evtchnDevice.open.control.ready|ioctl.bindUnboundPort|2"]',
              (tr) => tr.className,
            ),
          ).toContain('kspec-last');
          const seed = await p.$$eval('.seed.kspec-last', (s) => s.map((x) => x.id));
          expect(seed).toContain('seed-linux-xen-evtchn-c-503-506');
          const row = (f: string) =>
            p.$eval(`#ctx-fields tr[data-field="${f}"] td`, (td) => td.textContent ?? '');
          expect(await row('nrEvtchns')).toBe('1');
          expect(await row('ring')).toMatch(/size\s*64/);
          expect(await row('evtchns')).toMatch(/port\s*1/);
          const view = await p.$('#context-view');
          await view!.scrollIntoView();
          // everything in the context view is on screen at a readable size
          const sizes = await p.$$eval(
            '#context-view code, #context-view th, #context-view h4, #context-view a',
            (els) =>
              els.map((e) => {
                const r = e.getBoundingClientRect();
                return { size: parseFloat(getComputedStyle(e).fontSize), w: r.width, h: r.height };
              }),
          );
          expect(sizes.length).toBeGreaterThan(30);
          for (const s of sizes) expect(s.size).toBeGreaterThanOrEqual(12);
          expect(sizes.filter((s) => s.w > 0 && s.h > 0).length).toBe(sizes.length);
          const top = await p.$eval('#ctx-reply', (e) => e.getBoundingClientRect().toJSON() as DOMRect);
          expect(top.top).toBeGreaterThanOrEqual(0);
          expect(top.bottom).toBeLessThanOrEqual(1000);
          await view!.screenshot({ path: join(shots, 'evtchnDevice-context-after-bind.png') });
        }
      }
      // the steps moved the reader through holdingConsMutex and back: the configuration changed
      expect(configurations.size).toBeGreaterThan(1);
      expect(await p.$eval('#ctx-reply', (e) => e.textContent)).toMatch(/read\(\) returns 4/);
      expect(errors).toEqual([]);
    } finally {
      xs.stop();
      await p.close();
    }
  }, 60_000);
});

describe('the index of the real site', () => {
  it('has a card per package with machines and none for a package without (shared memory)', () => {
    const index = readFileSync(join(realOut, 'index.html'), 'utf8');
    const cards = index.split('<div class="card">').slice(1);
    expect(cards.length).toBe(realSources.filter((s) => s.manifest.machines.length > 0).length);
    for (const c of cards) expect(c).toMatch(/<li><a href=/);
    expect(index).not.toContain('@kspec/shared-memory');
  });
});

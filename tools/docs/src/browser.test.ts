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
import { manifest as fixtureManifest } from '@kspec/statecharts/fixtures';
import { discoverManifests, findRepoRoot } from '@kspec/statecharts';
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
  it('replays the default scenario of kspec run on the real evtchnDevice page', async () => {
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
});

/** The ids of the active atomic states of an XState state value under `prefix`. */
function leafIds(prefix: string, value: unknown): string[] {
  if (typeof value === 'string') return [`${prefix}.${value}`];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leafIds(`${prefix}.${k}`, v));
}

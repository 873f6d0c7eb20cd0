/// <reference lib="dom" />
/**
 * The HTML report and an SVG in a real browser (Debian's headless Chromium
 * through playwright-core): the figures render, the page asks for nothing
 * over the network, tooltips show full labels, screenshots are not blank,
 * and the console stays free of errors. Skips with a message when
 * /usr/bin/chromium is not installed (.ci/run installs it).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildPlotDocument } from '../../src/plot/document.js';
import { renderPlot } from '../../src/plot/plot.js';
import { convergenceDocument, pairwiseDocument } from './documents.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`browser test skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

let folder: string;
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  folder = mkdtempSync(join(tmpdir(), 'pwcca-browser-'));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** Opens a file and records console errors, page errors, failed loads and any request that is not a local file. */
async function openRecorded(path: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`failed request: ${request.url()}`));
  page.on('request', (request) => {
    if (!/^(file|data|blob):/.test(request.url())) problems.push(`network request: ${request.url()}`);
  });
  await page.goto(pathToFileURL(path).href);
  return { page, problems };
}

/** The whole page: the viewport grows to the document (Playwright's fullPage capture stalls with this Chromium). */
async function screenshotWhole(page: Page, path: string): Promise<Buffer> {
  const size = await page.evaluate(() => ({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight }));
  await page.setViewportSize({ width: Math.min(4000, Math.max(400, size.width)), height: Math.min(8000, Math.max(300, size.height)) });
  return page.screenshot({ path });
}

/**
 * Share of non-white pixels and number of distinct colours in a PNG
 * screenshot, measured by the browser itself on a blank page.
 */
async function inkOf(png: Buffer): Promise<{ ink: number; colours: number }> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (base64) => {
      const image = new Image();
      image.src = `data:image/png;base64,${base64}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d') as CanvasRenderingContext2D;
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, image.width, image.height);
      let ink = 0;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) {
        if (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240) ink++;
        colours.add(((data[i] >> 4) << 8) | ((data[i + 1] >> 4) << 4) | (data[i + 2] >> 4));
      }
      return { ink: ink / (data.length / 4), colours: colours.size };
    }, png.toString('base64'));
  } finally {
    await page.close();
  }
}

describe.skipIf(!available)('figures in headless Chromium', { timeout: 120_000 }, () => {
  test('the HTML report draws every figure offline, with full labels in tooltips and no console errors', async () => {
    const labels = Array.from({ length: 12 }, (_, i) => `experiments/imagenet/${i < 6 ? 'generalizing' : 'memorizing'}/seed-${i}/final`);
    const doc = buildPlotDocument(pairwiseDocument({ labels, groups: labels.map((l) => l.split('/')[2]), linkage: true, groupTest: true, methods: ['pwcca', 'cca'] }), 'p.json');
    const path = join(folder, 'report.html');
    writeFileSync(path, (await renderPlot(doc, { format: 'html' }, 'p.json')) as string);
    const { page, problems } = await openRecorded(path);
    await page.waitForFunction(() => document.body.dataset.rendered !== undefined, null, { timeout: 60_000 });
    expect(await page.evaluate(() => document.body.dataset.rendered)).toBe('8');
    expect(await page.locator('section svg.marks').count()).toBe(8);
    const cell = page.locator('path[aria-label^="col: experiments/imagenet/generalizing/seed-0/final; row: experiments/imagenet/memorizing/seed-7/final"]').first();
    // Playwright's hover() waits for a stability check that Vega's SVG never passes here; a plain mouse move is what a reader does.
    await cell.evaluate((element) => element.scrollIntoView({ block: 'center' }));
    const box = await cell.boundingBox();
    expect(box).not.toBeNull();
    await page.mouse.move((box?.x ?? 0) + (box?.width ?? 0) / 2, (box?.y ?? 0) + (box?.height ?? 0) / 2);
    const tooltip = page.locator('#vg-tooltip-element');
    await expect.poll(async () => (await tooltip.textContent()) ?? '', { timeout: 10_000 }).toContain('experiments/imagenet/memorizing/seed-7/final');
    const shot = await screenshotWhole(page, join(folder, 'report.png'));
    const { ink, colours } = await inkOf(shot);
    expect(ink).toBeGreaterThan(0.03);
    expect(colours).toBeGreaterThan(20);
    expect(problems).toEqual([]);
    await page.close();
  });

  test('an SVG opens as an image with its text and colours, without console errors', async () => {
    const doc = buildPlotDocument(convergenceDocument({ directions: true }), 'c.json');
    const path = join(folder, 'curves.svg');
    writeFileSync(path, (await renderPlot(doc, { format: 'svg' }, 'c.json')) as string);
    const { page, problems } = await openRecorded(path);
    expect(await page.locator('text').filter({ hasText: 'PWCCA distance to step 5000 against training step' }).count()).toBe(1);
    const shot = await screenshotWhole(page, join(folder, 'curves.png'));
    const { ink, colours } = await inkOf(shot);
    expect(ink).toBeGreaterThan(0.02);
    expect(colours).toBeGreaterThan(10);
    expect(problems).toEqual([]);
    await page.close();
  });
});

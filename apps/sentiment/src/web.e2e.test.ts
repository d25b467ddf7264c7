/**
 * End-to-end: the web page in headless Chromium (playwright-core with the system's
 * /usr/bin/chromium; no browser is downloaded). Starts Vite's dev server, types a text,
 * checks that the label, the probabilities and the word influences appear, then opens
 * the report view and checks the confusion-matrix chart and table.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const MODEL = process.env.SENTIMENT_E2E_MODEL ?? 'airline';
const modelDir = fileURLToPath(new URL(`../models/${MODEL}/sentiment.json`, import.meta.url));
const reason = !existsSync(CHROMIUM) ? `${CHROMIUM} not found` : !existsSync(modelDir) ? `no model at models/${MODEL}` : '';
if (reason) console.warn(`web end-to-end test skipped: ${reason}`);

describe.skipIf(reason !== '')(`web page in headless Chromium${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let close: (() => Promise<void>) | undefined;
  let url = '';
  let browser: import('playwright-core').Browser | undefined;

  beforeAll(async () => {
    const { createServer } = await import('vite');
    const server = await createServer({
      configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
      server: { port: 0, host: '127.0.0.1', strictPort: false },
      logLevel: 'error',
    });
    await server.listen();
    url = server.resolvedUrls!.local[0]!;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    close = async () => {
      await browser?.close();
      await server.close();
    };
  });
  afterAll(async () => close?.());

  it('types a text and shows the label, the probabilities and the words that pushed the decision', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}?model=${MODEL}#/classify`);
    await page.waitForSelector('#status[data-ready="true"]', { timeout: 60_000 });
    await page.fill('#text', 'the crew was wonderful, thank you so much!');
    await page.click('#classify');
    await page.waitForSelector('#result:not([hidden])');
    const label = await page.textContent('#label');
    expect(['negative', 'neutral', 'positive']).toContain(label);
    const probs = await page.$$eval('#probabilities li', (lis) => lis.map((li) => [li.getAttribute('data-label'), Number(li.getAttribute('data-probability'))] as const));
    expect(probs.map(([l]) => l)).toEqual(['negative', 'neutral', 'positive']);
    expect(probs.reduce((a, [, p]) => a + p, 0)).toBeCloseTo(1, 4);
    const best = probs.reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(best[0]).toBe(label);
    const tokens = await page.$$eval('#influences .token', (els) => els.length);
    expect(tokens).toBeGreaterThan(2);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the report view draws the confusion matrix chart and table', async () => {
    const page = await browser!.newPage();
    await page.goto(`${url}?model=${MODEL}#/report`);
    await page.waitForSelector('#confusion-chart[data-ready="true"]', { timeout: 30_000 });
    const rows = await page.$$eval('#confusion-table tr', (trs) => trs.length);
    expect(rows).toBe(4); // header + 3 labels
    const summary = await page.textContent('#summary-table');
    expect(summary).toContain('LSTM');
    await page.close();
  });
});

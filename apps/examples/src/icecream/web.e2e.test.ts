/**
 * End-to-end: the ice-cream page (apps/examples/web) in headless Chromium
 * (playwright-core with the system's /usr/bin/chromium; no browser is downloaded).
 * Starts Vite's dev server, trains the forecaster in the page with the page's defaults
 * (at most 30 epochs, hidden 32, early stopping; a few seconds) and checks that the loss
 * chart was drawn after every epoch, not once at the end, that the loss fell, that the
 * test RMSE beats seasonal naive and the reloaded model scores the same, that the
 * forecast chart and a download link appear, and that the page logged no errors.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, skipTitle } from '../../../../tools/test-env/requirements.ts';
import { startVitePage, type VitePage } from '../../../../tools/browser/vite-page.ts';

const reason = chromiumMissing();

describe.skipIf(reason !== undefined)(skipTitle('ice-cream page in headless Chromium', reason), () => {
  let app: VitePage | undefined;
  let url = '';
  let browser: import('playwright-core').Browser | undefined;

  beforeAll(async () => {
    app = await startVitePage(fileURLToPath(new URL('../../vite.config.ts', import.meta.url)));
    url = app.url;
    browser = app.browser;
  }, 60_000);
  afterAll(async () => app?.close());

  it('trains in the page with a live loss chart, then shows the test RMSE, the reloaded model and the forecast', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${url}?seed=1`);
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
    await page.click('#train');
    await page.waitForSelector('#status[data-state="done"]', { timeout: 120_000 });

    const chart = await page.$eval('#loss-chart', (c) => {
      const canvas = c as HTMLCanvasElement;
      return { epochs: canvas.dataset.epochs, updates: canvas.dataset.updates, loss: canvas.dataset.loss, width: canvas.width };
    });
    const epochs = Number(chart.epochs);
    expect(epochs).toBeGreaterThanOrEqual(6);
    expect(Number(chart.updates)).toBe(epochs); // drawn after every epoch, not once at the end
    expect(chart.width).toBeGreaterThan(0);
    const loss = JSON.parse(chart.loss!) as number[];
    expect(loss).toHaveLength(epochs);
    expect(loss[epochs - 1]!).toBeLessThan(loss[0]! / 3);

    const value = (id: string) => page.$eval(`#${id}`, (el) => Number((el as HTMLElement).dataset.value));
    const [rmse, reloaded, naive] = [await value('rmse'), await value('rmse-reloaded'), await value('rmse-naive')];
    expect(rmse).toBeGreaterThan(0);
    expect(rmse).toBeLessThan(naive);
    expect(reloaded).toBeCloseTo(rmse, 4);
    expect(await page.getAttribute('#download', 'href')).toMatch(/^blob:/);
    expect(await page.$eval('#forecast-chart', (c) => (c as HTMLCanvasElement).width)).toBeGreaterThan(0);
    expect(await page.textContent('#summary')).toContain('Total params');
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});

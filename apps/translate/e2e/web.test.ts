// End-to-end: the Vite page in headless Chromium (playwright-core, the system's
// /usr/bin/chromium; never downloads a browser) translates a sentence with the
// shipped model on the CPU backend and draws the attention heat map.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import type { ViteDevServer } from 'vite';

const appDir = dirname(dirname(fileURLToPath(import.meta.url)));
const executablePath = '/usr/bin/chromium';
const modelFile = join(appDir, 'models/en-fr.safetensors');
const reason = !existsSync(executablePath) ? `${executablePath} is not installed` : !existsSync(modelFile) ? `${modelFile} is missing` : null;

describe.skipIf(reason !== null)(`web page in headless Chromium${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let server: ViteDevServer;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    const { createServer } = await import('vite');
    server = await createServer({ configFile: join(appDir, 'vite.config.ts'), logLevel: 'error', server: { host: '127.0.0.1', port: 0, strictPort: false } });
    await server.listen();
    url = server.resolvedUrls!.local[0]!;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--headless'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('translates "I am cold." and shows the backend and the attention heat map', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => !(document.getElementById('translate') as HTMLButtonElement).disabled, undefined, { timeout: 60_000 });
    expect(errors).toEqual([]);
    await page.fill('#source', 'I am cold.');
    await page.click('#translate');
    await page.waitForFunction(() => (document.getElementById('translation')?.textContent ?? '').trim().length > 0, undefined, { timeout: 60_000 });
    const translation = (await page.textContent('#translation'))!.trim();
    console.log(`web page translated "I am cold." as "${translation}"`);
    expect(translation.length).toBeGreaterThan(0);
    expect(await page.textContent('#backend')).toMatch(/backend: (cpu|webgpu)/);
    const cells = await page.$$eval('#heatmap td', (tds) => tds.map((td) => Number((td as HTMLElement).dataset.weight)));
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.every((w) => w >= 0 && w <= 1)).toBe(true);
    await page.close();
  });
});

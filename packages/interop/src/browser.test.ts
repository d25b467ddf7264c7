// The interop readers and writers in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core; nothing is downloaded; skipped, saying why, without it): fflate, jsfive
// and protobufjs bundled for the browser platform (a Node import fails the build) read the
// same fixtures as the Node tests and give the same numbers.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { chromiumMissing, chromiumPath, skipTitle } from '../../../tools/test-env/requirements.ts';
import { FIXTURES } from './test-helpers.js';
import { expectClose } from '@cellstate/tensor/testing';

const missing = chromiumMissing();
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json' };

describe.skipIf(!!missing)(skipTitle('@cellstate/interop in headless Chromium', missing), () => {
  let dir = '';
  let server: Server;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellstate-interop-web-'));
    await build({
      entryPoints: { page: join(FIXTURES, 'browser-interop.ts') },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@cellstate/source'],
      outdir: dir,
      logLevel: 'silent',
    });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./page.js"></script>');
    server = createServer((req, res) => {
      const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
      const file = path.startsWith('fixtures/') ? join(FIXTURES, path.slice('fixtures/'.length)) : join(dir, path);
      if ((!file.startsWith(dir) && !file.startsWith(FIXTURES)) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Keras (.keras, .h5), PyTorch safetensors and ONNX import/export give the Node numbers', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const address = server.address();
    await page.goto(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/index.html`);
    await page.waitForFunction(() => 'runInterop' in window);
    const out = (await page.evaluate(() => (window as any).runInterop())) as Record<string, { output: number[]; expected: number[] } | number>;
    expect(errors).toEqual([]);
    for (const key of ['keras3-sequential', 'keras2-legacy', 'keras3-functional', 'pytorch', 'onnxRoundTrip', 'onnxImport']) {
      const r = out[key] as { output: number[]; expected: number[] };
      expectClose(r.output, r.expected, { atol: 2e-5, label: `browser ${key}` });
    }
    expect(out.safetensorsBytes).toBeGreaterThan(1000);
  }, 60_000);
});

/**
 * The apps' end-to-end tests all need the same two things: a Vite dev server for one app's
 * page (an ephemeral port on loopback) and headless Debian chromium to open it.
 */
import type { Browser } from 'playwright-core';
import { chromiumPath } from '../test-env/requirements.ts';

export interface VitePage {
  /** The dev server's address, e.g. http://127.0.0.1:41234/. */
  url: string;
  browser: Browser;
  /** Closes the browser, then the server. */
  close(): Promise<void>;
}

/** Starts Vite with `configFile` and launches headless chromium (no sandbox: CI runs as root; no network). */
export async function startVitePage(configFile: string): Promise<VitePage> {
  const { createServer } = await import('vite');
  const server = await createServer({ configFile, server: { port: 0, host: '127.0.0.1', strictPort: false }, logLevel: 'error' });
  await server.listen();
  const url = server.resolvedUrls!.local[0]!;
  const { chromium } = await import('playwright-core');
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    url,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

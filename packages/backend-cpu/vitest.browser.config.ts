import { playwright } from '@vitest/browser-playwright';
import { defineProject } from 'vitest/config';
import { chromiumLaunchOptions } from '../../tools/browser/chromium.ts';
import { sourceConditions } from '../../vitest.shared.ts';

// Browser project: the WebAssembly kernels in headless Debian chromium, on the page's main
// thread (asynchronous compile) and, the page being cross-origin isolated by the headers
// below, on Web Workers over shared memory. Run with `pnpm test:browser`.
export default defineProject({
  ...sourceConditions,
  server: {
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
  test: {
    name: 'backend-cpu-browser',
    include: ['src/**/*.browser.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: chromiumLaunchOptions() }),
      instances: [{ browser: 'chromium' }],
      screenshotFailures: false,
    },
  },
});

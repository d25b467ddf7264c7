import { playwright } from '@vitest/browser-playwright';
import { defineProject } from 'vitest/config';
import { chromiumLaunchOptions } from '../../tools/browser/chromium.ts';
import { sourceConditions } from '../../vitest.shared.ts';

// Browser project: the WebAssembly kernels in headless Debian chromium, on the page's main
// thread (asynchronous compile) and, the page being cross-origin isolated by the headers
// below, on Web Workers over shared memory. Part of the root `pnpm test` where chromium
// can start (tools/test-env/projects.ts); alone: `pnpm test:browser`.
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
    // In the root `pnpm test`, after the Node projects: chromium does not compete with them for the CPUs.
    sequence: { groupOrder: 1 },
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: chromiumLaunchOptions() }),
      instances: [{ browser: 'chromium' }],
      screenshotFailures: false,
    },
  },
});

import { playwright } from '@vitest/browser-playwright';
import { defineProject } from 'vitest/config';
import { chromiumLaunchOptions } from '../../tools/browser/chromium.ts';
import { sourceConditions } from '../../vitest.shared.ts';

// Browser project: the same conformance suite in headless Debian chromium, WebGPU on
// SwiftShader (flags in tools/browser/chromium.ts). Run with `pnpm test:browser`.
export default defineProject({
  ...sourceConditions,
  test: {
    name: 'backend-webgpu-browser',
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

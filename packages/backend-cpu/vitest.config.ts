import { defineProject } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceConditions,
  // *.browser.test.ts run in chromium (vitest.browser.config.ts, `pnpm test:browser`).
  test: { name: 'backend-cpu', include: ['src/**/*.test.ts'], exclude: ['src/**/*.browser.test.ts'] },
});

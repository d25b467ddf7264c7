import { defineProject } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

// Node project: Dawn (the `webgpu` package) on SwiftShader where no GPU exists.
// The browser project is vitest.browser.config.ts (`pnpm test:browser`).
export default defineProject({
  ...sourceConditions,
  test: {
    name: 'backend-webgpu',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['src/**/*.browser.test.ts'],
    setupFiles: ['./test/node-setup.ts'],
    testTimeout: 120_000,
  },
});

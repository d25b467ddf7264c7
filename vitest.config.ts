import { defineConfig } from 'vitest/config';

// One vitest process for the whole repo: one JSON report for CI, and sources are
// tested directly through the `@cellstate/source` export condition (no build step).
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
  },
});

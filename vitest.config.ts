import { defineConfig } from 'vitest/config';
import { browserProjects } from './tools/test-env/projects.ts';

// One vitest process for the whole repo: one JSON report for CI, and sources are
// tested directly through the `@cellstate/source` export condition (no build step).
// The browser-mode projects run too where chromium can start (tools/test-env/projects.ts);
// the skip summary at the end lists whatever was skipped or left out, and why.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'tools/vitest.config.ts', ...browserProjects().run],
    reporters: ['default', './tools/test-env/skip-summary-reporter.ts'],
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { sourceConditions } from '../../vitest.shared.ts';

// The ice-cream forecaster in the browser: `pnpm --filter @cellstate/examples web`
// (or `pnpm example:icecream-web` from the root). Workspace packages resolve to their
// TypeScript sources, as in the tests.
export default defineConfig({
  ...sourceConditions,
  root: fileURLToPath(new URL('./web', import.meta.url)),
  build: { outDir: fileURLToPath(new URL('./dist-web', import.meta.url)), emptyOutDir: true, target: 'es2022' },
  server: { fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] } },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { sourceConditions } from '../../vitest.shared.ts';

// The web page: `pnpm --filter @cellstate/sentiment-app web`. The shipped models are
// served as static files (models/airline/... -> /airline/...).
export default defineConfig({
  ...sourceConditions,
  root: fileURLToPath(new URL('./web', import.meta.url)),
  publicDir: fileURLToPath(new URL('./models', import.meta.url)),
  build: { outDir: fileURLToPath(new URL('./dist-web', import.meta.url)), emptyOutDir: true, target: 'es2022' },
  server: { fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] } },
});

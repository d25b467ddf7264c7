import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { sourceConditions } from '../../vitest.shared.ts';

// The web page: `pnpm --filter @cellstate/sentiment-app web`. The shipped models are
// served as static files (models/airline/... -> /airline/...). The Train view's worker
// (src/web/train.worker.ts) is bundled as an ES module worker. The file parsing shared with
// the CLI (src/dataset.ts) imports `csv-parse/sync`, whose Node build needs `Buffer`:
// the page gets csv-parse's browser build instead.
export default defineConfig({
  ...sourceConditions,
  resolve: {
    ...sourceConditions.resolve,
    alias: [{ find: /^csv-parse\/sync$/, replacement: 'csv-parse/browser/esm/sync' }],
  },
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  publicDir: fileURLToPath(new URL('./models', import.meta.url)),
  worker: { format: 'es' },
  build: { outDir: fileURLToPath(new URL('./dist-web', import.meta.url)), emptyOutDir: true, target: 'es2022' },
  server: { fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] } },
});

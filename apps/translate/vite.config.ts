import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The web page: `pnpm --filter @cellstate/translate-app web` (dev server) or `build:web`.
// Workspace packages resolve to their TypeScript sources (no build step).
export default defineConfig({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  resolve: { conditions: ['@cellstate/source', 'browser', 'module', 'import', 'default'] },
  server: { fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] } },
  // dist-web, not dist: dist holds the published command line (tsup).
  build: { outDir: fileURLToPath(new URL('./dist-web', import.meta.url)), emptyOutDir: true, target: 'es2022' },
  assetsInclude: ['**/*.safetensors'],
  // The training worker (src/web/train.worker.ts) is started with { type: 'module' }:
  // build it as an ES module too, so its bundle may be code-split (dynamic imports).
  worker: { format: 'es' },
});

import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'runtime/index': 'src/runtime/index.ts',
    'runtime/browser-entry': 'src/runtime/browser-entry.ts',
    'node/index': 'src/node/index.ts',
    'node/worker-entry': 'src/node/worker-entry.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  // No shared chunks: node/index.js finds node/worker-entry.js next to itself (import.meta.url).
  splitting: false,
  platform: 'neutral',
  target: 'es2022',
  external: ['@cellstate/tensor', '@cellstate/nn', /^node:/],
});

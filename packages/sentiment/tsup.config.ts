import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  platform: 'neutral',
  target: 'es2022',
  external: ['@cellstate/tensor', '@cellstate/nn', '@cellstate/lstm', '@cellstate/text', 'stopword', /^node:/],
});

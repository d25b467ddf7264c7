import { defineConfig } from 'tsup';

// Two entries: the browser-safe main entry and the Node entry (Dawn). `webgpu` stays
// an import of dist/node.js only (checked by test/browser-bundle.test.ts on sources).
export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  platform: 'neutral',
  target: 'es2022',
  external: ['@cellstate/tensor', 'webgpu'],
});

import { defineConfig } from 'tsup';

// The published command line: one ES module, dist/cli.js, behind the `cellstate-translate`
// bin. It sits one level below the package root, so the shipped model is found at
// ../models/en-fr.safetensors from it, as from src/. Dependencies (the @cellstate
// libraries, commander, cli-progress) stay imports: tsup leaves them external.
export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: true,
  banner: { js: '#!/usr/bin/env node' },
});

import { defineConfig } from 'tsup';

// The published command line: one ES module, dist/cli/main.js, behind the
// `cellstate-sentiment` bin. Two levels below the package root, like src/cli/main.ts, so
// the app directory (and the shipped model in models/airline) is found the same way from
// both. Dependencies stay imports: tsup leaves them external.
export default defineConfig({
  entry: { 'cli/main': 'src/cli/main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: true,
  banner: { js: '#!/usr/bin/env node' },
});

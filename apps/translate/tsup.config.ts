import { defineConfig } from 'tsup';

// The published command line: one ES module, dist/cli/main.js, behind the
// `cellstate-translate` bin. It sits two levels below the package root, as
// src/cli/io.ts does, so io.ts's APP_DIR (two levels up from the file) is the package
// root in the bundle as in the source, and the shipped model is found in models/ from
// both. Dependencies (the @cellstate libraries, commander, cli-progress) stay imports:
// tsup leaves them external.
export default defineConfig({
  entry: { 'cli/main': 'src/cli/main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: true,
  banner: { js: '#!/usr/bin/env node' },
});

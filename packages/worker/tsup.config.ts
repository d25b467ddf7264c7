import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tools/tsup/build.ts';

const entry = {
  index: 'src/index.ts',
  'runtime/index': 'src/runtime/index.ts',
  'runtime/browser-entry': 'src/runtime/browser-entry.ts',
  'node/index': 'src/node/index.ts',
  'node/worker-entry': 'src/node/worker-entry.ts',
};

// No shared chunks: node/index.js finds node/worker-entry.js next to itself (import.meta.url).
export default defineConfig(libraryBuild(entry, ['@cellstate/tensor', '@cellstate/nn', /^node:/], { splitting: false }));

import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tools/tsup/build.ts';

export default defineConfig(libraryBuild({ index: 'src/index.ts', 'testing/index': 'src/testing/index.ts', 'backend-kit/index': 'src/backend-kit/index.ts' }, ['vitest', 'fast-check']));

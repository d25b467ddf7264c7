import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tools/tsup/build.ts';

export default defineConfig(libraryBuild({ index: 'src/index.ts' }, ['@cellstate/tensor']));

import { defineConfig } from 'tsup';
import { cliBuild } from '../../tools/tsup/build.ts';

// The `cellstate-sentiment` bin.
export default defineConfig(cliBuild());

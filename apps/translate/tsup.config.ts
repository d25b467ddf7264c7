import { defineConfig } from 'tsup';
import { cliBuild } from '../../tools/tsup/build.ts';

// The `cellstate-translate` bin. src/cli/io.ts's APP_DIR (two levels up from the file)
// relies on the bundle sitting at dist/cli/main.js, as cliBuild puts it.
export default defineConfig(cliBuild());

import type { Options } from 'tsup';

/**
 * How every published library builds: ES modules with declarations and source maps,
 * platform-neutral ES2022 so one dist serves browsers and Node. `external` names what stays
 * an import (the other @cellstate packages, peer libraries); `extra` is for a package's
 * own exceptions.
 */
export function libraryBuild(entry: Record<string, string>, external: NonNullable<Options['external']>, extra: Options = {}): Options {
  return { entry, format: ['esm'], dts: true, sourcemap: true, clean: true, platform: 'neutral', target: 'es2022', external, ...extra };
}

/**
 * How an app's published command line builds: one ES module, dist/cli/main.js, behind the
 * app's bin. It sits two levels below the package root, like src/cli/main.ts, so paths
 * found from the file (the app directory, its shipped models) are the same in the bundle
 * as in the source. Dependencies stay imports: tsup leaves them external.
 */
export function cliBuild(): Options {
  return {
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    clean: true,
    banner: { js: '#!/usr/bin/env node' },
  };
}

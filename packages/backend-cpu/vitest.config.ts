import { defineProject } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

// Node 20 keeps WebAssembly relaxed SIMD behind a flag (on by default from Node 22): pass
// it to the test workers so the relaxed-SIMD kernels (the default where the runtime has
// them) are what the suites check; the SIMD128 build has its own files.
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  ...[0, 1, 2].flatMap(() => [253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  253, 133, 2, 11,
]);
const execArgv = WebAssembly.validate(RELAXED_PROBE) ? [] : ['--experimental-wasm-relaxed-simd'];

export default defineProject({
  ...sourceConditions,
  // *.browser.test.ts run in chromium (vitest.browser.config.ts, `pnpm test:browser`).
  test: { name: 'backend-cpu', include: ['src/**/*.test.ts'], exclude: ['src/**/*.browser.test.ts'], execArgv },
});

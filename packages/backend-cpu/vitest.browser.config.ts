import { playwright } from '@vitest/browser-playwright';
import { browserTestProject } from '../../tools/browser/vitest-project.ts';

// Browser project: the WebAssembly kernels in headless Debian chromium, on the page's main
// thread (asynchronous compile) and, the page being cross-origin isolated by the headers
// below, on Web Workers over shared memory. Alone: `pnpm test:browser`.
export default browserTestProject('backend-cpu-browser', playwright, {
  server: {
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
});

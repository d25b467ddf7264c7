import { playwright } from '@vitest/browser-playwright';
import { browserTestProject } from '../../tools/browser/vitest-project.ts';

// Browser project: the same conformance suite in headless Debian chromium, WebGPU on
// SwiftShader (flags in tools/browser/chromium.ts). Alone: `pnpm test:browser`.
export default browserTestProject('backend-webgpu-browser', playwright);

/**
 * The vitest projects of the root `pnpm test` that depend on the machine: the
 * browser-mode projects (the CPU and WebGPU backends in headless chromium) cannot start
 * without a usable chromium, so they are left out then, with the reason, which the skip
 * summary reports. Used by the root vitest.config.ts and by the skip-summary reporter.
 */
import { chromiumMissing } from './requirements.ts';
import type { NotRunProject } from './skip-summary.ts';

/** Config files of the browser-mode projects, relative to the repository root. */
export const BROWSER_PROJECTS: readonly string[] = ['packages/backend-cpu/vitest.browser.config.ts', 'packages/backend-webgpu/vitest.browser.config.ts'];

/** The browser-mode projects this machine can run, and those it cannot with the reason. */
export function browserProjects(): { run: string[]; notRun: NotRunProject[] } {
  const reason = chromiumMissing();
  return reason ? { run: [], notRun: BROWSER_PROJECTS.map((config) => ({ config, reason })) } : { run: [...BROWSER_PROJECTS], notRun: [] };
}

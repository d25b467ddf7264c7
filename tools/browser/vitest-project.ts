import { defineProject, type UserWorkspaceConfig } from 'vitest/config';
import type { BrowserProviderOption } from 'vitest/node';
import { sourceConditions } from '../../vitest.shared.ts';
import { chromiumLaunchOptions } from './chromium.ts';

/**
 * A browser-mode Vitest project: a package's `src/**\/*.browser.test.ts` in headless
 * Debian chromium (WebGPU on SwiftShader, tools/browser/chromium.ts), with workspace
 * packages resolved to their sources. Part of the root `pnpm test` where chromium can
 * start (tools/test-env/projects.ts), after the Node projects so that chromium does not
 * compete with them for the CPUs; alone: the package's `pnpm test:browser`. `playwright`
 * is `@vitest/browser-playwright`'s export, passed in by the package that depends on it;
 * `extra` is merged at the top level (e.g. `server.headers`).
 */
export function browserTestProject(
  name: string,
  playwright: (options: { launchOptions: ReturnType<typeof chromiumLaunchOptions> }) => BrowserProviderOption,
  extra: Omit<UserWorkspaceConfig, 'test'> = {},
): UserWorkspaceConfig {
  return defineProject({
    ...sourceConditions,
    ...extra,
    test: {
      name,
      include: ['src/**/*.browser.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      sequence: { groupOrder: 1 },
      browser: {
        enabled: true,
        headless: true,
        provider: playwright({ launchOptions: chromiumLaunchOptions() }),
        instances: [{ browser: 'chromium' }],
        screenshotFailures: false,
      },
    },
  });
}

/**
 * Chromium launch settings for WebGPU on SwiftShader (CPU Vulkan), shared by the
 * WebGPU backend's browser tests and the apps' end-to-end tests. Debian's `chromium`
 * package provides the browser and the SwiftShader ICD; no browser is downloaded.
 */

/** Debian's chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The SwiftShader Vulkan ICD shipped with Debian's chromium (also used by Dawn in Node). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Flags: WebGPU on (unsafe-webgpu is needed on Linux), Vulkan through SwiftShader, no
 * sandbox (CI runs as root), and no background networking (the machine has no network).
 */
export const WEBGPU_SWIFTSHADER_FLAGS: readonly string[] = Object.freeze([
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]);

/** Playwright `launchOptions` for headless Debian chromium with WebGPU on SwiftShader. */
export function chromiumLaunchOptions(extraArgs: readonly string[] = []): { executablePath: string; args: string[]; headless: boolean } {
  return { executablePath: CHROMIUM_PATH, args: [...WEBGPU_SWIFTSHADER_FLAGS, ...extraArgs], headless: true };
}

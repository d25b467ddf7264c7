/**
 * What the optional test suites need from the machine, checked the same way everywhere:
 * each check returns `undefined` when the requirement is met, or the reason it is not,
 * ending with the command that installs it. Suites put that reason in their title through
 * {@link skipTitle}, and the skip summary (./skip-summary-reporter.ts) collects the titles
 * at the end of `pnpm test` into one list and one install command.
 */
import { accessSync, closeSync, constants, existsSync, openSync, readdirSync, readSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CHROMIUM_PATH, SWIFTSHADER_ICD } from '../browser/chromium.ts';

/** The Debian packages behind the checks below: `apt-get install` names them. */
export const APT_PACKAGES = { chromium: 'chromium', vulkanLoader: 'libvulkan1' } as const;

/** The phrase the summary parses back out of a reason to build one install command. */
export function aptHint(...packages: string[]): string {
  return `install: apt-get install -y ${packages.join(' ')}`;
}

/** `title [skipped: reason]` when `reason` is set, else `title`. */
export function skipTitle(title: string, reason: string | undefined): string {
  return reason ? `${title} [skipped: ${reason}]` : title;
}

let chromiumReason: string | null | undefined;

/**
 * Why headless Chromium cannot be used here, or `undefined`. The file must exist, be
 * executable and answer `--version`: a leftover or broken file then skips with a reason
 * instead of failing every browser suite with `spawn EACCES`.
 * `CELLSTATE_CHROMIUM` overrides the path (the skip summary's own test uses it).
 */
export function chromiumMissing(): string | undefined {
  if (chromiumReason !== undefined) return chromiumReason ?? undefined;
  chromiumReason = probeChromium(chromiumPath()) ?? null;
  return chromiumReason ?? undefined;
}

/** The Chromium the browser suites launch. */
export function chromiumPath(): string {
  return process.env.CELLSTATE_CHROMIUM || CHROMIUM_PATH;
}

/** Why the Chromium at `path` cannot be used, or `undefined` (see {@link chromiumMissing}). */
export function probeChromium(path: string): string | undefined {
  const hint = aptHint(APT_PACKAGES.chromium);
  if (!existsSync(path)) return `${path} is not installed (${hint})`;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return `${path} is not executable (${hint})`;
  }
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (run.error || run.status !== 0) {
    const why = run.error ? run.error.message : (run.stderr || run.stdout || `exit code ${run.status}`).trim().split('\n').pop();
    return `${path} does not start (${why}; ${hint})`;
  }
  return undefined;
}

const LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/lib64', '/lib'];
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

/** A shared library there: the file exists and starts with the ELF magic. */
function isElf(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(4);
      return readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

function hasVulkanLoader(): boolean {
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LIBRARY_DIRS];
  const candidates = dirs.map((d) => join(d, 'libvulkan.so.1'));
  for (const ldconfig of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    const r = spawnSync(ldconfig, ['-p'], { encoding: 'utf8' });
    if (r.error) continue;
    for (const m of (r.stdout ?? '').matchAll(/\blibvulkan\.so\.1\b.*=> (\S+)/g)) candidates.push(m[1]!);
    break;
  }
  return candidates.some(isElf);
}

function hasVulkanDriver(): boolean {
  const chosen = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  if (chosen) return chosen.split(':').some((f) => existsSync(f));
  if (existsSync(SWIFTSHADER_ICD)) return true;
  return ICD_DIRS.some((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.json')));
}

/**
 * Why Dawn (the `webgpu` package: WebGPU in Node) cannot find an adapter here, or
 * `undefined`. On Linux Dawn dlopens the Vulkan loader and needs a Vulkan driver (on
 * machines without a GPU, the SwiftShader one Debian's chromium ships); without them it
 * finds no adapter after printing a loader warning, so the suites skip before starting it.
 * Other platforms use Metal or D3D and are left to Dawn.
 */
export function dawnMissing(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  if (!hasVulkanLoader()) return `the Vulkan loader libvulkan.so.1 is not installed, so Dawn finds no WebGPU adapter (${aptHint(APT_PACKAGES.vulkanLoader)})`;
  if (!hasVulkanDriver()) return `no Vulkan driver: no GPU driver and no SwiftShader ICD at ${SWIFTSHADER_ICD} (${aptHint(APT_PACKAGES.chromium)})`;
  return undefined;
}

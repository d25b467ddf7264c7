/**
 * The backend packages cellstate publishes, by the name each registers: the package to
 * install, and the priority its entry registers with. Kept here, in one place, so code
 * that loads a backend on demand (`importBackend`) need not repeat either.
 */
export const BACKEND_PACKAGES: Readonly<Record<string, { readonly package: string; readonly priority: number }>> = {
  cpu: { package: '@cellstate/backend-cpu', priority: 1 },
  webgpu: { package: '@cellstate/backend-webgpu', priority: 3 },
};

/**
 * The reason a backend package failed to load, from the error's first line; when the
 * error says a known package is missing (Node's "Cannot find package", a bundler's
 * "Failed to resolve"), the install command is added.
 */
export function loadFailureReason(name: string, cause: unknown): string {
  const line = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0]!;
  const pkg = BACKEND_PACKAGES[name]?.package;
  const missing = pkg !== undefined && line.includes(pkg) && /cannot find|not found|failed to resolve/i.test(line);
  return `could not be loaded: ${line}${missing ? ` (install it: npm i ${pkg})` : ''}`;
}

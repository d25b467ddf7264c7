/**
 * Loading Dawn (the `webgpu` npm package, an optional peer dependency) for the Node
 * entry. Without it Node's own `ERR_MODULE_NOT_FOUND` would name a package the user
 * never asked for; this turns it into cellstate's `BackendUnavailableError` with the
 * command that installs it.
 */
import { BackendUnavailableError, listBackends } from '@cellstate/tensor';

/** The command that installs the Dawn version this package is tested with. */
export const WEBGPU_INSTALL_HINT = 'npm i webgpu@^0.6.2';

/** What the Node entry uses from the `webgpu` package. */
export interface DawnModule {
  create(flags: string[]): unknown;
}

function isMissingPackage(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return (code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(message)) && message.includes(`'${specifier}'`);
}

/**
 * Imports Dawn. Throws `BackendUnavailableError` for 'webgpu', with the install command in
 * its message, when the package is not installed; any other failure (a broken binary,
 * say) is rethrown as it is. `load` and `name` are for tests.
 */
export async function loadDawn(load: () => Promise<unknown> = () => import('webgpu'), name = 'webgpu'): Promise<DawnModule> {
  try {
    return (await load()) as DawnModule;
  } catch (cause) {
    if (!isMissingPackage(cause, name)) throw cause;
    const error = new BackendUnavailableError('webgpu', listBackends(), `the Node entry needs Dawn, the optional peer dependency '${name}', which is not installed: ${WEBGPU_INSTALL_HINT}`);
    (error as Error & { cause?: unknown }).cause = cause;
    throw error;
  }
}

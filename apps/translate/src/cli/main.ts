/**
 * Entry point of `pnpm translate <command>` and of the published `cellstate-translate`
 * (dist/cli/main.js); the commands are in program.ts.
 */
import { CellstateError } from '@cellstate/tensor';
import { releaseBackends } from './backend.js';
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  // Dawn keeps Node alive while a GPU device is open.
  .then(() => releaseBackends())
  .catch((error: unknown) => {
    if (CellstateError.isInstance(error) || (error instanceof Error && ['DataError', 'ModelFileError'].includes(error.name))) {
      console.error(`error: ${(error as Error).message}`);
    } else {
      console.error(error);
    }
    process.exit(1);
  });

/**
 * Entry point of `pnpm sentiment <command>` (see program.ts).
 */
import { CellstateError, releaseBackends } from '@cellstate/tensor';
import { buildProgram } from './program.js';

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    const verbose = argv.includes('--verbose');
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`error: ${message}\n`);
    if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = CellstateError.isInstance(e) || (e instanceof Error && /DataError|SentimentError/.test(e.name)) ? 2 : 1;
  } finally {
    // Dawn keeps Node alive while a GPU device is open.
    releaseBackends();
  }
}

await main(process.argv);

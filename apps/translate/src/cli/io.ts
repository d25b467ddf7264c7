/**
 * Where the command line finds its files: the package's directory (the shipped model,
 * the repository's shared data) and the user's directory. Standard input is read as
 * lines by `readLines` from @cellstate/nn/node.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * apps/translate: two levels up from this file, which sits at the same depth as the
 * published bundle's entry (src/cli/io.ts here, dist/cli/main.js there, tsup.config.ts),
 * so the same expression holds in both.
 */
export const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shipped English → French model, in the package's models/ directory. */
export const DEFAULT_MODEL = resolve(APP_DIR, 'models', 'en-fr.safetensors');

/**
 * The directory the user ran the command from: pnpm runs scripts inside apps/translate
 * and sets INIT_CWD to where the command was typed.
 */
export function userCwd(): string {
  return process.env.INIT_CWD ?? process.cwd();
}

/** A path the user gave, relative to where they typed the command. */
export function userPath(p: string): string {
  return resolve(userCwd(), p);
}

/**
 * Where the command line finds its files and reads its input: the package's directory
 * (the shipped model, the repository's shared data), the user's directory, and standard
 * input as lines.
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

/**
 * Lines of a stream split on "\n" only, with one trailing "\r" removed (CRLF files).
 * readline also breaks at a lone "\r", which would turn one input line into two
 * output lines and misalign the output with the input.
 */
export async function* inputLines(stream: AsyncIterable<string | Buffer>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of stream) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let at: number;
    while ((at = rest.indexOf('\n')) >= 0) {
      yield rest.slice(0, at).replace(/\r$/, '');
      rest = rest.slice(at + 1);
    }
  }
  rest += decoder.decode();
  if (rest) yield rest.replace(/\r$/, '');
}

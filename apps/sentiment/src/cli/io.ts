import { isAbsolute, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a command writes; tests pass buffers. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Lines of standard input (for `run` without text). */
  stdinLines?: () => AsyncIterable<string>;
  /** stderr is a terminal (progress bars). */
  isTTY?: boolean;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: !!process.stderr.isTTY,
};

/** The directory the user ran the command from (pnpm runs scripts in the package directory). */
export function userCwd(): string {
  return process.env.SENTIMENT_CWD ?? process.env.INIT_CWD ?? process.cwd();
}

export function userPath(p: string): string {
  return isAbsolute(p) ? p : resolve(userCwd(), p);
}

/** apps/sentiment */
export const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shipped model. */
export const DEFAULT_MODEL_DIR = resolve(APP_DIR, 'models', 'airline');

import { existsSync } from 'node:fs';
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
/** Where the shipped models live: `models/NAME/`. */
export const MODELS_DIR = resolve(APP_DIR, 'models');
/** The shipped models, by name; `--model NAME` picks one. */
export const SHIPPED_MODELS = ['general', 'airline'] as const;
/** The default model: general English (SST phrases). `--model airline` is the airline-tweet model. */
export const DEFAULT_MODEL = 'general';
export const DEFAULT_MODEL_DIR = resolve(MODELS_DIR, DEFAULT_MODEL);

/**
 * The directory of a `--model` value: a shipped model's name (`general`, `airline`, or
 * any `models/NAME/`), or a path. A name that is also a model directory where the user
 * is (`./airline/sentiment.json`) means that directory: a path always wins.
 */
export function modelPath(spec: string): string {
  const asPath = userPath(spec);
  if (/^[\w.-]+$/.test(spec) && !spec.startsWith('.') && !existsSync(resolve(asPath, 'sentiment.json')) && existsSync(resolve(MODELS_DIR, spec, 'sentiment.json'))) return resolve(MODELS_DIR, spec);
  return asPath;
}

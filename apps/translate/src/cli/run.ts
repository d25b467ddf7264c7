/** `translate run`: translates the text given, or each line of standard input. */
import { readLines } from '@cellstate/nn/node';
import { Translator } from '../translator.js';
import { userPath } from './io.js';
import { loadModelFile } from './model-io.js';

export interface RunCommandOptions {
  model: string;
  beam: number;
  lengthPenalty: number;
  maxInput: number;
  showUnknown: boolean;
}

/** Lines of standard input handed to one `translate` call (a batch of the model's). */
const CHUNK_LINES = 32;

/**
 * Prints the translation of `words` (joined by spaces) or, without words, one translation
 * per line of standard input, in order; warnings and unknown words go to stderr.
 */
export async function runCommand(words: string[], opts: RunCommandOptions): Promise<void> {
  const loaded = await loadModelFile(userPath(opts.model));
  const translator = new Translator(loaded, { maxInputTokens: opts.maxInput });
  const translateOptions = { beamSize: opts.beam, lengthPenalty: opts.lengthPenalty, onWarning: (m: string) => console.error(`warning: ${m}`) };
  const show = (t: { unknownWords: string[] }) => {
    if (opts.showUnknown && t.unknownWords.length) console.error(`unknown words: ${t.unknownWords.join(' ')}`);
  };
  if (words.length > 0) {
    const [t] = await translator.translate([words.join(' ')], translateOptions);
    show(t!);
    console.log(t!.text);
    return;
  }
  const lines = readLines(process.stdin);
  let chunk: string[] = [];
  const drain = async () => {
    const out = await translator.translate(chunk, translateOptions);
    out.forEach(show);
    process.stdout.write(out.map((t) => `${t.text}\n`).join(''));
    chunk = [];
  };
  for await (const line of lines) {
    chunk.push(line);
    if (chunk.length >= CHUNK_LINES) await drain();
  }
  if (chunk.length) await drain();
}

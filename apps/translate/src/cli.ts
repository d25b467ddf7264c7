/**
 * `pnpm translate <command>`: train, run and eval translation models.
 * Run `pnpm translate --help` for the options.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CellstateError } from '@cellstate/tensor';
import { releaseBackends, selectBackend } from './backend.js';
import { loadCorpus, repoRoot } from './data.js';
import { evaluate } from './evaluate.js';
import { loadModelFile, DEFAULT_MODEL } from './model-io.js';
import { exportRun } from './run-directory.js';
import { train } from './train.js';
import type { TrainOptions } from './train-options.js';
import { Translator } from './translator.js';

const program = new Command();
// pnpm --filter runs the script inside apps/translate; paths given by the user are
// relative to where they typed the command.
const cwd = process.env.INIT_CWD ?? process.cwd();
const path = (p: string) => resolve(cwd, p);

program
  .name('translate')
  .description('Sequence-to-sequence LSTM translation (cellstate). Default model: English → French.')
  .addOption(new Option('--backend <name>', 'compute backend').choices(['cpu', 'webgpu']))
  .option('--verbose', 'print the chosen backend and every registered backend', false)
  .showHelpAfterError();

/** Largest beam: the search's time and memory grow with it, and wider beams stop helping long before. */
const MAX_BEAM = 64;

/** An integer option in [min, max]; anything else is refused by commander with the option's name. */
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`expected an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}, got ${JSON.stringify(v)}.`);
  }
  return n;
};
/** A number option in its range (`open` excludes the bound). */
const num = (range: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean } = {}) => (v: string) => {
  const n = Number(v);
  const { min = -Infinity, max = Infinity, minOpen = false, maxOpen = false } = range;
  const ok = v.trim() !== '' && Number.isFinite(n) && (minOpen ? n > min : n >= min) && (maxOpen ? n < max : n <= max);
  if (!ok) {
    const low = min === -Infinity ? '' : `${minOpen ? '>' : '>='} ${min}`;
    const high = max === Infinity ? '' : `${maxOpen ? '<' : '<='} ${max}`;
    throw new InvalidArgumentError(`expected a number${low || high ? ` ${[low, high].filter(Boolean).join(' and ')}` : ''}, got ${JSON.stringify(v)}.`);
  }
  return n;
};
/** A path option: not empty, no stray separators (",,," is a typo, not a file). */
const file = (v: string) => {
  if (v.trim() === '' || /^[\s,]*$/.test(v)) throw new InvalidArgumentError(`expected a path, got ${JSON.stringify(v)}.`);
  return v;
};

/**
 * Lines of a stream split on "\n" only, with one trailing "\r" removed (CRLF files).
 * readline also breaks at a lone "\r", which would turn one input line into two
 * output lines and misalign the output with the input.
 */
async function* inputLines(stream: AsyncIterable<string | Buffer>): AsyncGenerator<string> {
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

function globals(): { backend?: string; verbose: boolean } {
  return program.opts();
}

async function setup(): Promise<void> {
  const g = globals();
  await selectBackend(g.backend, g.verbose ? (line) => console.error(line) : undefined);
}

program
  .command('run', { isDefault: true }) // `cellstate-translate "I am cold."` needs no command name
  .description('translate TEXT, or (without TEXT) each line of standard input, one translation per line')
  .argument('[text...]', 'the sentence to translate')
  .option('-m, --model <file>', 'model file', file, DEFAULT_MODEL)
  .option('-b, --beam <size>', `beam size, 1 to ${MAX_BEAM} (1 = greedy)`, int(1, MAX_BEAM), 5)
  .option('--length-penalty <alpha>', 'GNMT length penalty α (>= 0)', num({ min: 0 }), 0.6)
  .option('--max-input <tokens>', 'truncate longer input (with a warning)', int(1), 100)
  .option('--show-unknown', 'list source words the model does not know (on stderr)', false)
  .action(async (words: string[], opts: { model: string; beam: number; lengthPenalty: number; maxInput: number; showUnknown: boolean }) => {
    await setup();
    const loaded = await loadModelFile(path(opts.model));
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
    const lines = inputLines(process.stdin);
    let chunk: string[] = [];
    const drain = async () => {
      const out = await translator.translate(chunk, translateOptions);
      out.forEach(show);
      process.stdout.write(out.map((t) => `${t.text}\n`).join(''));
      chunk = [];
    };
    for await (const line of lines) {
      chunk.push(line);
      if (chunk.length >= 32) await drain();
    }
    if (chunk.length) await drain();
  });

program
  .command('eval')
  .description('BLEU (references grouped by source) and perplexity on a test set')
  .option('-m, --model <file>', 'model file', file, DEFAULT_MODEL)
  .option('--data <spec>', 'tatoeba | multi30k | file.tsv | src,tgt (aligned files)', file, 'tatoeba')
  .addOption(new Option('--split <name>', 'test | valid (for presets)').choices(['test', 'valid']).default('test'))
  .option('-b, --beam <size>', `beam size, 1 to ${MAX_BEAM} (1 = greedy)`, int(1, MAX_BEAM), 5)
  .option('--length-penalty <alpha>', 'GNMT length penalty α of the beam search (>= 0; as run)', num({ min: 0 }), 0.6)
  .option('--limit <n>', 'evaluate only the first n distinct sources', int(1))
  .option('--source-lang <code>', 'source language (multi30k: de)')
  .option('--target-lang <code>', 'target language (multi30k: en)')
  .action(async (opts: { model: string; data: string; split: string; beam: number; lengthPenalty: number; limit?: number; sourceLang?: string; targetLang?: string }) => {
    await setup();
    const loaded = await loadModelFile(path(opts.model));
    const isPreset = opts.data === 'tatoeba' || opts.data === 'multi30k';
    const corpus = loadCorpus(isPreset ? opts.data : path(opts.data), { ...(opts.sourceLang ? { sourceLanguage: opts.sourceLang } : {}), ...(opts.targetLang ? { targetLanguage: opts.targetLang } : {}) });
    const pairs = isPreset ? (opts.split === 'valid' ? corpus.valid : corpus.test!) : corpus.train;
    const started = Date.now();
    const r = await evaluate(loaded, pairs, {
      beamSize: opts.beam,
      lengthPenalty: opts.lengthPenalty,
      ...(opts.limit ? { limit: opts.limit } : {}),
      onProgress: (done, total) => process.stderr.write(`\rtranslated ${done}/${total}`),
    });
    process.stderr.write('\n');
    console.log(`BLEU ${r.bleu.toFixed(2)}  (corpus BLEU-4 on lower-cased tokens, ${r.sentences} sources, ${r.pairs} references, beam ${opts.beam}${opts.beam > 1 ? `, length penalty ${opts.lengthPenalty}` : ''})`);
    console.log(`precisions ${r.precisions.map((p) => (100 * p).toFixed(1)).join(' / ')}  brevity penalty ${r.brevityPenalty.toFixed(3)}`);
    console.log(`perplexity ${r.perplexity.toFixed(2)}  (per target token, teacher forcing)`);
    console.log(`time ${((Date.now() - started) / 1000).toFixed(0)} s`);
    for (const e of r.examples) console.log(`  ${e.source}  →  ${e.hypothesis}   [ref: ${e.reference}]`);
  });

program
  .command('train')
  .description('train a model (checkpoints every N steps; --resume continues after a kill)')
  .option('--data <spec>', 'tatoeba | multi30k | file.tsv | src,tgt (two line-aligned files)', file, 'tatoeba')
  .option('--valid <spec>', 'validation file(s) for non-preset data', file)
  .option('--source-lang <code>', 'source language')
  .option('--target-lang <code>', 'target language')
  .option('-o, --out <dir>', 'run directory (checkpoint, vocabularies, model)', file, 'runs/en-fr')
  .option('--resume', 'continue from the checkpoint in --out', false)
  .option('--overwrite', 'start over in an --out that already holds a run (its checkpoint is replaced)', false)
  .addOption(new Option('--on-non-finite <mode>', 'a NaN/infinite loss or gradient: stop (with an error naming the step) or skip the update').choices(['stop', 'skip']).default('stop'))
  .option('--embedding <size>', 'embedding size', int(1, 65_536), 128)
  .option('--hidden <size>', 'encoder hidden size (per direction)', int(1, 65_536), 256)
  .option('--layers <n>', 'LSTM layers (encoder and decoder)', int(1, 64), 1)
  .option('--bidirectional', 'bidirectional encoder', false)
  .addOption(new Option('--attention <kind>', 'attention').choices(['none', 'dot', 'general', 'additive']).default('dot'))
  .addOption(new Option('--bridge <kind>', 'encoder → decoder state bridge').choices(['identity', 'sum', 'concat', 'linear']))
  .option('--dropout <p>', 'dropout', num({ min: 0, max: 1, maxOpen: true }), 0.2)
  .option('--no-tie', 'separate output layer (default: tied to the target embedding)')
  .option('--reverse-source', 'feed the source reversed', false)
  .option('--source-vocab <n>', 'largest source vocabulary', int(5, 10_000_000), 8000)
  .option('--target-vocab <n>', 'largest target vocabulary', int(5, 10_000_000), 8000)
  .option('--min-freq <n>', 'minimum token frequency', int(1), 2)
  .option('--max-length <n>', 'leave out pairs longer than this (tokens)', int(1), 12)
  .option('--train-limit <n>', 'use a seeded sample of n training pairs', int(1))
  .option('--batch-size <n>', 'batch size', int(1), 64)
  .option('--lr <rate>', 'Adam learning rate', num({ min: 0, minOpen: true }), 1e-3)
  .option('--lr-decay <factor>', 'multiply the learning rate by this after an epoch whose validation BLEU is not the best so far (1 = never)', num({ min: 0, max: 1, minOpen: true }), 0.5)
  .option('--epochs <n>', 'epochs', int(1), 10)
  .option('--max-steps <n>', 'stop after this many steps in total', int(1))
  .option('--max-minutes <m>', 'stop after this much wall time in this process', num({ min: 0, minOpen: true }))
  .option('--checkpoint-every <n>', 'checkpoint every n steps', int(1), 200)
  .option('--seed <n>', 'seed of weights, data order, dropout', int(0), 1)
  .option('--teacher-forcing <ratio>', 'teacher forcing ratio', num({ min: 0, max: 1 }), 1)
  .option('--clip <norm>', 'gradient norm clipping (0 = none)', num({ min: 0 }), 1)
  .option('--label-smoothing <eps>', 'label smoothing', num({ min: 0, max: 1, maxOpen: true }), 0)
  .option('--shortlist <n>', 'shortlist softmax size for training (0 = full softmax)', int(0), 0)
  .option('--valid-size <n>', 'validation sentences for the BLEU after each epoch', int(1), 500)
  .option('--export <file>', 'also write the final model here', file)
  .option('--f16', 'write the exported model in float16', false)
  .option('--int8', 'write the exported model with int8 matrices (a float32 scale per row; the rest float16)', false)
  .action(async (opts: Record<string, unknown>) => {
    await setup();
    const isPreset = opts.data === 'tatoeba' || opts.data === 'multi30k';
    const options: TrainOptions = {
      data: isPreset ? (opts.data as string) : (opts.data as string).split(',').map(path).join(','),
      ...(opts.valid ? { valid: (opts.valid as string).split(',').map(path).join(',') } : {}),
      ...(opts.sourceLang ? { sourceLanguage: opts.sourceLang as string } : {}),
      ...(opts.targetLang ? { targetLanguage: opts.targetLang as string } : {}),
      out: path(opts.out as string),
      resume: opts.resume as boolean,
      overwrite: opts.overwrite as boolean,
      onNonFinite: opts.onNonFinite as 'stop' | 'skip',
      embeddingSize: opts.embedding as number,
      hiddenSize: opts.hidden as number,
      numLayers: opts.layers as number,
      bidirectional: opts.bidirectional as boolean,
      attention: opts.attention as TrainOptions['attention'],
      ...(opts.bridge ? { bridge: opts.bridge as TrainOptions['bridge'] } : {}),
      dropout: opts.dropout as number,
      tieEmbeddings: opts.tie as boolean,
      reverseSource: opts.reverseSource as boolean,
      sourceVocabSize: opts.sourceVocab as number,
      targetVocabSize: opts.targetVocab as number,
      minFrequency: opts.minFreq as number,
      maxLength: opts.maxLength as number,
      ...(opts.trainLimit !== undefined ? { trainLimit: opts.trainLimit as number } : {}),
      batchSize: opts.batchSize as number,
      learningRate: opts.lr as number,
      lrDecay: opts.lrDecay as number,
      epochs: opts.epochs as number,
      ...(opts.maxSteps !== undefined ? { maxSteps: opts.maxSteps as number } : {}),
      ...(opts.maxMinutes !== undefined ? { maxMinutes: opts.maxMinutes as number } : {}),
      checkpointEvery: opts.checkpointEvery as number,
      seed: opts.seed as number,
      teacherForcing: opts.teacherForcing as number,
      clipNorm: opts.clip as number,
      labelSmoothing: opts.labelSmoothing as number,
      shortlist: opts.shortlist as number,
      validSize: opts.validSize as number,
      ...(opts.export ? { export: path(opts.export as string) } : {}),
      f16: opts.f16 as boolean,
      int8: opts.int8 as boolean,
    };
    let stop = false;
    let stepping = false;
    const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
      // Outside the step loop (loading data, evaluating) no step would see the request:
      // quit at once; files are written atomically, so nothing is left half-written.
      if (stop || !stepping) {
        console.error(`\n${signal}: quitting`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stop = true;
      console.error(`\n${signal}: stopping after this step and writing a checkpoint (press again to quit at once)`);
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    console.log(`translate train ${process.argv.slice(3).join(' ')}`);
    await train(options, { log: (l) => console.log(l), progress: Boolean(process.stdout.isTTY), stopRequested: () => stop, onStepLoop: (active) => (stepping = active) });
  });

program
  .command('export')
  .description('write a model file from a run directory: the epoch with the best validation BLEU (best.safetensors), or with --last the last checkpoint')
  .option('-o, --out <dir>', 'run directory', file, 'runs/en-fr')
  .requiredOption('-m, --model <file>', 'model file to write', file)
  .option('--f16', 'float16 weights', false)
  .option('--int8', 'int8 matrices with a float32 scale per row, the rest float16 (the smallest file)', false)
  .option('--last', 'export the last checkpoint even when an earlier epoch validated better', false)
  .action(async (opts: { out: string; model: string; f16: boolean; int8: boolean; last: boolean }) => {
    await setup();
    const r = await exportRun(path(opts.out), path(opts.model), { f16: opts.f16, int8: opts.int8, last: opts.last });
    console.log(`wrote ${path(opts.model)} (${(r.bytes / 1e6).toFixed(1)} MB, step ${r.step}, ${r.from === 'best' ? 'the epoch with the best validation BLEU' : 'the last checkpoint'})`);
  });

program
  .parseAsync(process.argv)
  .then(() => releaseBackends())
  .catch((error: unknown) => {
  if (CellstateError.isInstance(error) || (error instanceof Error && ['DataError', 'ModelFileError'].includes(error.name))) {
    console.error(`error: ${(error as Error).message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});

export { repoRoot };

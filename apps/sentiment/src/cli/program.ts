/**
 * The command-line program. `pnpm sentiment <command>`: train, run and evaluate sentiment models.
 *
 *   pnpm sentiment run "the flight was late again"
 *   echo "great crew" | pnpm -s sentiment run
 *   pnpm sentiment eval --data ../shared/data/sentiment/airline-tweets/test.jsonl
 *   pnpm sentiment train --train a.jsonl --valid b.jsonl --out models/mine
 */
import { Command, InvalidArgumentError, Option, type OptionValues } from 'commander';
import { selectBackend } from './backend.js';
import { baselineCommand, evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { processIo, type Io } from './io.js';
import { modelDirs, runCommand } from './run.js';
import { trainCommand } from './train.js';
import { vectorsCommand } from './vectors.js';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};
const num = (name: string, max = Infinity) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) throw new InvalidArgumentError(`${name} must be a non-negative number${max === Infinity ? '' : ` up to ${max}`}`);
  return n;
};
const positive = (name: string) => (v: string) => {
  const n = num(name)(v);
  if (n === 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};
const models = (v: string) => {
  try {
    modelDirs(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return v;
};
const path = (name: string) => (v: string) => {
  if (v.trim() === '') throw new InvalidArgumentError(`${name} must be a path`);
  return v;
};

function dataOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <format>', 'file format (default: from the extension; .gz is unpacked)').choices(['jsonl', 'csv', 'tsv']))
    .option('--text-column <name>', 'text column / JSON key', undefined)
    .option('--label-column <name>', 'label column / JSON key', 'label')
    .option('--label-map <pairs>', 'rename labels while reading, e.g. 0=negative,1=positive')
    .option('--labels <list>', 'the labels, in order (default negative,neutral,positive)')
    .addOption(new Option('--on-error <mode>', 'malformed lines and unknown labels: skip them (reported as file:line) or stop').choices(['skip', 'fail']).default('skip'));
}

/**
 * Selects the backend the global options name (`--backend`, `--threads`): the first
 * step of every command's action. Returns the global options (`--verbose`).
 */
async function selectGlobalBackend(cmd: Command): Promise<OptionValues> {
  const g = cmd.optsWithGlobals();
  await selectBackend(g.backend, g.threads);
  return g;
}

/**
 * The action of a command that takes its options and the global `--verbose`: selects the
 * backend, runs `command` and sets the exit code to what it returns.
 */
function verboseAction<O>(command: (o: O & { verbose: boolean }, io: Io) => Promise<number>): (opts: O, cmd: Command) => Promise<void> {
  return async (opts, cmd) => {
    const g = await selectGlobalBackend(cmd);
    process.exitCode = await command({ ...opts, verbose: g.verbose }, processIo);
  };
}

const ARCHITECTURE_FLAGS = ['embeddingDim', 'hiddenSize', 'layers', 'bidirectional', 'pooling'] as const;

export function buildProgram(): Command {
  const program = new Command('sentiment')
    .description('Sentiment classification with an LSTM (cellstate)')
    .addOption(new Option('--backend <name>', 'compute backend').choices(['cpu', 'webgpu']).default('cpu'))
    .option('--threads <n>', 'CPU backend: worker threads (default: CELLSTATE_CPU_THREADS, else every core)', int('--threads'))
    .option('--verbose', 'more detail (tokens, all skipped lines, timings)', false)
    .showHelpAfterError();

  program
    .command('run', { isDefault: true }) // `echo text | cellstate-sentiment` needs no command name
    .description('classify a text (or, without text, one text per line of standard input -> one JSON object per line)')
    .argument('[text...]', 'the text')
    .option('--model <dir>', 'a shipped model (general: the default, airline) or a model directory; several, comma-separated, are used as an ensemble', models)
    .option('--explain', 'show which words pushed the decision', false)
    .option('--json', 'print JSON for a single text too', false)
    .action(async (text: string[], opts, cmd: Command) => {
      const g = await selectGlobalBackend(cmd);
      process.exitCode = await runCommand(text, { ...opts, verbose: g.verbose }, processIo);
    });

  program
    .command('vectors')
    .description("write a model's learned word vectors in the GloVe text format (for train --vectors)")
    .option('--model <dir>', 'a shipped model (general: the default, airline) or a model directory', models)
    .requiredOption('--out <file>', 'the vectors file to write', path('--out'))
    .action(async (opts, cmd: Command) => {
      await selectGlobalBackend(cmd);
      process.exitCode = await vectorsCommand(opts, processIo);
    });

  program
    .command('export')
    .description('write a model again with its weights in another format (float16 by default; --int8: about half the size)')
    .option('--model <dir>', 'a shipped model (general: the default, airline) or a model directory', models)
    .requiredOption('--out <dir>', 'the model directory to write (may be the --model directory)', path('--out'))
    .addOption(new Option('--int8', 'int8 embedding and LSTM matrices with a float32 scale per row, the rest float16').conflicts('float32'))
    .option('--float32', 'float32 weights', false)
    .action(async (opts, cmd: Command) => {
      await selectGlobalBackend(cmd);
      process.exitCode = await exportCommand(opts, processIo);
    });

  dataOptions(
    program
      .command('eval')
      .description('accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix on a labelled file')
      .requiredOption('--data <file>', 'labelled JSONL/CSV/TSV file')
      .option('--model <dir>', 'a shipped model (general: the default, airline) or a model directory; several, comma-separated, are used as an ensemble', models)
      .option('--baseline-train <file>', 'also train the bag-of-words baseline on this file and report it')
      .option('--baseline-valid <file>', "the baseline's validation file (early stopping)")
      .option('--binary', 'binary data (negative / positive) with a 3-class model: the more probable of those two labels (same as --labels negative,positive)', false)
      .option('--json <file>', 'write the reports as JSON (read by the web page)'),
  ).action(verboseAction(evalCommand));

  dataOptions(
    program
      .command('baseline')
      .description('train and report the bag-of-words logistic-regression baseline alone')
      .requiredOption('--train <file>', 'training data')
      .requiredOption('--valid <file>', 'validation data (early stopping)')
      .requiredOption('--test <file>', 'report on this file')
      .option('--max-tokens <n>', 'truncate texts to this many tokens', int('--max-tokens'), 200)
      .option('--no-stop-words', 'keep stop words')
      .option('--json <file>', 'write the report as JSON'),
  ).action(verboseAction(baselineCommand));

  dataOptions(
    program
      .command('train')
      .description('train a model on labelled JSONL/CSV/TSV files (text and label columns) or SST trees (sst-phrases:FILE)')
      .requiredOption('--train <file>', 'training data: a JSONL/CSV/TSV file, sst-phrases:TREES (every labelled phrase of SST PTB trees), or several (comma-separated, or the flag repeated)', (value: string, previous?: string) => (previous ? `${previous},${value}` : value))
      .option('--valid <file>', 'validation data (early stopping on macro-F1); sst-sentences:TREES takes the sentences of SST trees')
      .option('--valid-fraction <x>', 'without --valid: hold out this fraction of the training data', num('--valid-fraction', 0.9))
      .option('--test <file>', 'also report metrics on this file')
      .requiredOption('--out <dir>', 'where to save the model', path('--out'))
      .option('--overwrite', 'replace a model already in --out (and start over in a --checkpoint-dir that holds a checkpoint)', false)
      .addOption(new Option('--on-non-finite <mode>', 'a NaN/infinite loss: stop with an error naming the step, or skip the update').choices(['stop', 'skip']).default('stop'))
      .option('--epochs <n>', 'most epochs', int('--epochs'), 15)
      .option('--batch-size <n>', 'batch size', int('--batch-size'), 32)
      .option('--lr <x>', 'Adam learning rate', positive('--lr'), 2e-3)
      .option('--patience <n>', 'stop after n epochs without a better valid macro-F1', int('--patience'), 3)
      .option('--embedding-dim <n>', 'word-vector size', int('--embedding-dim'), 100)
      .option('--hidden-size <n>', 'LSTM hidden size per direction', int('--hidden-size'), 64)
      .option('--layers <n>', 'LSTM layers', int('--layers'), 1)
      .option('--no-bidirectional', 'one direction only')
      .option('--pooling <list>', 'last, mean, max, or several: mean,max', 'mean,max')
      .option('--dropout <p>', 'dropout before the classifier', num('--dropout', 0.99), 0.5)
      .option('--embedding-dropout <p>', 'dropout on word vectors', num('--embedding-dropout', 0.99), 0.25)
      .addOption(new Option('--class-weights <mode>', 'loss weights for imbalanced classes').choices(['sqrt', 'balanced', 'none']).default('sqrt'))
      .option('--min-frequency <n>', 'vocabulary: keep words seen this often', int('--min-frequency'), 2)
      .option('--max-vocab <n>', 'vocabulary: most entries', int('--max-vocab'), 20000)
      .option('--max-tokens <n>', 'truncate texts to this many tokens', int('--max-tokens'), 200)
      .option('--no-stop-words', 'keep stop words')
      .option('--vectors <file>', 'pretrained GloVe / word2vec text-format vectors')
      .option('--freeze-vectors', 'do not train the pretrained vectors', false)
      .option('--init-from <dir>', 'fine-tune: start from this trained model (shared word vectors, the LSTM, and the output layer when the labels match); its architecture is the default')
      .option('--distill-from <models>', "distillation: the teacher model (or several, comma-separated: their ensemble); its probabilities on the training texts are soft targets")
      .option('--distill-weight <x>', "the soft targets' share of the loss, 0..1 (default 0.5)", num('--distill-weight', 1))
      .option('--checkpoint-dir <dir>', 'save a training checkpoint after every epoch')
      .option('--resume', 'continue from the checkpoint in --checkpoint-dir', false)
      .option('--seed <n>', 'seed', int('--seed'), 1)
      .option('--baseline', 'also train and report the bag-of-words baseline on the same splits', false)
      .option('--float32', 'save float32 weights (default float16)', false)
      .addOption(new Option('--int8', 'save int8 embedding and LSTM matrices with a float32 scale per row, the rest float16').conflicts('float32'))
      .option('--limit <n>', 'use only the first n training examples', int('--limit')),
  ).action(async (opts, cmd: Command) => {
    const g = await selectGlobalBackend(cmd);
    // With --init-from the source model's architecture is the default, so only
    // architecture flags the user typed are passed on.
    if (opts.initFrom) for (const k of ARCHITECTURE_FLAGS) if (cmd.getOptionValueSource(k) !== 'cli') delete opts[k];
    await trainCommand({ ...opts, verbose: g.verbose }, processIo);
  });
  return program;
}


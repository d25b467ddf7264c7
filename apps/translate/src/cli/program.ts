/**
 * The command-line program. `pnpm translate <command>`: train, run, eval and export
 * translation models (`pnpm translate --help` for the options).
 *
 *   pnpm translate "I am cold."
 *   pnpm translate eval --data tatoeba
 *   pnpm translate train --data tatoeba --out runs/en-fr
 *   pnpm translate export --out runs/en-fr --model en-fr.safetensors --int8
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { selectBackend } from './backend.js';
import { evalCommand, type EvalCommandOptions } from './eval.js';
import { exportCommand, type ExportCommandOptions } from './export.js';
import { DEFAULT_MODEL, userPath } from './io.js';
import { runCommand, type RunCommandOptions } from './run.js';
import { stopOnSignals } from './stop-signals.js';
import { train } from './train.js';
import { trainOptionsFromFlags, withRunOptions } from './train-options.js';
import { readRunFile } from './run-directory.js';

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

/** The `translate` program: global options and the run, eval, train and export commands. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('translate')
    .description('Sequence-to-sequence LSTM translation (cellstate). Default model: English → French.')
    .addOption(new Option('--backend <name>', 'compute backend').choices(['cpu', 'webgpu']))
    .option('--verbose', 'print the chosen backend and every registered backend', false)
    .showHelpAfterError();

  async function setup(): Promise<void> {
    const g: { backend?: string; verbose: boolean } = program.opts();
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
    .action(async (words: string[], opts: RunCommandOptions) => {
      await setup();
      await runCommand(words, opts);
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
    .action(async (opts: EvalCommandOptions) => {
      await setup();
      await evalCommand(opts);
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
    .option('--init <model>', 'start from this model file (its weights and vocabularies; the model options must match it) instead of random weights', file)
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
    .option('--valid-size <n>', 'validation sources for the BLEU after each epoch (evenly spaced through the validation file)', int(1), 500)
    .option('--export <file>', 'also write the final model here', file)
    .option('--f16', 'write the exported model in float16', false)
    .option('--int8', 'write the exported model with int8 matrices (a float32 scale per row; the rest float16)', false)
    .option('--int4', 'write the exported model with 4-bit matrices (a float16 step and offset per 32 columns; the rest float16)', false)
    .action(async (opts: Record<string, unknown>, command: Command) => {
      await setup();
      let options = trainOptionsFromFlags(opts, userPath);
      const runFile = join(options.out, 'run.json');
      if (options.resume && existsSync(runFile)) {
        options = withRunOptions(options, readRunFile(runFile).options, (flag) => command.getOptionValueSource(flag) === 'cli');
      }
      const signals = stopOnSignals();
      console.log(`translate train ${process.argv.slice(3).join(' ')}`);
      await train(options, { log: (l) => console.log(l), progress: Boolean(process.stdout.isTTY), ...signals });
    });

  program
    .command('export')
    .description('write a model file from a run directory: the epoch with the best validation BLEU (best.safetensors), or with --last the last checkpoint')
    .option('-o, --out <dir>', 'run directory', file, 'runs/en-fr')
    .requiredOption('-m, --model <file>', 'model file to write', file)
    .option('--f16', 'float16 weights', false)
    .option('--int8', 'int8 matrices with a float32 scale per row, the rest float16', false)
    .option('--int4', '4-bit matrices with a float16 step and offset per 32 columns, the rest float16 (the smallest file; the shipped model)', false)
    .option('--last', 'export the last checkpoint even when an earlier epoch validated better', false)
    .action(async (opts: ExportCommandOptions) => {
      await setup();
      await exportCommand(opts);
    });

  return program;
}

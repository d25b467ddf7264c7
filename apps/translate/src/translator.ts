/**
 * Sentences in, translations out, for the CLI and the web page (browser-safe).
 */
import { beamSearch, greedyDecode, makeBatch, type Hypothesis, type LoadedModel } from '@cellstate/seq2seq';
import { ArgumentError } from '@cellstate/tensor';
import { textOf, tokensOf } from './preprocess.js';

/** Largest beam `translate` accepts: time and memory grow with the beam, quality stops improving long before. */
export const MAX_BEAM_SIZE = 64;

/** Options of `Translator.translate`. */
export interface TranslateOptions {
  /** An integer from 1 (greedy decoding) to `MAX_BEAM_SIZE` (default 5). */
  beamSize?: number;
  lengthPenalty?: number;
  /** Sentences decoded together (default 32). */
  batchSize?: number;
  /** Collect attention weights for the heat map (default false). */
  returnAttention?: boolean;
  /** Called with warnings (truncated input). */
  onWarning?: (message: string) => void;
}

/** One translated sentence. */
export interface Translation {
  /** The translation ('' for blank input). */
  text: string;
  sourceTokens: string[];
  targetTokens: string[];
  /** Source words the vocabulary does not know (translated as `<unk>`). */
  unknownWords: string[];
  /** The input was longer than `maxInputTokens` and was cut. */
  truncated: boolean;
  /** [target token][source token] weights, `<eos>` rows/columns included (when asked for and the model has attention). */
  attention?: number[][];
  /** Log-probability of the translation. */
  logProb: number;
}

/** Inputs longer than this many tokens are cut (with a warning). */
export const DEFAULT_MAX_INPUT_TOKENS = 100;

/**
 * Wraps a loaded model with its vocabularies and preprocessing.
 *
 * @example
 * ```ts
 * const translator = new Translator(await decodeSeq2SeqModel(bytes, 'en-fr.safetensors'));
 * const [t] = await translator.translate(['I am cold.']);
 * console.log(t.text); // "J'ai froid."
 * ```
 */
export class Translator {
  readonly loaded: LoadedModel;
  readonly maxInputTokens: number;

  /** Throws `ArgumentError` for a `maxInputTokens` that is not a positive integer. */
  constructor(loaded: LoadedModel, options: { maxInputTokens?: number } = {}) {
    const max = options.maxInputTokens ?? DEFAULT_MAX_INPUT_TOKENS;
    if (!Number.isSafeInteger(max) || max < 1) throw new ArgumentError('Translator', `maxInputTokens must be a positive integer, got ${max}`);
    this.loaded = loaded;
    this.maxInputTokens = max;
  }

  /** Translates sentences in batches; blank lines give ''. */
  async translate(sentences: readonly string[], options: TranslateOptions = {}): Promise<Translation[]> {
    const { model, sourceVocabulary, targetVocabulary, preprocessing } = this.loaded;
    const beamSize = options.beamSize ?? 5;
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(beamSize) || beamSize < 1 || beamSize > MAX_BEAM_SIZE) throw new ArgumentError('Translator.translate', `beamSize must be an integer from 1 to ${MAX_BEAM_SIZE}, got ${beamSize}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError('Translator.translate', `batchSize must be a positive integer, got ${batchSize}`);
    if (options.lengthPenalty !== undefined && !(options.lengthPenalty >= 0 && Number.isFinite(options.lengthPenalty))) throw new ArgumentError('Translator.translate', `lengthPenalty must be a finite number >= 0, got ${options.lengthPenalty}`);
    const results: Translation[] = sentences.map(() => ({ text: '', sourceTokens: [], targetTokens: [], unknownWords: [], truncated: false, logProb: 0 }));
    const work: { index: number; ids: number[] }[] = [];
    sentences.forEach((sentence, index) => {
      let tokens = tokensOf(sentence, preprocessing);
      if (tokens.length === 0) return;
      const r = results[index]!;
      if (tokens.length > this.maxInputTokens) {
        options.onWarning?.(`input ${index + 1} has ${tokens.length} tokens; translating only the first ${this.maxInputTokens}`);
        tokens = tokens.slice(0, this.maxInputTokens);
        r.truncated = true;
      }
      r.sourceTokens = tokens;
      r.unknownWords = [...new Set(tokens.filter((t) => !sourceVocabulary.has(t)))];
      work.push({ index, ids: sourceVocabulary.encode(tokens) });
    });
    // Similar lengths together: less padding.
    work.sort((a, b) => a.ids.length - b.ids.length);
    for (let start = 0; start < work.length; start += batchSize) {
      const chunk = work.slice(start, start + batchSize);
      const batch = makeBatch(chunk.map((w) => ({ source: w.ids })), { reverseSource: model.config.reverseSource, backend: model.encoder.embedding.weight.value.backend });
      const longest = Math.max(...chunk.map((w) => w.ids.length));
      const maxLength = Math.min(Math.ceil(longest * 1.5) + 10, Math.max(preprocessing.maxTargetLength * 2, 50));
      try {
        const hypotheses: Hypothesis[] =
          beamSize <= 1
            ? await greedyDecode(model, batch, { maxLength, returnAttention: options.returnAttention ?? false })
            : (await beamSearch(model, batch, { beamSize, maxLength, returnAttention: options.returnAttention ?? false, ...(options.lengthPenalty === undefined ? {} : { lengthPenalty: options.lengthPenalty }) })).map((list) => list[0]!);
        chunk.forEach((w, i) => {
          const h = hypotheses[i]!;
          const r = results[w.index]!;
          r.targetTokens = targetVocabulary.decode(h.ids);
          r.text = textOf(r.targetTokens, preprocessing);
          r.logProb = h.logProb;
          if (h.attention) r.attention = model.config.reverseSource ? h.attention.map((row) => unreverse(row)) : h.attention;
        });
      } finally {
        batch.dispose();
      }
    }
    return results;
  }
}

/** Attention over a reversed source (w_n-1 … w_0, <eos>) back in reading order. */
function unreverse(row: number[]): number[] {
  const words = row.slice(0, -1).reverse();
  return [...words, row[row.length - 1]!];
}

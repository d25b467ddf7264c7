import type { Parameter } from '@cellstate/nn';
import { tensor } from '@cellstate/tensor';
import { SPECIAL_TOKENS } from '@cellstate/text';
import { SentimentError, type SentimentClassifier } from './classifier.js';

/** What `initFromClassifier` copied. */
export interface TransferReport {
  /** Target vocabulary words (specials excluded) and how many got the source's vector. */
  vocabularyWords: number;
  matched: number;
  coverage: number;
  /** Names of the LSTM tensors copied (all of them). */
  lstmTensors: string[];
  /** True when the labels (same order) and pooling match, so the classifier layer was copied too. */
  classifierCopied: boolean;
}

/**
 * Starts `target` from a trained `source` classifier (fine-tuning): word vectors for the
 * words both vocabularies share (and `<unk>`), every LSTM weight, and the output layer when
 * both have the same labels in the same order and the same pooling. The vocabularies may
 * differ, so a model trained on one corpus (e.g. IMDB reviews) can start another (SST-2
 * sentences) with its encoder, not only its word vectors. Throws a `SentimentError`
 * (`invalid-argument`) naming the first architecture field that differs.
 *
 * @example
 * ```ts
 * const imdb = await loadClassifier('runs/imdb-model');
 * const sst = SentimentClassifier.create({ vocabulary, labels: imdb.labels, model: imdb.model.config });
 * const r = await initFromClassifier(sst, imdb); // r.matched words, r.classifierCopied
 * await trainClassifier(sst, train, valid, { epochs: 4 });
 * ```
 */
export async function initFromClassifier(target: SentimentClassifier, source: SentimentClassifier): Promise<TransferReport> {
  const t = target.model.config;
  const s = source.model.config;
  for (const k of ['embeddingDim', 'hiddenSize', 'numLayers', 'bidirectional'] as const) {
    if (t[k] !== s[k]) {
      throw new SentimentError('invalid-argument', `initFromClassifier: the models differ in ${k}: the source has ${s[k]}, the target ${t[k]} (create the target with the source's architecture)`);
    }
  }
  const E = t.embeddingDim;
  const src = (await source.model.embedding.weight.value.data()) as Float32Array;
  const dst = Float32Array.from((await target.model.embedding.weight.value.data()) as Float32Array);
  const unk = SPECIAL_TOKENS.indexOf('<unk>');
  if (unk >= 0) dst.set(src.subarray(unk * E, (unk + 1) * E), unk * E);
  const tokens = target.vocabulary.tokens;
  let matched = 0;
  for (let id = SPECIAL_TOKENS.length; id < tokens.length; id++) {
    const from = source.vocabulary.has(tokens[id]!) ? source.vocabulary.encode([tokens[id]!])[0]! : -1;
    if (from < SPECIAL_TOKENS.length) continue;
    dst.set(src.subarray(from * E, (from + 1) * E), id * E);
    matched++;
  }
  const emb = target.model.embedding.weight;
  emb.assign(tensor(dst, [tokens.length, E], { backend: emb.value.backend }));

  const sourceParams = new Map(source.model.namedParameters());
  const copy = (prefix: string): Array<[string, Parameter, Parameter]> => {
    const pairs: Array<[string, Parameter, Parameter]> = [];
    for (const [name, p] of target.model.namedParameters()) {
      if (!name.startsWith(prefix)) continue;
      const q = sourceParams.get(name);
      if (!q || q.shape.join() !== p.shape.join()) {
        throw new SentimentError('invalid-argument', `initFromClassifier: ${name} is [${p.shape.join(', ')}] in the target but ${q ? `[${q.shape.join(', ')}]` : 'missing'} in the source`);
      }
      pairs.push([name, p, q]);
    }
    return pairs;
  };
  // Every pair is checked before any is assigned.
  const lstm = copy('lstm.');
  const sameHead = target.labels.join('\0') === source.labels.join('\0') && t.pooling.join() === s.pooling.join();
  const head = sameHead ? copy('classifier.') : [];
  for (const [, p, q] of [...lstm, ...head]) {
    const values = Float32Array.from((await q.value.data()) as Float32Array);
    p.assign(tensor(values, [...p.shape], { backend: p.value.backend }));
  }
  const lstmTensors = lstm.map(([name]) => name);
  const vocabularyWords = tokens.length - SPECIAL_TOKENS.length;
  return { vocabularyWords, matched, coverage: vocabularyWords ? matched / vocabularyWords : 0, lstmTensors, classifierCopied: sameHead };
}

/**
 * @cellstate/seq2seq: encoder-decoder LSTM models for translation: `Seq2Seq`
 * (encoder, bridge, decoder with optional Luong/Bahdanau attention, tied output),
 * `makeBatch`, `trainStep`, `greedyDecode`, `beamSearch`, `corpusBleu`, `perplexity`,
 * and model files with vocabularies (`encodeSeq2SeqModel` / `decodeSeq2SeqModel`).
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready } from '@cellstate/tensor';
 * import { Adam } from '@cellstate/nn';
 * import { Seq2Seq, makeBatch, trainStep, greedyDecode } from '@cellstate/seq2seq';
 * await ready();
 * const model = new Seq2Seq({ sourceVocabSize: 10, targetVocabSize: 10, embeddingSize: 16, hiddenSize: 32, attention: 'general' });
 * const optimizer = new Adam(model, { learningRate: 0.02 });
 * const batch = makeBatch([{ source: [4, 5, 6], target: [6, 5, 4] }]);
 * for (let step = 0; step < 50; step++) trainStep(model, optimizer, batch, { seed: step }).dispose();
 * const [h] = await greedyDecode(model, batch, { maxLength: 10 }); // h.ids: [6, 5, 4]
 * ```
 */
export { resolveConfig, seq2seqParameterCount, SEQ2SEQ_LIMITS, type Seq2SeqConfig, type ResolvedSeq2SeqConfig, type AttentionKind, type BridgeKind } from './config.js';
export { Seq2Seq, type Encoded, type LossOptions } from './seq2seq-model.js';
export { Encoder, type EncoderOptions, type EncoderOutput } from './encoder.js';
export { Decoder, type DecoderOptions, type DecoderState, type DecoderStepOutput } from './decoder.js';
export { Attention, MASKED_SCORE, type AttentionMemory } from './attention.js';
export { makeBatch, type IdPair, type Seq2SeqBatch, type MakeBatchOptions } from './batch.js';
export { greedyDecode, beamSearch, type Hypothesis, type GreedyOptions, type BeamSearchOptions } from './decode.js';
export { trainStep, trainStepChecked, type TrainStepOptions, type CheckedStepResult } from './train.js';
// Re-exported from @cellstate/nn, where they moved: code importing them from here keeps working.
export { SeedStream, dropout, permutation } from '@cellstate/nn';
export { corpusBleu, perplexity, type BleuResult } from './bleu.js';
export {
  encodeSeq2SeqModel,
  decodeSeq2SeqModel,
  toFloat16Bits,
  ModelFileError,
  MODEL_KIND,
  MODEL_VERSION,
  type Preprocessing,
  type LoadedModel,
  type EncodeModelFileOptions,
  type DecodeModelFileOptions,
} from './model-file.js';

/**
 * W8T / W8S: inference throughput of the two sample apps with their SHIPPED models, one
 * pass over the workload's inputs (infer-data.ts) through the public APIs the apps use:
 *
 * - W8T (`translate run`): `decodeSeq2SeqModel` (the 4-bit "Q4" en-fr file), then per
 *   `beamSearch` call of the pass `makeBatch` + `beamSearch(model, batch, { beamSize 5,
 *   lengthPenalty 0.6, maxLength })`, the best hypothesis kept, as
 *   `Translator.translate` (apps/translate/src/translator.ts) does.
 * - W8S (`sentiment run`): `loadClassifier` (@cellstate/sentiment/node), then per
 *   `predict` call of the pass `probabilitiesOf(ids, { batchSize: 128 })`, the label the
 *   argmax, as `SentimentClassifier.predict` does.
 *
 * Tokenisation and encoding happen once, in infer-data.ts (the PyTorch peer reads the
 * same ids), so a pass times the model work: batching, the network, beam search /
 * softmax, reading the results back. Detokenising the translations (a vocabulary lookup
 * per emitted id) is left out on both sides.
 *
 * The caller sets the backend first; the model loads (on that backend) as soon as
 * `inferWorkload` is called, and `run` waits for it, so the first (warm-up) pass
 * includes the load unless the caller awaits `ready` first.
 */
import { readFileSync } from 'node:fs';
import { argmaxOf, type SentimentClassifier } from '@cellstate/sentiment';
import { loadClassifier } from '@cellstate/sentiment/node';
import { beamSearch, decodeSeq2SeqModel, makeBatch, type LoadedModel, type Seq2SeqConfig } from '@cellstate/seq2seq';
import { decodeRowFlops, encodeFlops, sentimentPassFlops } from './infer-flops.js';
import { inferData, modelPath, type InferFile, type InferOutputs, type InferWorkloadId, type SentimentInferFile, type TranslateInferFile } from './infer-data.js';

export interface InferWorkload {
  /** One pass over all inputs; resolves when every output has been read back. */
  run: () => Promise<void>;
  /** Inputs per pass (sentences or texts; blank ones, which the apps skip, not counted). */
  itemsPerRun: number;
  dispose(): void;
  /** Resolves once the model is loaded (`run` waits for it too). */
  ready: Promise<void>;
  /** The outputs of the last pass, in input order (null before the first). */
  lastOutputs(): InferOutputs | null;
  /** Parameters of the loaded model (0 until `ready`). */
  parameters(): number;
  /** The inputs file this workload decodes. */
  file: InferFile;
  /** Useful matmul flops of the last pass (infer-flops.ts), null before the first. */
  flopsPerRun(): number | null;
}

/**
 * The workload `id` with its inputs from `inferData(id)` (the cached file; built from
 * ../shared/data and the shipped model on first use), or from `options.file` (tests).
 */
export function inferWorkload(id: InferWorkloadId, options: { file?: InferFile } = {}): InferWorkload {
  const file = options.file ?? inferData(id);
  if (file.workload !== id) throw new Error(`the inputs file is for ${file.workload}, not ${id}`);
  return id === 'W8T' ? translateWorkload(file as TranslateInferFile) : sentimentWorkload(file as SentimentInferFile);
}

function translateWorkload(file: TranslateInferFile): InferWorkload {
  let loaded: LoadedModel | null = null;
  let disposed = false;
  let last: InferOutputs | null = null;
  const ready = (async () => {
    const buffer = readFileSync(modelPath(file.model));
    const m = await decodeSeq2SeqModel(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), file.model);
    if (disposed) m.model.dispose();
    else loaded = m;
  })();
  const { beamSize, lengthPenalty } = file.spec;
  const config = file.config as unknown as Seq2SeqConfig;
  let flops: number | null = null;
  return {
    file,
    ready,
    flopsPerRun: () => flops,
    itemsPerRun: file.batches.reduce((n, b) => n + b.items.length, 0),
    parameters: () => loaded?.model.parameterCount() ?? 0,
    lastOutputs: () => last,
    run: async () => {
      await ready;
      const { model } = loaded!;
      const backend = model.encoder.embedding.weight.value.backend;
      const outputs: Extract<InferOutputs, { workload: 'W8T' }>['outputs'] = file.sentences.map(() => null);
      // The beam rows each decoder step runs: counted here, on the instance (the decoding is the library's).
      let rows = 0;
      const decoder = model.decoder;
      const step = decoder.step;
      decoder.step = (ids, ...rest) => {
        rows += ids.shape[0]!;
        return step.call(decoder, ids, ...rest);
      };
      let passFlops = 0;
      try {
        for (const b of file.batches) {
          const batch = makeBatch(b.items.map((i) => ({ source: file.ids[i]! })), { reverseSource: model.config.reverseSource, backend });
          const S = batch.source.shape[0]!;
          rows = 0;
          try {
            const lists = await beamSearch(model, batch, { beamSize, maxLength: b.maxLength, returnAttention: false, lengthPenalty });
            b.items.forEach((item, k) => {
              const h = lists[k]![0]!;
              outputs[item] = { ids: h.ids, logProb: h.logProb, score: h.score, finished: h.finished };
            });
            passFlops += encodeFlops(config, S, b.items.length) + rows * decodeRowFlops(config, S);
          } finally {
            batch.dispose();
          }
        }
      } finally {
        delete (decoder as { step?: unknown }).step;
      }
      flops = passFlops;
      last = { workload: 'W8T', outputs };
    },
    dispose: () => {
      disposed = true;
      loaded?.model.dispose();
      loaded = null;
    },
  };
}

function sentimentWorkload(file: SentimentInferFile): InferWorkload {
  let clf: SentimentClassifier | null = null;
  let disposed = false;
  let last: InferOutputs | null = null;
  const ready = (async () => {
    const c = await loadClassifier(modelPath(file.model));
    if (disposed) c.dispose();
    else clf = c;
  })();
  const flops = sentimentPassFlops(file);
  return {
    file,
    ready,
    flopsPerRun: () => (last ? flops : null),
    itemsPerRun: file.calls.reduce((n, c) => n + c.items.length, 0),
    parameters: () => clf?.model.parameters().reduce((n, p) => n + p.value.size, 0) ?? 0,
    lastOutputs: () => last,
    run: async () => {
      await ready;
      const outputs: Extract<InferOutputs, { workload: 'W8S' }>['outputs'] = file.texts.map(() => null);
      for (const call of file.calls) {
        const probs = await clf!.probabilitiesOf(call.items.map((i) => file.ids[i]!), { batchSize: file.spec.batchSize });
        call.items.forEach((item, k) => {
          const p = probs[k]!;
          outputs[item] = { label: argmaxOf(p), probabilities: Array.from(p) };
        });
      }
      last = { workload: 'W8S', outputs };
    },
    dispose: () => {
      disposed = true;
      clf?.dispose();
      clf = null;
    },
  };
}

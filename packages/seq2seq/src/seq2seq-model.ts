import { crossEntropyLoss, Linear, Module, SeedStream } from '@cellstate/nn';
import {
  argmax,
  ArgumentError,
  gather,
  reshape,
  scope,
  slice,
  stack,
  sum,
  tanh,
  tensor,
  transpose,
  type Tensor,
} from '@cellstate/tensor';
import { PAD_ID } from '@cellstate/text';
import type { AttentionMemory } from './attention.js';
import type { Seq2SeqBatch } from './batch.js';
import { resolveConfig, type ResolvedSeq2SeqConfig, type Seq2SeqConfig } from './config.js';
import { Decoder, type DecoderState } from './decoder.js';
import { Encoder } from './encoder.js';

/** What `encode` returns: the decoder's initial state and the attention memory. */
export interface Encoded {
  state: DecoderState;
  /** Null without attention. */
  memory: AttentionMemory | null;
  sourceLengths: number[];
}

/** Options of `Seq2Seq.loss`. */
export interface LossOptions {
  /**
   * Seed of this step's random decisions (dropout masks, teacher-forcing coins). Null
   * (the default) evaluates: no dropout, full teacher forcing.
   */
  seed?: number | null;
  /** Probability of feeding the gold previous token rather than the model's own argmax (default 1). */
  teacherForcing?: number;
  /** Label smoothing ε of the cross-entropy (default 0). */
  labelSmoothing?: number;
  /**
   * Shortlist softmax (training speed-up, after Jean et al. 2015): normalise over the
   * target ids below `shortlist` (the most frequent words, since vocabularies are
   * frequency-ordered) plus every id that occurs in the batch's targets, instead of the
   * whole vocabulary. 0 or >= V: the full softmax (default). Decoding always uses the
   * full softmax.
   */
  shortlist?: number;
}

/**
 * An encoder-decoder LSTM translation model (Sutskever et al. 2014; Luong et al. 2015;
 * Bahdanau et al. 2015). Parameter names (PyTorch's): `encoder.embedding.weight`,
 * `encoder.rnn.weight_ih_l0`, `encoder.rnn.weight_ih_l1_reverse`, …, `bridge_h.weight`,
 * `decoder.attention.W.weight`, `decoder.combine.weight`, `decoder.output.weight`.
 * Files that name the LSTM weights `rnn.layer<l>.weight_ih_l0` (written before the
 * encoder and decoder used one multi-layer LSTM) load too (`upgradeParameterName`).
 *
 * @example
 * ```ts
 * const model = new Seq2Seq({ sourceVocabSize: 100, targetVocabSize: 120, embeddingSize: 32, hiddenSize: 64, attention: 'general' });
 * const batch = makeBatch(pairs);
 * const loss = scope(() => {
 *   const l = model.loss(batch, { seed: step }).loss;
 *   optimizer.step(backward(l));
 *   return l;
 * });
 * const [best] = await greedyDecode(model, makeBatch([{ source: ids }]), { maxLength: 20 });
 * ```
 */
export class Seq2Seq extends Module {
  readonly config: ResolvedSeq2SeqConfig;
  readonly encoder: Encoder;
  readonly decoder: Decoder;
  readonly #bridgeH: Linear | null;
  readonly #bridgeC: Linear | null;

  constructor(config: Seq2SeqConfig) {
    super();
    const c = resolveConfig(config);
    this.config = c;
    const D = c.bidirectional ? 2 : 1;
    this.encoder = this.addModule(
      'encoder',
      new Encoder({
        vocabSize: c.sourceVocabSize,
        embeddingSize: c.embeddingSize,
        hiddenSize: c.hiddenSize,
        numLayers: c.numLayers,
        bidirectional: c.bidirectional,
        dropout: c.dropout,
        seed: c.seed * 101 + 1,
      }),
    );
    if (c.bridge === 'linear') {
      this.#bridgeH = this.addModule('bridge_h', new Linear(D * c.hiddenSize, c.decoderHiddenSize, { seed: c.seed * 101 + 2 }));
      this.#bridgeC = this.addModule('bridge_c', new Linear(D * c.hiddenSize, c.decoderHiddenSize, { seed: c.seed * 101 + 3 }));
    } else {
      this.#bridgeH = null;
      this.#bridgeC = null;
    }
    this.decoder = this.addModule(
      'decoder',
      new Decoder({
        vocabSize: c.targetVocabSize,
        embeddingSize: c.embeddingSize,
        hiddenSize: c.decoderHiddenSize,
        numLayers: c.numLayers,
        memorySize: D * c.hiddenSize,
        attention: c.attention,
        dropout: c.dropout,
        tieEmbeddings: c.tieEmbeddings,
        seed: c.seed * 101 + 4,
      }),
    );
  }

  /** Runs the encoder and the bridge. `stream` null = no dropout. */
  encode(batch: Pick<Seq2SeqBatch, 'source' | 'sourceLengths'>, stream: SeedStream | null = null): Encoded {
    return scope(() => {
      const { outputs, h, c: cell } = this.encoder.forward(batch.source, batch.sourceLengths, stream);
      const state = { h: this.#bridge(h, this.#bridgeH, true), c: this.#bridge(cell, this.#bridgeC, false) };
      let memory: AttentionMemory | null = null;
      if (this.decoder.attention) {
        const [S, B] = batch.source.shape as [number, number];
        const mask = new Float32Array(B * S);
        batch.sourceLengths.forEach((n, b) => mask.fill(1, b * S, b * S + n));
        memory = this.decoder.attention.prepare(transpose(outputs, [1, 0, 2]), tensor(mask, [B, 1, S], { backend: batch.source.backend }));
      }
      return { state, memory, sourceLengths: [...batch.sourceLengths] };
    });
  }

  /** Encoder states [L·D, B, He] -> decoder states [L, B, Hd] (see `BridgeKind`). */
  #bridge(states: Tensor, linear: Linear | null, isHidden: boolean): Tensor {
    const c = this.config;
    const L = c.numLayers;
    const B = states.shape[1]!;
    const He = c.hiddenSize;
    const D = c.bidirectional ? 2 : 1;
    switch (c.bridge) {
      case 'identity':
        return reshape(states, states.shape);
      case 'sum':
        return sum(reshape(states, [L, 2, B, He]), 1);
      case 'concat':
        return reshape(transpose(reshape(states, [L, 2, B, He]), [0, 2, 1, 3]), [L, B, 2 * He]);
      case 'linear': {
        const joined = D === 1 ? states : reshape(transpose(reshape(states, [L, D, B, He]), [0, 2, 1, 3]), [L, B, D * He]);
        const projected = linear!.forward(joined);
        return isHidden ? tanh(projected) : projected;
      }
    }
  }

  /**
   * Logits [B, T, V] for a batch with targets. Full teacher forcing with Luong or no
   * attention runs the decoder as one sequence; otherwise step by step, feeding the
   * model's own argmax where the coin (per step, for the whole batch, drawn from `seed`)
   * says so.
   */
  logits(batch: Seq2SeqBatch, options: LossOptions = {}, candidates?: Tensor): Tensor {
    if (!batch.targetIn) throw new ArgumentError('Seq2Seq.logits', 'the batch has no targets');
    const stream = options.seed === undefined || options.seed === null ? null : new SeedStream(options.seed);
    const teacherForcing = stream ? (options.teacherForcing ?? 1) : 1;
    return scope(() => {
      const encoded = this.encode(batch, stream);
      const targetIn = batch.targetIn!;
      if (teacherForcing >= 1 && this.config.attention !== 'additive') {
        const { outputs } = this.decoder.forwardSequence(targetIn, encoded.state, encoded.memory, stream);
        return this.decoder.logits(outputs, candidates);
      }
      const [T, B] = targetIn.shape as [number, number];
      let state = encoded.state;
      let previous: Tensor | null = null;
      const steps: Tensor[] = [];
      for (let t = 0; t < T; t++) {
        const gold = reshape(slice(targetIn, [t, 0], [1, B]), [B]);
        const useGold = t === 0 || previous === null || teacherForcing >= 1 || stream!.uniform() < teacherForcing;
        const ids = useGold ? gold : previous!;
        const out = this.decoder.step(ids, state, encoded.memory, stream);
        state = out.state;
        if (teacherForcing >= 1) {
          // Nothing feeds back from the logits: project all steps at once after the loop
          // (one [B·T, H] x [H, V] matmul instead of T small ones, no per-step gradient
          // sums of the output layer, no concatenation of [B, V] logits).
          steps.push(out.output);
          continue;
        }
        const logits = this.decoder.logits(out.output, candidates);
        steps.push(logits);
        previous = candidates ? gather(candidates, argmax(logits, -1), 0) : argmax(logits, -1);
      }
      return teacherForcing >= 1 ? this.decoder.logits(stack(steps, 1), candidates) : stack(steps, 1);
    });
  }

  /**
   * Mean cross-entropy per real target token (`<eos>` included, padding ignored) and
   * the number of tokens it averages over. Differentiable; call inside `scope()`.
   */
  loss(batch: Seq2SeqBatch, options: LossOptions = {}): { loss: Tensor; tokens: number } {
    return scope(() => {
      const V = this.config.targetVocabSize;
      const shortlist = options.shortlist ?? 0;
      let candidates: Tensor | undefined;
      let labelsBT = transpose(batch.targetOut!, [1, 0]);
      if (shortlist > 0 && shortlist < V && batch.targetOutIds) {
        // Candidate c -> target id; ids below the shortlist keep their index (so PAD stays 0).
        const extra = [...new Set(batch.targetOutIds)].filter((id) => id >= shortlist).sort((a, b) => a - b);
        const ids = new Int32Array(shortlist + extra.length);
        for (let i = 0; i < shortlist; i++) ids[i] = i;
        extra.forEach((id, i) => (ids[shortlist + i] = id));
        const position = new Map(extra.map((id, i) => [id, shortlist + i]));
        const remapped = batch.targetOutIds.map((id) => (id < shortlist ? id : position.get(id)!));
        const backend = batch.source.backend;
        candidates = tensor(ids, [ids.length], { dtype: 'int32', backend });
        labelsBT = transpose(tensor(remapped, [...batch.targetOut!.shape], { dtype: 'int32', backend }), [1, 0]);
      }
      const logits = this.logits(batch, options, candidates);
      const [B, T, C] = logits.shape as [number, number, number];
      const loss = crossEntropyLoss(reshape(logits, [B * T, C]), reshape(labelsBT, [B * T]), { ignoreIndex: PAD_ID, labelSmoothing: options.labelSmoothing ?? 0 });
      return { loss, tokens: batch.targetTokens };
    });
  }

  /** Number of trainable values. */
  override parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.value.size, 0);
  }
}

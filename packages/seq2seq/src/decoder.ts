import type { LSTM } from '@cellstate/lstm';
import { Embedding, Linear, Module, Parameter, dropout, type SeedStream } from '@cellstate/nn';
import { add, concat, gather, matmul, reshape, scope, slice, tanh, transpose, zeros, type Tensor } from '@cellstate/tensor';
import { PAD_ID } from '@cellstate/text';
import { Attention, type AttentionMemory } from './attention.js';
import type { AttentionKind } from './config.js';
import { interLayerDropoutSeed, seq2seqLstm, upgradeRnnName } from './rnn.js';

export interface DecoderOptions {
  vocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  numLayers: number;
  /** Size of the encoder outputs attention reads (D · encoder hidden). */
  memorySize: number;
  attention: AttentionKind;
  dropout: number;
  tieEmbeddings: boolean;
  seed: number;
}

/** Decoder state: h and c [L, B, H]. */
export interface DecoderState {
  h: Tensor;
  c: Tensor;
}

export interface DecoderStepOutput {
  /** [B, H]: the vector the output layer reads (attentional hidden state with attention). */
  output: Tensor;
  state: DecoderState;
  /** [B, S] attention weights, or null without attention. */
  weights: Tensor | null;
}

/**
 * Embedding + stacked LSTM initialised from the encoder's states, optional attention,
 * and the output layer.
 *
 * - Luong (`dot`, `general`): h_t = LSTM(y_{t-1}); c_t = attention(h_t);
 *   h̃_t = tanh(W_c [c_t; h_t]); logits = W_o h̃_t. With full teacher forcing the whole
 *   target runs as one LSTM sequence and attention is one batched matmul.
 * - Bahdanau (`additive`): c_t = attention(s_{t-1}) from the previous top hidden state;
 *   s_t = LSTM([y_{t-1}; c_t]); h̃_t = tanh(W_c [c_t; s_t]); logits = W_o h̃_t (step by step).
 * - `none`: logits = W_o h_t.
 *
 * Dropout (explicit seeds) on the embeddings, between LSTM layers and on h̃ before the
 * output layer. With `tieEmbeddings` the output weight is the target embedding
 * (through a Linear H → E when H ≠ E) plus its own bias.
 */
export class Decoder extends Module {
  readonly options: DecoderOptions;
  readonly embedding: Embedding;
  readonly rnn: LSTM;
  readonly attention: Attention | null;
  readonly #combine: Linear | null;
  readonly #projection: Linear | null;
  readonly #output: Linear | null;
  readonly #outputBias: Parameter | null;

  constructor(options: DecoderOptions) {
    super();
    this.options = options;
    const { vocabSize: V, embeddingSize: E, hiddenSize: H, memorySize: K, seed } = options;
    this.embedding = this.addModule('embedding', new Embedding(V, E, { paddingIdx: PAD_ID, seed: seed * 17 + 1 }));
    const inputSize = options.attention === 'additive' ? E + K : E;
    this.rnn = this.addModule('rnn', seq2seqLstm({ inputSize, hiddenSize: H, numLayers: options.numLayers, dropout: options.dropout, seed: seed * 17 + 2 }));
    if (options.attention !== 'none') {
      this.attention = this.addModule('attention', new Attention(options.attention, { querySize: H, keySize: K, seed: seed * 17 + 3 }));
      this.#combine = this.addModule('combine', new Linear(K + H, H, { bias: false, seed: seed * 17 + 4 }));
    } else {
      this.attention = null;
      this.#combine = null;
    }
    if (options.tieEmbeddings) {
      this.#projection = H === E ? null : this.addModule('projection', new Linear(H, E, { bias: false, seed: seed * 17 + 5 }));
      this.#output = null;
      this.#outputBias = this.addParameter('output_bias', zeros([V]));
    } else {
      this.#projection = null;
      this.#output = this.addModule('output', new Linear(H, V, { seed: seed * 17 + 6 }));
      this.#outputBias = null;
    }
  }

  /**
   * Decoder outputs [..., H] -> logits [..., V], or [..., C] over the target ids in
   * `candidates` (int32 [C]) only: the shortlist softmax used to train faster.
   */
  logits(output: Tensor, candidates?: Tensor): Tensor {
    return scope(() => {
      const V = candidates ? candidates.shape[0]! : this.options.vocabSize;
      let weight: Tensor;
      let bias: Tensor;
      let x = output;
      if (this.#output) {
        if (!candidates) return this.#output.forward(output);
        weight = gather(this.#output.weight.value, candidates, 0);
        bias = gather(this.#output.bias!.value, candidates, 0);
      } else {
        if (this.#projection) x = this.#projection.forward(output);
        weight = candidates ? gather(this.embedding.weight.value, candidates, 0) : this.embedding.weight.value;
        bias = candidates ? gather(this.#outputBias!.value, candidates, 0) : this.#outputBias!.value;
      }
      const width = x.shape[x.rank - 1]!;
      const y = add(matmul(reshape(x, [-1, width]), weight, { transposeB: true }), bias);
      return reshape(y, [...x.shape.slice(0, -1), V]);
    });
  }

  /**
   * Teacher-forced outputs for a whole target at once (Luong attention or none):
   * targetIn int32 [T, B] (`<bos>` y₁ … y_{n-1}) -> outputs [B, T, H] and the attention
   * weights [B, T, S] (null without attention).
   */
  forwardSequence(targetIn: Tensor, state: DecoderState, memory: AttentionMemory | null, stream: SeedStream | null): { outputs: Tensor; weights: Tensor | null } {
    if (this.options.attention === 'additive') throw new Error('internal: additive attention decodes step by step');
    return scope(() => {
      const embedded = dropout(this.embedding.forward(targetIn), this.options.dropout, stream);
      const { output } = this.rnn.forward(embedded, { state, dropoutSeed: interLayerDropoutSeed(this.rnn, stream) });
      const hidden = transpose(output, [1, 0, 2]); // [B, T, H]
      if (!this.attention || !memory) return { outputs: dropout(hidden, this.options.dropout, stream), weights: null };
      const { context, weights } = this.attention.attend(hidden, memory);
      const attentional = tanh(this.#combine!.forward(concat([context, hidden], -1)));
      return { outputs: dropout(attentional, this.options.dropout, stream), weights };
    });
  }

  /** One step: ids int32 [B] (previous tokens) -> output [B, H], new state, weights [B, S]. */
  step(ids: Tensor, state: DecoderState, memory: AttentionMemory | null, stream: SeedStream | null): DecoderStepOutput {
    return scope(() => {
      const B = ids.shape[0]!;
      const H = this.options.hiddenSize;
      const L = this.options.numLayers;
      const embedded = dropout(this.embedding.forward(ids), this.options.dropout, stream); // [B, E]
      let input = embedded;
      let context: Tensor | null = null;
      let weights: Tensor | null = null;
      if (this.options.attention === 'additive' && this.attention && memory) {
        const previousTop = reshape(slice(state.h, [L - 1, 0, 0], [1, B, H]), [B, 1, H]);
        const attended = this.attention.attend(previousTop, memory);
        context = reshape(attended.context, [B, -1]);
        weights = reshape(attended.weights, [B, -1]);
        input = concat([embedded, context], -1);
      }
      const r = this.rnn.forward(reshape(input, [1, B, input.shape[1]!]), { state, dropoutSeed: interLayerDropoutSeed(this.rnn, stream) });
      const hidden = reshape(r.output, [B, H]);
      let output = hidden;
      if (this.attention && memory) {
        if (this.options.attention !== 'additive') {
          const attended = this.attention.attend(reshape(hidden, [B, 1, H]), memory);
          context = reshape(attended.context, [B, -1]);
          weights = reshape(attended.weights, [B, -1]);
        }
        output = tanh(this.#combine!.forward(concat([context!, hidden], -1)));
      }
      return { output: dropout(output, this.options.dropout, stream), state: { h: r.h, c: r.c }, weights };
    });
  }

  /** Files written when the layers were separate LSTMs name them `rnn.layer<l>.*_l0`. */
  override upgradeParameterName(name: string): string {
    return super.upgradeParameterName(upgradeRnnName(name));
  }
}

import type { LSTM } from '@cellstate/lstm';
import { Embedding, Module, dropout, type SeedStream } from '@cellstate/nn';
import { scope, type Tensor } from '@cellstate/tensor';
import { PAD_ID } from '@cellstate/text';
import { interLayerDropoutSeed, seq2seqLstm, upgradeRnnName } from './rnn.js';

export interface EncoderOptions {
  vocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  dropout: number;
  seed: number;
}

export interface EncoderOutput {
  /** [S, B, D·H]: top-layer outputs, zero at padded steps. */
  outputs: Tensor;
  /** [L·D, B, H]: final hidden states (each sample's last real step), PyTorch's order. */
  h: Tensor;
  /** [L·D, B, H]: final cell states. */
  c: Tensor;
}

/**
 * Embedding (padding id 0) + stacked, optionally bidirectional LSTM over padded
 * source batches with per-sample lengths. Parameters carry PyTorch's names
 * (`embedding.weight`, `rnn.weight_ih_l1_reverse`).
 *
 * @example
 * ```ts
 * const encoder = new Encoder({ vocabSize: 8000, embeddingSize: 256, hiddenSize: 256, numLayers: 2, bidirectional: true, dropout: 0.2, seed: 1 });
 * const { outputs, h, c } = encoder.forward(sourceIds, [7, 5, 2], null); // sourceIds int32 [S, B]
 * ```
 */
export class Encoder extends Module {
  readonly embedding: Embedding;
  readonly rnn: LSTM;
  readonly options: EncoderOptions;

  constructor(options: EncoderOptions) {
    super();
    this.options = options;
    this.embedding = this.addModule('embedding', new Embedding(options.vocabSize, options.embeddingSize, { paddingIdx: PAD_ID, seed: options.seed * 13 + 1 }));
    this.rnn = this.addModule(
      'rnn',
      seq2seqLstm({
        inputSize: options.embeddingSize,
        hiddenSize: options.hiddenSize,
        numLayers: options.numLayers,
        bidirectional: options.bidirectional,
        dropout: options.dropout,
        seed: options.seed * 13 + 2,
      }),
    );
  }

  /** source int32 [S, B]; `stream` null = no dropout (evaluation). */
  forward(source: Tensor, lengths: readonly number[], stream: SeedStream | null): EncoderOutput {
    return scope(() => {
      const embedded = dropout(this.embedding.forward(source), this.options.dropout, stream);
      const { output, h, c } = this.rnn.forward(embedded, { lengths, dropoutSeed: interLayerDropoutSeed(this.rnn, stream) });
      return { outputs: output, h, c };
    });
  }

  /** Files written when the layers were separate LSTMs name them `rnn.layer<l>.*_l0`. */
  override upgradeParameterName(name: string): string {
    return super.upgradeParameterName(upgradeRnnName(name));
  }
}

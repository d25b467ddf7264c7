import { LSTM } from '@cellstate/lstm';
import type { SeedStream } from '@cellstate/nn';

/**
 * The LSTM inside the encoder and the decoder: one `LSTM` with `numLayers`, so its
 * parameters carry PyTorch's names (`rnn.weight_ih_l1`), with every inter-layer
 * dropout mask seeded by the caller's `SeedStream` (`interLayerDropoutSeed`), so a
 * resumed training run draws the masks an uninterrupted one draws.
 */
export function seq2seqLstm(options: { inputSize: number; hiddenSize: number; numLayers: number; bidirectional?: boolean; dropout: number; seed: number }): LSTM {
  return new LSTM({
    inputSize: options.inputSize,
    hiddenSize: options.hiddenSize,
    numLayers: options.numLayers,
    bidirectional: options.bidirectional ?? false,
    dropout: options.dropout,
    // The first layer's seed when the layers were separate one-layer LSTMs (layer l
    // had seed * 31 + l): one-layer models keep their initial weights.
    seed: options.seed * 31,
    callerDropoutSeeds: true,
  });
}

/**
 * The seed of one forward call's inter-layer dropout: the stream's next seed when the
 * LSTM has dropout between layers, else null, leaving the stream where it was (so
 * one-layer models draw what they always drew).
 */
export function interLayerDropoutSeed(lstm: LSTM, stream: SeedStream | null): number | null {
  const { dropout, numLayers } = lstm.options;
  return stream && dropout > 0 && numLayers > 1 ? stream.next() : null;
}

const STACKED_NAME = /^rnn\.layer(\d+)\.(weight|bias)_(ih|hh)_l0(_reverse)?$/;

/**
 * The current name of an encoder or decoder parameter written by versions that
 * stacked one-layer LSTMs (`rnn.layer1.weight_ih_l0` -> `rnn.weight_ih_l1`,
 * `rnn.layer0.bias_hh_l0_reverse` -> `rnn.bias_hh_l0_reverse`); other names unchanged.
 */
export function upgradeRnnName(name: string): string {
  const m = STACKED_NAME.exec(name);
  return m ? `rnn.${m[2]}_${m[3]}_l${m[1]}${m[4] ?? ''}` : name;
}

import { ArgumentError } from '@cellstate/tensor';

/** Options of an LSTM layer, named as PyTorch's `nn.LSTM` names them. */
export interface LstmOptions {
  inputSize: number;
  hiddenSize: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Run a second LSTM over the reversed sequence and concatenate (default false). */
  bidirectional?: boolean;
  /** Input and output are [B, T, ·] instead of [T, B, ·] (default false). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Biases (default true). */
  bias?: boolean;
  /** Seed of the initialisation and of dropout (default 0). */
  seed?: number;
  /**
   * Initial value of the forget-gate bias (added to bias_ih; bias_hh's forget part is
   * 0). Unset: PyTorch's uniform init. 1 is the classic choice (Jozefowicz et al. 2015).
   */
  forgetBias?: number;
}

export type ResolvedLstmOptions = Required<Omit<LstmOptions, 'forgetBias'>> & { forgetBias?: number };

export function resolveLstmOptions(options: LstmOptions): ResolvedLstmOptions {
  const r = {
    numLayers: 1,
    bidirectional: false,
    batchFirst: false,
    dropout: 0,
    bias: true,
    seed: 0,
    ...options,
  };
  const positive = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError('LSTM', `${name} must be a positive integer, got ${v}`);
  };
  positive('inputSize', r.inputSize);
  positive('hiddenSize', r.hiddenSize);
  positive('numLayers', r.numLayers);
  if (!(r.dropout >= 0 && r.dropout < 1)) throw new ArgumentError('LSTM', `dropout must be in [0, 1), got ${r.dropout}`);
  return r;
}

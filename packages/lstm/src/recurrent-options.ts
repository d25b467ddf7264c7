import { ArgumentError } from '@cellstate/tensor';

/** The options every recurrent layer shares, named as PyTorch's `nn.LSTM` / `nn.GRU` name them. */
export interface RecurrentOptions {
  inputSize: number;
  hiddenSize: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Run a second layer over the reversed sequence and concatenate (default false). */
  bidirectional?: boolean;
  /** Input and output are [B, T, ·] instead of [T, B, ·] (default false). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Biases `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
  /** Seed of the initialisation and of dropout (default 0). */
  seed?: number;
  /**
   * Inter-layer dropout only with a seed from the caller (`forward`'s `dropoutSeed`),
   * none without one, and no call counter in `randomState()` (default false). For a
   * model that draws every random decision from (run seed, step) and so resumes
   * exactly with nothing saved but the step.
   */
  callerDropoutSeeds?: boolean;
}

/**
 * Fills the shared defaults and checks the sizes and dropout, naming the layer (`op`) in
 * the error. Options beyond the shared ones pass through unchanged.
 */
export function resolveRecurrentOptions<O extends RecurrentOptions>(op: string, options: O): O & Required<RecurrentOptions> {
  const r = { numLayers: 1, bidirectional: false, batchFirst: false, dropout: 0, bias: true, seed: 0, callerDropoutSeeds: false, ...options };
  for (const name of ['inputSize', 'hiddenSize', 'numLayers'] as const) {
    const v = r[name];
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(op, `${name} must be a positive integer, got ${v}`);
  }
  if (!(r.dropout >= 0 && r.dropout < 1)) throw new ArgumentError(op, `dropout must be in [0, 1), got ${r.dropout}`);
  return r;
}

import { ArgumentError } from '@cellstate/tensor';

/** Options of a GRU layer, named as PyTorch's `nn.GRU` names them. */
export interface GruOptions {
  inputSize: number;
  hiddenSize: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Run a second GRU over the reversed sequence and concatenate (default false). */
  bidirectional?: boolean;
  /** Input and output are [B, T, ·] instead of [T, B, ·] (default false). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Biases `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
  /** Seed of the initialisation and of dropout (default 0). */
  seed?: number;
}

export type ResolvedGruOptions = Required<GruOptions>;

export function resolveGruOptions(options: GruOptions): ResolvedGruOptions {
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
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError('GRU', `${name} must be a positive integer, got ${v}`);
  };
  positive('inputSize', r.inputSize);
  positive('hiddenSize', r.hiddenSize);
  positive('numLayers', r.numLayers);
  if (!(r.dropout >= 0 && r.dropout < 1)) throw new ArgumentError('GRU', `dropout must be in [0, 1), got ${r.dropout}`);
  return r;
}

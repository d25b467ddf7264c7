// lstmSequence's arguments and results, apart from the op so that its reference
// implementation (backend/fused-reference.ts), which the op calls, can name them too.
import type { Tensor } from '../tensor.js';

/** Inputs of `lstmSequence`. Letters: T steps, B batch, I input size, H hidden size. */
export interface LstmSequenceInput {
  /** [T, B, I] */
  x: Tensor;
  /** [4H, I], gate order i, f, g, o (PyTorch's `weight_ih_l{k}`) */
  wIh: Tensor;
  /** [4H, H] */
  wHh: Tensor;
  /** [4H]: bias_ih + bias_hh */
  bias: Tensor;
  /** [B, H] */
  h0: Tensor;
  /** [B, H] */
  c0: Tensor;
  /** int32 [B]: real steps per sample; later steps keep the state and output zeros. */
  lengths?: Tensor;
  /** Process t = T-1 .. 0 (the backward direction of a bidirectional layer). */
  reverse?: boolean;
}

/**
 * Inputs of `lstmSequenceEmbedded`: an LSTM whose input at (t, b) is row ids[t, b] of an
 * embedding, with that embedding folded into the input projection beforehand.
 */
export interface LstmSequenceEmbeddedInput {
  /** [V, 4H]: x·Wihᵀ + bias for each of the V embedding rows x (gate order i, f, g, o) */
  table: Tensor;
  /** int32 [T, B], each in [0, V) */
  ids: Tensor;
  /** [4H, H] */
  wHh: Tensor;
  /** [B, H] */
  h0: Tensor;
  /** [B, H] */
  c0: Tensor;
  /** int32 [B]: real steps per sample; later steps keep the state and output zeros. */
  lengths?: Tensor;
  /** Process t = T-1 .. 0. */
  reverse?: boolean;
}

export interface LstmSequenceOutput {
  /** [T, B, H] hidden state at every step (0 at padded steps) */
  y: Tensor;
  /** [B, H] hidden state after each sample's last real step */
  hT: Tensor;
  /** [B, H] cell state after each sample's last real step */
  cT: Tensor;
}

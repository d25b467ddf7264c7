// gruSequence's arguments and results, apart from the op so that its reference
// implementation (backend/fused-reference.ts), which the op calls, can name them too.
import type { Tensor } from '../tensor.js';

/** Inputs of `gruSequence`. Letters: T steps, B batch, I input size, H hidden size. */
export interface GruSequenceInput {
  /** [T, B, I] */
  x: Tensor;
  /** [3H, I], gate order r, z, n (PyTorch's `weight_ih_l{k}`) */
  wIh: Tensor;
  /** [3H, H] */
  wHh: Tensor;
  /** [3H] (PyTorch's `bias_ih_l{k}`); omitted: no input bias */
  bIh?: Tensor;
  /** [3H] (PyTorch's `bias_hh_l{k}`, inside the reset gate's product for n); omitted: no recurrent bias */
  bHh?: Tensor;
  /** [B, H] */
  h0: Tensor;
  /** int32 [B]: real steps per sample; later steps keep the state and output zeros. */
  lengths?: Tensor;
  /** Process t = T-1 .. 0 (the backward direction of a bidirectional layer). */
  reverse?: boolean;
}

export interface GruSequenceOutput {
  /** [T, B, H] hidden state at every step (0 at padded steps) */
  y: Tensor;
  /** [B, H] hidden state after each sample's last real step */
  hT: Tensor;
}

import type { Tensor } from '@cellstate/tensor';

/** The recurrent state: hidden state h and cell state c. */
export interface LstmState {
  /** Hidden state: the output of the last step. */
  h: Tensor;
  /** Cell state: the memory carried along the sequence. */
  c: Tensor;
}

import { LSTM, type LstmState } from '@cellstate/lstm';
import { Module } from '@cellstate/nn';
import { concat, reshape, scope, slice, type Tensor } from '@cellstate/tensor';
import { dropout, type SeedStream } from './random.js';

/**
 * Layers of single-layer `LSTM`s with dropout between them drawn from an explicit
 * `SeedStream` (so a resumed training run draws the same masks; `LSTM`'s built-in
 * dropout counts its calls instead). Parameters are named `layer<l>.weight_ih_l0`, ...
 * Shapes: x [T, B, I]; state h, c [L·D, B, H] in PyTorch's order (l0, l0_reverse, l1, …).
 */
export class StackedLstm extends Module {
  readonly layers: LSTM[] = [];
  readonly directions: number;
  readonly hiddenSize: number;
  readonly dropout: number;

  constructor(options: { inputSize: number; hiddenSize: number; numLayers: number; bidirectional?: boolean; dropout?: number; seed: number }) {
    super();
    this.directions = options.bidirectional ? 2 : 1;
    this.hiddenSize = options.hiddenSize;
    this.dropout = options.dropout ?? 0;
    for (let l = 0; l < options.numLayers; l++) {
      const inputSize = l === 0 ? options.inputSize : options.hiddenSize * this.directions;
      this.layers.push(
        this.addModule(
          `layer${l}`,
          new LSTM({ inputSize, hiddenSize: options.hiddenSize, bidirectional: options.bidirectional ?? false, seed: options.seed * 31 + l }),
        ),
      );
    }
  }

  /**
   * Runs every layer. `lengths` as in `LSTM.forward` (padded steps output zeros; final
   * states are taken at each sample's last real step). `stream` null = no dropout.
   */
  forward(x: Tensor, options: { state?: LstmState; lengths?: readonly number[]; stream: SeedStream | null }): { output: Tensor; h: Tensor; c: Tensor } {
    return scope(() => {
      const D = this.directions;
      const B = x.shape[1]!;
      const H = this.hiddenSize;
      const hs: Tensor[] = [];
      const cs: Tensor[] = [];
      let input = x;
      this.layers.forEach((lstm, l) => {
        if (l > 0) input = dropout(input, this.dropout, options.stream);
        const state = options.state
          ? { h: slice(options.state.h, [l * D, 0, 0], [D, B, H]), c: slice(options.state.c, [l * D, 0, 0], [D, B, H]) }
          : undefined;
        const r = lstm.forward(input, { ...(state ? { state } : {}), ...(options.lengths ? { lengths: options.lengths } : {}) });
        hs.push(r.h);
        cs.push(r.c);
        input = r.output;
      });
      const join = (parts: Tensor[]) => (parts.length === 1 ? reshape(parts[0]!, parts[0]!.shape) : concat(parts, 0));
      return { output: input === x ? reshape(x, x.shape) : input, h: join(hs), c: join(cs) };
    });
  }
}

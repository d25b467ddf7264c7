import { ArgumentError, Tensor, scope } from '@cellstate/tensor';
import { Module } from './module.js';
import { isRecurrentOutput, type SequenceContext } from './layers/sequence.js';

/**
 * A layer `Sequential` can hold: a module with a `forward(input, context?)`. Linear,
 * Dropout, Embedding, LSTM, GRU, LastStep and AllSteps all fit.
 */
export type SequentialLayer = Module & { forward(input: never, context?: never): unknown };

/** Options of one `Sequential.forward` call. */
export interface SequentialForwardOptions extends SequenceContext {}

/** Called after each layer with its index and what it returned (for `summary`). */
export type LayerVisitor = (index: number, layer: SequentialLayer, output: unknown) => void;

/**
 * Layers applied one after another, Keras' `Sequential`. The layers are registered as
 * children '0', '1', ..., so parameter names are PyTorch's (`0.weight_ih_l0`,
 * `2.weight`) and checkpoints, optimizers and `summary` see them.
 *
 * Between layers: a recurrent layer's `{ output, h, c }` goes whole to `LastStep` /
 * `AllSteps` (which pick the final state or every step) and as `.output` to any other
 * layer. With `lengths`, every layer is called as `forward(x, { lengths })`: LSTM, GRU
 * and LastStep use them, Linear and Dropout ignore them.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready, zeros } from '@cellstate/tensor';
 * import { LSTM } from '@cellstate/lstm';
 * import { Sequential, LastStep, Linear } from '@cellstate/nn';
 * await ready();
 * const model = new Sequential([new LSTM({ inputSize: 1, hiddenSize: 32, batchFirst: true }), new LastStep(), new Linear(32, 1)]);
 * const y = model.forward(zeros([4, 28, 1])); // [4, 1]
 * ```
 */
export class Sequential extends Module {
  readonly layers: readonly SequentialLayer[];

  constructor(layers: readonly SequentialLayer[]) {
    super();
    if (layers.length === 0) throw new ArgumentError('Sequential', 'needs at least one layer');
    layers.forEach((layer, i) => {
      if (!(layer instanceof Module) || typeof layer.forward !== 'function') throw new ArgumentError('Sequential', `layer ${i} is not a module with a forward method`);
      this.addModule(String(i), layer);
    });
    this.layers = [...layers];
  }

  /**
   * Runs the layers on `x`. Intermediate tensors are released; the caller owns the
   * result. A final recurrent layer's result is its `.output`.
   *
   * @example
   * ```ts
   * const y = new Sequential([new Linear(3, 8), new Dropout(0.1), new Linear(8, 1)]).forward(zeros([5, 3])); // [5, 1]
   * ```
   */
  forward(x: Tensor, options: SequentialForwardOptions = {}): Tensor {
    return this.run(x, options);
  }

  /**
   * `forward`, calling `visit` after each layer while its output is alive (`summary`
   * uses it for the output shapes).
   *
   * @example
   * ```ts
   * model.run(x, {}, (i, layer, out) => console.log(i, layer.constructor.name));
   * ```
   */
  run(x: Tensor, options: SequentialForwardOptions = {}, visit?: LayerVisitor): Tensor {
    return scope(() => {
      const context = options.lengths !== undefined ? { lengths: options.lengths } : undefined;
      let current: unknown = x;
      this.layers.forEach((layer, i) => {
        const wantsWhole = (layer as { acceptsRecurrentOutput?: boolean }).acceptsRecurrentOutput === true;
        const input = !wantsWhole && isRecurrentOutput(current) ? current.output : current;
        const call = layer.forward as (this: SequentialLayer, input: unknown, context?: unknown) => unknown;
        current = context ? call.call(layer, input, context) : call.call(layer, input);
        visit?.(i, layer, current);
      });
      const out = isRecurrentOutput(current) ? current.output : current;
      if (!(out instanceof Tensor)) throw new ArgumentError('Sequential', `the last layer returned ${typeof out}, not a tensor`);
      return out;
    });
  }
}

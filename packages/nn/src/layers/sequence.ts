import { ArgumentError, ShapeError, Tensor, arange, cast, equal, reshape, scope, slice, sub, sum, tensor, transpose, mul } from '@cellstate/tensor';
import { Module } from '../module.js';

/**
 * What a recurrent layer returns (`LSTM`, `GRU`): the top layer's output at every step
 * and the final states [numLayers · directions, B, H]. `c` is absent for a GRU.
 */
export interface RecurrentOutput {
  output: Tensor;
  h: Tensor;
  c?: Tensor;
}

/** The second argument `Sequential` hands every layer when it is given lengths. */
export interface SequenceContext {
  /** Real length of each sample, int32 [B] or numbers. */
  lengths?: Tensor | readonly number[];
}

/**
 * True for the `{ output, h }` object of a recurrent layer (what `Sequential` routes to
 * `LastStep`/`AllSteps` whole).
 *
 * @example
 * ```ts
 * isRecurrentOutput(lstm.forward(x)); // true
 * isRecurrentOutput(zeros([2])); // false
 * ```
 */
export function isRecurrentOutput(value: unknown): value is RecurrentOutput {
  return typeof value === 'object' && value !== null && !(value instanceof Tensor) && (value as RecurrentOutput).output instanceof Tensor && (value as RecurrentOutput).h instanceof Tensor;
}

export interface LastStepOptions {
  /**
   * Layout of a plain tensor input: [B, T, F] (true, the default: what the data loaders
   * produce) or [T, B, F]. Not needed after a recurrent layer, whose final state is used.
   */
  batchFirst?: boolean;
}

/**
 * The last real step of a sequence, Keras' `return_sequences=False`: what a head
 * (`Linear`) needs after an `LSTM`/`GRU`.
 * - After a recurrent layer (its `{ output, h }`): the top layer's final hidden state,
 *   both directions concatenated → [B, D·H]. The layer has already stopped each sample
 *   at its length, and for a bidirectional layer the reverse direction's final state is
 *   the one that has read the whole sample, which the output at the last step is not.
 * - After a plain tensor [B, T, F] (or [T, B, F]): the step at `lengths[b] - 1` of each
 *   sample, or the last step without lengths → [B, F].
 *
 * @example
 * ```ts
 * const model = new Sequential([
 *   new LSTM({ inputSize: 1, hiddenSize: 16, batchFirst: true }),
 *   new LastStep(),
 *   new Linear(16, 1),
 * ]);
 * const y = model.forward(zeros([8, 28, 1]), { lengths: [28, 20, 28, 5, 28, 28, 28, 1] }); // [8, 1]
 * ```
 */
export class LastStep extends Module {
  /** `Sequential` hands this layer the recurrent layer's whole output, not just `.output`. */
  readonly acceptsRecurrentOutput = true;
  readonly batchFirst: boolean;

  constructor(options: LastStepOptions = {}) {
    super();
    this.batchFirst = options.batchFirst ?? true;
  }

  /**
   * [B, D·H] from a recurrent output, [B, F] from a tensor. The input is not disposed.
   *
   * @example
   * ```ts
   * new LastStep().forward(tensor([[[1], [2], [3]]]), { lengths: [2] }); // [[2]]
   * ```
   */
  forward(input: Tensor | RecurrentOutput, context: SequenceContext = {}): Tensor {
    if (isRecurrentOutput(input)) return finalState(input);
    const x = input;
    if (x.rank !== 3) throw new ShapeError({ op: 'LastStep', detail: `input must be ${this.batchFirst ? '[B, T, F]' : '[T, B, F]'}`, expected: 3, actual: [...x.shape] });
    return scope(() => {
      const timeMajor = this.batchFirst ? transpose(x, [1, 0, 2]) : x;
      const [T, B, F] = timeMajor.shape as [number, number, number];
      if (T === 0) throw new ShapeError({ op: 'LastStep', detail: 'the sequence has no steps', actual: [...x.shape] });
      if (context.lengths === undefined) return reshape(slice(timeMajor, [T - 1, 0, 0], [1, B, F]), [B, F]);
      const lengths = lengthsTensor(context.lengths, T, B, x);
      // One-hot over time at each sample's last real step, so the pick is differentiable
      // with the ops every backend has (no gather on a per-sample index).
      const pick = cast(equal(reshape(arange(0, T, 1, { dtype: 'int32', backend: x.backend }), [T, 1]), reshape(sub(lengths, 1), [1, B])), 'float32');
      return sum(mul(timeMajor, reshape(pick, [T, B, 1])), 0);
    });
  }
}

/**
 * Every step of a sequence, Keras' `return_sequences=True`: a recurrent layer's
 * `output` ([B, T, D·H] with `batchFirst`, else [T, B, D·H]; zeros past each sample's
 * length). A plain tensor passes through. Use it before a per-step head.
 *
 * @example
 * ```ts
 * const tagger = new Sequential([new LSTM({ inputSize: 4, hiddenSize: 8, batchFirst: true }), new AllSteps(), new Linear(8, 3)]);
 * const logits = tagger.forward(zeros([2, 5, 4])); // [2, 5, 3]
 * ```
 */
export class AllSteps extends Module {
  /** `Sequential` hands this layer the recurrent layer's whole output. */
  readonly acceptsRecurrentOutput = true;

  /**
   * The per-step output (a view; the input is not disposed).
   *
   * @example
   * ```ts
   * new AllSteps().forward(lstm.forward(x)); // lstm.forward(x).output
   * ```
   */
  forward(input: Tensor | RecurrentOutput): Tensor {
    const x = isRecurrentOutput(input) ? input.output : input;
    return reshape(x, x.shape);
  }
}

function finalState({ output, h }: RecurrentOutput): Tensor {
  if (h.rank !== 3 || output.rank !== 3) throw new ShapeError({ op: 'LastStep', detail: 'a recurrent output has output [.., .., D·H] and h [layers · D, B, H]', actual: [[...output.shape], [...h.shape]] });
  const [layersTimesD, B, H] = h.shape as [number, number, number];
  const D = output.shape[2]! / H;
  if (!Number.isInteger(D) || D < 1 || layersTimesD % D !== 0) {
    throw new ShapeError({ op: 'LastStep', detail: 'output features must be a multiple of the hidden size', actual: [[...output.shape], [...h.shape]] });
  }
  return scope(() => {
    const top = slice(h, [layersTimesD - D, 0, 0], [D, B, H]); // [D, B, H]
    return D === 1 ? reshape(top, [B, H]) : reshape(transpose(top, [1, 0, 2]), [B, D * H]);
  });
}

function lengthsTensor(lengths: Tensor | readonly number[], T: number, B: number, like: Tensor): Tensor {
  const values = lengths instanceof Tensor ? (lengths.backend.capabilities.syncRead ? Array.from(lengths.dataSync()) : null) : lengths;
  if (values) {
    if (values.length !== B) throw new ShapeError({ op: 'LastStep', detail: 'lengths needs one entry per sample', expected: [B], actual: [values.length] });
    values.forEach((v, b) => {
      if (!Number.isInteger(v) || v < 1 || v > T) throw new ArgumentError('LastStep', `lengths[${b}] = ${v} is outside [1, ${T}]`);
    });
  }
  if (lengths instanceof Tensor) return lengths.dtype === 'int32' ? lengths : cast(lengths, 'int32');
  return tensor([...lengths], [B], { dtype: 'int32', backend: like.backend });
}

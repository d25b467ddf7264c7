import { ShapeError } from '@cellstate/tensor';

/**
 * Converters between GRU weight layouts. cellstate's canonical layout is PyTorch's
 * `nn.GRU`: `weight_ih` [3H, I], `weight_hh` [3H, H], `bias_ih` [3H], `bias_hh` [3H], gate
 * blocks in order r, z, n.
 *
 * | layout | input weights | recurrent weights | bias | gate order |
 * |---|---|---|---|---|
 * | PyTorch | [3H, I] | [3H, H] | two [3H] | r, z, n |
 * | ONNX `GRU` | W [D, 3H, I] | R [D, 3H, H] | B [D, 6H] = Wb ‖ Rb | z, r, h (h = n) |
 *
 * PyTorch's equations are ONNX's with `linear_before_reset = 1`. Host arrays in, new
 * host arrays out.
 */

export interface PytorchGruWeights {
  /** [3H, I] */
  weightIh: Float32Array;
  /** [3H, H] */
  weightHh: Float32Array;
  /** [3H] */
  biasIh: Float32Array;
  /** [3H] */
  biasHh: Float32Array;
}

export interface OnnxGruWeights {
  /** [D, 3H, I] */
  W: Float32Array;
  /** [D, 3H, H] */
  R: Float32Array;
  /** [D, 6H] */
  B: Float32Array;
}

function checkLength(name: string, data: ArrayLike<number>, expected: number, shape: number[]): void {
  if (data.length !== expected) throw new ShapeError({ op: 'gruWeightLayout', detail: `${name} has ${data.length} values`, expected: shape, actual: [data.length] });
}

/** Swaps the first two of three equal gate blocks: r, z, n <-> z, r, n (its own inverse). */
function swapFirstTwoBlocks(data: ArrayLike<number>): Float32Array {
  const block = data.length / 3;
  const out = new Float32Array(data.length);
  for (let i = 0; i < block; i++) {
    out[i] = data[block + i]!;
    out[block + i] = data[i]!;
  }
  for (let i = 2 * block; i < data.length; i++) out[i] = data[i]!;
  return out;
}

/** ONNX GRU (W, R, B for D directions; B omitted: zeros) -> one PyTorch `nn.GRU` weight set per direction. */
export function onnxGruToPytorch(w: { W: Float32Array; R: Float32Array; B?: Float32Array }, inputSize: number, hiddenSize: number, directions: 1 | 2): PytorchGruWeights[] {
  const I = inputSize;
  const H = hiddenSize;
  const D = directions;
  checkLength('W', w.W, D * 3 * H * I, [D, 3 * H, I]);
  checkLength('R', w.R, D * 3 * H * H, [D, 3 * H, H]);
  const B = w.B ?? new Float32Array(D * 6 * H);
  checkLength('B', B, D * 6 * H, [D, 6 * H]);
  return Array.from({ length: D }, (_, d) => ({
    weightIh: swapFirstTwoBlocks(w.W.subarray(d * 3 * H * I, (d + 1) * 3 * H * I)),
    weightHh: swapFirstTwoBlocks(w.R.subarray(d * 3 * H * H, (d + 1) * 3 * H * H)),
    biasIh: swapFirstTwoBlocks(B.subarray(d * 6 * H, d * 6 * H + 3 * H)),
    biasHh: swapFirstTwoBlocks(B.subarray(d * 6 * H + 3 * H, (d + 1) * 6 * H)),
  }));
}

/** PyTorch `nn.GRU` weight sets (one per direction, forward first) -> ONNX GRU W, R, B (use `linear_before_reset = 1`). */
export function pytorchGruToOnnx(dirs: readonly PytorchGruWeights[], inputSize: number, hiddenSize: number): OnnxGruWeights {
  const I = inputSize;
  const H = hiddenSize;
  const D = dirs.length;
  const W = new Float32Array(D * 3 * H * I);
  const R = new Float32Array(D * 3 * H * H);
  const B = new Float32Array(D * 6 * H);
  dirs.forEach((w, d) => {
    checkLength('weight_ih', w.weightIh, 3 * H * I, [3 * H, I]);
    checkLength('weight_hh', w.weightHh, 3 * H * H, [3 * H, H]);
    checkLength('bias_ih', w.biasIh, 3 * H, [3 * H]);
    checkLength('bias_hh', w.biasHh, 3 * H, [3 * H]);
    W.set(swapFirstTwoBlocks(w.weightIh), d * 3 * H * I);
    R.set(swapFirstTwoBlocks(w.weightHh), d * 3 * H * H);
    B.set(swapFirstTwoBlocks(w.biasIh), d * 6 * H);
    B.set(swapFirstTwoBlocks(w.biasHh), d * 6 * H + 3 * H);
  });
  return { W, R, B };
}

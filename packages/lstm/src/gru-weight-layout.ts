import { splitOnnxDirections, stackOnnxDirections, type OnnxGateLayout } from './weight-layout.js';

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

/** GRU's ONNX gate order z, r, h against PyTorch's r, z, n: the first two blocks swap. */
const GRU_ONNX_LAYOUT: OnnxGateLayout = { op: 'gruWeightLayout', gates: 3, toOnnx: swapFirstTwoBlocks, fromOnnx: swapFirstTwoBlocks };

/** ONNX GRU (W, R, B for D directions; B omitted: zeros) -> one PyTorch `nn.GRU` weight set per direction. */
export function onnxGruToPytorch(w: { W: Float32Array; R: Float32Array; B?: Float32Array }, inputSize: number, hiddenSize: number, directions: 1 | 2): PytorchGruWeights[] {
  return splitOnnxDirections({ W: w.W, R: w.R, B: w.B ?? new Float32Array(directions * 6 * hiddenSize) }, inputSize, hiddenSize, directions, GRU_ONNX_LAYOUT);
}

/** PyTorch `nn.GRU` weight sets (one per direction, forward first) -> ONNX GRU W, R, B (use `linear_before_reset = 1`). */
export function pytorchGruToOnnx(dirs: readonly PytorchGruWeights[], inputSize: number, hiddenSize: number): OnnxGruWeights {
  return stackOnnxDirections(dirs, inputSize, hiddenSize, GRU_ONNX_LAYOUT);
}

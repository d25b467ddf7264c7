import { ShapeError } from '@cellstate/tensor';

/**
 * Converters between LSTM weight layouts. cellstate's canonical layout is PyTorch's:
 * `weight_ih` [4H, I], `weight_hh` [4H, H], `bias_ih` [4H], `bias_hh` [4H], gate blocks in
 * order i, f, g, o. Other layouts are converted here, never inside a kernel:
 *
 * | layout | input weights | recurrent weights | bias | gate order |
 * |---|---|---|---|---|
 * | PyTorch | [4H, I] | [4H, H] | two [4H] | i, f, g, o |
 * | Keras / TF.js | kernel [I, 4H] | recurrent_kernel [H, 4H] | one [4H] | i, f, c, o (c = g) |
 * | ONNX `LSTM` | W [D, 4H, I] | R [D, 4H, H] | B [D, 8H] = Wb ‖ Rb | i, o, f, c |
 *
 * All functions work on host arrays (row-major Float32Array) and return new arrays.
 */

export interface PytorchLstmWeights {
  /** [4H, I] */
  weightIh: Float32Array;
  /** [4H, H] */
  weightHh: Float32Array;
  /** [4H] */
  biasIh: Float32Array;
  /** [4H] */
  biasHh: Float32Array;
}

export interface KerasLstmWeights {
  /** [I, 4H] */
  kernel: Float32Array;
  /** [H, 4H] */
  recurrentKernel: Float32Array;
  /** [4H] */
  bias: Float32Array;
}

export interface OnnxLstmWeights {
  /** [D, 4H, I] */
  W: Float32Array;
  /** [D, 4H, H] */
  R: Float32Array;
  /** [D, 8H] */
  B: Float32Array;
}

/** Gate orders by name; each letter is one block of H rows. */
/** ONNX order i, o, f, c written with PyTorch letters (c = g, the candidate). */
const ONNX_ORDER = ['i', 'o', 'f', 'g'] as const;
const TORCH_ORDER = ['i', 'f', 'g', 'o'] as const;

function checkLength(name: string, data: ArrayLike<number>, expected: number, shape: number[], op = 'weightLayout'): void {
  if (data.length !== expected) throw new ShapeError({ op, detail: `${name} has ${data.length} values`, expected: shape, actual: [data.length] });
}

/** Reorders the four gate blocks (each `H * cols` values) of a [4H, cols] matrix or [4H] vector. */
export function reorderGateBlocks(data: ArrayLike<number>, hiddenSize: number, from: readonly string[], to: readonly string[]): Float32Array {
  const block = data.length / 4;
  if (!Number.isInteger(block) || block % hiddenSize !== 0) {
    throw new ShapeError({ op: 'reorderGateBlocks', detail: `length ${data.length} is not 4 blocks of H = ${hiddenSize} rows`, actual: [data.length] });
  }
  const out = new Float32Array(data.length);
  to.forEach((gate, k) => {
    const src = from.indexOf(gate);
    for (let i = 0; i < block; i++) out[k * block + i] = data[src * block + i]!;
  });
  return out;
}

function transpose2d(data: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** Keras/TF.js (kernel [I,4H], recurrent [H,4H], one bias) -> PyTorch (bias_hh = 0). */
export function kerasToPytorch(w: KerasLstmWeights, inputSize: number, hiddenSize: number): PytorchLstmWeights {
  const I = inputSize;
  const H = hiddenSize;
  checkLength('kernel', w.kernel, I * 4 * H, [I, 4 * H]);
  checkLength('recurrent_kernel', w.recurrentKernel, H * 4 * H, [H, 4 * H]);
  checkLength('bias', w.bias, 4 * H, [4 * H]);
  // Same gate order (i, f, c, o); only the transpose differs.
  return {
    weightIh: transpose2d(w.kernel, I, 4 * H),
    weightHh: transpose2d(w.recurrentKernel, H, 4 * H),
    biasIh: Float32Array.from(w.bias),
    biasHh: new Float32Array(4 * H),
  };
}

/** PyTorch -> Keras/TF.js (the two biases are summed). */
export function pytorchToKeras(w: PytorchLstmWeights, inputSize: number, hiddenSize: number): KerasLstmWeights {
  const I = inputSize;
  const H = hiddenSize;
  checkLength('weight_ih', w.weightIh, 4 * H * I, [4 * H, I]);
  checkLength('weight_hh', w.weightHh, 4 * H * H, [4 * H, H]);
  return {
    kernel: transpose2d(w.weightIh, 4 * H, I),
    recurrentKernel: transpose2d(w.weightHh, 4 * H, H),
    bias: Float32Array.from(w.biasIh, (v, i) => v + w.biasHh[i]!),
  };
}

/**
 * How a recurrent cell type meets ONNX: `gates` blocks of H rows per matrix, and the
 * reordering of a PyTorch matrix or bias into ONNX's gate order (`toOnnx`) and back
 * (`fromOnnx`). LSTM and GRU differ only in this.
 */
export interface OnnxGateLayout {
  /** Names the converter in shape errors. */
  op: string;
  gates: number;
  toOnnx: (data: Float32Array) => Float32Array;
  fromOnnx: (data: Float32Array) => Float32Array;
}

/** PyTorch per-direction weights, the layout of LSTM's and GRU's (`PytorchLstmWeights`, `PytorchGruWeights`). */
export type PytorchDirectionWeights = PytorchLstmWeights;

/**
 * ONNX W [D, gH, I], R [D, gH, H], B [D, 2gH] -> one PyTorch weight set per direction,
 * for g = `layout.gates`.
 *
 * @example
 * ```ts
 * const [forward, reverse] = splitOnnxDirections(onnx, I, H, 2, LSTM_ONNX_LAYOUT);
 * ```
 */
export function splitOnnxDirections(w: OnnxLstmWeights, inputSize: number, hiddenSize: number, directions: 1 | 2, layout: OnnxGateLayout): PytorchDirectionWeights[] {
  const I = inputSize;
  const GH = layout.gates * hiddenSize;
  const D = directions;
  checkLength('W', w.W, D * GH * I, [D, GH, I], layout.op);
  checkLength('R', w.R, D * GH * hiddenSize, [D, GH, hiddenSize], layout.op);
  checkLength('B', w.B, D * 2 * GH, [D, 2 * GH], layout.op);
  return Array.from({ length: D }, (_, d) => ({
    weightIh: layout.fromOnnx(w.W.subarray(d * GH * I, (d + 1) * GH * I)),
    weightHh: layout.fromOnnx(w.R.subarray(d * GH * hiddenSize, (d + 1) * GH * hiddenSize)),
    biasIh: layout.fromOnnx(w.B.subarray(d * 2 * GH, d * 2 * GH + GH)),
    biasHh: layout.fromOnnx(w.B.subarray(d * 2 * GH + GH, (d + 1) * 2 * GH)),
  }));
}

/**
 * PyTorch weight sets (one per direction, forward first) -> ONNX W, R, B; the inverse
 * of `splitOnnxDirections`.
 *
 * @example
 * ```ts
 * const { W, R, B } = stackOnnxDirections([forward, reverse], I, H, LSTM_ONNX_LAYOUT);
 * ```
 */
export function stackOnnxDirections(dirs: readonly PytorchDirectionWeights[], inputSize: number, hiddenSize: number, layout: OnnxGateLayout): OnnxLstmWeights {
  const I = inputSize;
  const H = hiddenSize;
  const GH = layout.gates * H;
  const D = dirs.length;
  const W = new Float32Array(D * GH * I);
  const R = new Float32Array(D * GH * H);
  const B = new Float32Array(D * 2 * GH);
  dirs.forEach((w, d) => {
    checkLength('weight_ih', w.weightIh, GH * I, [GH, I], layout.op);
    checkLength('weight_hh', w.weightHh, GH * H, [GH, H], layout.op);
    checkLength('bias_ih', w.biasIh, GH, [GH], layout.op);
    checkLength('bias_hh', w.biasHh, GH, [GH], layout.op);
    W.set(layout.toOnnx(w.weightIh), d * GH * I);
    R.set(layout.toOnnx(w.weightHh), d * GH * H);
    B.set(layout.toOnnx(w.biasIh), d * 2 * GH);
    B.set(layout.toOnnx(w.biasHh), d * 2 * GH + GH);
  });
  return { W, R, B };
}

/** LSTM's ONNX gate order i, o, f, c against PyTorch's i, f, g, o (per hidden size). */
function lstmOnnxLayout(hiddenSize: number): OnnxGateLayout {
  return {
    op: 'weightLayout',
    gates: 4,
    toOnnx: (data) => reorderGateBlocks(data, hiddenSize, TORCH_ORDER, ONNX_ORDER),
    fromOnnx: (data) => reorderGateBlocks(data, hiddenSize, ONNX_ORDER, TORCH_ORDER),
  };
}

/** ONNX LSTM (W, R, B for D directions) -> one PyTorch weight set per direction. */
export function onnxToPytorch(w: OnnxLstmWeights, inputSize: number, hiddenSize: number, directions: 1 | 2): PytorchLstmWeights[] {
  return splitOnnxDirections(w, inputSize, hiddenSize, directions, lstmOnnxLayout(hiddenSize));
}

/** PyTorch weight sets (one per direction, forward first) -> ONNX W, R, B. */
export function pytorchToOnnx(dirs: readonly PytorchLstmWeights[], inputSize: number, hiddenSize: number): OnnxLstmWeights {
  return stackOnnxDirections(dirs, inputSize, hiddenSize, lstmOnnxLayout(hiddenSize));
}

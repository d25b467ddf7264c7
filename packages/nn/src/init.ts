/**
 * Seeded initialisers. Each returns a new float32 tensor on the active backend that
 * the caller owns. The same (shape, arguments, seed) gives the same values on every
 * backend: `uniform` uses the backends' counter-based generator, `normal`, the
 * Xavier-normal and orthogonal initialisers draw on the host (float64 Box–Muller on
 * the same Threefry generator) and upload. When `seed` is left out, the next seed of
 * the default sequence is used (see `manualSeed`).
 *
 * The formulas are PyTorch's (`torch.nn.init`); the random streams are not, so the
 * same seed does not reproduce PyTorch's numbers.
 */
import { ArgumentError, ShapeError, randomUniform, sizeOf, tensor, zeros, type Shape, type Tensor } from '@cellstate/tensor';
import { normalValues } from './host-random.js';
import { nextSeed } from './seed.js';
import { initializationSkipped } from './skip-init.js';

function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError({ op, detail: 'shape must be a list of non-negative integers', actual: shape });
  }
}

function checkFinite(op: string, name: string, value: number): void {
  if (!Number.isFinite(value)) throw new ArgumentError(op, `${name} must be a finite number, got ${value}`);
}

/**
 * Uniform numbers in [low, high).
 *
 * @example
 * ```ts
 * const w = uniform([4, 3], -0.1, 0.1, 7);
 * ```
 */
export function uniform(shape: Shape, low: number, high: number, seed: number = nextSeed()): Tensor {
  checkShape('uniform', shape);
  checkFinite('uniform', 'low', low);
  checkFinite('uniform', 'high', high);
  if (low > high) throw new ArgumentError('uniform', `low (${low}) must not exceed high (${high})`);
  if (initializationSkipped()) return zeros(shape);
  return randomUniform(shape, { seed, low, high });
}

/**
 * U(-1/√hiddenSize, 1/√hiddenSize): PyTorch's default for `nn.LSTM`/`nn.RNN` weights
 * and biases, and (with `hiddenSize = inFeatures`) for `nn.Linear`.
 *
 * @example
 * ```ts
 * const wHh = pytorchUniform([4 * 16, 16], 16, 1); // an LSTM's recurrent weights, H = 16
 * ```
 */
export function pytorchUniform(shape: Shape, hiddenSize: number, seed: number = nextSeed()): Tensor {
  if (!(hiddenSize > 0) || !Number.isFinite(hiddenSize)) throw new ArgumentError('pytorchUniform', `hiddenSize must be positive, got ${hiddenSize}`);
  const bound = 1 / Math.sqrt(hiddenSize);
  return uniform(shape, -bound, bound, seed);
}

/**
 * Normal numbers N(mean, std²) (host-side Box–Muller, then uploaded).
 *
 * @example
 * ```ts
 * const table = normal([1000, 64], 0, 1, 3); // like nn.Embedding's init
 * ```
 */
export function normal(shape: Shape, mean = 0, std = 1, seed: number = nextSeed()): Tensor {
  checkShape('normal', shape);
  checkFinite('normal', 'mean', mean);
  checkFinite('normal', 'std', std);
  if (std < 0) throw new ArgumentError('normal', `std must be non-negative, got ${std}`);
  if (initializationSkipped()) return zeros(shape);
  return tensor(Float32Array.from(normalValues(seed, sizeOf(shape), mean, std)), shape);
}

/**
 * PyTorch's fan computation: fanIn = shape[1] · receptive, fanOut = shape[0] ·
 * receptive, receptive = product of shape[2:]. Needs rank >= 2.
 *
 * @example
 * ```ts
 * calculateFans([8, 3]); // { fanIn: 3, fanOut: 8 }
 * ```
 */
export function calculateFans(shape: Shape): { fanIn: number; fanOut: number } {
  checkShape('calculateFans', shape);
  if (shape.length < 2) {
    throw new ShapeError({ op: 'calculateFans', detail: 'fan in and fan out need a tensor of rank >= 2', actual: shape });
  }
  const receptive = sizeOf(shape.slice(2));
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/**
 * The recommended gain for a nonlinearity (PyTorch's `calculate_gain`): linear and
 * sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2 / (1 + slope²)) with slope default 0.01.
 *
 * @example
 * ```ts
 * const w = xavierUniform([64, 32], calculateGain('tanh'), 5);
 * ```
 */
export function calculateGain(nonlinearity: 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu', negativeSlope = 0.01): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu':
      return Math.sqrt(2 / (1 + negativeSlope * negativeSlope));
    default:
      throw new ArgumentError('calculateGain', `unknown nonlinearity '${String(nonlinearity)}'`);
  }
}

/**
 * Xavier/Glorot uniform: U(-a, a) with a = gain · √(6 / (fanIn + fanOut)).
 *
 * @example
 * ```ts
 * const w = xavierUniform([128, 64], 1, 11);
 * ```
 */
export function xavierUniform(shape: Shape, gain = 1, seed: number = nextSeed()): Tensor {
  const { fanIn, fanOut } = calculateFans(shape);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, -a, a, seed);
}

/**
 * Xavier/Glorot normal: N(0, std²) with std = gain · √(2 / (fanIn + fanOut)).
 *
 * @example
 * ```ts
 * const w = xavierNormal([128, 64], 1, 12);
 * ```
 */
export function xavierNormal(shape: Shape, gain = 1, seed: number = nextSeed()): Tensor {
  const { fanIn, fanOut } = calculateFans(shape);
  return normal(shape, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), seed);
}

/**
 * A (semi-)orthogonal matrix scaled by `gain`, as PyTorch's `orthogonal_`: the shape
 * is viewed as [shape[0], rest]; a normal matrix (transposed when it is wide) is
 * factored A = QR by Householder reflections in float64 and Q's columns are
 * multiplied by sign(diag R), which makes the result independent of the QR
 * algorithm. Rows (if rows <= cols) or columns (otherwise) are orthonormal.
 *
 * @example
 * ```ts
 * const wHh = orthogonal([4 * 32, 32], 1, 9); // QᵀQ = I (32 x 32)
 * ```
 */
export function orthogonal(shape: Shape, gain = 1, seed: number = nextSeed()): Tensor {
  checkShape('orthogonal', shape);
  checkFinite('orthogonal', 'gain', gain);
  if (shape.length < 2) throw new ShapeError({ op: 'orthogonal', detail: 'needs a tensor of rank >= 2', actual: shape });
  const rows = shape[0]!;
  const size = sizeOf(shape);
  if (size === 0 || initializationSkipped()) return zeros(shape);
  const cols = size / rows;
  const flat = normalValues(seed, size);
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const tall = rows >= cols;
  // a [m, n]: the normal matrix, transposed when it is wide.
  const a = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[i * n + j] = tall ? flat[i * cols + j]! : flat[j * cols + i]!;
  const q = orthonormalFactor(a, m, n);
  const out = new Float32Array(size);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (tall ? q[r * n + c]! : q[c * n + r]!);
  }
  return tensor(out, shape);
}

/**
 * Q of the reduced QR factorisation of a [m, n] (m >= n, row-major) with the sign
 * convention diag(R) >= 0, by Householder reflections. A zero diagonal entry keeps
 * its column as is (PyTorch would zero it; it happens only for singular inputs).
 */
export function orthonormalFactor(a: Float64Array, m: number, n: number): Float64Array {
  const r = a.slice();
  const reflectors: { v: Float64Array; norm2: number }[] = [];
  const diag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const x0 = r[k * n + k]!;
    const alpha = x0 >= 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    v[0] = x0 - alpha;
    for (let i = k + 1; i < m; i++) v[i - k] = r[i * n + k]!;
    let norm2 = 0;
    for (let i = 0; i < v.length; i++) norm2 += v[i]! ** 2;
    if (norm2 > 0) {
      for (let j = k; j < n; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i - k]! * r[i * n + j]!;
        const f = (2 * dot) / norm2;
        for (let i = k; i < m; i++) r[i * n + j]! -= f * v[i - k]!;
      }
    }
    diag[k] = r[k * n + k]!;
    reflectors.push({ v, norm2 });
  }
  // Q = H_0 H_1 ... H_{n-1} I[:, :n], applied right to left.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const { v, norm2 } = reflectors[k]!;
    if (norm2 === 0) continue;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * q[i * n + j]!;
      const f = (2 * dot) / norm2;
      for (let i = k; i < m; i++) q[i * n + j]! -= f * v[i - k]!;
    }
  }
  for (let j = 0; j < n; j++) {
    if (diag[j]! < 0) for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j]!;
  }
  return q;
}

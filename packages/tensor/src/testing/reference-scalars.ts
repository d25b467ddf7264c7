/**
 * Scalar definitions of the reference backend's elementwise ops and of its number
 * storage rules (see reference-backend.ts): float32 values stay exact float64, int32
 * arithmetic wraps like a 32-bit register, float -> int32 conversions truncate and clamp.
 */
import type { BinaryOpName, UnaryOpName } from '../backend/primitive-ops.js';
import { toInt32 } from '../backend-kit/int32.js';
import type { DType } from '../dtype.js';

/** int32 arithmetic result: wraps modulo 2^32 like a 32-bit register (non-finite -> 0). */
function wrapInt32(value: number): number {
  if (!Number.isFinite(value)) return 0;
  // `| 0` is exact only below 2^53; reduce first so huge intermediate values wrap correctly.
  const reduced = Math.trunc(value) % 4294967296;
  return reduced | 0;
}

/** Converts an incoming value to the storage form of `dtype`. */
export function storeAs(dtype: DType, value: number): number {
  return dtype === 'int32' ? toInt32(value) : value; // trunc toward zero, NaN -> 0, clamp
}

/** Stores an arithmetic result as `dtype` (int32 wraps). */
export function resultAs(dtype: DType, value: number): number {
  return dtype === 'int32' ? wrapInt32(value) : value;
}

// ---------------------------------------------------------------------------
// Scalar definitions of the elementwise ops.

function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function reluScalar(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return x > 0 ? x : 0;
}

export function maximumScalar(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  return a > b ? a : b;
}

export function unaryScalar(op: UnaryOpName, dtype: DType, x: number): number {
  if (dtype === 'int32') {
    switch (op) {
      case 'neg':
        return (-x) | 0; // -(-2^31) wraps to -2^31
      case 'abs':
        return Math.abs(x) | 0; // |-2^31| wraps to -2^31
      case 'relu':
        return x > 0 ? x : 0;
      default:
        return wrapInt32(unaryScalar(op, 'float32', x));
    }
  }
  switch (op) {
    case 'neg':
      return -x;
    case 'exp':
      return Math.exp(x);
    case 'log':
      return Math.log(x);
    case 'sqrt':
      return Math.sqrt(x);
    case 'tanh':
      return Math.tanh(x); // stays in [-1, 1] for any finite or infinite x
    case 'sigmoid':
      return sigmoidScalar(x);
    case 'relu':
      return reluScalar(x);
    case 'abs':
      return Math.abs(x);
  }
}

export function binaryScalar(op: BinaryOpName, dtype: DType, a: number, b: number): number {
  if (dtype === 'int32') {
    switch (op) {
      case 'add':
        return (a + b) | 0;
      case 'sub':
        return (a - b) | 0;
      case 'mul':
        return Math.imul(a, b);
      case 'div':
        // Not part of the contract (div is float32 only); truncating division, x/0 -> 0.
        return b === 0 ? 0 : wrapInt32(a / b);
      case 'maximum':
        return a > b ? a : b;
    }
  }
  switch (op) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return a * b;
    case 'div':
      return a / b;
    case 'maximum':
      return maximumScalar(a, b);
  }
}

import type { Backend } from '../backend/backend.js';
import type { Handle } from '../backend/handle.js';
import type { DType } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { getBackend } from '../registry.js';
import { Tensor, backendOf } from '../tensor.js';

export { backendOf };

/** Wraps a new handle the op layer owns as a tracked tensor. */
export function wrap(backend: Backend, handle: Handle): Tensor {
  return new Tensor(backend, handle);
}

export function checkDType(op: string, t: Tensor, allowed: readonly DType[], name = 'input'): void {
  if (!allowed.includes(t.dtype)) {
    throw new DTypeError({ op, detail: `${name} has the wrong dtype`, expected: allowed.join(' or '), actual: t.dtype });
  }
}

export function checkSameDType(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new DTypeError({ op, detail: 'operands must share a dtype (use cast())', expected: a.dtype, actual: b.dtype });
  }
}

/** A tensor or a plain number (turned into a scalar of the other operand's dtype). */
export type TensorLike = Tensor | number;

/**
 * Turns numbers into temporary scalar tensors on the backend of the tensor operands.
 * `release()` disposes the temporaries once the op has run (the tape keeps its own
 * references to anything it saved).
 */
export function operands(op: string, values: readonly TensorLike[]): { tensors: Tensor[]; release: () => void } {
  const real = values.filter((v): v is Tensor => v instanceof Tensor);
  const backend = real.length ? backendOf(op, real) : getBackend();
  const dtype: DType = real[0]?.dtype ?? 'float32';
  const temps: Tensor[] = [];
  const tensors = values.map((v) => {
    if (v instanceof Tensor) return v;
    const t = new Tensor(backend, backend.fill([], dtype, v), { track: false });
    temps.push(t);
    return t;
  });
  return { tensors, release: () => temps.forEach((t) => t.dispose()) };
}

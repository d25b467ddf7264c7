import { shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reshape } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';

/** Sums `dy` over the dimensions that broadcasting added or stretched, so it has `shape`. */
export function unbroadcast(dy: Tensor, shape: Shape): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const lead = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  const summed = sum(dy, axes, { keepDims: true });
  const out = reshape(summed, shape);
  summed.dispose();
  return out;
}

import { keep, type Tensor } from '@cellstate/tensor';

/**
 * A trainable value owned by a module. Ops are pure, so an update produces a new
 * tensor: `assign(next)` swaps it in and disposes the old one. Gradients from
 * `backward()` are keyed by `parameter.value`.
 *
 * @example
 * ```ts
 * const w = new Parameter(zeros([3, 2]));
 * const grads = backward(loss);
 * w.assign(sub(w.value, mul(grads.get(w.value)!, 0.1)));
 * ```
 */
export class Parameter {
  #value: Tensor;
  /** Excluded from optimizers and gradients when false (frozen embeddings, say). */
  trainable: boolean;

  constructor(value: Tensor, options: { trainable?: boolean } = {}) {
    this.trainable = options.trainable ?? true;
    this.#value = keep(value);
    this.#value.requiresGrad = this.trainable;
  }

  get value(): Tensor {
    return this.#value;
  }

  get shape(): readonly number[] {
    return this.#value.shape;
  }

  /** Replaces the value (taking ownership of `next`) and disposes the old one. */
  assign(next: Tensor): void {
    if (next === this.#value) return;
    const old = this.#value;
    this.#value = keep(next);
    this.#value.requiresGrad = this.trainable;
    old.dispose();
  }

  setTrainable(trainable: boolean): void {
    this.trainable = trainable;
    this.#value.requiresGrad = trainable;
  }

  dispose(): void {
    this.#value.dispose();
  }
}

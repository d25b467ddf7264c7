import { ArgumentError, DTypeError, DisposedTensorError, ShapeError, keep, mul, noGrad, reshape, scope, shapesEqual, type Tensor } from '@cellstate/tensor';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { checkNonNegativeNumber } from '../check-arguments.js';

/** Scalar settings of an optimizer (learning rate, betas, ...). */
export type HyperParameters = Record<string, number | boolean>;

/**
 * What `Optimizer.stateDict()` returns and `loadStateDict()` takes. `slots` maps a
 * parameter name to its per-parameter state tensors, named as in PyTorch
 * (`exp_avg`, `exp_avg_sq`, `momentum_buffer`); shapes equal the parameter's.
 */
export interface OptimizerState {
  /** Number of `step()` calls so far. */
  step: number;
  hyper: HyperParameters;
  slots: Record<string, Record<string, Tensor>>;
}

/** Options of `Optimizer.step`. */
export interface OptimizerStepOptions {
  /** A float32 scalar every gradient is multiplied by first (gradient clipping without copies). */
  gradScale?: Tensor;
}

/** Where an optimizer finds its parameters: a module, or (name, parameter) pairs. */
export type ParameterSource = Module | Iterable<readonly [string, Parameter]>;

/**
 * An optimizer state that does not fit the optimizer (unknown parameter or slot, wrong
 * shape, dtype or hyperparameter); thrown before anything was changed.
 *
 * @example
 * ```ts
 * try {
 *   optimizer.loadStateDict(state);
 * } catch (error) {
 *   if (error instanceof OptimizerStateError) console.log(error.message); // names the first mismatch
 * }
 * ```
 */
export class OptimizerStateError extends ArgumentError {
  constructor(detail: string, fields: { expected?: unknown; actual?: unknown } = {}) {
    super('Optimizer.loadStateDict', detail, fields);
  }
}

/**
 * Base class of optimizers. Holds named parameters and per-parameter slot tensors,
 * counts steps and exposes the learning rate for schedules. Subclasses implement
 * `update()` for one parameter; `step()` validates the gradients, then runs every
 * update inside `scope()` and `noGrad()`, so a step leaves no tensor behind except the
 * new parameter values and slots (the old ones are disposed).
 *
 * The step count is optimizer-wide: Adam's bias correction uses the number of
 * `step()` calls, which equals PyTorch's per-parameter count whenever every
 * parameter gets a gradient at every step.
 *
 * @example
 * ```ts
 * const optimizer = new Adam(model, { learningRate: 1e-3 });
 * const loss = scope(() => {
 *   const l = crossEntropyLoss(model.forward(x), y);
 *   optimizer.step(backward(l));
 *   return l;
 * });
 * ```
 */
export abstract class Optimizer<H extends HyperParameters & { learningRate: number } = HyperParameters & { learningRate: number }> {
  readonly #parameters: ReadonlyMap<string, Parameter>;
  #hyper: H;
  readonly #slots = new Map<string, Map<string, Tensor>>();
  #step = 0;
  #disposed = false;
  /** Names of the per-parameter slots this optimizer keeps. */
  protected abstract readonly slotNames: readonly string[];

  constructor(params: ParameterSource, hyper: H) {
    const entries = params instanceof Module ? params.namedParameters() : [...params];
    const map = new Map<string, Parameter>();
    const seen = new Set<Parameter>();
    for (const [name, p] of entries) {
      if (map.has(name)) throw new ArgumentError('Optimizer', `parameter name '${name}' appears twice`);
      if (seen.has(p)) throw new ArgumentError('Optimizer', `parameter '${name}' is listed twice under different names`);
      map.set(name, p);
      seen.add(p);
    }
    this.#parameters = map;
    this.#hyper = { ...hyper };
  }

  /** Checks hyperparameters; subclasses call it from their constructor and add rules. */
  protected validateHyper(hyper: H): void {
    checkNonNegativeNumber(this.constructor.name, 'learningRate', hyper.learningRate);
  }

  /** Current hyperparameters (a copy). */
  get hyper(): Readonly<H> {
    return { ...this.#hyper };
  }

  /** Number of `step()` calls so far. */
  get stepCount(): number {
    return this.#step;
  }

  /** The learning rate used by the next step; schedules set it. */
  get learningRate(): number {
    return this.#hyper.learningRate;
  }

  set learningRate(value: number) {
    checkNonNegativeNumber(this.constructor.name, 'learningRate', value);
    this.#hyper = { ...this.#hyper, learningRate: value };
  }

  /** The parameters this optimizer updates, by name. */
  namedParameters(): [string, Parameter][] {
    return [...this.#parameters];
  }

  /**
   * Updates every trainable parameter that has a gradient in `gradients` (keyed by
   * `parameter.value`, as `backward()` returns them). Parameters without a gradient
   * are left alone. Gradients are checked (shape, dtype, backend, liveness) before
   * any parameter changes. The caller keeps ownership of `gradients`.
   *
   * `options.gradScale` (a float32 scalar tensor, e.g. `gradNormScale`'s clipping
   * coefficient) multiplies every gradient first; Adam folds it into its fused update,
   * so no scaled copies of the gradients are made.
   *
   * @example
   * ```ts
   * optimizer.step(backward(loss));
   * const grads = backward(loss2);
   * optimizer.step(grads, { gradScale: gradNormScale(grads, 1).scale });
   * ```
   */
  step(gradients: ReadonlyMap<Tensor, Tensor>, options: OptimizerStepOptions = {}): void {
    this.#checkLive('step');
    const work: [string, Parameter, Tensor][] = [];
    for (const [name, p] of this.#parameters) {
      if (!p.trainable) continue;
      const g = gradients.get(p.value);
      if (!g) continue;
      g.handleFor(`${this.constructor.name}.step`);
      if (!shapesEqual(g.shape, p.shape)) {
        throw new ShapeError({ op: `${this.constructor.name}.step`, detail: `gradient of '${name}' has the wrong shape`, expected: [...p.shape], actual: [...g.shape] });
      }
      if (g.dtype !== 'float32') throw new DTypeError({ op: `${this.constructor.name}.step`, detail: `gradient of '${name}' must be float32`, expected: 'float32', actual: g.dtype });
      if (g.backend !== p.value.backend) throw new ArgumentError(`${this.constructor.name}.step`, `gradient of '${name}' is on backend '${g.backend.name}', the parameter on '${p.value.backend.name}'`);
      work.push([name, p, g]);
    }
    const scale = options.gradScale;
    if (scale) {
      scale.handleFor(`${this.constructor.name}.step`);
      if (scale.size !== 1 || scale.rank > 1 || scale.dtype !== 'float32') {
        throw new ShapeError({ op: `${this.constructor.name}.step`, detail: 'gradScale must be a float32 scalar', expected: [], actual: [...scale.shape] });
      }
    }
    this.#step++;
    const step = this.#step;
    scope(() => noGrad(() => {
      for (const [name, p, g] of work) {
        if (!scale) this.update(name, p, g, step);
        else if (this.scalesGradients) this.update(name, p, g, step, scale);
        else this.update(name, p, mul(g, reshape(scale, [])), step);
      }
    }));
  }

  /** True when `update` applies `gradScale` itself (else `step` scales the gradient first). */
  protected readonly scalesGradients: boolean = false;

  /**
   * Computes one parameter's update: read slots with `getSlot`, store new ones with
   * `setSlot`, and swap in the new value with `parameter.assign()`. Runs inside
   * `scope()` and `noGrad()`; `step` counts from 1.
   */
  protected abstract update(name: string, parameter: Parameter, gradient: Tensor, step: number, gradScale?: Tensor): void;

  protected getSlot(name: string, slot: string): Tensor | undefined {
    return this.#slots.get(name)?.get(slot);
  }

  /** Stores a slot tensor (taking ownership) and disposes the one it replaces. */
  protected setSlot(name: string, slot: string, value: Tensor): void {
    let slots = this.#slots.get(name);
    if (!slots) {
      slots = new Map();
      this.#slots.set(name, slots);
    }
    const old = slots.get(slot);
    if (old === value) return;
    slots.set(slot, keep(value));
    old?.dispose();
  }

  /**
   * The optimizer's state: step count, hyperparameters and the live slot tensors (not
   * copies: read or copy them before the next `step()`, which replaces them; do not
   * dispose them).
   *
   * @example
   * ```ts
   * const { step, hyper, slots } = optimizer.stateDict();
   * const m = await slots['fc.weight']!.exp_avg!.data();
   * ```
   */
  stateDict(): OptimizerState {
    this.#checkLive('stateDict');
    const slots: Record<string, Record<string, Tensor>> = {};
    for (const [name, s] of this.#slots) slots[name] = Object.fromEntries(s);
    return { step: this.#step, hyper: { ...this.#hyper }, slots };
  }

  /**
   * Replaces the whole state. Checks everything first (step, hyperparameter names and
   * types, parameter names, slot names, shapes, dtypes, backends) and throws
   * `OptimizerStateError` naming the first mismatch without changing anything. On
   * success the optimizer owns the given slot tensors; hyperparameters missing from
   * `state.hyper` keep their current values; parameters absent from `state.slots`
   * start with empty slots.
   *
   * @example
   * ```ts
   * const fresh = new Adam(model);
   * fresh.loadStateDict(savedState);
   * ```
   */
  loadStateDict(state: OptimizerState): void {
    this.#checkLive('loadStateDict');
    const name = this.constructor.name;
    if (!Number.isSafeInteger(state.step) || state.step < 0) throw new OptimizerStateError(`step must be a non-negative integer, got ${state.step}`);
    const hyper = { ...this.#hyper } as Record<string, number | boolean>;
    for (const [key, value] of Object.entries(state.hyper ?? {})) {
      if (!(key in hyper)) throw new OptimizerStateError(`unknown hyperparameter '${key}' for ${name}`, { expected: Object.keys(hyper), actual: key });
      if (typeof value !== typeof hyper[key]) throw new OptimizerStateError(`hyperparameter '${key}' must be a ${typeof hyper[key]}`, { expected: typeof hyper[key], actual: typeof value });
      hyper[key] = value;
    }
    try {
      this.validateHyper(hyper as H);
    } catch (error) {
      throw new OptimizerStateError(`invalid hyperparameters: ${(error as Error).message}`);
    }
    const incoming = new Set<Tensor>();
    for (const [paramName, slots] of Object.entries(state.slots ?? {})) {
      const p = this.#parameters.get(paramName);
      if (!p) throw new OptimizerStateError(`state has slots for unknown parameter '${paramName}'`, { expected: [...this.#parameters.keys()], actual: paramName });
      const names = Object.keys(slots);
      for (const slot of names) {
        if (!this.slotNames.includes(slot)) throw new OptimizerStateError(`unknown slot '${slot}' for parameter '${paramName}' (${name} keeps ${this.slotNames.join(', ') || 'no slots'})`);
      }
      if (names.length > 0 && names.length !== this.slotNames.length) {
        throw new OptimizerStateError(`parameter '${paramName}' needs all of its slots (${this.slotNames.join(', ')}) or none`, { expected: [...this.slotNames], actual: names });
      }
      for (const slot of names) {
        const t = slots[slot]!;
        if (t.isDisposed) throw new OptimizerStateError(`slot '${paramName}.${slot}' is disposed`);
        if (!shapesEqual(t.shape, p.shape)) throw new OptimizerStateError(`slot '${paramName}.${slot}' has the wrong shape`, { expected: [...p.shape], actual: [...t.shape] });
        if (t.dtype !== 'float32') throw new OptimizerStateError(`slot '${paramName}.${slot}' must be float32`, { expected: 'float32', actual: t.dtype });
        if (t.backend !== p.value.backend) throw new OptimizerStateError(`slot '${paramName}.${slot}' is on backend '${t.backend.name}', the parameter on '${p.value.backend.name}'`);
        if (incoming.has(t)) throw new OptimizerStateError(`slot '${paramName}.${slot}' is the same tensor as another slot`);
        incoming.add(t);
      }
    }
    // Valid: apply.
    for (const slots of this.#slots.values()) for (const t of slots.values()) if (!incoming.has(t)) t.dispose();
    this.#slots.clear();
    for (const [paramName, slots] of Object.entries(state.slots ?? {})) {
      const entries = Object.entries(slots);
      if (entries.length) this.#slots.set(paramName, new Map(entries.map(([slot, t]) => [slot, keep(t)])));
    }
    this.#step = state.step;
    this.#hyper = hyper as H;
  }

  /** Disposes every slot tensor; the optimizer cannot step afterwards. Parameters are untouched. */
  dispose(): void {
    if (this.#disposed) return;
    for (const slots of this.#slots.values()) for (const t of slots.values()) t.dispose();
    this.#slots.clear();
    this.#disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #checkLive(op: string): void {
    if (this.#disposed) throw new DisposedTensorError(`${this.constructor.name}.${op}`, 'the optimizer was disposed');
  }
}

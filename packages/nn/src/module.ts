import { ArgumentError, ShapeError, DTypeError, shapesEqual, type Tensor } from '@cellstate/tensor';
import { Parameter } from './parameter.js';

/** Where a state-dict mismatch is reported. */
export class StateDictError extends ArgumentError {
  constructor(detail: string, fields: { expected?: unknown; actual?: unknown } = {}) {
    super('loadStateDict', detail, fields);
  }
}

export interface LoadStateDictOptions {
  /** Every model parameter must be present and nothing extra (default true). */
  strict?: boolean;
}

/**
 * Base class of layers and models: a tree of named parameters and child modules with
 * PyTorch-style dotted names (`encoder.lstm.weight_ih_l0`), train/eval mode and
 * disposal. Subclasses register what they own in their constructor.
 *
 * @example
 * ```ts
 * class TwoLayer extends Module {
 *   fc1 = this.addModule('fc1', new Linear(4, 8));
 *   fc2 = this.addModule('fc2', new Linear(8, 1));
 *   forward(x: Tensor) { return this.fc2.forward(relu(this.fc1.forward(x))); }
 * }
 * const model = new TwoLayer();
 * console.log(model.namedParameters().map(([name]) => name)); // ['fc1.weight', 'fc1.bias', ...]
 * ```
 */
export abstract class Module {
  #parameters = new Map<string, Parameter>();
  #modules = new Map<string, Module>();
  #training = true;

  /** Registers a parameter under `name` and returns it. */
  protected addParameter(name: string, value: Tensor | Parameter, options: { trainable?: boolean } = {}): Parameter {
    checkName(name);
    const p = value instanceof Parameter ? value : new Parameter(value, options);
    this.#parameters.get(name)?.dispose();
    this.#parameters.set(name, p);
    return p;
  }

  /** Registers a child module under `name` and returns it. */
  protected addModule<M extends Module>(name: string, module: M): M {
    checkName(name);
    this.#modules.set(name, module);
    return module;
  }

  /** Every parameter with its dotted name, depth first in registration order. */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [name, p] of this.#parameters) out.push([prefix + name, p]);
    for (const [name, m] of this.#modules) out.push(...m.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Child modules with dotted names (direct and nested). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [name, m] of this.#modules) {
      out.push([prefix + name, m], ...m.namedModules(`${prefix}${name}.`));
    }
    return out;
  }

  /** Name -> current value. The tensors are the live values, not copies. */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters().map(([n, p]) => [n, p.value]));
  }

  /**
   * Replaces parameter values by name. Checks every name, shape and dtype first and
   * throws `StateDictError` (naming the first problem) before touching anything, so a
   * failed load leaves the model as it was. On success the module takes ownership of
   * the given tensors.
   */
  loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, options: LoadStateDictOptions = {}): void {
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const strict = options.strict ?? true;
    const params = new Map(this.namedParameters());
    for (const [name, p] of params) {
      const t = entries.get(name);
      if (!t) {
        if (strict) throw new StateDictError(`missing tensor '${name}'`, { expected: [...p.shape] });
        continue;
      }
      if (!shapesEqual(t.shape, p.shape)) {
        throw new StateDictError(`tensor '${name}' has the wrong shape`, { expected: [...p.shape], actual: [...t.shape] });
      }
      if (t.dtype !== p.value.dtype) {
        throw new StateDictError(`tensor '${name}' has the wrong dtype`, { expected: p.value.dtype, actual: t.dtype });
      }
      if (t.backend !== p.value.backend) {
        throw new StateDictError(`tensor '${name}' is on backend '${t.backend.name}', the model on '${p.value.backend.name}'`);
      }
    }
    if (strict) {
      const extra = [...entries.keys()].filter((k) => !params.has(k));
      if (extra.length) throw new StateDictError(`unexpected tensor(s): ${extra.join(', ')}`);
    }
    for (const [name, p] of params) {
      const t = entries.get(name);
      if (t) p.assign(t);
    }
  }

  get training(): boolean {
    return this.#training;
  }

  /** Sets training mode here and in every child (dropout is active only in training). */
  train(on = true): this {
    this.#training = on;
    for (const m of this.#modules.values()) m.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Disposes every parameter of this module and its children. */
  dispose(): void {
    for (const p of this.#parameters.values()) p.dispose();
    for (const m of this.#modules.values()) m.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

function checkName(name: string): void {
  if (!name || name.includes('.')) throw new ArgumentError('Module', `invalid name '${name}': names are non-empty and contain no dots`);
}

export { ShapeError, DTypeError };

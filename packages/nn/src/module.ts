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
 * A random state that does not fit the module tree: an unknown or missing module
 * path, or a position that is not a non-negative integer. `path` names the entry
 * (`''` is the module itself).
 */
export class RandomStateError extends ArgumentError {
  readonly path: string;
  constructor(path: string, detail: string, fields: { expected?: unknown; actual?: unknown } = {}) {
    const parts = [`${path === '' ? 'the module itself' : `module '${path}'`}: ${detail}`];
    if (fields.expected !== undefined) parts.push(`expected ${String(fields.expected)}`);
    if (fields.actual !== undefined) parts.push(`got ${String(fields.actual)}`);
    super('setRandomState', parts.join('; '), fields);
    this.path = path;
  }
}

export interface SetRandomStateOptions {
  /**
   * Every module with a random stream must have an entry, and every entry must name
   * such a module (default true). With `false`, unknown paths are ignored and modules
   * without an entry keep their position. Values are always checked.
   */
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
  /**
   * Position of this module's own random stream: how many per-call random draws
   * (dropout masks) it has made. `undefined` for modules that draw none. Kept here,
   * not in each layer, so `randomState()` can save and restore every one of them:
   * without it a resumed training run would restart the counters at 0 and replay
   * the first epoch's masks.
   */
  #randomCalls: number | undefined;

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

  /**
   * Declares that this module draws fresh random numbers on its calls (a dropout
   * mask) and numbers the draws 0, 1, 2, ... with `nextRandomCall()`. Its position
   * then appears in `randomState()`, so training checkpoints save it. Call it in the
   * constructor of such a layer.
   */
  protected trackRandomCalls(): void {
    this.#randomCalls ??= 0;
  }

  /**
   * The index of this draw (0, 1, ...) and advances the position; derive the draw's
   * seed from it (e.g. `deriveSeed(seed, this.nextRandomCall())`) so that restoring
   * the position restores the stream. Needs `trackRandomCalls()`.
   */
  protected nextRandomCall(): number {
    if (this.#randomCalls === undefined) {
      throw new ArgumentError(this.constructor.name, 'nextRandomCall() needs trackRandomCalls() in the constructor');
    }
    return this.#randomCalls++;
  }

  /** Draws made so far by this module itself (0 when it does not draw). */
  protected get randomCalls(): number {
    return this.#randomCalls ?? 0;
  }

  /**
   * Where every random stream of this module tree stands: module path -> draws made so
   * far, for each module that draws per call (every `Dropout`, the inter-layer dropout
   * of multi-layer `LSTM`/`GRU`); `''` is this module itself. Plain JSON, so it can be
   * stored with a checkpoint (`encodeTrainingState` does) and handed back to
   * `setRandomState` to continue the same masks.
   *
   * @example
   * ```ts
   * const state = model.randomState();   // { 'encoder.drop': 120, dropout: 120 }
   * // ... later, on a freshly built model with the checkpoint's weights:
   * fresh.setRandomState(state);         // the next masks are the ones `model` would draw
   * ```
   */
  randomState(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [path, m] of this.#withSelf()) if (m.#randomCalls !== undefined) out[path] = m.#randomCalls;
    return out;
  }

  /**
   * Restores positions saved by `randomState()`. Checks everything first and throws a
   * `RandomStateError` naming the first bad entry (unknown path, missing module in
   * strict mode, a value that is not a non-negative integer) before changing anything.
   *
   * @example
   * ```ts
   * const saved = JSON.stringify(model.randomState());
   * fresh.setRandomState(JSON.parse(saved));
   * ```
   */
  setRandomState(state: Readonly<Record<string, number>>, options: SetRandomStateOptions = {}): void {
    checkRandomState(this, state, options);
    const modules = new Map(this.#withSelf());
    for (const [path, calls] of Object.entries(state)) {
      const m = modules.get(path);
      if (m && m.#randomCalls !== undefined) m.#randomCalls = calls;
    }
  }

  #withSelf(): [string, Module][] {
    return [['', this], ...this.namedModules()];
  }

  /** Every parameter with its dotted name, depth first in registration order. */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [name, p] of this.#parameters) out.push([prefix + name, p]);
    for (const [name, m] of this.#modules) out.push(...m.namedParameters(`${prefix}${name}.`));
    return out;
  }

  /**
   * The current name of a parameter that files written by an older version of this
   * module tree store as `name` (a dotted name relative to this module). The default
   * leaves `name` as it is, except that the part below a child module is the child's
   * to rename; a module that renames its parameters overrides it, so checkpoint and
   * model-file loading (which pass every file tensor name through it) keep reading
   * old files.
   *
   * @example
   * ```ts
   * class Renamed extends Module {
   *   override upgradeParameterName(name: string): string {
   *     return name === 'w' ? 'weight' : super.upgradeParameterName(name);
   *   }
   * }
   * ```
   */
  upgradeParameterName(name: string): string {
    const dot = name.indexOf('.');
    const child = dot > 0 ? this.#modules.get(name.slice(0, dot)) : undefined;
    return child ? `${name.slice(0, dot + 1)}${child.upgradeParameterName(name.slice(dot + 1))}` : name;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Number of scalar weights in this module tree, each parameter counted once even when
   * a module is registered under two names (tied weights). `trainableOnly` leaves out
   * frozen parameters (`setTrainable(false)`).
   *
   * @example
   * ```ts
   * new Linear(4, 2).parameterCount(); // 4·2 weights + 2 biases = 10
   * ```
   */
  parameterCount(options: { trainableOnly?: boolean } = {}): number {
    let total = 0;
    for (const p of new Set(this.parameters())) {
      if (options.trainableOnly && !p.trainable) continue;
      total += p.shape.reduce((a, b) => a * b, 1);
    }
    return total;
  }

  /** Direct child modules with their names, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.#modules];
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

/**
 * Throws the `RandomStateError` that `module.setRandomState(state, options)` would
 * throw, changing nothing (checkpoint loading checks before it touches the model).
 */
export function checkRandomState(module: Module, state: unknown, options: SetRandomStateOptions = {}): void {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new ArgumentError('setRandomState', `the state must be an object of module path -> position, got ${Array.isArray(state) ? 'an array' : String(state)}`);
  }
  const strict = options.strict ?? true;
  const current = module.randomState();
  const modules = new Map<string, Module>([['', module], ...module.namedModules()]);
  const seen = new Map<Module, [string, number]>();
  for (const [path, calls] of Object.entries(state as Record<string, unknown>)) {
    if (!Object.hasOwn(current, path)) {
      if (!strict) continue;
      const known = Object.keys(current).map((p) => `'${p}'`).join(', ');
      throw new RandomStateError(path, modules.has(path) ? 'draws no random numbers' : 'no such module', { expected: known ? `one of ${known}` : 'no entries' });
    }
    if (typeof calls !== 'number' || !Number.isSafeInteger(calls) || calls < 0) {
      throw new RandomStateError(path, 'the position must be a non-negative integer', { actual: typeof calls === 'string' ? JSON.stringify(calls) : calls });
    }
    // One module registered under two paths has one stream: both entries must agree.
    const m = modules.get(path)!;
    const other = seen.get(m);
    if (other && other[1] !== calls) throw new RandomStateError(path, `is the same module as '${other[0]}', which is given position ${other[1]}`, { actual: calls });
    seen.set(m, [path, calls]);
  }
  if (strict) {
    const missing = Object.keys(current).find((p) => !Object.hasOwn(state, p));
    if (missing !== undefined) throw new RandomStateError(missing, 'has no entry (pass strict: false to keep its position)');
  }
}

function checkName(name: string): void {
  if (!name || name.includes('.')) throw new ArgumentError('Module', `invalid name '${name}': names are non-empty and contain no dots`);
}

export { ShapeError, DTypeError };

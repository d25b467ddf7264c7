/**
 * Model and training checkpoints in safetensors files (browser-safe; the Node file
 * helpers are in `@cellstate/nn/node`).
 *
 * Model files hold one F32 (or I32) tensor per parameter under its PyTorch
 * `state_dict` name (`lstm.weight_ih_l0`, `fc.bias`), so files written by PyTorch load
 * here and the other way round. Metadata: `format: "cellstate"`,
 * `cellstate.kind: "model"`, `cellstate.version: "1"`.
 *
 * Training checkpoints are one safetensors file:
 *
 * | tensor name                         | holds                                           |
 * | ----------------------------------- | ----------------------------------------------- |
 * | `<param>`                           | the model parameter, as in a model file         |
 * | `optimizer.<slot>.<param>`          | optimizer slot `<slot>` of parameter `<param>`  |
 *
 * e.g. `optimizer.exp_avg.lstm.weight_ih_l0` (PyTorch's Adam calls its moments
 * `exp_avg` / `exp_avg_sq`; the slot names are whatever the optimizer's `stateDict()`
 * uses and must not contain dots). Metadata (all values are strings, as the format
 * requires):
 *
 * | key                 | value                                                          |
 * | ------------------- | -------------------------------------------------------------- |
 * | `format`            | `cellstate`                                                    |
 * | `cellstate.kind`    | `training`                                                     |
 * | `cellstate.version` | `1`                                                            |
 * | `step`              | decimal integer                                                |
 * | `epoch`             | number (absent when not given)                                 |
 * | `extra`             | JSON of the `extra` object (absent when not given)             |
 * | `optimizer.step`    | the optimizer's own step count (absent without an optimizer)   |
 * | `optimizer.hyper`   | JSON of the hyper-parameters; NaN/Infinity as strings          |
 * | `optimizer.slots`   | JSON `{ "<param>": ["<slot>", ...] }`, in the optimizer's order |
 * | `random`            | JSON of `model.randomState()` (absent when the model draws none) |
 *
 * Model parameters therefore must not be named `optimizer.*` in a training checkpoint.
 *
 * `random` holds where each dropout's mask stream stands (module path -> masks drawn),
 * so that a run resumed from the checkpoint draws the masks the uninterrupted run
 * would have drawn instead of replaying the first ones. Files written before it
 * existed load as before: the model's positions are left as they are.
 */
import { getBackend, readMany, tensor, type Backend, type DType, type Tensor } from '@cellstate/tensor';
import { checkRandomState, type Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { checkJson, err, isPlainObject, parseInteger, parseJson } from './metadata-json.js';
import { dequantizeListed, narrowTensors, QUANTIZED_KEY, type NarrowTensorsOptions, type WeightsFileDType } from './quantize.js';
import { withCurrentNames } from './renamed-tensors.js';
import { parseSafetensors, serializeSafetensors, type SafetensorsTensor, type SafetensorsWritableTensor } from './safetensors.js';

/** Prefix of optimizer slot tensors in a training checkpoint. */
export const OPTIMIZER_PREFIX = 'optimizer.';
/** Value of the `format` metadata key in files cellstate writes. */
export const CHECKPOINT_FORMAT = 'cellstate';
/** Version of the cellstate checkpoint layout (`cellstate.version`). */
export const CHECKPOINT_VERSION = '1';
/** Metadata key of the model's random state (`Module.randomState()`) in a training checkpoint. */
export const RANDOM_STATE_KEY = 'random';

/** What an optimizer's `stateDict()` returns (kept structural: any optimizer with this shape works). */
export interface CheckpointOptimizerState {
  step: number;
  hyper: Record<string, number | boolean>;
  /** Parameter name -> slot name -> tensor. */
  slots: Record<string, Record<string, Tensor>>;
}

/**
 * The part of an optimizer checkpoints use. `loadStateDict` is expected to check
 * everything before changing anything and to take ownership of the tensors it gets;
 * the tensors `stateDict()` returns are only read, never disposed.
 */
export interface CheckpointableOptimizer {
  stateDict(): CheckpointOptimizerState;
  loadStateDict(sd: CheckpointOptimizerState): void;
}

export interface EncodeModelOptions {
  /** Extra metadata (string values). The cellstate keys (`format`, `cellstate.*`) win on a clash. */
  metadata?: Record<string, string>;
  /**
   * Write parameters holding NaN or ±Infinity (default false: a diverged model is
   * refused with a `CheckpointError` of code `non-finite` naming the tensor, so it
   * never replaces a good file).
   */
  allowNonFinite?: boolean;
  /**
   * How float parameters are stored: 'F32' (default), 'F16' (half the size), 'Q8'
   * (the matrices `quantize` picks as int8 with a float32 scale per row, listed under
   * `cellstate.quantized`; the rest F16) or 'Q4' (those matrices as 4-bit codes with a
   * half-precision step and offset per 32 columns, 5/32 of F32). `decodeInto` reads all four
   * back as float32.
   */
  dtype?: WeightsFileDType;
  /** With 'Q8' or 'Q4': which matrices to quantize (default: 2-D with at least `Q8_MIN_SIZE` elements). */
  quantize?: NarrowTensorsOptions['quantize'];
}

export interface DecodeModelOptions {
  /** Every model parameter must be in the file and nothing else (default true). */
  strict?: boolean;
  /** File name or label for error messages. */
  source?: string;
  /**
   * Load float tensors holding NaN or ±Infinity (default false: such a file is
   * refused with a `CheckpointError` of code `non-finite` naming the tensor, because
   * every prediction of the model would be NaN).
   */
  allowNonFinite?: boolean;
}

export interface DecodeModelResult {
  /** The file's `__metadata__`. */
  metadata: Record<string, string>;
  /** Parameters that were replaced. */
  loaded: string[];
  /** Parameters not in the file (only possible with `strict: false`). */
  missing: string[];
  /** File tensors that are not parameters (only possible with `strict: false`). */
  unexpected: string[];
}

export interface TrainingCheckpointState {
  model: Module;
  /** Write non-finite parameters or optimizer slots (default false; see `EncodeModelOptions.allowNonFinite`). */
  allowNonFinite?: boolean;
  optimizer?: CheckpointableOptimizer;
  /** Training step (non-negative integer). */
  step: number;
  epoch?: number;
  /** Anything JSON can hold exactly: null, booleans, finite numbers, strings, arrays, plain objects. */
  extra?: Record<string, unknown>;
}

export interface DecodeTrainingStateOptions extends DecodeModelOptions {
  model: Module;
  /** Restored when given; the file must then hold optimizer state. */
  optimizer?: CheckpointableOptimizer;
}

export interface DecodedTrainingState {
  step: number;
  epoch?: number;
  extra?: Record<string, unknown>;
}

const FILE_DTYPE: Record<DType, 'F32' | 'I32'> = { float32: 'F32', int32: 'I32' };

function dtypeFamily(dtype: SafetensorsTensor['dtype']): DType {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' || dtype === 'F64' ? 'float32' : 'int32';
}

/**
 * Serializes a module's parameters as a safetensors file under their PyTorch names.
 * (Asynchronous because reading tensor values is.)
 *
 * @example
 * ```ts
 * const bytes = await encodeModel(model);
 * // later, anywhere (browser included)
 * await decodeInto(model, bytes);
 * ```
 */
export async function encodeModel(module: Module, options: EncodeModelOptions = {}): Promise<Uint8Array> {
  const params = module.namedParameters();
  const tensors = await readTensors(params.map(([name, p]) => [name, p.value]));
  if (!options.allowNonFinite) refuseNonFinite(tensors);
  const floats = [...tensors].filter(([, t]) => t.dtype === 'F32').map(([name, t]) => [name, t.shape, t.data as Float32Array] as const);
  const narrow = narrowTensors(floats, options.dtype ?? 'F32', options.quantize ? { quantize: options.quantize } : {});
  for (const [name, t] of narrow.tensors) tensors.set(name, t);
  return serializeSafetensors(tensors, {
    ...options.metadata,
    format: CHECKPOINT_FORMAT,
    'cellstate.kind': 'model',
    'cellstate.version': CHECKPOINT_VERSION,
    ...(narrow.quantized.length ? { [QUANTIZED_KEY]: JSON.stringify(narrow.quantized) } : {}),
  });
}

/**
 * Loads a safetensors file (written by cellstate or by PyTorch) into `module`. Every
 * name, shape and dtype is checked before anything is uploaded or replaced, so on
 * any error (a `CheckpointError` naming the tensor, the expected and the actual
 * shape, and `source`) the model keeps its values. F16/BF16/F64 tensors load into
 * float32 parameters, integer tensors into int32 ones, the Q8 matrices a file lists
 * under `cellstate.quantized` (see `encodeModel`'s `dtype`) into float32 ones. In a
 * training checkpoint the `optimizer.*` tensors are ignored.
 */
export async function decodeInto(module: Module, bytes: Uint8Array, options: DecodeModelOptions = {}): Promise<DecodeModelResult> {
  const { tensors, metadata } = parseSafetensors(bytes, { source: options.source });
  const modelTensors = dequantizeListed(metadata['cellstate.kind'] === 'training' ? withoutOptimizer(tensors) : tensors, metadata, options.source);
  const plan = planModelLoad(module, withCurrentNames(module, modelTensors), options);
  const uploaded = uploadPlan(plan, options.source);
  try {
    module.loadStateDict(uploaded, { strict: options.strict ?? true });
  } catch (cause) {
    for (const t of uploaded.values()) t.dispose();
    throw err('mismatch', `the model rejected the checkpoint: ${(cause as Error).message}`, { source: options.source, cause });
  }
  return { metadata, loaded: plan.load.map((l) => l.name), missing: plan.missing, unexpected: plan.unexpected };
}

/**
 * Serializes model parameters, optimizer slots, step, epoch, `extra` and the model's
 * random state (where each dropout's mask stream stands) as one safetensors file
 * (layout in this module's header comment).
 *
 * @example
 * ```ts
 * const bytes = await encodeTrainingState({ model, optimizer, step: 1200, epoch: 3, extra: { bestLoss: 0.12 } });
 * const { step, epoch, extra } = await decodeTrainingState(bytes, { model, optimizer });
 * ```
 */
export async function encodeTrainingState(state: TrainingCheckpointState): Promise<Uint8Array> {
  const { model, optimizer, step, epoch, extra } = state;
  if (!Number.isSafeInteger(step) || step < 0) throw err('invalid-argument', `cannot write: step must be a non-negative integer`, { actual: step });
  if (epoch !== undefined && (typeof epoch !== 'number' || !Number.isFinite(epoch))) {
    throw err('invalid-argument', `cannot write: epoch must be a finite number`, { actual: epoch });
  }
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    'cellstate.kind': 'training',
    'cellstate.version': CHECKPOINT_VERSION,
    step: String(step),
  };
  if (epoch !== undefined) metadata.epoch = String(epoch);
  if (extra !== undefined) {
    if (!isPlainObject(extra)) throw err('invalid-argument', 'cannot write: extra must be a plain object');
    checkJson(extra, 'extra');
    metadata.extra = JSON.stringify(extra);
  }
  const random = model.randomState();
  if (Object.keys(random).length > 0) metadata[RANDOM_STATE_KEY] = JSON.stringify(random);

  const entries: [string, Tensor][] = [];
  for (const [name, p] of model.namedParameters()) {
    if (name.startsWith(OPTIMIZER_PREFIX)) {
      throw err('invalid-argument', `cannot write: model parameter '${name}' clashes with the '${OPTIMIZER_PREFIX}' prefix of optimizer slots`, { tensor: name });
    }
    entries.push([name, p.value]);
  }
  if (optimizer) {
    const sd = optimizer.stateDict();
    if (!Number.isSafeInteger(sd.step) || sd.step < 0) throw err('invalid-argument', 'cannot write: optimizer step must be a non-negative integer', { actual: sd.step });
    const hyper: Record<string, number | boolean | string> = {};
    for (const [k, v] of Object.entries(sd.hyper)) {
      if (typeof v === 'boolean') hyper[k] = v;
      else if (typeof v === 'number') hyper[k] = Number.isFinite(v) ? v : String(v);
      else throw err('invalid-argument', `cannot write: optimizer hyper-parameter '${k}' is a ${typeof v}, expected a number or boolean`);
    }
    const listing: Record<string, string[]> = {};
    for (const [param, slots] of Object.entries(sd.slots)) {
      listing[param] = [];
      for (const [slot, t] of Object.entries(slots)) {
        if (!slot || slot.includes('.')) throw err('invalid-argument', `cannot write: optimizer slot name '${slot}' (of '${param}') must be non-empty and contain no dots`);
        listing[param].push(slot);
        entries.push([`${OPTIMIZER_PREFIX}${slot}.${param}`, t]);
      }
    }
    metadata['optimizer.step'] = String(sd.step);
    metadata['optimizer.hyper'] = JSON.stringify(hyper);
    metadata['optimizer.slots'] = JSON.stringify(listing);
  }
  const seen = new Set<string>();
  for (const [name] of entries) {
    if (seen.has(name)) throw err('invalid-argument', `cannot write: two tensors are named '${name}'`, { tensor: name });
    seen.add(name);
  }
  const values = await readTensors(entries);
  if (!state.allowNonFinite) refuseNonFinite(values);
  return serializeSafetensors(values, metadata);
}

/**
 * Restores a training checkpoint written by `encodeTrainingState`: validates the
 * file, the metadata, every model tensor and the random state first, then hands the
 * optimizer its state (its `loadStateDict` validates before changing anything) and
 * finally replaces the model parameters and the positions of its dropout streams,
 * so training continues exactly as it would have without the interruption. On any
 * error neither is changed. A file without random state (written before it was
 * saved) leaves the positions as they are.
 */
export async function decodeTrainingState(bytes: Uint8Array, options: DecodeTrainingStateOptions): Promise<DecodedTrainingState> {
  const { model, optimizer, source } = options;
  const { tensors, metadata } = parseSafetensors(bytes, { source });
  const bad = (detail: string): never => {
    throw err('invalid-metadata', detail, { source });
  };
  if (metadata['cellstate.kind'] !== 'training') {
    bad(`not a cellstate training checkpoint: metadata 'cellstate.kind' is ${JSON.stringify(metadata['cellstate.kind'] ?? null)}, expected "training"`);
  }
  const step = parseInteger(metadata.step, 'step', source);
  let epoch: number | undefined;
  if (metadata.epoch !== undefined) {
    epoch = Number(metadata.epoch);
    if (metadata.epoch.trim() === '' || !Number.isFinite(epoch)) bad(`metadata 'epoch' is ${JSON.stringify(metadata.epoch)}, not a number`);
  }
  let extra: Record<string, unknown> | undefined;
  if (metadata.extra !== undefined) {
    const parsed = parseJson(metadata.extra, 'extra', source);
    if (!isPlainObject(parsed)) bad(`metadata 'extra' is not a JSON object`);
    extra = parsed as Record<string, unknown>;
  }

  let random: Record<string, number> | undefined;
  if (metadata[RANDOM_STATE_KEY] !== undefined) {
    const parsed = parseJson(metadata[RANDOM_STATE_KEY], RANDOM_STATE_KEY, source);
    if (!isPlainObject(parsed)) bad(`metadata '${RANDOM_STATE_KEY}' is not a JSON object`);
    try {
      checkRandomState(model, parsed, { strict: options.strict ?? true });
    } catch (cause) {
      throw err('mismatch', `the checkpoint's random state does not fit the model: ${(cause as Error).message}`, { source, cause });
    }
    random = parsed as Record<string, number>;
  }

  const plan = planModelLoad(model, withCurrentNames(model, withoutOptimizer(tensors)), options);

  // Optimizer slots: every listed tensor present, nothing else under the prefix.
  let optimizerSd: { step: number; hyper: Record<string, number | boolean>; slots: [string, [string, string][]][] } | undefined;
  if (optimizer) {
    if (metadata['optimizer.slots'] === undefined) {
      throw err('mismatch', 'the checkpoint holds no optimizer state, but an optimizer was given to restore', { source });
    }
    const optStep = parseInteger(metadata['optimizer.step'], 'optimizer.step', source);
    const rawHyper = parseJson(metadata['optimizer.hyper'] ?? '{}', 'optimizer.hyper', source);
    if (!isPlainObject(rawHyper)) bad(`metadata 'optimizer.hyper' is not a JSON object`);
    const hyper: Record<string, number | boolean> = {};
    for (const [k, v] of Object.entries(rawHyper as Record<string, unknown>)) {
      if (typeof v === 'number' || typeof v === 'boolean') hyper[k] = v;
      else if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') hyper[k] = Number(v);
      else bad(`metadata 'optimizer.hyper' has '${k}' = ${JSON.stringify(v)}, expected a number or boolean`);
    }
    const listing = parseJson(metadata['optimizer.slots'], 'optimizer.slots', source);
    if (!isPlainObject(listing)) bad(`metadata 'optimizer.slots' is not a JSON object`);
    const slots: [string, [string, string][]][] = [];
    const expected = new Set<string>();
    for (const [param, names] of Object.entries(listing as Record<string, unknown>)) {
      if (!Array.isArray(names) || names.some((s) => typeof s !== 'string')) bad(`metadata 'optimizer.slots' entry '${param}' is not a list of slot names`);
      const row: [string, string][] = [];
      for (const slot of names as string[]) {
        const key = `${OPTIMIZER_PREFIX}${slot}.${param}`;
        if (!tensors.has(key)) throw err('mismatch', `missing optimizer tensor '${key}' (slot '${slot}' of parameter '${param}')`, { source, tensor: key });
        if (!options.allowNonFinite) checkFinite(tensors.get(key)!, key, source);
        expected.add(key);
        row.push([slot, key]);
      }
      slots.push([model.upgradeParameterName(param), row]);
    }
    const stray = [...tensors.keys()].filter((k) => k.startsWith(OPTIMIZER_PREFIX) && !expected.has(k));
    if (stray.length) throw err('mismatch', `unexpected optimizer tensor(s) not listed in 'optimizer.slots': ${stray.join(', ')}`, { source, tensor: stray[0] });
    optimizerSd = { step: optStep, hyper, slots };
  }

  // Everything checked: upload, give the optimizer its state, then the model its values.
  const modelValues = uploadPlan(plan, source);
  const slotTensors: Tensor[] = [];
  try {
    if (optimizer && optimizerSd) {
      const params = new Map(model.namedParameters());
      const fallback = defaultBackend(model);
      const slots: Record<string, Record<string, Tensor>> = {};
      for (const [param, row] of optimizerSd.slots) {
        const backend = params.get(param)?.value.backend ?? fallback;
        slots[param] = {};
        for (const [slot, key] of row) {
          const t = upload(tensors.get(key)!, backend);
          slotTensors.push(t);
          slots[param][slot] = t;
        }
      }
      try {
        optimizer.loadStateDict({ step: optimizerSd.step, hyper: optimizerSd.hyper, slots });
      } catch (cause) {
        throw err('mismatch', `the optimizer rejected the checkpoint's state: ${(cause as Error).message}`, { source, cause });
      }
    }
  } catch (e) {
    for (const t of [...modelValues.values(), ...slotTensors]) t.dispose();
    throw e;
  }
  try {
    model.loadStateDict(modelValues, { strict: false });
  } catch (cause) {
    for (const t of modelValues.values()) t.dispose();
    throw err('mismatch', `the model rejected the checkpoint: ${(cause as Error).message}`, { source, cause });
  }
  // Checked above, so this cannot fail. Without it the dropout counters would restart
  // at 0 and the resumed run would replay the masks of its first steps.
  if (random) model.setRandomState(random, { strict: options.strict ?? true });
  const out: DecodedTrainingState = { step };
  if (epoch !== undefined) out.epoch = epoch;
  if (extra !== undefined) out.extra = extra;
  return out;
}

// ---------------------------------------------------------------------------------

interface LoadPlan {
  load: { name: string; param: Parameter; entry: SafetensorsTensor }[];
  missing: string[];
  unexpected: string[];
}

/** Checks every name, shape and dtype of `file` against the module; touches nothing. */
function planModelLoad(module: Module, file: Map<string, SafetensorsTensor>, options: DecodeModelOptions): LoadPlan {
  const strict = options.strict ?? true;
  const source = options.source;
  const params = module.namedParameters();
  const names = new Set(params.map(([n]) => n));
  const plan: LoadPlan = { load: [], missing: [], unexpected: [] };
  for (const [name, param] of params) {
    const entry = file.get(name);
    if (!entry) {
      if (strict) throw err('mismatch', `missing tensor '${name}': the model has it, the file does not`, { source, tensor: name, expected: [...param.shape] });
      plan.missing.push(name);
      continue;
    }
    if (!sameShape(entry.shape, param.shape)) {
      throw err('mismatch', `tensor '${name}' has the wrong shape`, { source, tensor: name, expected: [...param.shape], actual: entry.shape });
    }
    const want = param.value.dtype;
    if (dtypeFamily(entry.dtype) !== want) {
      throw err('mismatch', `tensor '${name}' has dtype ${entry.dtype}, which cannot load into a ${want} parameter`, { source, tensor: name, expected: want, actual: entry.dtype });
    }
    if (!options.allowNonFinite) checkFinite(entry, name, source);
    plan.load.push({ name, param, entry });
  }
  for (const name of file.keys()) if (!names.has(name)) plan.unexpected.push(name);
  if (strict && plan.unexpected.length) {
    throw err('mismatch', `unexpected tensor(s) the model does not have: ${plan.unexpected.join(', ')} (pass strict: false to ignore them)`, {
      source,
      tensor: plan.unexpected[0],
    });
  }
  return plan;
}

/** Uploads the planned tensors on their parameters' backends (all or nothing). */
function uploadPlan(plan: LoadPlan, source: string | undefined): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  try {
    for (const { name, param, entry } of plan.load) out.set(name, upload(entry, param.value.backend));
  } catch (cause) {
    for (const t of out.values()) t.dispose();
    throw err('io', `uploading the checkpoint's tensors failed: ${(cause as Error).message}`, { source, cause });
  }
  return out;
}

function upload(entry: SafetensorsTensor, backend: Backend): Tensor {
  return tensor(entry.data, entry.shape, { dtype: dtypeFamily(entry.dtype), backend });
}

async function readTensors(entries: [string, Tensor][]): Promise<Map<string, SafetensorsWritableTensor>> {
  const values = await readMany(entries.map(([, t]) => t));
  const out = new Map<string, SafetensorsWritableTensor>();
  entries.forEach(([name, t], i) => out.set(name, { dtype: FILE_DTYPE[t.dtype], shape: [...t.shape], data: values[i]! }));
  return out;
}

/** Index of the first NaN or ±Infinity in `data`, or -1. */
function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) {
    // x - x is 0 for every finite x and NaN for NaN and ±Infinity: one test for both.
    if (data[i]! - data[i]! !== 0) return i;
  }
  return -1;
}

function checkFinite(entry: SafetensorsTensor, name: string, source: string | undefined): void {
  if (dtypeFamily(entry.dtype) !== 'float32') return;
  const i = firstNonFinite(entry.data);
  if (i >= 0) {
    throw err('non-finite', `tensor '${name}' holds ${entry.data[i]} at index ${i}: the weights are not finite (the model diverged or the file is damaged; pass allowNonFinite to load it anyway)`, { source, tensor: name });
  }
}

function refuseNonFinite(tensors: Map<string, SafetensorsWritableTensor>): void {
  for (const [name, t] of tensors) {
    if (t.dtype !== 'F32') continue;
    const i = firstNonFinite(t.data);
    if (i >= 0) {
      throw err('non-finite', `cannot write: tensor '${name}' holds ${t.data[i]} at index ${i}; a diverged model is not saved (lower the learning rate or clip gradients; pass allowNonFinite to write it anyway)`, { tensor: name });
    }
  }
}

function withoutOptimizer(tensors: Map<string, SafetensorsTensor>): Map<string, SafetensorsTensor> {
  return new Map([...tensors].filter(([name]) => !name.startsWith(OPTIMIZER_PREFIX)));
}

function defaultBackend(model: Module): Backend {
  return model.namedParameters()[0]?.[1].value.backend ?? getBackend();
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

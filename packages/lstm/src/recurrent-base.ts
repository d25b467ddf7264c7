import { Module, deriveSeed, dropout, type Parameter } from '@cellstate/nn';
import { ArgumentError, DTypeError, ShapeError, concat, reshape, scope, slice, stack, tensor, transpose, zeros, type Tensor } from '@cellstate/tensor';
import { recurrentWeights } from './init.js';
import type { RecurrentOptions } from './recurrent-options.js';

/** The weights of one layer and direction, PyTorch's names without the `_l0` suffix. */
export interface DirectionParams {
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh?: Parameter;
  biasHh?: Parameter;
}

/** What one layer and direction gets: its input, weights, initial state parts and lengths. */
export interface DirectionInput {
  x: Tensor;
  params: DirectionParams;
  /** One [B, H] tensor per state part (LSTM: h, c; GRU: h). */
  initial: Tensor[];
  lengths?: Tensor;
  reverse: boolean;
}

/** What one layer and direction returns: outputs [T, B, H] and the final state parts [B, H]. */
export interface DirectionOutput {
  y: Tensor;
  finals: Tensor[];
}

/**
 * Layer 0's input given as ids into a table the cell reads its own way (the LSTM's
 * embedding folded into its input projection): `ids` [T, B] ([B, T] with batchFirst)
 * and, per direction d, the run of layer 0 from the ids [T, B].
 */
export interface IdsInput {
  ids: Tensor;
  firstLayer(d: number, input: Omit<DirectionInput, 'x'> & { ids: Tensor }): DirectionOutput;
}

/** The forward options every recurrent layer takes. */
export interface RecurrentForwardOptions {
  /**
   * Real length of each sample (int32 tensor [B] or numbers). Steps past a sample's
   * length output zeros, get no gradient, and the final state is the one after its last
   * real step (reverse direction: starts at its last real step). No packing needed.
   */
  lengths?: Tensor | readonly number[];
  /**
   * Seed of this call's inter-layer dropout masks, for callers that draw their own
   * random streams (a trainer that resumes exactly from (seed, step), e.g. with
   * `SeedStream.next()`): a number applies dropout with masks from it (layer l's mask:
   * `dropout(x, p, deriveSeed(dropoutSeed, l))`), null applies none; either way the
   * layer's own call counter is left alone. Unset: in training mode, masks numbered by
   * the layer's call counter (saved in checkpoints as `Module.randomState`), or none
   * with `callerDropoutSeeds`.
   */
  dropoutSeed?: number | null;
}

/** How a subclass's cell is laid out: gate blocks per weight matrix, and state parts. */
export interface CellSpec {
  /** 'LSTM' or 'GRU': names the layer in errors. */
  op: string;
  /** Gate blocks of `weight_ih`/`weight_hh` (LSTM 4, GRU 3). */
  gates: 3 | 4;
  /** State parts, in the order `runDirection` takes and returns them (LSTM ['h', 'c'], GRU ['h']). */
  stateParts: readonly string[];
  /** Added to the weight seed so two cell kinds with one seed differ (kept from before the base existed). */
  seedOffset: number;
  forgetBias?: number;
}

/**
 * What every recurrent layer shares, PyTorch's `RNNBase`: weights per layer and
 * direction under PyTorch's names (`weight_ih_l0`, `bias_hh_l1_reverse`, ...), shape
 * checks, lengths, bidirectional concatenation, inter-layer dropout and the final
 * states in PyTorch's order (l0, l0_reverse, l1, ...). A cell kind (LSTM, GRU) brings
 * only `runDirection`: its gate math over one sequence.
 */
export abstract class RecurrentBase extends Module {
  readonly options: Required<RecurrentOptions>;
  readonly #spec: CellSpec;
  readonly #layers: DirectionParams[][] = [];

  protected constructor(options: Required<RecurrentOptions>, spec: CellSpec) {
    super();
    this.options = options;
    this.#spec = spec;
    const o = options;
    // Inter-layer dropout draws one mask set per forward call, numbered by the module's
    // random-stream position, so checkpoints can save and restore it (Module.randomState).
    // A layer whose caller brings every seed has no position to save.
    if (o.dropout > 0 && o.numLayers > 1 && !o.callerDropoutSeeds) this.trackRandomCalls();
    const H = o.hiddenSize;
    const D = this.directions;
    let seed = o.seed * 1_000_003 + spec.seedOffset;
    for (let l = 0; l < o.numLayers; l++) {
      const inSize = l === 0 ? o.inputSize : H * D;
      const dirs: DirectionParams[] = [];
      for (let d = 0; d < D; d++) {
        const suffix = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const w = recurrentWeights({ gates: spec.gates, inputSize: inSize, hiddenSize: H, seed, bias: o.bias, ...(spec.forgetBias === undefined ? {} : { forgetBias: spec.forgetBias }) });
        seed += w.seedsUsed;
        const p: DirectionParams = {
          weightIh: this.addParameter(`weight_ih${suffix}`, w.weightIh),
          weightHh: this.addParameter(`weight_hh${suffix}`, w.weightHh),
        };
        if (w.biasIh && w.biasHh) {
          p.biasIh = this.addParameter(`bias_ih${suffix}`, w.biasIh);
          p.biasHh = this.addParameter(`bias_hh${suffix}`, w.biasHh);
        }
        dirs.push(p);
      }
      this.#layers.push(dirs);
    }
  }

  /** The weights of layer l, one entry per direction. */
  protected layerParams(l: number): readonly DirectionParams[] {
    return this.#layers[l]!;
  }

  get directions(): number {
    return this.options.bidirectional ? 2 : 1;
  }

  /** The cell's gate math over one sequence x [T, B, I] in one direction. */
  protected abstract runDirection(input: DirectionInput): DirectionOutput;

  /**
   * Runs every layer and direction. `states` holds, per state part, the initial state
   * [numLayers * D, B, H] or undefined (zeros). Returns the top layer's output and, per
   * state part, the final states stacked as [numLayers * D, B, H].
   */
  protected runLayers(source: Tensor | IdsInput, states: readonly (Tensor | undefined)[], options: RecurrentForwardOptions): { output: Tensor; finals: Tensor[] } {
    const o = this.options;
    const { op, stateParts } = this.#spec;
    const H = o.hiddenSize;
    const D = this.directions;
    const fromIds = 'firstLayer' in source ? source : null;
    const input = fromIds ? fromIds.ids : (source as Tensor);
    if (fromIds && input.rank !== 2) {
      throw new ShapeError({ op: `${op}.forward`, detail: `ids must be ${o.batchFirst ? '[B, T]' : '[T, B]'}`, expected: o.batchFirst ? '[B, T]' : '[T, B]', actual: [...input.shape] });
    }
    if (!fromIds && (input.rank !== 3 || input.shape[2] !== o.inputSize)) {
      throw new ShapeError({ op: `${op}.forward`, detail: `input must be ${o.batchFirst ? '[B, T, I]' : '[T, B, I]'} with I = ${o.inputSize}`, expected: o.batchFirst ? `[B, T, ${o.inputSize}]` : `[T, B, ${o.inputSize}]`, actual: [...input.shape] });
    }
    const T = o.batchFirst ? input.shape[1]! : input.shape[0]!;
    const B = o.batchFirst ? input.shape[0]! : input.shape[1]!;
    const want = [o.numLayers * D, B, H];
    states.forEach((s, i) => {
      if (s && s.shape.join() !== want.join()) throw new ShapeError({ op: `${op}.forward`, detail: `${stateParts.length > 1 ? `state.${stateParts[i]}` : `${stateParts[i]}0`} must be [numLayers * directions, B, H]`, expected: want, actual: [...s.shape] });
    });
    // Checked here, before any tensor is made, so a bad call leaves nothing behind.
    const lengthsIn = options.lengths;
    if (lengthsIn !== undefined && !Array.isArray(lengthsIn) && (lengthsIn as Tensor).dtype !== 'int32') {
      throw new DTypeError({ op: `${op}.forward`, detail: 'lengths must be int32 (or an array of numbers)', expected: 'int32', actual: (lengthsIn as Tensor).dtype });
    }
    const dropping = o.dropout > 0 && o.numLayers > 1;
    // Layer l's mask seed: from the caller's seed, or numbered by the call counter.
    let layerSeed: ((l: number) => number) | null = null;
    if (options.dropoutSeed !== undefined) {
      const seed = options.dropoutSeed;
      if (dropping && seed !== null) layerSeed = (l) => deriveSeed(seed, l);
    } else if (dropping && !o.callerDropoutSeeds) {
      // Counts every call (eval ones too), as before, so the masks stay the same.
      const base = o.seed * 7919 + this.nextRandomCall();
      if (this.training) layerSeed = (l) => base * 131 + l;
    }
    return scope(() => {
      const lengths = this.#lengths(lengthsIn, T, B, input);
      let x = o.batchFirst ? transpose(input, fromIds ? [1, 0] : [1, 0, 2]) : input;
      const finals: Tensor[][] = stateParts.map(() => []);
      this.#layers.forEach((dirs, l) => {
        const outs = dirs.map((params, d) => {
          const index = l * D + d;
          const initial = states.map((s) => (s ? reshape(slice(s, [index, 0, 0], [1, B, H]), [B, H]) : zeros([B, H], { backend: input.backend })));
          const rest = { params, initial, ...(lengths ? { lengths } : {}), reverse: d === 1 };
          const r = l === 0 && fromIds ? fromIds.firstLayer(d, { ...rest, ids: x }) : this.runDirection({ x, ...rest });
          r.finals.forEach((f, i) => finals[i]!.push(f));
          return r.y;
        });
        x = D === 2 ? concat(outs, 2) : outs[0]!;
        if (layerSeed && l < o.numLayers - 1) x = dropout(x, o.dropout, layerSeed(l));
      });
      const output = o.batchFirst ? transpose(x, [1, 0, 2]) : x === input ? reshape(x, x.shape) : x;
      return { output, finals: finals.map((f) => stack(f, 0)) };
    });
  }

  #lengths(lengths: Tensor | readonly number[] | undefined, T: number, B: number, like: Tensor): Tensor | undefined {
    if (lengths === undefined) return undefined;
    const op = `${this.#spec.op}.forward`;
    let values: ArrayLike<number> | undefined;
    if (Array.isArray(lengths)) values = lengths as readonly number[];
    else if ((lengths as Tensor).backend.capabilities.syncRead) values = (lengths as Tensor).dataSync();
    if (values) {
      if (values.length !== B) throw new ShapeError({ op, detail: 'lengths needs one entry per sample', expected: [B], actual: [values.length] });
      for (let b = 0; b < values.length; b++) {
        const v = values[b]!;
        if (!Number.isInteger(v) || v < 0 || v > T) throw new ArgumentError(op, `lengths[${b}] = ${v} is outside [0, ${T}]`);
      }
    }
    if (Array.isArray(lengths)) return tensor(lengths as number[], [B], { dtype: 'int32', backend: like.backend });
    return lengths as Tensor;
  }
}

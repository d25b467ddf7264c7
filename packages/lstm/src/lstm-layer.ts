import type { Embedding } from '@cellstate/nn';
import { ArgumentError, ShapeError, add, isGradEnabled, keep, lstmSequence, lstmSequenceEmbedded, matmul, scope, zeros, type Tensor } from '@cellstate/tensor';
import { resolveLstmOptions, type LstmOptions, type ResolvedLstmOptions } from './lstm-config.js';
import type { LstmState } from './lstm-state.js';
import { RecurrentBase, type DirectionInput, type DirectionOutput, type DirectionParams, type RecurrentForwardOptions } from './recurrent-base.js';

/**
 * Largest folded table `forwardEmbedded` makes on its own (`fold: 'auto'`), in bytes over
 * all directions ([V, 4H] float32 each); a larger vocabulary runs the embedding and the
 * projection per token unless the caller asks for `fold: true`.
 */
export const MAX_FOLDED_TABLE_BYTES = 128 * 2 ** 20;

/** The folded tables (null until made), the tensors they come from (a new one makes them stale), and the tokens run unfolded since. */
interface FoldState {
  from: Tensor[];
  tables: Tensor[] | null;
  tokens: number;
}

export interface LstmEmbeddedOptions extends LstmForwardOptions {
  /**
   * Fold the embedding into layer 0's input projection (inference only; with a gradient
   * to record, never). `'auto'` (default): once the tokens this layer has run unfolded
   * since its weights were last replaced reach the vocabulary size, so that folding (one
   * projection per vocabulary row) never costs more than the per-token projections it
   * replaces; tables over `MAX_FOLDED_TABLE_BYTES` are not made. `true`: fold now;
   * `false`: never.
   */
  fold?: boolean | 'auto';
}

export interface LstmForwardOptions extends RecurrentForwardOptions {
  /** Initial state, h and c of shape [numLayers * directions, B, H] (default zeros). */
  state?: LstmState;
}

export interface LstmOutput {
  /** [T, B, D*H] (or [B, T, D*H] with batchFirst): the top layer's hidden state at every step. */
  output: Tensor;
  /** [numLayers * D, B, H]: final hidden states, PyTorch's order (l0, l0_reverse, l1, ...). */
  h: Tensor;
  /** [numLayers * D, B, H]: final cell states. */
  c: Tensor;
}

/**
 * A (stacked, optionally bidirectional) LSTM layer with PyTorch's parameter names and
 * layout (`weight_ih_l0` [4H, I], `weight_hh_l0` [4H, H], `bias_ih_l0`, `bias_hh_l0`,
 * `_reverse` suffix; gates i, f, g, o), so PyTorch `nn.LSTM` weights load by name.
 * Each layer and direction runs as one `lstmSequence` op: the backend's fused kernel
 * where it has one, and trains by backpropagation through time.
 *
 * @example
 * ```ts
 * import '@cellstate/backend-cpu';
 * import { ready, randomUniform } from '@cellstate/tensor';
 * import { LSTM } from '@cellstate/lstm';
 * await ready();
 * const lstm = new LSTM({ inputSize: 8, hiddenSize: 16, numLayers: 2, bidirectional: true });
 * const x = randomUniform([10, 4, 8], { seed: 1 });        // [T, B, I]
 * const { output, h, c } = lstm.forward(x, { lengths: [10, 7, 3, 1] });
 * console.log(output.shape, h.shape);                      // [10, 4, 32] [4, 4, 16]
 * ```
 */
export class LSTM extends RecurrentBase {
  declare readonly options: ResolvedLstmOptions;

  constructor(options: LstmOptions) {
    const o = resolveLstmOptions(options);
    super(o, { op: 'LSTM', gates: 4, stateParts: ['h', 'c'], seedOffset: 17, ...(o.forgetBias === undefined ? {} : { forgetBias: o.forgetBias }) });
  }

  /** Runs the layer over a batch of sequences. The caller owns the three results. */
  forward(input: Tensor, options: LstmForwardOptions = {}): LstmOutput {
    const { output, finals } = this.runLayers(input, [options.state?.h, options.state?.c], options);
    return { output, h: finals[0]!, c: finals[1]! };
  }

  /**
   * Runs the layer on `embedding`'s rows for `ids` ([T, B], or [B, T] with batchFirst):
   * the same result as `forward(embedding.forward(ids), options)`, to float32 rounding.
   * At inference (under `noGrad`, or with nothing that requires a gradient) the embedding
   * is folded into layer 0's input projection, a table [V, 4H] per direction of
   * `weight · W_ihᵀ + b_ih + b_hh`, and each step reads its input gates from it
   * (`lstmSequenceEmbedded`) instead of multiplying every token by W_ih again; when, see
   * `fold`. The tables are kept until the embedding or layer 0's weights are replaced
   * (every optimizer step and load replaces them), and freed by `dispose()`. Folded and
   * unfolded runs differ in the last bits (the bias is added in another order).
   *
   * @example
   * ```ts
   * import { Embedding } from '@cellstate/nn';
   * import { LSTM } from '@cellstate/lstm';
   * import { noGrad, tensor } from '@cellstate/tensor';
   * const embedding = new Embedding(5000, 100, { paddingIdx: 0 });
   * const lstm = new LSTM({ inputSize: 100, hiddenSize: 64, bidirectional: true });
   * const ids = tensor([4, 7, 9, 0], [2, 2], { dtype: 'int32' }); // [T, B]
   * const { output } = noGrad(() => lstm.forwardEmbedded(embedding, ids, { lengths: [2, 1], fold: true }));
   * ```
   */
  forwardEmbedded(embedding: Embedding, ids: Tensor, options: LstmEmbeddedOptions = {}): LstmOutput {
    if (embedding.embeddingDim !== this.options.inputSize) {
      throw new ArgumentError('LSTM.forwardEmbedded', `the embedding has ${embedding.embeddingDim} columns but the layer's inputSize is ${this.options.inputSize}`);
    }
    if (ids.rank !== 2) {
      const shape = this.options.batchFirst ? '[B, T]' : '[T, B]';
      throw new ShapeError({ op: 'LSTM.forwardEmbedded', detail: `ids must be ${shape}`, expected: shape, actual: [...ids.shape] });
    }
    embedding.checkIdsNow(ids);
    const tables = this.#foldedTables(embedding, options.fold ?? 'auto', ids.shape.reduce((n, d) => n * d, 1));
    if (!tables) return scope(() => this.forward(embedding.forward(ids), options));
    const firstLayer = (d: number, input: Omit<DirectionInput, 'x'> & { ids: Tensor }): DirectionOutput => {
      const r = lstmSequenceEmbedded({ table: tables[d]!, ids: input.ids, wHh: input.params.weightHh.value, h0: input.initial[0]!, c0: input.initial[1]!, ...(input.lengths ? { lengths: input.lengths } : {}), reverse: input.reverse });
      return { y: r.y, finals: [r.hT, r.cT] };
    };
    const { output, finals } = this.runLayers({ ids, firstLayer }, [options.state?.h, options.state?.c], options);
    return { output, h: finals[0]!, c: finals[1]! };
  }

  /** Layer 0's folded tables for `embedding`, kept or made now; null to run this call unfolded. */
  #foldedTables(embedding: Embedding, fold: boolean | 'auto', tokens: number): Tensor[] | null {
    if (fold === false) return null;
    const first = this.layerParams(0);
    const from = [embedding.weight.value, ...first.flatMap((p) => [p.weightIh.value, p.weightHh.value, p.biasIh?.value, p.biasHh?.value])].filter((t): t is Tensor => t !== undefined);
    // With a gradient to record, the table would hide it from the embedding: compose instead.
    if (isGradEnabled() && from.some((t) => t.requiresGrad)) return null;
    let state = this.#fold;
    if (!state || state.from.length !== from.length || state.from.some((t, i) => t !== from[i] || t.isDisposed)) {
      this.#dropFolded();
      state = this.#fold = { from, tables: null, tokens: 0 };
    }
    if (state.tables) return state.tables;
    const [V] = embedding.weight.shape as [number, number];
    if (fold === 'auto') {
      const bytes = V * 4 * this.options.hiddenSize * 4 * first.length;
      if (bytes > MAX_FOLDED_TABLE_BYTES || state.tokens + tokens < V) {
        state.tokens += tokens;
        return null;
      }
    }
    state.tables = first.map((p) => keep(scope(() => foldedTable(embedding.weight.value, p, this.options.hiddenSize))));
    return state.tables;
  }

  #fold: FoldState | null = null;

  #dropFolded(): void {
    for (const t of this.#fold?.tables ?? []) t.dispose();
    this.#fold = null;
  }

  override dispose(): void {
    this.#dropFolded();
    super.dispose();
  }

  /** One `lstmSequence`: the backend's fused kernel where it has one. */
  protected runDirection({ x, params: p, initial, lengths, reverse }: DirectionInput): DirectionOutput {
    const H = this.options.hiddenSize;
    const bias = p.biasIh && p.biasHh ? add(p.biasIh.value, p.biasHh.value) : zeros([4 * H], { backend: x.backend });
    const r = lstmSequence({ x, wIh: p.weightIh.value, wHh: p.weightHh.value, bias, h0: initial[0]!, c0: initial[1]!, ...(lengths ? { lengths } : {}), reverse });
    return { y: r.y, finals: [r.hT, r.cT] };
  }
}

/** weight [V, I] · W_ihᵀ + (b_ih + b_hh): layer 0's input gates for every embedding row. */
function foldedTable(weight: Tensor, p: DirectionParams, H: number): Tensor {
  const projected = matmul(weight, p.weightIh.value, { transposeB: true });
  return p.biasIh && p.biasHh ? add(projected, add(p.biasIh.value, p.biasHh.value)) : add(projected, zeros([4 * H], { backend: weight.backend }));
}

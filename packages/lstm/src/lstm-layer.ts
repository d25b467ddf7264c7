import type { Embedding } from '@cellstate/nn';
import { ArgumentError, add, isGradEnabled, keep, lstmSequence, lstmSequenceEmbedded, matmul, scope, zeros, type Tensor } from '@cellstate/tensor';
import { resolveLstmOptions, type LstmOptions, type ResolvedLstmOptions } from './lstm-config.js';
import type { LstmState } from './lstm-state.js';
import { RecurrentBase, type DirectionInput, type DirectionOutput, type DirectionParams, type RecurrentForwardOptions } from './recurrent-base.js';

/**
 * Largest folded table `forwardEmbedded` keeps, in bytes over all directions ([V, 4H]
 * float32 each); a larger vocabulary runs the embedding and the projection per token.
 */
export const MAX_FOLDED_TABLE_BYTES = 64 * 2 ** 20;

/** The folded tables and the tensors they were made from (any new one makes them stale). */
interface FoldedTables {
  from: Tensor[];
  tables: Tensor[];
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
   * the same result as `forward(embedding.forward(ids), options)`. Without gradients
   * (inference: under `noGrad`, or with nothing that requires one) the embedding is folded
   * into layer 0's input projection once, a table [V, 4H] per direction of
   * `weight · W_ihᵀ + b_ih + b_hh`, and each step reads its input gates from it
   * (`lstmSequenceEmbedded`) instead of multiplying every token by W_ih again. The tables
   * are kept until the embedding or layer 0's input weights change (they are new tensors
   * after every optimizer step or load), and freed by `dispose()`; above
   * `MAX_FOLDED_TABLE_BYTES` nothing is folded.
   *
   * @example
   * ```ts
   * import { Embedding } from '@cellstate/nn';
   * import { LSTM } from '@cellstate/lstm';
   * import { noGrad, tensor } from '@cellstate/tensor';
   * const embedding = new Embedding(5000, 100, { paddingIdx: 0 });
   * const lstm = new LSTM({ inputSize: 100, hiddenSize: 64, bidirectional: true });
   * const ids = tensor([4, 7, 9, 0], [2, 2], { dtype: 'int32' }); // [T, B]
   * const { output } = noGrad(() => lstm.forwardEmbedded(embedding, ids, { lengths: [2, 1] }));
   * ```
   */
  forwardEmbedded(embedding: Embedding, ids: Tensor, options: LstmForwardOptions = {}): LstmOutput {
    if (embedding.embeddingDim !== this.options.inputSize) {
      throw new ArgumentError('LSTM.forwardEmbedded', `the embedding has ${embedding.embeddingDim} columns but the layer's inputSize is ${this.options.inputSize}`);
    }
    embedding.checkIdsNow(ids);
    const tables = this.#foldedTables(embedding);
    if (!tables) return this.forward(embedding.forward(ids), options);
    const firstLayer = (d: number, input: Omit<DirectionInput, 'x'> & { ids: Tensor }): DirectionOutput => {
      const r = lstmSequenceEmbedded({ table: tables[d]!, ids: input.ids, wHh: input.params.weightHh.value, h0: input.initial[0]!, c0: input.initial[1]!, ...(input.lengths ? { lengths: input.lengths } : {}), reverse: input.reverse });
      return { y: r.y, finals: [r.hT, r.cT] };
    };
    const { output, finals } = this.runLayers({ ids, firstLayer }, [options.state?.h, options.state?.c], options);
    return { output, h: finals[0]!, c: finals[1]! };
  }

  /** Layer 0's folded tables for `embedding`, made or reused; null where folding does not apply. */
  #foldedTables(embedding: Embedding): Tensor[] | null {
    const first = this.layerParams(0);
    const from = [embedding.weight.value, ...first.flatMap((p) => [p.weightIh.value, p.weightHh.value, p.biasIh?.value, p.biasHh?.value])].filter((t): t is Tensor => t !== undefined);
    // With a gradient to record, the table would hide it from the embedding: compose instead.
    if (isGradEnabled() && from.some((t) => t.requiresGrad)) return null;
    const [V] = embedding.weight.shape as [number, number];
    if (V * 4 * this.options.hiddenSize * 4 * first.length > MAX_FOLDED_TABLE_BYTES) return null;
    const cached = this.#folded;
    if (cached && cached.from.length === from.length && cached.from.every((t, i) => t === from[i] && !t.isDisposed)) return cached.tables;
    this.#dropFolded();
    const tables = first.map((p) => keep(scope(() => foldedTable(embedding.weight.value, p, this.options.hiddenSize))));
    this.#folded = { from, tables };
    return tables;
  }

  #folded: FoldedTables | null = null;

  #dropFolded(): void {
    for (const t of this.#folded?.tables ?? []) t.dispose();
    this.#folded = null;
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

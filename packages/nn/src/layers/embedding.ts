import { ArgumentError, DTypeError, equal, expandDims, gather, isGradEnabled, noGrad, reshape, scope, tensor, where, type Tensor } from '@cellstate/tensor';
import { checkIndexValues, canValidate, checkIndicesSync } from '../check-indices.js';
import { normalValues } from '../host-random.js';
import { initializationSkipped } from '../skip-init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { nextSeed } from '../seed.js';
import { checkPositiveInteger } from '../check-arguments.js';

export interface EmbeddingOptions {
  /**
   * Row that stays as it is (zero unless loaded otherwise) and receives no gradient,
   * PyTorch's `padding_idx`. Negative values count from the end.
   */
  paddingIdx?: number;
  /** Seed of the N(0, 1) initial table (default: the next seed of the default sequence). */
  seed?: number;
  /**
   * Check ids on the host before the lookup (default true). Only possible where the
   * backend reads synchronously (CPU); elsewhere the check is skipped, and an
   * out-of-range id reads a zero vector. Use `await embedding.checkIds(ids)` to
   * validate on any backend. `false` skips the check (and its readback) everywhere.
   */
  validate?: boolean;
}

/**
 * A lookup table (PyTorch's `nn.Embedding`): int32 ids of any shape [...] map to rows of
 * `weight` [V, E], giving [..., E]. The table starts N(0, 1) with the padding row zero;
 * the padding row gets no gradient, so optimizers leave it unchanged.
 *
 * @example
 * ```ts
 * const embed = new Embedding(100, 16, { paddingIdx: 0, seed: 1 });
 * const vectors = embed.forward(tensor([[5, 7, 0]], [1, 3], { dtype: 'int32' })); // [1, 3, 16]
 * ```
 */
export class Embedding extends Module {
  /** Normalised to [0, V), or null. */
  readonly paddingIdx: number | null;
  readonly validate: boolean;
  /** [V, E] */
  readonly weight: Parameter;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkPositiveInteger('Embedding', 'numEmbeddings', numEmbeddings);
    checkPositiveInteger('Embedding', 'embeddingDim', embeddingDim);
    const pad = options.paddingIdx;
    if (pad !== undefined && (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings)) {
      throw new ArgumentError('Embedding', `paddingIdx must be an integer in [-${numEmbeddings}, ${numEmbeddings}), got ${pad}`);
    }
    this.paddingIdx = pad === undefined ? null : pad < 0 ? pad + numEmbeddings : pad;
    this.validate = options.validate ?? true;
    const seed = options.seed ?? nextSeed();
    const values = initializationSkipped() ? new Float32Array(numEmbeddings * embeddingDim) : Float32Array.from(normalValues(seed, numEmbeddings * embeddingDim));
    if (this.paddingIdx !== null) values.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    this.weight = this.addParameter('weight', tensor(values, [numEmbeddings, embeddingDim]));
  }

  /**
   * Looks up int32 `ids` [...] -> [..., E]. Throws `IndexOutOfRangeError` (an
   * `ArgumentError` naming the id and its position) before any work when an id is
   * outside [0, V) and the ids can be checked (see `validate`).
   *
   * @example
   * ```ts
   * const e = new Embedding(10, 4);
   * e.forward(tensor([1, 2, 3], [3], { dtype: 'int32' })); // [3, 4]
   * ```
   */
  forward(ids: Tensor): Tensor {
    this.checkIdsNow(ids);
    const table = this.weight.value;
    return scope(() => {
      const rows = gather(table, ids, 0);
      if (this.paddingIdx === null || !isGradEnabled() || !table.requiresGrad) return rows;
      // Same values, but padding positions take them from an unrecorded view, so the
      // padding row's gradient is exactly zero.
      const constant = noGrad(() => reshape(rows, rows.shape));
      const isPadding = expandDims(equal(ids, this.paddingIdx), -1);
      return where(isPadding, constant, rows);
    });
  }

  /**
   * Validates ids on any backend (reads them asynchronously); throws
   * `IndexOutOfRangeError` for the first id outside [0, V).
   *
   * @example
   * ```ts
   * await embedding.checkIds(ids); // then embedding.forward(ids) on WebGPU
   * ```
   */
  /**
   * The checks `forward` makes before it reads rows: int32 ids and, with `validate` on a
   * backend that reads synchronously, every id in [0, numEmbeddings) (else an
   * `IndexOutOfRangeError` naming the first one outside). For layers that read the table
   * their own way.
   */
  checkIdsNow(ids: Tensor): void {
    if (ids.dtype !== 'int32') throw new DTypeError({ op: 'Embedding', detail: 'ids must be int32', expected: 'int32', actual: ids.dtype });
    if (this.validate && canValidate(ids)) checkIndicesSync('Embedding', ids, this.numEmbeddings);
  }

  async checkIds(ids: Tensor): Promise<void> {
    if (ids.dtype !== 'int32') throw new DTypeError({ op: 'Embedding', detail: 'ids must be int32', expected: 'int32', actual: ids.dtype });
    checkIndexValues('Embedding', await ids.data(), ids.shape, this.numEmbeddings);
  }
}

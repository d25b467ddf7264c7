import { Linear, Module } from '@cellstate/nn';
import { ArgumentError, add, expandDims, gather, matmul, reshape, scope, softmax, tanh, where, type Tensor } from '@cellstate/tensor';
import type { AttentionKind } from './config.js';

/**
 * The encoder side of attention, computed once per source batch.
 * Shapes (B batch, S source steps, K encoder output size, A score size):
 */
export interface AttentionMemory {
  /** [B, S, K]: the encoder outputs (what the context averages). */
  values: Tensor;
  /** [B, S, A]: values projected for scoring (the values themselves for `dot`). */
  keys: Tensor;
  /** [B, 1, S]: 1 at real source positions, 0 at padding. */
  mask: Tensor;
}

/** Score given to padded positions before the softmax: exp(-1e9 - max) is exactly 0 in float32. */
export const MASKED_SCORE = -1e9;

/**
 * Luong (dot, general) and Bahdanau (additive) attention with padding masked.
 * Padded source positions get weight exactly 0.
 *
 * @example
 * ```ts
 * const attention = new Attention('general', { querySize: 256, keySize: 512, seed: 1 });
 * const memory = attention.prepare(encoderOutputs, mask);        // [B, S, 512], [B, 1, S]
 * const { context, weights } = attention.attend(query, memory);  // query [B, T, 256]
 * ```
 */
export class Attention extends Module {
  readonly kind: Exclude<AttentionKind, 'none'>;
  readonly querySize: number;
  readonly keySize: number;
  readonly #general?: Linear;
  readonly #queryProjection?: Linear;
  readonly #keyProjection?: Linear;
  readonly #score?: Linear;

  constructor(kind: Exclude<AttentionKind, 'none'>, options: { querySize: number; keySize: number; seed: number }) {
    super();
    this.kind = kind;
    this.querySize = options.querySize;
    this.keySize = options.keySize;
    const { querySize: Q, keySize: K, seed } = options;
    if (kind === 'dot' && Q !== K) throw new ArgumentError('Attention', `dot attention needs querySize = keySize, got ${Q} and ${K}`);
    if (kind === 'general') this.#general = this.addModule('W', new Linear(K, Q, { bias: false, seed: seed * 7 + 1 }));
    if (kind === 'additive') {
      this.#queryProjection = this.addModule('query', new Linear(Q, Q, { bias: false, seed: seed * 7 + 2 }));
      this.#keyProjection = this.addModule('key', new Linear(K, Q, { seed: seed * 7 + 3 }));
      this.#score = this.addModule('v', new Linear(Q, 1, { bias: false, seed: seed * 7 + 4 }));
    }
  }

  /** Projects encoder outputs [B, S, K] for scoring; `mask` [B, 1, S] (1 real, 0 padding). */
  prepare(values: Tensor, mask: Tensor): AttentionMemory {
    return scope(() => {
      const keys = this.#general ? this.#general.forward(values) : this.#keyProjection ? this.#keyProjection.forward(values) : reshape(values, values.shape);
      return { values: reshape(values, values.shape), keys, mask: reshape(mask, mask.shape) };
    });
  }

  /**
   * Rows `order` (int32 [B']) of a memory: decoding regroups its memory as sentences
   * finish. Keys that are the values themselves (`dot`) are gathered once.
   */
  selectRows(memory: AttentionMemory, order: Tensor): AttentionMemory {
    return scope(() => {
      const values = gather(memory.values, order, 0);
      const keys = this.#general || this.#keyProjection ? gather(memory.keys, order, 0) : reshape(values, values.shape);
      return { values, keys, mask: gather(memory.mask, order, 0) };
    });
  }

  /** Raw scores [B, T, S] for queries [B, T, Q] (before masking). */
  scores(query: Tensor, memory: AttentionMemory): Tensor {
    return scope(() => {
      if (this.kind !== 'additive') return matmul(query, memory.keys, { transposeB: true });
      const [B, T] = query.shape as [number, number, number];
      const S = memory.keys.shape[1]!;
      // vᵀ tanh(W q_t + U m_s): [B, T, 1, A] + [B, 1, S, A] -> [B, T, S, A] -> [B, T, S]
      const q = expandDims(this.#queryProjection!.forward(query), 2);
      const k = expandDims(memory.keys, 1);
      return reshape(this.#score!.forward(tanh(add(q, k))), [B, T, S]);
    });
  }

  /** Context [B, T, K] and weights [B, T, S] (rows sum to 1, zero at padding). */
  attend(query: Tensor, memory: AttentionMemory): { context: Tensor; weights: Tensor } {
    return scope(() => {
      const masked = where(memory.mask, this.scores(query, memory), MASKED_SCORE);
      const weights = softmax(masked, -1);
      return { context: matmul(weights, memory.values), weights };
    });
  }
}

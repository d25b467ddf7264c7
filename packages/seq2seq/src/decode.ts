import { ArgumentError, gather, logSoftmax, max, argmax, noGrad, readMany, scope, tensor, type Tensor } from '@cellstate/tensor';
import { BOS_ID, EOS_ID } from '@cellstate/text';
import type { AttentionMemory } from './attention.js';
import type { Seq2SeqBatch } from './batch.js';
import type { DecoderState } from './decoder.js';
import type { Seq2Seq } from './seq2seq-model.js';

/** One decoded sentence. */
export interface Hypothesis {
  /** Target ids, without `<bos>` and `<eos>`. */
  ids: number[];
  /** Sum of the log-probabilities of the emitted tokens (`<eos>` included when emitted). */
  logProb: number;
  /** The ranking score: logProb / lengthPenalty (equals logProb for greedy decoding). */
  score: number;
  /** Whether the hypothesis ended with `<eos>` (false: cut at maxLength). */
  finished: boolean;
  /** Attention weights per emitted token (including `<eos>`), each over the source positions; only when asked for. */
  attention?: number[][];
}

/** Options of `greedyDecode`. */
export interface GreedyOptions {
  /** Most tokens to emit, `<eos>` included (default 50). */
  maxLength?: number;
  /** Collect attention weights (default false). */
  returnAttention?: boolean;
}

/** Options of `beamSearch`. */
export interface BeamSearchOptions extends GreedyOptions {
  /** Beams per sentence (default 5). */
  beamSize?: number;
  /**
   * α of the GNMT length penalty lp(n) = ((5 + n) / 6)^α that finished hypotheses'
   * log-probabilities are divided by (default 0.6; 0 ranks by raw log-probability).
   */
  lengthPenalty?: number;
  /** Hypotheses to return per sentence, best first (default 1, at most beamSize). */
  nBest?: number;
}

function checkLength(op: string, maxLength: number): void {
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new ArgumentError(op, `maxLength must be a positive integer, got ${maxLength}`);
}

function release(...xs: (Tensor | null | undefined | DecoderState | AttentionMemory)[]): void {
  for (const x of xs) {
    if (!x) continue;
    if ('dispose' in x && typeof x.dispose === 'function') x.dispose();
    else for (const t of Object.values(x)) (t as Tensor).dispose();
  }
}

function sourceRow(attention: ArrayLike<number>, row: number, S: number, length: number): number[] {
  return Array.from({ length }, (_, s) => attention[row * S + s]!);
}

/**
 * Greedy decoding of a batch: each step feeds back the most probable token; a
 * sentence stops at `<eos>`; the loop ends when all have stopped or at `maxLength`.
 * Reads each step's chosen ids and log-probabilities back (one `readMany`).
 *
 * @example
 * ```ts
 * const [hypothesis] = await greedyDecode(model, makeBatch([{ source: ids }]), { maxLength: 30 });
 * console.log(targetVocab.decode(hypothesis.ids));
 * ```
 */
export async function greedyDecode(model: Seq2Seq, batch: Pick<Seq2SeqBatch, 'source' | 'sourceLengths'>, options: GreedyOptions = {}): Promise<Hypothesis[]> {
  const maxLength = options.maxLength ?? 50;
  checkLength('greedyDecode', maxLength);
  const B = batch.source.shape[1]!;
  const S = batch.source.shape[0]!;
  const encoded = noGrad(() => model.encode(batch, null));
  const results: Hypothesis[] = Array.from({ length: B }, () => ({ ids: [], logProb: 0, score: 0, finished: false, ...(options.returnAttention ? { attention: [] } : {}) }));
  let state = encoded.state;
  let ids = tensor(new Int32Array(B).fill(BOS_ID), [B], { dtype: 'int32', backend: batch.source.backend });
  try {
    for (let t = 0; t < maxLength && results.some((r) => !r.finished); t++) {
      const step = noGrad(() =>
        scope(() => {
          const out = model.decoder.step(ids, state, encoded.memory, null);
          const logp = logSoftmax(model.decoder.logits(out.output), -1);
          return { state: out.state, next: argmax(logp, -1), best: max(logp, -1), weights: out.weights };
        }),
      );
      release(state, ids);
      state = step.state;
      ids = step.next;
      const reads = await readMany(step.weights && options.returnAttention ? [step.next, step.best, step.weights] : [step.next, step.best]);
      step.best.dispose();
      step.weights?.dispose();
      const [chosen, best, weights] = reads as [Int32Array, Float32Array, Float32Array | undefined];
      results.forEach((r, b) => {
        if (r.finished) return;
        r.logProb += best[b]!;
        r.score = r.logProb;
        if (weights) r.attention!.push(sourceRow(weights, b, S, encoded.sourceLengths[b]!));
        if (chosen[b] === EOS_ID) r.finished = true;
        else r.ids.push(chosen[b]!);
      });
    }
  } finally {
    release(state, ids, encoded.memory);
  }
  return results;
}

interface Beam {
  ids: number[];
  logProb: number;
  attention: number[][];
}

/** Indices of the `k` largest entries of row `row` (length V) of `values`, largest first. */
function topK(values: Float32Array, row: number, V: number, k: number): number[] {
  const best: number[] = [];
  const base = row * V;
  for (let v = 0; v < V; v++) {
    const x = values[base + v]!;
    if (best.length === k && x <= values[base + best[k - 1]!]!) continue;
    let i = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push(v);
    while (i > 0 && values[base + best[i - 1]!]! < x) {
      best[i] = best[i - 1]!;
      i--;
    }
    best[i] = v;
  }
  return best;
}

/**
 * Batched beam search. Every sentence keeps `beamSize` hypotheses as rows of one
 * batch (B·K rows); each step's log-probabilities are read back and ranked on the
 * host: the K·2K best extensions by cumulative log-probability; an `<eos>` extension
 * among the top K is finished (scored logProb / lp(length)); the K best others stay
 * alive. A sentence stops once it has K finished hypotheses (or at `maxLength`, where
 * its live beams are finished as they are). With `beamSize` 1 this is exactly greedy
 * decoding.
 *
 * @example
 * ```ts
 * const [nBest] = await beamSearch(model, makeBatch([{ source: ids }]), { beamSize: 5, nBest: 3 });
 * for (const h of nBest) console.log(h.score, targetVocab.decode(h.ids));
 * ```
 */
export async function beamSearch(model: Seq2Seq, batch: Pick<Seq2SeqBatch, 'source' | 'sourceLengths'>, options: BeamSearchOptions = {}): Promise<Hypothesis[][]> {
  const K = options.beamSize ?? 5;
  const maxLength = options.maxLength ?? 50;
  const alpha = options.lengthPenalty ?? 0.6;
  const nBest = Math.min(options.nBest ?? 1, K);
  checkLength('beamSearch', maxLength);
  if (!Number.isInteger(K) || K < 1) throw new ArgumentError('beamSearch', `beamSize must be a positive integer, got ${K}`);
  if (!Number.isInteger(nBest) || nBest < 1) throw new ArgumentError('beamSearch', `nBest must be a positive integer, got ${options.nBest}`);
  if (!(alpha >= 0)) throw new ArgumentError('beamSearch', `lengthPenalty must be >= 0, got ${alpha}`);
  const penalty = (n: number) => Math.pow((5 + n) / 6, alpha);
  const B = batch.source.shape[1]!;
  const S = batch.source.shape[0]!;
  const V = model.config.targetVocabSize;
  const backend = batch.source.backend;
  const int32 = (values: number[]) => tensor(Int32Array.from(values), [values.length], { dtype: 'int32', backend });

  // Encode once, then repeat every sentence's state and memory K times: row b·K + k.
  const encoded = noGrad(() => model.encode(batch, null));
  const repeat = int32(Array.from({ length: B * K }, (_, i) => Math.floor(i / K)));
  let state: DecoderState = noGrad(() => scope(() => ({ h: gather(encoded.state.h, repeat, 1), c: gather(encoded.state.c, repeat, 1) })));
  const memory: AttentionMemory | null = encoded.memory
    ? noGrad(() => scope(() => ({ values: gather(encoded.memory!.values, repeat, 0), keys: gather(encoded.memory!.keys, repeat, 0), mask: gather(encoded.memory!.mask, repeat, 0) })))
    : null;
  release(encoded.state, encoded.memory, repeat);

  const beams: Beam[][] = Array.from({ length: B }, () =>
    Array.from({ length: K }, (_, k) => ({ ids: [], logProb: k === 0 ? 0 : Number.NEGATIVE_INFINITY, attention: [] })),
  );
  const finished: Hypothesis[][] = Array.from({ length: B }, () => []);
  const done = new Array<boolean>(B).fill(false);
  let ids = int32(new Array(B * K).fill(BOS_ID));
  try {
    for (let t = 0; t < maxLength && done.some((d) => !d); t++) {
      const step = noGrad(() =>
        scope(() => {
          const out = model.decoder.step(ids, state, memory, null);
          return { state: out.state, logp: logSoftmax(model.decoder.logits(out.output), -1), weights: out.weights };
        }),
      );
      release(state);
      state = step.state;
      const reads = await readMany(step.weights && options.returnAttention ? [step.logp, step.weights] : [step.logp]);
      release(step.logp, step.weights);
      const logp = reads[0] as Float32Array;
      const weights = reads[1] as Float32Array | undefined;
      const last = t === maxLength - 1;
      const origin = new Array<number>(B * K);
      const nextIds = new Array<number>(B * K);
      for (let b = 0; b < B; b++) {
        const row0 = b * K;
        if (done[b]) {
          for (let k = 0; k < K; k++) {
            origin[row0 + k] = row0 + k;
            nextIds[row0 + k] = EOS_ID;
          }
          continue;
        }
        const candidates: { k: number; token: number; logProb: number }[] = [];
        beams[b]!.forEach((beam, k) => {
          if (beam.logProb === Number.NEGATIVE_INFINITY) return;
          for (const token of topK(logp, row0 + k, V, Math.min(2 * K, V))) candidates.push({ k, token, logProb: beam.logProb + logp[(row0 + k) * V + token]! });
        });
        candidates.sort((x, y) => y.logProb - x.logProb);
        const alive: Beam[] = [];
        const aliveOrigin: number[] = [];
        const extend = (c: { k: number; token: number; logProb: number }): Beam => {
          const parent = beams[b]![c.k]!;
          return {
            ids: c.token === EOS_ID ? [...parent.ids] : [...parent.ids, c.token],
            logProb: c.logProb,
            attention: weights ? [...parent.attention, sourceRow(weights, row0 + c.k, S, batch.sourceLengths[b]!)] : parent.attention,
          };
        };
        const finish = (beam: Beam, length: number, isFinished: boolean) =>
          finished[b]!.push({ ids: beam.ids, logProb: beam.logProb, score: beam.logProb / penalty(length), finished: isFinished, ...(options.returnAttention ? { attention: beam.attention } : {}) });
        for (let i = 0; i < candidates.length && alive.length < K; i++) {
          const c = candidates[i]!;
          if (c.token === EOS_ID) {
            if (i < K) finish(extend(c), beams[b]![c.k]!.ids.length + 1, true);
            continue;
          }
          alive.push(extend(c));
          aliveOrigin.push(row0 + c.k);
        }
        if (finished[b]!.length >= K || last) {
          if (last) for (const beam of alive) finish(beam, beam.ids.length, false);
          done[b] = true;
        }
        for (let k = 0; k < K; k++) {
          const beam = alive[k];
          beams[b]![k] = beam ?? { ids: [], logProb: Number.NEGATIVE_INFINITY, attention: [] };
          origin[row0 + k] = aliveOrigin[k] ?? row0;
          nextIds[row0 + k] = beam ? beam.ids[beam.ids.length - 1]! : EOS_ID;
        }
      }
      const order = int32(origin);
      const reordered = noGrad(() => scope(() => ({ h: gather(state.h, order, 1), c: gather(state.c, order, 1) })));
      release(state, order, ids);
      state = reordered;
      ids = int32(nextIds);
    }
  } finally {
    release(state, ids, memory);
  }
  return finished.map((list) => [...list].sort((x, y) => y.score - x.score).slice(0, nBest));
}

/**
 * Fused row-wise softmax cross-entropy. Letters: N rows, C classes.
 *
 *     logits [N,C] float32, labels [N] int32 -> loss [N], probabilities [N,C]
 *
 * Stable: per row, m = max(logits), s = Σ exp(logits - m) (float64), then
 * probabilities = exp(logits - m) / s and loss = m + log(s) - logits[label]
 * (= -log softmax(logits)[label]). A label outside [0, C) selects nothing, as the
 * reference's one-hot does, so its loss is 0. A NaN in a row makes the whole row NaN.
 */
export function softmaxCrossEntropy(logits: Float32Array, labels: Int32Array, N: number, C: number, loss: Float32Array, probabilities: Float32Array): void {
  const e = new Float64Array(C); // exp(logits - max) of one row
  for (let n = 0; n < N; n++) {
    const row = n * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) {
      const v = logits[row + c]!;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const ec = Math.exp(logits[row + c]! - max);
      e[c] = ec;
      sum += ec;
    }
    const inv = 1 / sum;
    for (let c = 0; c < C; c++) probabilities[row + c] = e[c]! * inv;
    const label = labels[n]!;
    loss[n] = label >= 0 && label < C ? max + Math.log(sum) - logits[row + label]! : 0;
  }
}

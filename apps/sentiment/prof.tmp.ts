import '@cellstate/backend-cpu';
import { ready, backward, scope, tensor, readMany } from '@cellstate/tensor';
import { crossEntropyLoss, Adam } from '@cellstate/nn';
import { SentimentModel, makeBatch } from '@cellstate/sentiment';
await ready();
for (const [V, B, T, pooling] of [[4877, 32, 12, ['mean','max']], [4877, 64, 12, ['mean','max']], [4877, 64, 12, ['last']], [100, 64, 12, ['mean','max']]] as const) {
  const model = new SentimentModel({ vocabSize: V, numLabels: 3, embeddingDim: 100, hiddenSize: 64, pooling: [...pooling] });
  const opt = new Adam(model, { learningRate: 1e-3 });
  const seqs = Array.from({ length: B }, (_, b) => Array.from({ length: T - (b % 5) }, (_, t) => 4 + ((b * 7 + t * 13) % (V - 4))));
  let tf = 0, tb = 0, to = 0;
  for (let i = 0; i < 8; i++) {
    const t0 = performance.now();
    scope(() => {
      const batch = makeBatch(seqs);
      const loss = crossEntropyLoss(model.forward(batch), tensor(seqs.map((_, b) => b % 3), [B], { dtype: 'int32' }));
      loss.dataSync();
      const t1 = performance.now();
      const g = backward(loss);
      [...g.values()][0]!.dataSync();
      const t2 = performance.now();
      opt.step(g);
      model.embedding.weight.value.dataSync();
      const t3 = performance.now();
      if (i >= 3) { tf += t1 - t0; tb += t2 - t1; to += t3 - t2; }
    });
  }
  console.log(V, B, T, pooling.join('+'), 'fwd', (tf / 5).toFixed(1), 'bwd', (tb / 5).toFixed(1), 'opt', (to / 5).toFixed(1), 'ms');
}

// Times training steps and greedy decoding of a translation-sized model on the CPU backend.
// Run: node --conditions=@cellstate/source --import tsx bench/train-step.bench.ts [E H V B T attention]
import '@cellstate/backend-cpu';
import { ready } from '@cellstate/tensor';
import { Adam } from '@cellstate/nn';
import { Seq2Seq, makeBatch, trainStep, greedyDecode } from '../src/index.js';

const [E = 128, H = 256, V = 8000, B = 64, T = 9, attention = 'dot'] = process.argv.slice(2).map((a, i) => (i < 5 ? Number(a) : a)) as [number, number, number, number, number, string];
await ready();
const model = new Seq2Seq({ sourceVocabSize: V, targetVocabSize: V, embeddingSize: E, hiddenSize: H, attention: attention as 'dot', dropout: 0.2, tieEmbeddings: true });
const optimizer = new Adam(model, { learningRate: 1e-3 });
const rand = (n: number) => Array.from({ length: n }, (_, i) => 4 + ((i * 7919 + n * 31) % (V - 4)));
const pairs = Array.from({ length: B }, (_, b) => ({ source: rand(T - (b % 3)), target: rand(T - (b % 2)) }));
const batch = makeBatch(pairs);
console.log(`params ${model.parameterCount()}  E=${E} H=${H} V=${V} B=${B} T=${T} ${attention}`);
for (let i = 0; i < 4; i++) {
  const t0 = performance.now();
  const loss = trainStep(model, optimizer, batch, { seed: i, shortlist: Number(process.env.SHORTLIST ?? 0) });
  const value = await loss.item();
  loss.dispose();
  console.log(`step ${i}: ${(performance.now() - t0).toFixed(0)} ms loss ${value.toFixed(3)}`);
}
const t0 = performance.now();
await greedyDecode(model, batch, { maxLength: 12 });
console.log(`greedy ${B} sentences x 12 steps: ${(performance.now() - t0).toFixed(0)} ms`);

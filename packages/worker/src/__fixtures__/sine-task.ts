// A small sequence task shared by the training modules below and the tests (which
// redo the same steps on the main thread to check the worker's results).
import '@cellstate/backend-cpu';
import { Adam, Linear, Module, Trainer, mseLoss } from '@cellstate/nn';
import { LSTM } from '@cellstate/lstm';
import { scope, tensor, type Tensor } from '@cellstate/tensor';

export class SineModel extends Module {
  readonly lstm = this.addModule('lstm', new LSTM({ inputSize: 1, hiddenSize: 8, batchFirst: true, seed: 3 }));
  readonly head = this.addModule('head', new Linear(8, 1, { seed: 4 }));
  forward(x: Tensor): Tensor {
    return scope(() => this.head.forward(this.lstm.forward(x).output));
  }
}

/** Predict sin(t + 0.3) from sin(t): batch 8, 12 steps. */
export function sineBatch(): { x: Tensor; y: Tensor } {
  const B = 8;
  const T = 12;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
    xs.push(Math.sin(b * 0.7 + t * 0.4));
    ys.push(Math.sin(b * 0.7 + t * 0.4 + 0.3));
  }
  return { x: tensor(xs, [B, T, 1]), y: tensor(ys, [B, T, 1]) };
}

export function makeRun() {
  const model = new SineModel();
  const optimizer = new Adam(model, { learningRate: 0.02 });
  const trainer = new Trainer({ optimizer, clipGradNorm: 1 });
  const { x, y } = sineBatch();
  const step = async () => (await trainer.step(() => mseLoss(model.forward(x), y))).loss;
  return { model, optimizer, step, dispose: () => { x.dispose(); y.dispose(); model.dispose(); } };
}

import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { Dataset } from '../data/dataset.js';
import { Linear } from '../layers/linear.js';
import { fit } from '../fit.js';
import { useCpuBackend } from '../test-setup.js';
import { progressBar } from './progress-bar.js';

function capture(isTTY: boolean) {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  Object.assign(stream, { isTTY, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

const data = Dataset.from(Array.from({ length: 40 }, (_, i) => ({ x: [i / 40], y: [2 * (i / 40)] })));

describe('progressBar', () => {
  beforeAll(async () => {
    await useCpuBackend();
  });

  it('off a terminal: only one line per epoch with the logs', async () => {
    const out = capture(false);
    const model = new Linear(1, 1, { seed: 1 });
    await fit(model, data, { epochs: 3, batchSize: 10, loss: 'mse', validationSplit: 0.25, callbacks: [progressBar({ stream: out.stream })] });
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^epoch 3\/3 {2}loss \d+\.\d{4} {2}val_loss \d+\.\d{4}$/);
    model.dispose();
  });

  it('on a terminal: draws the bar with steps and the running loss', async () => {
    const out = capture(true);
    const model = new Linear(1, 1, { seed: 1 });
    await fit(model, data, { epochs: 1, batchSize: 10, loss: 'mse', callbacks: [progressBar({ stream: out.stream })] });
    expect(out.text()).toMatch(/epoch 1\/1 \[.*\] 4\/4 \| loss \d+\.\d{4}/);
    expect(out.text()).toMatch(/epoch 1\/1 {2}loss \d+\.\d{4}\n$/);
    model.dispose();
  });
});

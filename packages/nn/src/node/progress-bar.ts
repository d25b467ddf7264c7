import cliProgress from 'cli-progress';
import type { Callback } from '../fit.js';

export interface ProgressBarOptions {
  /** Where the bar is drawn (default process.stderr, so stdout stays clean for results). */
  stream?: NodeJS.WriteStream;
  /**
   * Draw even when the stream is not a terminal (default false: in CI logs and pipes a
   * redrawn bar is noise, so only the epoch lines are written).
   */
  force?: boolean;
  /** Digits of the numbers (default 4). */
  digits?: number;
}

/**
 * A terminal progress bar for `fit` (cli-progress): one bar per epoch with the steps
 * done, the running training loss and the time left; at the end of each epoch a line
 * with its logs (`loss`, `val_loss`, metrics). Off a terminal, only those lines.
 *
 * @example
 * ```ts
 * import { progressBar } from '@cellstate/nn/node';
 * await fit(model, train, { epochs: 20, loss: 'mse', callbacks: [progressBar()] });
 * ```
 */
export function progressBar(options: ProgressBarOptions = {}): Callback {
  const stream = options.stream ?? process.stderr;
  const digits = options.digits ?? 4;
  const draw = options.force === true || stream.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let running = 0;
  let steps = 0;
  return {
    onEpochBegin(epoch, context) {
      running = 0;
      steps = 0;
      if (!draw) return;
      bar = new cliProgress.SingleBar(
        { format: `epoch ${epoch + 1}/${context.epochs} [{bar}] {value}/{total} | loss {loss} | {eta}s left`, stream, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(context.stepsPerEpoch, 0, { loss: '-' });
    },
    onBatchEnd(_batch, { loss }) {
      running += loss;
      steps++;
      bar?.update(steps, { loss: (running / steps).toFixed(digits) });
    },
    onEpochEnd(epoch, logs, context) {
      bar?.stop();
      bar = undefined;
      stream.write(`epoch ${epoch + 1}/${context.epochs}  ${Object.entries(logs).map(([k, v]) => `${k} ${v.toFixed(digits)}`).join('  ')}\n`);
    },
    onTrainEnd(history) {
      bar?.stop();
      bar = undefined;
      if (history.stopReason) stream.write(`stopped after ${history.epochs} epochs: ${history.stopReason}\n`);
    },
  };
}

import { ArgumentError } from '@cellstate/tensor';
import { restoreParameters, snapshotParameters, type Callback, type EpochLogs } from './fit.js';
import { checkNonNegativeInteger } from './check-arguments.js';

export interface EarlyStoppingOptions {
  /** The log to watch (default 'val_loss', or 'loss' when there is no validation). */
  monitor?: string;
  /** Stop after this many epochs in a row without improvement (default 5, Keras' meaning). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** 'min' for losses and errors, 'max' for accuracy and F1 (default: 'max' for accuracy/precision/recall/f1, else 'min'). */
  mode?: 'min' | 'max';
  /** At the end, put back the weights of the best epoch (default true). */
  restoreBestWeights?: boolean;
}

/** An `earlyStopping` callback, with what it saw. */
export interface EarlyStopping extends Callback {
  /** 0-based epoch of the best value so far (-1 before the first epoch). */
  readonly bestEpoch: number;
  readonly best: number;
}

/**
 * Stops `fit` when the monitored value has not improved for `patience` epochs, and by
 * default restores the weights of the best epoch at the end (also after a non-finite
 * loss or an abort), so the model `fit` leaves behind is the best one it saw. The
 * best weights are kept as host copies, read only when an epoch improves.
 *
 * @example
 * ```ts
 * await fit(model, train, { epochs: 100, validation, loss: 'mse', callbacks: [earlyStopping({ patience: 5 })] });
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  const patience = options.patience ?? 5;
  const minDelta = Math.abs(options.minDelta ?? 0);
  checkNonNegativeInteger('earlyStopping', 'patience', patience);
  let best = NaN;
  let bestEpoch = -1;
  let wait = 0;
  let snapshot: Awaited<ReturnType<typeof snapshotParameters>> | undefined;
  const monitorOf = (logs: EpochLogs) => options.monitor ?? ('val_loss' in logs ? 'val_loss' : 'loss');
  const modeOf = (monitor: string) => options.mode ?? (/(^|_)(accuracy|precision|recall|f1)$/.test(monitor) ? 'max' : 'min');
  return {
    get bestEpoch() {
      return bestEpoch;
    },
    get best() {
      return best;
    },
    onTrainBegin() {
      best = NaN;
      bestEpoch = -1;
      wait = 0;
      snapshot = undefined;
    },
    async onEpochEnd(epoch, logs, context) {
      const monitor = monitorOf(logs);
      const value = logs[monitor];
      if (value === undefined) throw new ArgumentError('earlyStopping', `no '${monitor}' in the logs (${Object.keys(logs).join(', ')})`);
      const sign = modeOf(monitor) === 'min' ? 1 : -1;
      if (Number.isFinite(value) && (bestEpoch < 0 || sign * (best - value) > minDelta)) {
        best = value;
        bestEpoch = epoch;
        wait = 0;
        if (options.restoreBestWeights ?? true) snapshot = await snapshotParameters(context.model);
        return;
      }
      if (++wait >= patience) context.stop(`early stopping: '${monitor}' has not improved for ${patience} epochs (best ${best} at epoch ${bestEpoch + 1})`);
    },
    onTrainEnd(history, context) {
      // A stop mid-epoch (non-finite loss, abort) leaves that epoch's first steps applied,
      // so the best weights go back even when the best epoch was the last complete one.
      if (snapshot && (bestEpoch + 1 !== history.epochs || history.stopReason !== undefined)) restoreParameters(context.model, snapshot);
      snapshot = undefined;
    },
  };
}

export interface ProgressLoggerOptions {
  /** Where lines go (default console.log). */
  log?: (line: string) => void;
  /** Digits after the point (default 4). */
  digits?: number;
}

/**
 * One line per epoch: `epoch 3/30  loss 0.1234  val_loss 0.2345  (1.2 s)`, and the
 * reason when training stops early. Browser-safe (console or any sink).
 *
 * @example
 * ```ts
 * await fit(model, train, { epochs: 10, loss: 'mse', callbacks: [progressLogger()] });
 * ```
 */
export function progressLogger(options: ProgressLoggerOptions = {}): Callback {
  const log = options.log ?? ((line: string) => console.log(line));
  const digits = options.digits ?? 4;
  let started = 0;
  return {
    onEpochBegin() {
      started = performance.now();
    },
    onEpochEnd(epoch, logs, context) {
      const values = Object.entries(logs).map(([name, v]) => `${name} ${v.toFixed(digits)}`);
      log(`epoch ${epoch + 1}/${context.epochs}  ${values.join('  ')}  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    },
    onTrainEnd(history) {
      if (history.stopReason) log(`stopped after ${history.epochs} epochs: ${history.stopReason}`);
    },
  };
}

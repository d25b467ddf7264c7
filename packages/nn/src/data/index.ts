export { Dataset, collate, type Sample, type NestedNumbers, type BatchOptions, type CollatedBatch, type CollateOptions } from './dataset.js';
export { Standardizer, type Series } from './normalizer.js';
export { timeSeriesWindows, timeSeriesSplit, type Window, type WindowOptions, type TimeSeriesSplitOptions, type TimeSeriesSplit } from './windows.js';

import { writeLineChart, type Series } from '../shared/chart.js';
import type { ForecastResult } from './train.js';

/** The series starts in January of this year (for the chart's x axis). */
export const FIRST_YEAR = 2005;

const year = (month: number) => FIRST_YEAR + month / 12;

/** The chart's series: the actual values (the last years before the test months and the test months), the LSTM and the seasonal-naive forecasts. */
export function forecastSeries(result: ForecastResult, contextMonths = 48): Series[] {
  const from = Math.max(0, result.testStart - contextMonths);
  return [
    { name: 'actual', points: result.series.slice(from).map((v, i) => [year(from + i), v] as const) },
    { name: 'LSTM forecast', points: result.months.map((m, i) => [year(m), result.forecast[i]!] as const) },
    { name: 'seasonal naive', points: result.months.map((m, i) => [year(m), result.naive[i]!] as const), dashed: true },
  ];
}

/** Writes the actual-vs-forecast chart as SVG; returns the absolute path. */
export function writeForecastChart(file: string, result: ForecastResult): Promise<string> {
  return writeLineChart(file, {
    title: 'Monthly sales: one-step-ahead forecasts over the test months',
    subtitle: `test MAE: LSTM ${result.maeLstm.toFixed(2)}, seasonal naive ${result.maeNaive.toFixed(2)} (hidden ${result.options.hidden}, ${result.options.steps} steps, seed ${result.options.seed})`,
    xTitle: 'year',
    xFormat: 'd',
    yTitle: 'sales',
    series: forecastSeries(result),
  });
}

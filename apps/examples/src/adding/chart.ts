import { writeLineChart, type Series } from '../shared/chart.js';
import type { AddingResult } from './experiment.js';

/** Gradient norm against distance, one line per model and moment (trained solid, initial dashed). */
export function gradientSeries(result: AddingResult): Series[] {
  const out: Series[] = [];
  for (const m of result.models) out.push({ name: `${m.label}, trained`, points: m.gradientsTrained.map((g, d) => [d, g] as const) });
  for (const m of result.models) out.push({ name: `${m.label}, at initialisation`, points: m.gradientsAtInit.map((g, d) => [d, g] as const), dashed: true });
  return out;
}

/** Writes the gradient-vs-distance chart (log y) as SVG; returns the absolute path. */
export function writeGradientChart(file: string, result: AddingResult): Promise<string> {
  const o = result.options;
  const mse = result.models.map((m) => `${m.label} ${m.testMse.toFixed(4)}`).join(', ');
  return writeLineChart(file, {
    title: `Adding problem (T = ${o.length}): how much the loss feels each input step`,
    subtitle: [
      `mean ‖dLoss/dx_t‖ over 64 held-out sequences; a line stops where float32 underflows to 0`,
      `test MSE: ${mse}; always predicting 1: ${result.trivialMse.toFixed(3)} (hidden ${o.hidden}, ${o.steps} steps, seed ${o.seed})`,
    ],
    xTitle: 'distance from the output (steps back in time)',
    yTitle: 'gradient norm (log scale)',
    logY: true,
    series: gradientSeries(result),
  });
}

/**
 * Charts for the examples: a Vega-Lite line chart rendered to an SVG string in Node
 * (Vega's headless `View` with renderer 'none' and `toSVG()`: no browser, no canvas),
 * and a small terminal chart (asciichart).
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as asciichart from 'asciichart';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One named line: y values at x positions (null leaves a gap). */
export interface Series {
  name: string;
  points: readonly (readonly [x: number, y: number | null])[];
  /** Dashed stroke (for baselines). */
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  series: readonly Series[];
  /** Logarithmic y axis (values must be positive). */
  logY?: boolean;
  width?: number;
  height?: number;
  /** Optional subtitle line(s) under the title. */
  subtitle?: string | string[];
  /** d3-format of the x axis labels (e.g. 'd' for years). */
  xFormat?: string;
}

/** The Vega-Lite spec of a multi-series line chart (exported for inspection and tests). */
export function lineChartSpec(options: LineChartOptions): TopLevelSpec {
  const values = options.series.flatMap((s) =>
    s.points.filter(([, y]) => y !== null && Number.isFinite(y) && (!options.logY || y > 0)).map(([x, y]) => ({ x, y, series: s.name })),
  );
  const names = options.series.map((s) => s.name);
  const dashes = options.series.map((s) => (s.dashed ? [6, 4] : [1, 0]));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.subtitle ? { text: options.title, subtitle: options.subtitle } : options.title,
    width: options.width ?? 720,
    height: options.height ?? 320,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: false, strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.xTitle, scale: { zero: false, nice: false }, ...(options.xFormat ? { axis: { format: options.xFormat, tickMinStep: 1 } } : {}) },
      y: {
        field: 'y',
        type: 'quantitative',
        title: options.yTitle,
        scale: options.logY ? { type: 'log' } : { zero: false },
        ...(options.logY ? { axis: { format: '.0e' } } : {}),
      },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: names }, legend: { orient: 'top', labelLimit: 0 } },
      strokeDash: { field: 'series', type: 'nominal', title: null, scale: { domain: names, range: dashes }, legend: { orient: 'top', labelLimit: 0 } },
    },
  };
}

/** Renders a Vega-Lite spec to an SVG string (headless). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders a line chart and writes it to `file`; returns the absolute path. */
export async function writeLineChart(file: string, options: LineChartOptions): Promise<string> {
  const svg = await renderSvg(lineChartSpec(options));
  const path = resolve(file);
  await writeFile(path, svg, 'utf8');
  return path;
}

/** A small terminal chart of one or more equally long series (asciichart). */
export function terminalChart(series: readonly (readonly number[])[], options: { height?: number; colors?: boolean } = {}): string {
  const palette = [asciichart.blue, asciichart.green, asciichart.red, asciichart.magenta];
  const useColors = options.colors ?? Boolean(process.stdout.isTTY);
  return asciichart.plot(
    series.map((s) => [...s]),
    {
      height: options.height ?? 12,
      ...(useColors ? { colors: series.map((_, i) => palette[i % palette.length]!) } : {}),
      format: (x: number) => x.toFixed(1).padStart(8),
    },
  );
}

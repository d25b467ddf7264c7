import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lineChartSpec, renderSvg, terminalChart, writeLineChart } from './chart.js';
import { checkSvg } from './svg-check.js';

const dir = await mkdtemp(join(tmpdir(), 'cellstate-examples-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('charts', () => {
  it('writes a well-formed SVG with a legend entry per series', async () => {
    const path = await writeLineChart(join(dir, 'chart.svg'), {
      title: 'a title',
      xTitle: 'x',
      yTitle: 'y',
      series: [
        { name: 'first series', points: [[0, 1], [1, 2], [2, 3]] },
        { name: 'second series', points: [[0, 3], [1, null], [2, 1]], dashed: true },
      ],
    });
    const svg = await readFile(path, 'utf8');
    expect(checkSvg(svg)).toEqual({ ok: true });
    for (const text of ['a title', 'first series', 'second series']) expect(svg).toContain(text);
  });

  it('drops non-positive values on a log axis instead of failing', async () => {
    const spec = lineChartSpec({ title: 't', xTitle: 'x', yTitle: 'y', logY: true, series: [{ name: 's', points: [[0, 1], [1, 0], [2, 1e-20]] }] });
    expect((spec.data as { values: unknown[] }).values).toHaveLength(2);
    expect(checkSvg(await renderSvg(spec))).toEqual({ ok: true });
  });

  it('the SVG checker rejects broken documents', () => {
    expect(checkSvg('<svg><g></svg>').ok).toBe(false);
    expect(checkSvg('<html></html>').ok).toBe(false);
    expect(checkSvg('<svg><g/></svg><svg></svg>').ok).toBe(false);
    expect(checkSvg('<svg a="1>2"><text>a &lt; b</text></svg>')).toEqual({ ok: true });
  });

  it('draws a terminal chart', () => {
    const chart = terminalChart([[1, 2, 3, 2, 1]], { height: 4, colors: false });
    expect(chart.split('\n').length).toBe(5);
    expect(chart).toMatch(/[╭╮╯╰─]/);
  });
});

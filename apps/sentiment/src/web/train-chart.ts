/**
 * The Train view's chart: the training loss at every progress report and the
 * validation macro-F1 after each evaluation, redrawn at most once a frame.
 */
import type { TrainingProgress } from '@cellstate/worker';
import { Chart, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import type { WebTrainingMetrics } from './training.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

type Points = { x: number; y: number }[];

export class TrainChart {
  private readonly chart: Chart;
  private pending = false;
  private lastValidStep = 0;

  constructor(canvas: HTMLCanvasElement) {
    this.chart = new Chart(canvas, {
      type: 'line',
      data: {
        datasets: [
          { label: 'training loss', data: [] as Points, borderColor: '#4a7bd0', backgroundColor: '#4a7bd0', pointRadius: 0, borderWidth: 1.5, yAxisID: 'y' },
          { label: 'validation macro-F1', data: [] as Points, borderColor: '#5cb85c', backgroundColor: '#5cb85c', pointRadius: 3, borderWidth: 1.5, yAxisID: 'f1' },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        parsing: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'step' } },
          y: { type: 'linear', title: { display: true, text: 'loss' }, beginAtZero: true },
          f1: { type: 'linear', position: 'right', min: 0, max: 1, title: { display: true, text: 'macro-F1' }, grid: { drawOnChartArea: false } },
        },
      },
    });
  }

  /** Empties both series (a new run). */
  reset(): void {
    for (const ds of this.chart.data.datasets) ds.data = [];
    this.lastValidStep = 0;
    this.chart.update('none');
  }

  /** Adds a progress report's loss, and its validation score when it is a new one. */
  add(p: TrainingProgress): void {
    const m = p.metrics as unknown as Partial<WebTrainingMetrics>;
    const datasets = this.chart.data.datasets;
    const loss = datasets[0]!.data as Points;
    loss.push({ x: p.step, y: p.loss });
    if (loss.length > 2000) datasets[0]!.data = loss.filter((_, i) => i % 2 === 1); // keep the chart light on long runs
    if (m.validStep !== undefined && m.validMacroF1 !== undefined && m.validStep !== this.lastValidStep) {
      (datasets[1]!.data as Points).push({ x: m.validStep, y: m.validMacroF1 });
      this.lastValidStep = m.validStep;
    }
    this.redraw();
  }

  private redraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.chart.update('none');
    });
  }
}

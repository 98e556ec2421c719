/**
 * Line charts (training curves, accuracy against severity, noise or ε, ROC)
 * as vega-lite specs (./vega.ts renders and writes them): one line per
 * series, drawn in the order of its points (an `order` channel, so a ROC
 * curve with several points at one x is drawn as computed), points marked
 * when every series has at most 30, series coloured in the order given
 * (category10), non-finite values left out.
 */
import { renderFigure, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './vega.js';

export interface Series {
  label: string;
  x: number[];
  y: number[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  /** Size of the whole figure in pixels (default 720 × 460). */
  width?: number;
  height?: number;
  yRange?: [number, number];
}

/** One row of a line chart's data. */
export interface LinePoint {
  series: string;
  x: number;
  y: number;
  /** Position of the point in its series. */
  order: number;
}

export const CATEGORY_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The chart's data rows: finite points (positive x on a log axis) of every series. */
export function linePoints(series: readonly Series[], logX = false): LinePoint[] {
  return series.flatMap((s) =>
    s.x
      .map((x, k) => ({ series: s.label, x, y: s.y[k], order: k }))
      .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!logX || p.x > 0)),
  );
}

/** The vega-lite spec of the chart. */
export function lineChartSpec(series: readonly Series[], options: LineChartOptions): VegaLiteSpec {
  const labels = series.map((s) => s.label);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title,
    width: options.width ?? 720,
    height: options.height ?? 460,
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    data: { values: linePoints(series, options.logX) },
    mark: { type: 'line', point: series.every((s) => s.x.length <= 30), strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.xLabel, scale: options.logX ? { type: 'log' } : { zero: false } },
      y: { field: 'y', type: 'quantitative', title: options.yLabel, scale: options.yRange ? { domain: options.yRange } : { zero: false } },
      color: { field: 'series', type: 'nominal', title: null, sort: labels, scale: { domain: labels, range: CATEGORY_COLORS } },
      order: { field: 'order', type: 'quantitative' },
    },
  } as VegaLiteSpec;
}

/** The chart as PNG bytes (to write it with its spec: `writeFigure(path, lineChartSpec(…))`). */
export async function lineChartPng(series: Series[], options: LineChartOptions): Promise<Buffer> {
  return renderFigure(lineChartSpec(series, options));
}

/**
 * ROC figure of binary detectors (point 8 of the forgery-detection metrics):
 * one polyline per score set through every distinct threshold (the curve of
 * `rocCurve`, scikit-learn's `roc_curve(drop_intermediate=False)`), x = false
 * positive rate (real called fake), y = true positive rate (fake called fake),
 * the chance diagonal for reference, each legend entry with its AUC and EER
 * (`binaryScores`). A vega-lite line chart (./line-chart.ts): {@link rocSpec}
 * for `writeFigure`, {@link rocPng} for the bytes alone.
 */
import type * as tf from '@tensorflow/tfjs';
import { binaryScores } from '../metrics/binary.js';
import { rocCurve } from '../metrics/roc.js';
import { lineChartSpec, type Series } from './line-chart.js';
import { renderFigure, type VegaLiteSpec } from './vega.js';

export interface RocInput {
  label: string;
  /** Fake probabilities. */
  scores: tf.Tensor | ArrayLike<number>;
  /** 1 = fake, 0 = real. */
  labels: tf.Tensor | ArrayLike<boolean | number>;
}

/** The chart's series: the chance diagonal, then one ROC per input labelled `label (AUC a, EER e)`. */
export function rocSeries(inputs: readonly RocInput[]): Series[] {
  return [
    { label: 'chance', x: [0, 1], y: [0, 1] },
    ...inputs.map(({ label, scores, labels }) => {
      const s = binaryScores(scores, labels);
      const roc = rocCurve(scores, labels);
      return { label: `${label} (AUC ${s.auc.toFixed(3)}, EER ${s.eer.toFixed(3)})`, x: roc.far, y: roc.tar };
    }),
  ];
}

/** The vega-lite spec of the ROC figure of `inputs`. */
export function rocSpec(inputs: readonly RocInput[], title = 'ROC'): VegaLiteSpec {
  return lineChartSpec(rocSeries(inputs), { title, xLabel: 'false positive rate (real called fake)', yLabel: 'true positive rate (fake called fake)', yRange: [0, 1], width: 760 });
}

/** The ROC figure of `inputs` as PNG bytes. */
export async function rocPng(inputs: readonly RocInput[], title = 'ROC'): Promise<Buffer> {
  return renderFigure(rocSpec(inputs, title));
}
